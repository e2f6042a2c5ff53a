"""GET /stats against a reference, kept by the write path through redeliveries; and every
kind of bad input answered with a 4xx and a message, never a 5xx."""

from __future__ import annotations

import base64
import hashlib
import random
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from api.reference import PAGE_POLICY
from jobtracker.queries import StatsQuery
from jobtracker.record import normalise_training_job

from tests.fixtures.reference import expected_stats
from tests.fixtures.seeded_api import SeededApi, recorded_dynamodb_calls, seeded_api
from tests.fixtures.training_jobs import ACCOUNTS, training_job_detail, tuning_job_arn


@pytest.fixture(scope="module")
def api() -> Iterator[SeededApi]:
    with seeded_api(count=80, seed=11, span_days=90) as seeded:
        yield seeded


STATS_WINDOWS = [
    ("2026-01-01", "2026-03-31"),
    ("2026-01-15", "2026-02-10"),
    ("2026-02-01", "2026-02-01"),
    ("2025-01-01", "2025-12-31"),
]


@pytest.mark.parametrize(("first_day", "last_day"), STATS_WINDOWS)
def test_stats_of_a_window_match_the_reference(
    api: SeededApi, first_day: str, last_day: str
) -> None:
    response = api.get("/stats", {"created_after": first_day, "created_before": last_day})
    assert response.status == 200
    assert response.body == expected_stats(StatsQuery(first_day, last_day), api.jobs)


def test_stats_round_the_window_to_whole_days_and_say_so(api: SeededApi) -> None:
    response = api.get(
        "/stats",
        {"created_after": "2026-01-15T17:30:00Z", "created_before": "2026-02-10T03:00:00Z"},
    )
    assert response.body == expected_stats(StatsQuery("2026-01-15", "2026-02-10"), api.jobs)
    assert response.body["created_after"] == "2026-01-15T00:00:00.000Z"
    assert response.body["created_before"] == "2026-02-10T23:59:59.999Z"


def test_stats_default_to_the_last_thirty_days(api: SeededApi) -> None:
    today = datetime.now(UTC).date()
    response = api.get("/stats")
    assert response.body["created_after"] == f"{today - timedelta(days=29)}T00:00:00.000Z"
    assert response.body["created_before"] == f"{today}T23:59:59.999Z"


def test_stats_cost_one_query_whatever_the_job_count(api: SeededApi) -> None:
    with recorded_dynamodb_calls() as dynamodb:
        api.get("/stats", {"created_after": "2026-01-01", "created_before": "2026-12-31"})
    assert [op for op, _, _ in dynamodb.calls] == ["Query"]
    (request, response), *_ = dynamodb.of("Query")
    assert "IndexName" not in request
    assert response["Count"] <= 366  # one item a day, never one a job


def test_redelivered_and_stale_events_change_no_statistic(api: SeededApi) -> None:
    # Given the statistics of the seeded jobs
    window = {"created_after": "2026-01-01", "created_before": "2026-03-31"}
    before = api.get("/stats", window).body
    # When every snapshot is delivered again, in another order, with older versions of some
    replays = [job.snapshot for job in api.jobs]
    for job in api.jobs[:20]:
        older = training_job_detail(
            job.name,
            "InProgress",
            job.snapshot.creation_ms,
            spot=True,
            training=99,
            account=job.account,
            region=job.region,
        )
        older["LastModifiedTime"] = job.snapshot.last_modified_ms - 60_000
        replays.append(normalise_training_job(older))
    random.Random(5).shuffle(replays)
    for snapshot in replays:
        api.repository.store_snapshot(snapshot)
    # Then no count or total moved, and listings are unchanged
    assert api.get("/stats", window).body == before
    assert before == expected_stats(StatsQuery("2026-01-01", "2026-03-31"), api.jobs)


def token_of(api: SeededApi, params: dict[str, str]) -> str:
    token = api.get("/jobs", {**params, "limit": "2"}).body["next_token"]
    assert isinstance(token, str)
    return token


