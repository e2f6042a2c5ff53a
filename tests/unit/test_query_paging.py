"""The pagination property on the query logic alone: any data, any limit, any page cut,
each matching job exactly once, in order, and never an item read that is not returned."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jobtracker.queries import JobQuery, Window, list_jobs, parse_job_query
from jobtracker.timestamps import iso_from_ms
from jobtracker.tokens import PageTokens

from tests.fixtures.fake_reader import FakeReader
from tests.fixtures.reference import expected_listing
from tests.fixtures.training_jobs import DAY_MS, SeededJob, job_population, tuning_job_arn

START_MS = 1_767_225_600_000  # 2026-01-01T00:00:00Z
TOKENS = PageTokens(lambda: b"unit-test-key-0123456789")


def page_all(query: JobQuery, reader: FakeReader) -> list[str]:
    names: list[str] = []
    token = None
    for _ in range(1000):
        page = list_jobs(replace(query, next_token=token), reader, TOKENS)
        assert len(page["items"]) <= query.limit
        names.extend(item["training_job_name"] for item in page["items"])
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
    params=query_parameters(),
    picks=st.tuples(*[st.integers(0, 10_000)] * 4),
)
def test_every_matching_job_exactly_once_in_order(
    count: int,
    seed: int,
    span_days: int,
    max_page: int | None,
    params: dict[str, str],
    picks: tuple[int, int, int, int],
) -> None:
    # Given any set of jobs, a store that may cut pages short, and any query
    jobs = job_population(count, seed, START_MS, span_days)
    query = with_window(params, jobs, picks)
    reader = FakeReader(jobs, max_page=max_page)
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
    # Then both months come, December first, and only the two months were queried
    assert names[:3] == expected_listing(JobQuery(window=Window()), dec)
    assert len(reader.index_reads) == 2
