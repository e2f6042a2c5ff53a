"""The by-month walk over moto: which DynamoDB requests a window listing makes.

Jobs on two days of every month from January to April 2026, then none from May to
August, then September and October: consecutive months and a gap of four empty ones.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from api.query_params import parse_job_query

from tests.fixtures.reference import expected_listing
from tests.fixtures.seeded_api import SeededApi, recorded_dynamodb_calls, seeded_api
from tests.fixtures.training_jobs import jobs_on_days

MONTHS_WITH_JOBS = (1, 2, 3, 4, 9, 10)


@pytest.fixture(scope="module")
def api() -> Iterator[SeededApi]:
    days = [f"2026-{month:02d}-{day}" for month in MONTHS_WITH_JOBS for day in ("05", "20")]
    with seeded_api(jobs=jobs_on_days(days, per_day=3)) as seeded:
        yield seeded


def month_queried(request: dict[str, Any]) -> str:
    """The creation_month a by-month Query's key condition names."""
    names = {value: key for key, value in request["ExpressionAttributeNames"].items()}
    placeholder = re.search(
        rf"{names['creation_month']} = (:\w+)", request["KeyConditionExpression"]
    )
    assert placeholder is not None
    return str(request["ExpressionAttributeValues"][placeholder.group(1)]["S"])


def walk(
    api: SeededApi, params: dict[str, str]
) -> tuple[list[str], list[tuple[dict[str, Any], dict[str, Any]]], list[dict[str, Any]]]:
    """Every page of the listing: names, by-month Queries (request, response), STATS Queries."""
    with recorded_dynamodb_calls() as dynamodb:
        names = api.page_all(params)
    queries = dynamodb.of("Query")
    by_month = [(req, res) for req, res in queries if req.get("IndexName") == "by-month"]
    stats = [req for req, _ in queries if "IndexName" not in req]
    assert len(by_month) + len(stats) == len(queries)
    return names, by_month, stats


@pytest.mark.parametrize(
    "window",
    [
        {"created_after": "2026-01-10", "created_before": "2026-04-15"},
        # April's slice of the window (its first millisecond) holds no job
        {"created_after": "2026-02-10", "created_before": "2026-04-01T00:00:00Z"},
    ],
)
@pytest.mark.parametrize("limit", ["1", "4", "7", "100"])
def test_a_window_over_consecutive_months_reads_exactly_what_it_returns(
    api: SeededApi, limit: str, window: dict[str, str]
) -> None:
    # Given a window over months that all have jobs
    # When every page is fetched
    names, by_month, stats = walk(api, {**window, "limit": limit})
    # Then the jobs come once each, newest first
    assert names == expected_listing(parse_job_query(window), api.jobs)
    # And the Queries read exactly the items returned: no day item, no item out of the window
    assert sum(res["ScannedCount"] for _, res in by_month) == len(names)
    assert stats == []


@pytest.mark.parametrize("limit", ["2", "5", "100"])
def test_a_gap_of_empty_months_costs_one_empty_query_and_one_day_read(
    api: SeededApi, limit: str
) -> None:
    # Given a window from January to October, with May to August empty
    window = {"created_after": "2026-01-01", "created_before": "2026-10-31"}
    # When every page is fetched
    names, by_month, stats = walk(api, {**window, "limit": limit})
    # Then the jobs come once each, newest first
    assert names == expected_listing(parse_job_query(window), api.jobs)
    assert len(names) == len(set(names)) == 36
    # And of the gap only August was queried (reading nothing), then one day read jumped to April
    months = [month_queried(req) for req, _ in by_month]
    assert set(months) == {
        "2026-10",
        "2026-09",
        "2026-08",
        "2026-04",
        "2026-03",
        "2026-02",
        "2026-01",
    }
    assert [res["ScannedCount"] for req, res in by_month if month_queried(req) == "2026-08"] == [0]
    assert len(stats) == 1 and stats[0]["Limit"] == 1
    assert sum(res["ScannedCount"] for _, res in by_month) == len(names)


def test_a_window_with_an_empty_upper_month_and_a_lower_bound_inside_a_month(
    api: SeededApi,
) -> None:
    # Given a window from February 10th (mid-month) to July 15th (a month without jobs)
    window = {"created_after": "2026-02-10T12:00:00Z", "created_before": "2026-07-15"}
    # When every page is fetched
    names, by_month, stats = walk(api, {**window, "limit": "4"})
    # Then it starts at July, cut by the bound, goes on to June, whose empty Query sends it
    # to April with one day read, and stops inside February
    assert names == expected_listing(parse_job_query(window), api.jobs)
    assert len(names) == 15  # February 20th's 3, and 6 in each of March and April
    months = [month_queried(req) for req, _ in by_month]
    assert months[:3] == ["2026-07", "2026-06", "2026-04"]
    assert "2026-01" not in months
    assert len(stats) == 1
    assert sum(res["ScannedCount"] for _, res in by_month) == len(names)


def test_the_unfiltered_first_page_reads_one_day_item_to_find_the_newest_month(
    api: SeededApi,
) -> None:
    # When the first page of the whole listing is fetched
    with recorded_dynamodb_calls() as dynamodb:
        response = api.get("/jobs", {"limit": "5"})
    # Then one Limit 1 Query of the STATS partition found October, read before its 5 jobs
    queries = dynamodb.of("Query")
    assert [req.get("IndexName") for req, _ in queries] == [None, "by-month"]
    assert [res["ScannedCount"] for _, res in queries] == [1, 5]
    assert [item["creation_time"][:7] for item in response.body["items"]] == ["2026-10"] * 5