def tampered(token: str) -> str:
    blob = bytearray(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    blob[-3] ^= 0x01  # one bit of the cursor
    return base64.urlsafe_b64encode(bytes(blob)).decode().rstrip("=")


BAD_LISTINGS = [
    ({"limit": "0"}, "limit must be an integer from 1 to 100"),
    ({"limit": "101"}, "limit must be an integer from 1 to 100"),
    ({"limit": "many"}, "limit must be an integer from 1 to 100"),
    ({"status": "Exploded"}, "status must be one of"),
    ({"created_after": "last tuesday"}, "created_after must be an ISO 8601 date or time"),
    ({"created_before": "2026-02-30"}, "created_before must be an ISO 8601 date or time"),
    (
        {"created_after": "2026-03-01", "created_before": "2026-02-01"},
        "created_after (2026-03-01T00:00:00.000Z) is later than created_before",
    ),
    ({"next_token": "garbage!"}, "next_token is not a token this API issued"),
    ({"next_token": "Z2FyYmFnZQ"}, "next_token was not issued by this API"),
    ({"tuning_job_arn": "arn:aws:s3:::bucket"}, "tuning_job_arn must be"),
    ({"status": "Failed", "name_prefix": "x"}, "name_prefix cannot be combined"),
    ({"sort": "asc"}, "unknown parameter 'sort'"),
    ({"region": "eu-west-1"}, "region is supported only together with account"),
    ({"account": "123456789012", "name_prefix": "x"}, "name_prefix cannot be combined"),
    ({"account": "12345"}, "12-digit"),
    ({"account": "123456789012", "region": "Moon-1"}, "AWS region"),
]


@pytest.mark.parametrize(("params", "message"), BAD_LISTINGS)
def test_bad_listing_parameters_are_400_with_a_message(
    api: SeededApi, params: dict[str, str], message: str
) -> None:
    response = api.get("/jobs", params)
    assert response.status == 400
    assert message in response.body["message"]


def test_truncated_tampered_and_foreign_tokens_are_400_and_never_reach_dynamodb(
    api: SeededApi,
) -> None:
    token = token_of(api, {"status": "Completed"})
    cases = {
        "truncated": (token[:-5], "not issued by this API"),
        "tampered": (tampered(token), "not issued by this API"),
        "another query": (token_of(api, {"status": "Failed"}), "belongs to another query"),
    }
    for name, (bad, message) in cases.items():
        with recorded_dynamodb_calls() as dynamodb:
            response = api.get("/jobs", {"status": "Completed", "next_token": bad})
        assert (response.status, name) == (400, name)
        assert message in response.body["message"]
        assert dynamodb.calls == [], name


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"created_after": "soon"}, "created_after must be"),
        ({"created_after": "2026-02-01", "created_before": "2026-01-01"}, "is later than"),
        ({"created_after": f"{date.today() + timedelta(days=400)}"}, "default: today"),
        ({"limit": "5"}, "unknown parameter 'limit'"),
    ],
)
def test_bad_stats_parameters_are_400(api: SeededApi, params: dict[str, str], message: str) -> None:
    response = api.get("/stats", params)
    assert response.status == 400
    assert message in response.body["message"]


@pytest.mark.parametrize(
    "path", ["/jobs/bad_name", "/jobs/" + "a" * 64, "/jobs/-x/transitions", "/jobs/a%2Fb"]
)
def test_a_malformed_job_name_is_400(api: SeededApi, path: str) -> None:
    response = api.get(path)
    assert response.status == 400
    assert "training job name" in response.body["message"]


def test_an_unknown_route_is_404_with_a_message(api: SeededApi) -> None:
    response = api.get("/nothing/here")
    assert (response.status, response.body) == (
        404,
        {"message": "no such route; see /openapi.json"},
    )


def test_the_openapi_document_and_docs_are_served(api: SeededApi) -> None:
    document = api.get("/openapi.json")
    assert document.status == 200
    assert set(document.body["paths"]) >= {"/jobs", "/jobs/{name}", "/stats"}
    docs = api.get("/docs")
    assert docs.status == 200
    assert "openapi.json" in docs.body


