"""Statistics of a window, summed from daily aggregates."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from jobtracker.queries import STATUSES, StatsQuery, window_stats


class DailyStats:
    def __init__(self, days: dict[str, dict[str, int]]) -> None:
        self.days = days
        self.queries: list[tuple[str, str, str | None]] = []

    def iter_daily_stats(
        self, first_day: str, last_day: str, account: str | None = None
    ) -> Iterator[dict[str, Any]]:
        self.queries.append((first_day, last_day, account))
        for day in sorted(self.days):
            if first_day <= day <= last_day:
                yield {"day": day, **self.days[day]}


def counts(**given: int) -> dict[str, int]:
    return {status: given.get(status, 0) for status in STATUSES}


def test_sums_the_days_of_the_window_with_one_query() -> None:
    # Given three days of counters, one outside the window
    reader = DailyStats(
        {
            "2026-10-31": {"count_Failed": 5, "billable_seconds": 999},
            "2026-11-01": {
                "count_Completed": 2,
                "count_Failed": 1,
                "billable_seconds": 300,
                "training_seconds": 500,
                "spot_billable_seconds": 100,
                "spot_training_seconds": 300,
            },
            "2026-11-02": {
                "count_Completed": 1,
                "count_InProgress": 4,
                "billable_seconds": 100,
                "training_seconds": 100,
                "spot_billable_seconds": 50,
                "spot_training_seconds": 100,
                "cost_micros": 1_250_000,
                "unpriced_jobs": 1,
            },
        }
    )
    # When the window's statistics are asked for
    stats = window_stats(StatsQuery("2026-11-01", "2026-11-02"), reader)
    # Then they add up the window's days only, with one read, and list them day by day
    assert stats == {
        "counts": {"InProgress": 4, "Stopping": 0, "Completed": 3, "Failed": 1, "Stopped": 0},
        "billable_time_in_seconds": 400,
        "training_time_in_seconds": 600,
        "spot_savings_percent": 62.5,  # 1 - 150/400
        "cost_usd": 1.25,
        "unpriced_jobs": 1,
        "created_after": "2026-11-01T00:00:00.000Z",
        "created_before": "2026-11-02T23:59:59.999Z",
        "account": None,
        "days": [
            {
                "day": "2026-11-01",
                "counts": counts(Completed=2, Failed=1),
                "billable_time_in_seconds": 300,
                "training_time_in_seconds": 500,
                "cost_usd": 0.0,
            },
            {
                "day": "2026-11-02",
                "counts": counts(InProgress=4, Completed=1),
                "billable_time_in_seconds": 100,
                "training_time_in_seconds": 100,
                "cost_usd": 1.25,
            },
        ],
    }
    assert reader.queries == [("2026-11-01", "2026-11-02", None)]


def test_one_accounts_statistics_are_one_read_of_that_accounts_days() -> None:
    # Given an account's daily statistics
    reader = DailyStats({"2026-11-01": {"count_Failed": 2}})
    # When its window is asked for
    stats = window_stats(StatsQuery("2026-11-01", "2026-11-02", account="210987654321"), reader)
    # Then one query reads that account's days, and the answer names the account
    assert reader.queries == [("2026-11-01", "2026-11-02", "210987654321")]
    assert stats["account"] == "210987654321"
    assert stats["counts"]["Failed"] == 2


def test_no_spot_jobs_means_no_savings_figure() -> None:
    stats = window_stats(StatsQuery("2026-11-01", "2026-11-30"), DailyStats({}))
    assert stats["spot_savings_percent"] is None
    assert sum(stats["counts"].values()) == 0
    assert stats["days"] == []


class GroupStats:
    """Group items of one dimension, as store.reads.JobReads.iter_group_stats yields them."""

    def __init__(self, items: list[dict[str, Any]]) -> None:
        self.items = items
        self.queries: list[tuple[str, str, str]] = []

    def iter_group_stats(self, dimension: str, first: str, last: str) -> Iterator[dict[str, Any]]:
        self.queries.append((dimension, first, last))
        yield from (item for item in self.items if first <= item["day"] <= last)

    def iter_daily_stats(self, *args: Any) -> Iterator[dict[str, Any]]:
        raise AssertionError("a grouped answer reads the group items only")


def test_groups_are_read_with_one_query_and_add_up_to_the_total() -> None:
    # Given two teams' days and untagged jobs
    reader = GroupStats(
        [
            {"day": "2026-11-01", "group": "nlp", "count_Completed": 1, "cost_micros": 500_000},
            {
                "day": "2026-11-01",
                "group": "vision",
                "count_Completed": 2,
                "cost_micros": 3_000_000,
            },
            {"day": "2026-11-01", "group": None, "count_Failed": 1, "unpriced_jobs": 1},
            {"day": "2026-11-02", "group": "nlp", "count_InProgress": 1},
            # every job of this group moved to another (its tag was added later)
            {"day": "2026-11-02", "group": "gone", "count_InProgress": 0},
        ]
    )
    # When the window is asked for by team
    stats = window_stats(StatsQuery("2026-11-01", "2026-11-02", group_by="tag:team"), reader)
    # Then one Query of the dimension answers, highest cost first, the groups adding up
    assert reader.queries == [("tag:team", "2026-11-01", "2026-11-02")]
    assert [(g["key"], g["jobs"], g["cost_usd"]) for g in stats["groups"]] == [
        ("vision", 2, 3.0),
        ("nlp", 2, 0.5),
        (None, 1, 0.0),
    ]
    assert stats["cost_usd"] == sum(g["cost_usd"] for g in stats["groups"]) == 3.5
    assert stats["counts"] == counts(Completed=3, Failed=1, InProgress=1)
    assert stats["unpriced_jobs"] == 1
    assert [day["cost_usd"] for day in stats["days"]] == [3.5, 0.0]
    assert stats["groups"][1]["days"] == [
        {"day": "2026-11-01", "cost_usd": 0.5},
        {"day": "2026-11-02", "cost_usd": 0.0},
    ]
