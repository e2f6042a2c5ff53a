"""GET /jobs, /jobs/{name}, /jobs/{name}/transitions over moto, with a few hundred jobs
stored by the write path: every filter against a reference, paging, and what is read."""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

import pytest
from api.query_params import parse_job_query
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jobtracker.timestamps import iso_from_ms

from synthetic.events import ACCOUNT, REGION
from tests.fixtures.reference import STATUSES, expected_listing, listed_key
from tests.fixtures.seeded_api import SeededApi, recorded_dynamodb_calls, seeded_api
from tests.fixtures.training_jobs import ACCOUNTS, REGIONS, tuning_job_arn

OTHER_ACCOUNT = ACCOUNTS[1]


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
        {"account": OTHER_ACCOUNT, "limit": "20"},
        {"account": OTHER_ACCOUNT, "created_after": "2026-03-01", "created_before": "2026-08-01"},
        {"account": OTHER_ACCOUNT, "status": "Failed", "limit": "20"},
        {"account": OTHER_ACCOUNT, "region": "eu-west-1", "limit": "20"},
        {
            "account": ACCOUNT,
            "region": REGION,
            "status": "Completed",
            "created_after": "2026-02-01",
        },
        {"account": ACCOUNT, "tuning_job_arn": tuning_job_arn("hpo-b"), "limit": "10"},
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
    assert response.status == 200, response.body
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
            "account": failed.account,
            "region": failed.region,
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
            "cost_usd": api.stored_record(failed)["cost_usd"],
            # Worked out when asked: an ended job has no trouble.
            "attention": [],
        }
    ]


def as_of_request(record: dict[str, Any]) -> dict[str, Any]:
    """A record without the cost of a running job, which is its cost as of the request."""
    if record.get("cost_is_estimate"):
        return {**record, "cost_usd": "as of the request"}
    return record


def test_one_job_and_its_transitions(api: SeededApi) -> None:
    job = next(job for job in api.jobs if (job.account, job.region) == (ACCOUNT, REGION))
    detail = api.get(f"/jobs/{job.name}")
    assert detail.status == 200
    assert as_of_request(detail.body) == as_of_request({**api.stored_record(job), "attention": []})
    transitions = api.get(f"/jobs/{job.name}/transitions")
    assert transitions.status == 200
    assert transitions.body == {"items": job.record["secondary_status_transitions"]}


def test_an_unknown_job_is_404(api: SeededApi) -> None:
    for path in ("/jobs/no-such-job", "/jobs/no-such-job/transitions"):
        response = api.get(path)
        assert response.status == 404
        assert response.body["message"].startswith(
            f"training job 'no-such-job' not found in account {ACCOUNT}, region {REGION}"
        )


def test_a_page_token_survives_a_change_of_limit(api: SeededApi) -> None:
    first = api.get("/jobs", {"status": "Completed", "limit": "3"})
    rest = api.page_all({"status": "Completed", "limit": "100"})
    second = api.get(
        "/jobs", {"status": "Completed", "limit": "100", "next_token": first.body["next_token"]}
    )
    names = [listed_key(item) for item in first.body["items"] + second.body["items"]]
    assert names == rest
    assert parse_job_query({"limit": "3"})._replace(limit=50) == parse_job_query({})


def test_every_account_and_region_filter_matches_the_reference(api: SeededApi) -> None:
    # Given jobs in three accounts and two regions: for each account, alone, with a
    # region, with a status, with a window
    window = {"created_after": "2026-03-01", "created_before": "2026-09-30"}
    for account in ACCOUNTS:
        for scope in [{"account": account}, *({"account": account, "region": r} for r in REGIONS)]:
            for extra in [{}, {"status": "Failed"}, window, {"status": "Completed", **window}]:
                params = {**scope, **extra}
                # When it is paged through, Then it is exactly the reference, in order
                names = api.page_all({**params, "limit": "13"})
                assert names == reference(api, params), params
        assert api.page_all({"account": account})  # every account has jobs


def test_the_same_name_in_two_accounts_lists_twice(api: SeededApi) -> None:
    # Given names the population holds in two accounts or regions
    pairs = [
        name
        for name in {job.name for job in api.jobs}
        if len([job for job in api.jobs if job.name == name]) == 2
    ]
    assert pairs
    for name in pairs[:5]:
        # When the name is listed, Then both jobs come, each with its own account and region
        names = api.page_all({"name_prefix": name})
        assert len([key for key in names if key.endswith(f"/{name}")]) == 2
        assert names == reference(api, {"name_prefix": name})


def test_a_tuning_job_of_another_account_is_empty_without_a_read(api: SeededApi) -> None:
    # Given a tuning job ARN of the home account and a filter on another account
    params = {"tuning_job_arn": tuning_job_arn("hpo-a"), "account": OTHER_ACCOUNT}
    # When it is listed
    with recorded_dynamodb_calls() as dynamodb:
        response = api.get("/jobs", params)
    # Then nothing matches, and nothing was read to say so
    assert (response.status, response.body) == (200, {"items": [], "next_token": None})
    assert dynamodb.calls == []


def test_a_bare_name_is_the_home_accounts_job_and_never_another(api: SeededApi) -> None:
    # Given a name held by another account only, and one held by the home account too
    foreign = next(
        job
        for job in api.jobs
        if job.account != ACCOUNT
        and not any(other.name == job.name and other.account == ACCOUNT for other in api.jobs)
    )
    # When it is asked for by name alone, Then it is not found: a name is never guessed
    for path in (f"/jobs/{foreign.name}", f"/jobs/{foreign.name}/transitions"):
        assert api.get(path).status == 404
    # When it is asked for with its account and region, Then it is that job
    place = {"account": foreign.account, "region": foreign.region}
    detail = api.get(f"/jobs/{foreign.name}", place)
    # Its attention depends on the time of asking (tests/integration/test_api_attention.py).
    assert isinstance(detail.body.pop("attention"), list)
    assert detail.status == 200
    assert as_of_request(detail.body) == as_of_request(api.stored_record(foreign))
    transitions = api.get(f"/jobs/{foreign.name}/transitions", place)
    assert transitions.body == {"items": foreign.record["secondary_status_transitions"]}
    # And a bad account or an unknown parameter is a 400
    assert api.get(f"/jobs/{foreign.name}", {"account": "x"}).status == 400
    assert api.get(f"/jobs/{foreign.name}", {"status": "Failed"}).status == 400


def test_same_name_jobs_are_read_apart_by_account(api: SeededApi) -> None:
    # Given a name held in two places
    by_name: dict[str, list] = {}
    for job in api.jobs:
        by_name.setdefault(job.name, []).append(job)
    first, second = next(jobs for jobs in by_name.values() if len(jobs) == 2)
    # When each is asked for with its own account and region, Then each is its own record
    for job in (first, second):
        response = api.get(f"/jobs/{job.name}", {"account": job.account, "region": job.region})
        assert isinstance(response.body.pop("attention"), list)
        assert as_of_request(response.body) == as_of_request(api.stored_record(job))
    assert first.record != second.record
