"""The pagination property on the query logic alone: any data, any limit, any page cut,
each matching job exactly once, in order, and never an item read that is not returned."""

from __future__ import annotations

import pytest
from api.query_params import parse_job_query
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jobtracker.errors import InvalidQuery
from jobtracker.queries import JobQuery, Window, list_jobs
from jobtracker.timestamps import iso_from_ms
from jobtracker.tokens import Cursor, PageTokens

from tests.fixtures.fake_reader import FakeReader
from tests.fixtures.reference import expected_listing, listed_key
from tests.fixtures.training_jobs import (
    ACCOUNTS,
    DAY_MS,
    REGIONS,
    SeededJob,
    job_population,
    jobs_on_days,
    tuning_job_arn,
)

START_MS = 1_767_225_600_000  # 2026-01-01T00:00:00Z
TOKENS = PageTokens(lambda: b"unit-test-key-0123456789")


def page_all(query: JobQuery, reader: FakeReader) -> list[str]:
    names: list[str] = []
    token = None
    for _ in range(1000):
        page = list_jobs(query._replace(next_token=token), reader, TOKENS)
        assert len(page["items"]) <= query.limit
        names.extend(listed_key(item) for item in page["items"])
        token = page["next_token"]
        if token is None:
            return names
    raise AssertionError("paging did not end")


def iso(ms: int) -> str:
    return iso_from_ms(ms)


@st.composite
def query_parameters(draw: st.DrawFn) -> dict[str, str]:
    """Filters and limit; a window is added by the test from the jobs' own creation times."""
    limit = draw(st.one_of(st.integers(1, 5), st.integers(1, 100)))
    kind = draw(st.sampled_from(["none", "window", "status", "tuning", "prefix"]))
    params: dict[str, str] = {"limit": str(limit)}
    if kind in ("window", "status", "tuning"):
        params["window"] = draw(st.sampled_from(["", "after", "before", "both"]))
    if kind == "status":
        params["status"] = draw(
            st.sampled_from(["InProgress", "Stopping", "Completed", "Failed", "Stopped"])
        )
    if kind == "tuning":
        params["tuning_job_arn"] = tuning_job_arn(
            draw(st.sampled_from(["hpo-a", "hpo-b", "hpo-z"]))
        )
    if kind == "prefix":
        params["name_prefix"] = draw(
            st.sampled_from(["x", "xgboost-0", "b", "X", "7b", "resnet-00", "q"])
        )
    else:
        scope = draw(st.sampled_from(["", "account", "account and region"]))
        if scope:
            params["account"] = draw(st.sampled_from([*ACCOUNTS, "999999999999"]))
        if scope == "account and region":
            params["region"] = draw(st.sampled_from([*REGIONS, "ap-south-1"]))
    return params


def with_window(
    params: dict[str, str], jobs: list[SeededJob], picks: tuple[int, int, int, int]
) -> JobQuery:
    """Bounds on or next to the jobs' creation times, where off-by-one mistakes show."""
    params = dict(params)
    mode = params.pop("window", "")
    times = sorted(job.snapshot.creation_ms for job in jobs) or [START_MS]
    low = times[picks[0] % len(times)] + (picks[1] % 3 - 1)
    high = max(low, times[picks[2] % len(times)] + (picks[3] % 3 - 1))
    if mode in ("after", "both"):
        params["created_after"] = iso(low)
    if mode in ("before", "both"):
        params["created_before"] = iso(high)
    return parse_job_query(params)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    count=st.integers(0, 80),
    seed=st.integers(0, 2**16),
    span_days=st.sampled_from([1, 40, 400]),
    max_page=st.one_of(st.none(), st.integers(1, 7)),
    last_key_at_limit=st.booleans(),
    params=query_parameters(),
    picks=st.tuples(*[st.integers(0, 10_000)] * 4),
)
def test_every_matching_job_exactly_once_in_order(
    count: int,
    seed: int,
    span_days: int,
    max_page: int | None,
    last_key_at_limit: bool,
    params: dict[str, str],
    picks: tuple[int, int, int, int],
) -> None:
    # Given any set of jobs, a store that may cut pages short, and any query
    jobs = job_population(count, seed, START_MS, span_days)
    query = with_window(params, jobs, picks)
    reader = FakeReader(jobs, max_page=max_page, last_key_at_limit=last_key_at_limit)
    # When every page is fetched
    names = page_all(query, reader)
    # Then the jobs come exactly once each, in the query's order
    assert names == expected_listing(query, jobs)
    # And no request read an item it did not return
    assert sum(reader.index_reads) == len(names)


