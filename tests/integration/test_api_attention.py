"""GET /jobs?attention=true and `attention` on summaries and records, under moto, at the
time of the request: the jobs in flight read from by-status, those in trouble returned."""

from __future__ import annotations

import time
from typing import Any

import pytest
from jobtracker.record import normalise_training_job
from jobtracker.store.repository import JobRepository

from synthetic.events import lifecycle

MINUTE = 60_000
OTHER_ACCOUNT = "210987654321"


def store(repository: JobRepository, details: list[dict[str, Any]], account: str | None = None):
    place = None if account is None else (account, "us-east-1")
    for detail in details:
        if account is not None:
            detail = {
                **detail,
                "TrainingJobArn": detail["TrainingJobArn"].replace("123456789012", account),
            }
        repository.store_snapshot(normalise_training_job(detail, place))


@pytest.fixture
def troubled(repository: JobRepository) -> None:
    now = int(time.time() * 1000)
    # Waiting in Starting for 40 minutes (over 30): stuck.
    store(repository, lifecycle("waits", None, creation_ms=now - 41 * MINUTE)[:1])
    # The same, in another account.
    store(
        repository,
        lifecycle("waits-there", None, creation_ms=now - 50 * MINUTE)[:1],
        OTHER_ACCOUNT,
    )
    # Starting for 5 minutes: fine.
    store(repository, lifecycle("fresh", None, creation_ms=now - 6 * MINUTE)[:1])
    # Ended long ago after a long Starting: ended jobs are never in trouble.
    store(repository, lifecycle("ended", "Failed", creation_ms=now - 600 * MINUTE))


def names(body: dict[str, Any]) -> list[str]:
    return [item["training_job_name"] for item in body["items"]]


def test_attention_lists_only_the_jobs_in_trouble_longest_first(api: Any, troubled: None):
    status, body = api("/jobs", {"attention": "true"})
    assert status == 200
    assert names(body) == ["waits-there", "waits"]
    assert body["next_token"] is None
    [entry] = body["items"][1]["attention"]
    assert (entry["kind"], entry["secondary_status"], entry["threshold_seconds"]) == (
        "Stuck",
        "Starting",
        1800,
    )
    assert 40 * 60 <= entry["for_seconds"] < 45 * 60


def test_attention_combines_with_account(api: Any, troubled: None):
    status, body = api("/jobs", {"attention": "true", "account": OTHER_ACCOUNT})
    assert status == 200
    assert names(body) == ["waits-there"]
    status, body = api("/jobs", {"attention": "true", "status": "InProgress"})
    assert status == 400 and "attention=true combines only" in body["message"]


def test_every_summary_and_record_carries_its_attention(api: Any, troubled: None):
    _, listing = api("/jobs", {"status": "InProgress"})
    by_name = {item["training_job_name"]: item["attention"] for item in listing["items"]}
    assert [entry["kind"] for entry in by_name["waits"]] == ["Stuck"]
    assert by_name["fresh"] == []
    _, ended = api("/jobs", {"status": "Failed"})
    assert ended["items"][0]["attention"] == []
    _, record = api("/jobs/waits")
    assert [entry["kind"] for entry in record["attention"]] == ["Stuck"]
    assert (
        record["attention"][0]["since"] == record["secondary_status_transitions"][-1]["start_time"]
    )
    _, fine = api("/jobs/fresh")
    assert fine["attention"] == []
