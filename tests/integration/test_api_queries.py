"""GET /jobs, /jobs/{name}, /jobs/{name}/transitions over moto, with a few hundred jobs
stored by the write path: every filter against a reference, paging, and what is read."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jobtracker.queries import parse_job_query
from jobtracker.timestamps import iso_from_ms

from tests.fixtures.reference import STATUSES, expected_listing
from tests.fixtures.seeded_api import SeededApi, recorded_dynamodb_calls, seeded_api
from tests.fixtures.training_jobs import tuning_job_arn


@pytest.fixture(scope="module")
def api() -> Iterator[SeededApi]:
    with seeded_api(count=200) as seeded:
        yield seeded


def reference(api: SeededApi, params: dict[str, str]) -> list[str]:
    return expected_listing(parse_job_query(params), api.jobs)


def windows(api: SeededApi, count: int) -> list[dict[str, str]]:
    rng = random.Random(3)
    times = sorted(job.snapshot.creation_ms for job in api.jobs)
    result = []
    for _ in range(count):
        low, high = sorted(rng.sample(times, 2))
        result.append({"created_after": iso_from_ms(low), "created_before": iso_from_ms(high)})
    result.append({"created_after": iso_from_ms(times[-1] - 40 * 86_400_000)})
    result.append({"created_before": iso_from_ms(times[0] + 40 * 86_400_000)})
    result.append({"created_after": "2026-03-01", "created_before": "2026-03-31"})
    return result


@pytest.mark.parametrize("limit", ["7", "50", "100"])
def test_paging_the_whole_listing_gives_every_job_once_newest_first(
    api: SeededApi, limit: str
) -> None:
    names = api.page_all({"limit": limit})
    assert len(names) == len(api.jobs) == len(set(names))
    assert names == reference(api, {})


def test_every_status_filter_matches_the_reference(api: SeededApi) -> None:
    for status in STATUSES:
        names = api.page_all({"status": status, "limit": "9"})
        assert names == reference(api, {"status": status})
        assert names  # the population has every status


def test_every_window_matches_the_reference(api: SeededApi) -> None:
    for window in windows(api, 8):
        assert api.page_all({**window, "limit": "40"}) == reference(api, window)


def test_status_with_a_window_matches_the_reference(api: SeededApi) -> None:
    for window in windows(api, 4):
        for status in ("Failed", "Completed"):
            params = {"status": status, **window}
            assert api.page_all({**params, "limit": "5"}) == reference(api, params)


def test_tuning_job_with_and_without_a_window_matches_the_reference(api: SeededApi) -> None:
    for tuning in ("hpo-a", "hpo-b", "hpo-none"):
        for window in [{}, *windows(api, 2)]:
            params = {"tuning_job_arn": tuning_job_arn(tuning), **window}
            assert api.page_all({**params, "limit": "11"}) == reference(api, params)
    assert api.page_all({"tuning_job_arn": tuning_job_arn("hpo-a")})


def test_pages_of_one(api: SeededApi) -> None:
    params = {"tuning_job_arn": tuning_job_arn("hpo-a"), "created_after": "2026-10-01"}
    names = api.page_all({**params, "limit": "1"})
    assert names == reference(api, params)
    assert len(names) > 3


def test_name_prefix_matches_the_reference(api: SeededApi) -> None:
    for prefix in ("x", "xgboost-", "xgboost-001", "X", "Xgb-0", "7", "bert-finetune-0", "zzz"):
        names = api.page_all({"name_prefix": prefix, "limit": "6"})
        assert names == reference(api, {"name_prefix": prefix})


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    limit=st.integers(3, 100),
    filters=st.sampled_from(
        [
            {},
            {"status": "InProgress"},
            {"created_after": "2026-06-01", "created_before": "2026-09-15T12:00:00Z"},
            {"status": "Stopped", "created_after": "2026-02-01"},
            {"tuning_job_arn": tuning_job_arn("hpo-c")},
            {"name_prefix": "resnet"},
        ]
    ),
)
def test_any_limit_pages_through_each_job_exactly_once(
    api: SeededApi, limit: int, filters: dict[str, str]
) -> None:
    assert api.page_all({**filters, "limit": str(limit)}) == reference(api, filters)


@pytest.mark.parametrize(
    "params",
    [
        {"limit": "20"},
        {"status": "Failed", "limit": "20"},
        {"status": "Completed", "created_after": "2026-03-01", "created_before": "2026-08-01"},
        {"created_after": "2026-03-10", "created_before": "2026-07-20", "limit": "30"},
        {"tuning_job_arn": tuning_job_arn("hpo-b"), "limit": "10"},
        {"name_prefix": "bert", "limit": "10"},
    ],
)
def test_a_listing_reads_exactly_the_items_it_returns(
    api: SeededApi, params: dict[str, str]
) -> None:
    # When a page is listed
    with recorded_dynamodb_calls() as dynamodb:
        response = api.get("/jobs", params)
    returned = len(response.body["items"])
    # Then it never scans nor filters, and its index queries read only what it returned
    assert returned > 0
    assert not dynamodb.of("Scan")
    queries = dynamodb.of("Query")
    assert all("FilterExpression" not in request for request, _ in queries)
    index_queries = [(req, res) for req, res in queries if "IndexName" in req]
    assert sum(res["Count"] for _, res in index_queries) == returned
    assert all(res["ScannedCount"] == res["Count"] for _, res in index_queries)
    # and the rest are single-item reads of the statistics partition (which months have jobs)
    others = [req for req, _ in queries if "IndexName" not in req]
    assert all(req.get("Limit") == 1 for req in others)
    assert len(others) <= 3


def test_a_summary_carries_what_a_listing_shows(api: SeededApi) -> None:
    failed = next(job for job in api.jobs if job.snapshot.status == "Failed")
    response = api.get("/jobs", {"name_prefix": failed.name})
    assert response.body["items"] == [
        {
            "training_job_name": failed.name,
            "training_job_arn": failed.record["training_job_arn"],
            "training_job_status": "Failed",
            "secondary_status": "Failed",
            "creation_time": failed.record["creation_time"],
            "training_start_time": failed.record["training_start_time"],
            "training_end_time": failed.record["training_end_time"],
            "last_modified_time": failed.record["last_modified_time"],
            "failure_reason": "AlgorithmError: out of memory",
            "instance_type": "ml.g5.2xlarge",
            "instance_count": 1,
            "billable_time_in_seconds": failed.record["billable_time_in_seconds"],
            "training_time_in_seconds": failed.record["training_time_in_seconds"],
            "tuning_job_arn": failed.record.get("tuning_job_arn"),
            "enrichment_pending": False,
        }
    ]


def test_one_job_and_its_transitions(api: SeededApi) -> None:
    job = api.jobs[0]
    detail = api.get(f"/jobs/{job.name}")
    assert (detail.status, detail.body) == (200, {**job.record, "enrichment_pending": False})
    transitions = api.get(f"/jobs/{job.name}/transitions")
    assert transitions.status == 200
    assert transitions.body == {"items": job.record["secondary_status_transitions"]}


def test_an_unknown_job_is_404(api: SeededApi) -> None:
    for path in ("/jobs/no-such-job", "/jobs/no-such-job/transitions"):
        response = api.get(path)
        assert (response.status, response.body) == (
            404,
            {"message": "training job 'no-such-job' not found"},
        )


def test_a_page_token_survives_a_change_of_limit(api: SeededApi) -> None:
    first = api.get("/jobs", {"status": "Completed", "limit": "3"})
    rest = api.page_all({"status": "Completed", "limit": "100"})
    second = api.get(
        "/jobs", {"status": "Completed", "limit": "100", "next_token": first.body["next_token"]}
    )
    names = [item["training_job_name"] for item in first.body["items"] + second.body["items"]]
    assert names == rest
    assert replace(parse_job_query({"limit": "3"}), limit=50) == parse_job_query({})