def test_month_walk_skips_months_without_jobs() -> None:
    # Given jobs in January and December only
    jan = job_population(3, 1, START_MS, 1)
    dec = job_population(3, 2, START_MS + 340 * DAY_MS, 1)
    reader = FakeReader(jan + dec)
    # When all jobs are listed
    names = page_all(JobQuery(window=Window(), limit=50), reader)
    # Then both months come, December first
    assert names == expected_listing(JobQuery(window=Window()), jan + dec)
    # And each run of empty months cost one empty Query and one day read: November's
    # sends the walk to January, December 2025's ends it; the first day read finds the top
    assert reader.partitions_read == ["2026-12", "2026-11", "2026-01", "2025-12"]
    assert reader.day_reads == 3


def months(*numbers: int, day: int = 15) -> list[str]:
    return [f"2026-{number:02d}-{day:02d}" for number in numbers]


def window_query(after: str | None, before: str | None, limit: int) -> JobQuery:
    params = {"limit": str(limit)}
    if after is not None:
        params["created_after"] = after
    if before is not None:
        params["created_before"] = before
    return parse_job_query(params)


@pytest.mark.parametrize("last_key_at_limit", [True, False])
@pytest.mark.parametrize("limit", [1, 3, 7, 100])
def test_a_window_over_months_with_jobs_reads_only_what_it_returns(
    limit: int, last_key_at_limit: bool
) -> None:
    # Given jobs in every month from January to June, on two days of each
    reader = FakeReader(
        jobs_on_days(months(1, 2, 3, 4, 5, 6, day=3) + months(1, 2, 3, 4, 5, 6, day=25)),
        last_key_at_limit=last_key_at_limit,
    )
    query = window_query("2026-01-10", "2026-06-20", limit)
    # When the window is paged through
    names = page_all(query, reader)
    # Then every job in it comes once, newest first, and nothing else was read
    assert names == expected_listing(query, reader.jobs)
    assert sum(reader.index_reads) == len(names)
    assert reader.day_reads == 0


@pytest.mark.parametrize("last_key_at_limit", [True, False])
@pytest.mark.parametrize("limit", [1, 2, 3, 50])
def test_a_gap_of_empty_months_costs_one_empty_query_and_one_day_read(
    limit: int, last_key_at_limit: bool
) -> None:
    # Given jobs in January, February, October and November: March to September are empty
    reader = FakeReader(
        jobs_on_days(months(1, 2, 10, 11), per_day=3), last_key_at_limit=last_key_at_limit
    )
    query = window_query("2026-01-01", "2026-11-30", limit)
    # When the window is paged through
    names = page_all(query, reader)
    # Then every job comes once, newest first
    assert names == expected_listing(query, reader.jobs)
    # And of the gap only September was queried, once, before one day read jumped to February
    assert set(reader.partitions_read) == {"2026-11", "2026-10", "2026-09", "2026-02", "2026-01"}
    assert reader.partitions_read.count("2026-09") == 1
    assert reader.day_reads == 1


def test_a_window_whose_upper_month_is_empty_costs_one_more_empty_query() -> None:
    # Given jobs from January to March, and a window ending in June
    reader = FakeReader(jobs_on_days(months(1, 2, 3)))
    query = window_query("2026-01-01", "2026-06-15", 50)
    # When the window is listed
    names = page_all(query, reader)
    # Then June, cut by the bound, leads to May; May's empty Query and one day read to March
    assert names == expected_listing(query, reader.jobs)
    assert reader.partitions_read == ["2026-06", "2026-05", "2026-03", "2026-02", "2026-01"]
    assert reader.day_reads == 1