@pytest.mark.parametrize(
    ("path", "query", "status"),
    [
        ("/jobs", None, 200),
        ("/jobs", {"limit": "0"}, 400),
        ("/jobs/no-such-job", None, 404),
        ("/nothing/here", None, 404),
        ("/openapi.json", None, 200),
        ("/docs", None, 200),
    ],
)
def test_every_answer_forbids_sniffing_its_type(
    api: SeededApi, path: str, query: dict[str, str] | None, status: int
) -> None:
    response = api.get(path, query)
    assert response.status == status
    assert response.headers["x-content-type-options"] == "nosniff"


def test_docs_has_the_web_views_policy_and_its_own_style_only(api: SeededApi) -> None:
    docs = api.get("/docs")
    policy = docs.headers["content-security-policy"]
    style = re.search(r"<style>(.*?)</style>", docs.body, re.S)
    assert style is not None
    digest = base64.b64encode(hashlib.sha256(style.group(1).encode()).digest()).decode()
    assert policy == f"{PAGE_POLICY}; style-src 'self' 'sha256-{digest}'"
    assert docs.headers["referrer-policy"] == "no-referrer"


def test_stats_of_one_account_match_the_reference_with_one_query(api: SeededApi) -> None:
    # Given jobs in three accounts
    window = {"created_after": "2026-01-01", "created_before": "2026-06-30"}
    totals = []
    for account in ACCOUNTS:
        # When one account's statistics are asked for
        with recorded_dynamodb_calls() as dynamodb:
            response = api.get("/stats", {**window, "account": account})
        # Then they count that account's jobs only, read in one Query of its own days
        expected = expected_stats(StatsQuery("2026-01-01", "2026-06-30", account), api.jobs)
        assert response.body == expected
        assert [op for op, _, _ in dynamodb.calls] == ["Query"]
        totals.append(sum(response.body["counts"].values()))
    # And all accounts together are their sum
    together = api.get("/stats", window).body
    assert together["account"] is None
    assert sum(together["counts"].values()) == sum(totals) > 0


CALENDAR_EDGES = [
    {"created_before": "0001-01-01"},
    {"created_before": "0001-01-29T23:59:59Z"},
    {"created_before": "0001-01-30"},
    {"created_after": "0001-01-01", "created_before": "0001-01-01"},
    {"created_after": "0001-01-01T00:00:00+01:00"},
    {"created_before": "0001-01-01T00:00:00-14:00"},
    {"created_after": "9999-12-31"},
    {"created_before": "9999-12-31"},
    {"created_after": "9999-12-31T23:59:59.9999Z"},
    {"created_before": "9999-12-31T23:59:59.9999-00:30"},
    {"created_after": "9999-12-31T22:00:00-03:00"},
]
EDGE_FILTERS = [{}, {"status": "Failed"}, {"tuning_job_arn": tuning_job_arn("hpo-edge")}]


@pytest.mark.parametrize("params", CALENDAR_EDGES)
def test_times_at_the_edges_of_the_calendar_are_never_a_server_error(
    api: SeededApi, params: dict[str, str]
) -> None:
    for path, extra in [("/stats", {})] + [("/jobs", f) for f in EDGE_FILTERS]:
        response = api.get(path, {**params, **extra})
        assert response.status in (200, 400), (path, extra, response.body)
        if response.status == 400:
            assert "created_" in response.body["message"]


def test_a_default_stats_window_off_the_calendar_is_400_and_the_first_it_holds_200(
    api: SeededApi,
) -> None:
    response = api.get("/stats", {"created_before": "0001-01-05"})
    assert response.status == 400
    assert "give created_after" in response.body["message"]
    response = api.get("/stats", {"created_before": "0001-01-30"})
    assert response.status == 200
    assert response.body["created_after"] == "0001-01-01T00:00:00.000Z"
    assert sum(response.body["counts"].values()) == 0


def test_a_window_up_to_the_last_day_of_the_calendar_lists_the_newest_jobs(
    api: SeededApi,
) -> None:
    response = api.get("/jobs", {"created_before": "9999-12-31T23:59:59.999Z", "limit": "3"})
    newest = api.get("/jobs", {"limit": "3"})
    assert response.status == newest.status == 200
    # `attention` counts the seconds to the moment of each request: compare the jobs.
    assert [{**item, "attention": None} for item in response.body["items"]] == [
        {**item, "attention": None} for item in newest.body["items"]
    ]
