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
        "created_after": "2026-11-01T00:00:00.000Z",
        "created_before": "2026-11-02T23:59:59.999Z",
        "account": None,
        "days": [
            {
                "day": "2026-11-01",
                "counts": counts(Completed=2, Failed=1),
                "billable_time_in_seconds": 300,
                "training_time_in_seconds": 500,
            },
            {
                "day": "2026-11-02",
                "counts": counts(InProgress=4, Completed=1),
                "billable_time_in_seconds": 100,
                "training_time_in_seconds": 100,
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
