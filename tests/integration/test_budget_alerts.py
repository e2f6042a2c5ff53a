"""Budget alerts: one per group, month and threshold, however often the check runs and
however the jobs' events arrive. moto's DynamoDB for the spend and the claims, its SNS
delivering to an SQS inbox for the alerts."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from jobtracker.budgets import (
    Budget,
    BudgetMessage,
    BudgetPublishFailed,
    BudgetWatch,
    SnsBudgetPublisher,
)
from jobtracker.config import TableConfig
from jobtracker.cost import PriceBook
from jobtracker.price_cache import PriceCache
from jobtracker.pricing import SnapshotPricer
from jobtracker.record import normalise_training_job
from jobtracker.store.budget_claims import BudgetClaimRepository
from jobtracker.store.reads import JobReads
from jobtracker.store.repository import JobRepository
from jobtracker.timestamps import to_epoch_ms

from synthetic.events import describe_response, lifecycle
from tests.fixtures.aws import TABLE_NAME, clients, create_table, create_topic_with_inbox

# $3.60 an hour: each job below runs long enough to cost what its budget test needs.
BOOK = PriceBook({"us-east-1/ml.g5.2xlarge": 3.6}, "test prices", "2026-12-01")
PRICER = SnapshotPricer(PriceCache(lambda: BOOK))
DECEMBER = to_epoch_ms("2026-12-03T08:00:00Z")
NOW = to_epoch_ms("2026-12-06T12:00:00Z") / 1000


def store_job(repository: JobRepository, name: str, team: str, minutes: int) -> None:
    """A job of `team` created this month, ended and described, billed `minutes` (its five
    steps from training start to end) at $0.06 a minute."""
    life = lifecycle(
        name, "Completed", creation_ms=DECEMBER, step_ms=minutes * 60_000 // 5, tags={"team": team}
    )
    # The enricher keeps the event's tags, which DescribeTrainingJob leaves out.
    described = {**describe_response(life[-1]), "Tags": life[-1]["Tags"]}
    for detail in [*life, described]:
        repository.store_snapshot(
            PRICER.price(normalise_training_job(detail, ("123456789012", "us-east-1")))
        )


@pytest.fixture
def stack(aws: None) -> dict[str, Any]:
    dynamodb, sns, sqs = clients()
    create_table(dynamodb)
    topic_arn, inbox = create_topic_with_inbox(sns, sqs)
    table = TableConfig(table_name=TABLE_NAME, region="us-east-1")
    repository = JobRepository(table)
    return {
        "repository": repository,
        "reads": JobReads(repository.models),
        "claims": BudgetClaimRepository(table),
        "publisher": SnsBudgetPublisher(topic_arn, sns),
        "inbox": inbox,
    }


def watch(stack: dict[str, Any], *budgets: Budget, publisher: Any = None) -> BudgetWatch:
    return BudgetWatch(
        budgets=budgets,
        reads=stack["reads"],
        claims=stack["claims"],
        publisher=publisher or stack["publisher"],
        clock=lambda: NOW,
    )


def alerts(stack: dict[str, Any]) -> Counter[tuple[str, int]]:
    return Counter(
        (n["Message"]["group"], n["Message"]["threshold_percent"])
        for n in stack["inbox"].receive_all()
    )


def test_a_crossing_alerts_once_however_often_the_check_runs(stack: dict[str, Any]) -> None:
    # Given a $1 budget for vision, and vision's jobs of this month
    budget = Budget("tag:team=vision", 1.0)
    store_job(stack["repository"], "vision-a", "vision", 10)
    report = watch(stack, budget).check()
    # Then under 80 % nothing is sent
    billed = sum(
        item.get("cost_micros", 0)
        for item in stack["reads"].iter_group_stats("tag:team", "2026-12-01", "2026-12-06")
        if item["group"] == "vision"
    )
    assert billed < 800_000 and report.sent == []
    # When more jobs push it past 80 %, then past 100 %, and the check runs again and again
    store_job(stack["repository"], "vision-b", "vision", 4)
    first = watch(stack, budget).check()
    store_job(stack["repository"], "vision-c", "vision", 8)
    for _ in range(3):
        watch(stack, budget).check()
    # Then the 80 % alert went out once, on the check that saw it, and the 100 % once
    assert first.sent == ["tag:team=vision@80%"]
    assert alerts(stack) == Counter({("tag:team=vision", 80): 1, ("tag:team=vision", 100): 1})
    # And another team's jobs never touch vision's budget
    store_job(stack["repository"], "nlp-a", "nlp", 60)
    assert watch(stack, budget).check().sent == []


def test_a_failed_publish_is_published_by_the_next_check(stack: dict[str, Any]) -> None:
    class Down:
        def publish(self, message: BudgetMessage) -> str:
            raise BudgetPublishFailed("topic unavailable")

    budget = Budget("tag:team=vision", 0.5)
    store_job(stack["repository"], "vision-a", "vision", 12)
    failed = watch(stack, budget, publisher=Down()).check()
    assert failed.failed == ["tag:team=vision@80%", "tag:team=vision@100%"]
    assert stack["claims"].stored("tag:team=vision", "2026-12", 80) is None
    watch(stack, budget).check()
    watch(stack, budget).check()
    assert alerts(stack) == Counter({("tag:team=vision", 80): 1, ("tag:team=vision", 100): 1})
    claim = stack["claims"].stored("tag:team=vision", "2026-12", 100)
    assert claim is not None and claim["state"] == "sent"


def test_a_claim_held_by_a_live_check_is_left_to_it(stack: dict[str, Any]) -> None:
    budget = Budget("tag:team=vision", 0.5)
    store_job(stack["repository"], "vision-a", "vision", 12)
    # Another check holds the 80 % claim and is publishing right now
    stack["claims"].claim("tag:team=vision", "2026-12", 80, int(NOW * 1000), 60_000)
    report = watch(stack, budget).check()
    assert report.in_flight == ["tag:team=vision@80%"]
    assert alerts(stack) == Counter({("tag:team=vision", 100): 1})
