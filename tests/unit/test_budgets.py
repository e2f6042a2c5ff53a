"""Budgets: which thresholds a month's spend has crossed, and what the alert says."""

import json

import pytest
from jobtracker.budgets import (
    Budget,
    BudgetError,
    crossings,
    month_to_date,
    parse_budgets,
)
from jobtracker.pricing import group_dimensions

DIMENSIONS = group_dimensions(("team", "project"))


def test_budgets_are_read_from_the_deploys_json() -> None:
    budgets = parse_budgets('{"tag:team=vision": 5000, "account=210987654321": 20000}', DIMENSIONS)
    assert budgets == (
        Budget("account=210987654321", 20000.0),
        Budget("tag:team=vision", 5000.0),
    )


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        ('{"tag:owner=me": 10}', "not <dimension>=<value>"),
        ('{"tag:team": 10}', "not <dimension>=<value>"),
        ('{"tag:team=vision": 0}', "positive number"),
        ('{"tag:team=vision": "lots"}', "positive number"),
        ("[1]", "expected an object"),
    ],
)
def test_a_budget_that_cannot_be_kept_is_refused_with_its_reason(raw: str, says: str) -> None:
    with pytest.raises(BudgetError, match=says):
        parse_budgets(raw, DIMENSIONS)


def test_each_threshold_reached_is_a_crossing() -> None:
    vision, nlp = Budget("tag:team=vision", 1000), Budget("tag:team=nlp", 1000)
    spent = {"tag:team=vision": 800_000_000, "tag:team=nlp": 799_999_999}
    found = [(c.budget.group, c.threshold) for c in crossings([vision, nlp], spent, "2026-12")]
    # $800 is 80 % of $1,000; a micro-dollar less is not
    assert found == [("tag:team=vision", 80)]
    spent["tag:team=vision"] = 1_000_000_000
    found = [(c.budget.group, c.threshold) for c in crossings([vision], spent, "2026-12")]
    assert found == [("tag:team=vision", 80), ("tag:team=vision", 100)]


def test_the_month_to_date_is_the_months_groups_days() -> None:
    class Reads:
        def __init__(self) -> None:
            self.asked: list[tuple[str, str, str]] = []

        def iter_group_stats(self, dimension: str, first: str, last: str):  # type: ignore[no-untyped-def]
            self.asked.append((dimension, first, last))
            yield {"day": "2026-12-01", "group": "vision", "cost_micros": 5_000_000}
            yield {"day": "2026-12-02", "group": "vision", "cost_micros": 2_500_000}
            yield {"day": "2026-12-02", "group": None, "cost_micros": 1_000_000}
            yield {"day": "2026-12-02", "group": "nlp", "count_Completed": 1}

    reads = Reads()
    spent = month_to_date(reads, [Budget("tag:team=vision", 10)], "2026-12-06")
    assert spent == {"tag:team=vision": 7_500_000}
    assert reads.asked == [("tag:team", "2026-12-01", "2026-12-06")]


def test_the_alert_says_who_how_much_and_of_what() -> None:
    crossing = next(
        crossings([Budget("tag:team=vision", 5000)], {"tag:team=vision": 4_100_250_000}, "2026-12")
    )
    message = crossing.message()
    assert message.subject == "jobtracker: tag:team=vision at 80% of its 2026-12 budget"
    assert message.body == {
        "alert_kind": "BudgetThreshold",
        "group": "tag:team=vision",
        "dimension": "tag:team",
        "value": "vision",
        "month": "2026-12",
        "threshold_percent": 80,
        "budget_usd": 5000.0,
        "month_to_date_usd": 4100.25,
        "percent_used": 82.0,
    }
    assert "$4,100.25" in message.text and "$5,000.00" in message.text
    document = json.loads(message.sns_message())
    assert json.loads(document["sqs"]) == message.body
    assert document["default"] == message.text