def test_a_window_ending_as_a_month_begins_reads_only_what_it_returns() -> None:
    # Given jobs on the 1st and 20th of January to April, and a window ending at April's
    # first millisecond, before April's first jobs
    reader = FakeReader(jobs_on_days(months(1, 2, 3, 4, day=1) + months(1, 2, 3, 4, day=20)))
    query = window_query("2026-03-10", "2026-04-01T00:00:00Z", 50)
    # When the window is listed
    names = page_all(query, reader)
    # Then April's empty slice leads straight to March: no day item is read
    assert names == expected_listing(query, reader.jobs)
    assert len(names) == 2
    assert reader.partitions_read == ["2026-04", "2026-03"]
    assert reader.day_reads == 0
    assert sum(reader.index_reads) == len(names)


@pytest.mark.parametrize("limit", [1, 2, 5, 50])
def test_a_lower_bound_inside_a_month_ends_the_walk_in_that_month(limit: int) -> None:
    # Given jobs on the 3rd and 25th of January to March, and a window from February 10th
    reader = FakeReader(jobs_on_days(months(1, 2, 3, day=3) + months(1, 2, 3, day=25)))
    query = window_query("2026-02-10T12:00:00Z", "2026-03-31", limit)
    # When the window is paged through
    names = page_all(query, reader)
    # Then only February 25th's and March's jobs come, and January is never read
    assert names == expected_listing(query, reader.jobs)
    assert len(names) == 6
    assert "2026-01" not in reader.partitions_read
    assert sum(reader.index_reads) == len(names)
    assert reader.day_reads == 0


def test_an_empty_window_inside_one_month_costs_one_empty_query() -> None:
    # Given jobs in April and June, and a window of ten days in May
    reader = FakeReader(jobs_on_days(months(4, 6)))
    query = window_query("2026-05-10", "2026-05-20", 50)
    # When it is listed
    page = list_jobs(query, reader, TOKENS)
    # Then May's empty Query is all: the walk never goes below the window's first month
    assert page == {"items": [], "next_token": None}
    assert reader.partitions_read == ["2026-05"]
    assert reader.day_reads == 0


@pytest.mark.parametrize("last_key_at_limit", [True, False])
def test_a_page_ending_with_a_month_continues_in_the_month_before(
    last_key_at_limit: bool,
) -> None:
    # Given three jobs in March and two in February
    reader = FakeReader(
        jobs_on_days(["2026-03-15"], per_day=3) + jobs_on_days(["2026-02-15"], per_day=2),
        last_key_at_limit=last_key_at_limit,
    )
    query = window_query(None, "2026-03-31", 3)
    # When the first page takes exactly March's jobs
    first = list_jobs(query, reader, TOKENS)
    second = list_jobs(query._replace(next_token=first["next_token"]), reader, TOKENS)
    # Then the next page holds February's, and the listing ends there
    names = [listed_key(item) for item in first["items"] + second["items"]]
    assert names == expected_listing(query, reader.jobs)
    assert len(first["items"]) == 3
    assert second["next_token"] is None


def test_a_page_ending_with_the_windows_first_month_ends_the_listing() -> None:
    # Given three jobs in March and more in February, and a window starting in March
    reader = FakeReader(
        jobs_on_days(["2026-03-15"], per_day=3) + jobs_on_days(["2026-02-15"]),
        last_key_at_limit=False,
    )
    query = window_query("2026-03-01", "2026-03-31", 3)
    # When the page takes exactly March's jobs
    page = list_jobs(query, reader, TOKENS)
    # Then there is no next page, and February was never read
    assert len(page["items"]) == 3
    assert page["next_token"] is None
    assert reader.partitions_read == ["2026-03"]


@pytest.mark.parametrize("month", ["2026-13", "2026-00", "Failed"])
def test_a_month_cursor_outside_the_calendar_is_refused(month: str) -> None:
    query = window_query("2026-01-01", "2026-03-31", 3)
    token = TOKENS.issue(query.fingerprint, Cursor(month, None))
    with pytest.raises(InvalidQuery, match="belongs to another query"):
        list_jobs(query._replace(next_token=token), FakeReader([]), TOKENS)
