"""The read API under moto: HTTP API v2 events in, JSON out, never a 500 for bad input."""

from __future__ import annotations

from typing import Any

import pytest
from jobtracker.record import normalise_training_job
from jobtracker.store.repository import JobRepository

from synthetic.events import BASE_MS, lifecycle


def _store_job(repository: JobRepository, name: str, ending: str | None, **kw: Any) -> None:
    for snapshot in lifecycle(name, ending, **kw):
        repository.store_snapshot(normalise_training_job(snapshot))


def test_get_job_returns_the_full_normalised_record(api: Any, repository: JobRepository) -> None:
    _store_job(repository, "full-record", "Failed")
    status, body = api("/jobs/full-record")
    assert status == 200
    assert body["training_job_name"] == "full-record"
    assert body["training_job_status"] == "Failed"
    assert body["resource_config"]["instance_type"] == "ml.g5.2xlarge"
    assert body["secondary_status_transitions"][-1]["status"] == "Failed"


def test_transitions_come_in_order(api: Any, repository: JobRepository) -> None:
    _store_job(repository, "history", "Completed")
    status, body = api("/jobs/history/transitions")
    assert status == 200
    starts = [item["start_time"] for item in body["items"]]
    assert starts == sorted(starts) and len(starts) == 7
    assert body["items"][0]["status"] == "Starting"


@pytest.mark.parametrize("path", ["/jobs/never-ran", "/jobs/never-ran/transitions"])
def test_an_unknown_job_is_a_json_404(api: Any, table: str, path: str) -> None:
    status, body = api(path)
    assert status == 404
    assert "never-ran" in body["message"]


def test_jobs_are_listed_newest_first(api: Any, repository: JobRepository) -> None:
    day = 86_400_000
    for i in range(5):
        _store_job(repository, f"listed-{i}", "Completed", creation_ms=BASE_MS + i * 9 * day)
    status, body = api("/jobs", {"limit": "3"})
    assert status == 200
    assert [item["training_job_name"] for item in body["items"]] == [
        "listed-4",
        "listed-3",
        "listed-2",
    ]
    assert body["next_token"]
    status, rest = api("/jobs", {"limit": "3", "next_token": body["next_token"]})
    assert status == 200
    assert [item["training_job_name"] for item in rest["items"]] == ["listed-1", "listed-0"]


@pytest.mark.parametrize(
    "query",
    [{"limit": "0"}, {"limit": "101"}, {"limit": "ten"}, {"limit": "-1"}, {"next_token": "%%%"}],
)
def test_bad_parameters_are_a_json_400(api: Any, table: str, query: dict[str, str]) -> None:
    status, body = api("/jobs", query)
    assert status == 400
    assert body["message"]


def test_a_record_waiting_for_its_description_says_so(api: Any, repository: JobRepository) -> None:
    # Given one job stored complete and one whose DescribeTrainingJob failed
    _store_job(repository, "described", "Completed")
    for snapshot in lifecycle("undescribed", "Failed", creation_ms=BASE_MS + 60_000):
        normalised = normalise_training_job(snapshot)
        if normalised.is_terminal:
            normalised = normalised._replace(enrichment_pending=True)
        repository.store_snapshot(normalised)
    # When the API is asked for them, one by one and in a listing
    records = {name: api(f"/jobs/{name}")[1] for name in ("described", "undescribed")}
    status, listing = api("/jobs")
    # Then the record and the summary both say which one is pending
    assert status == 200
    assert {name: r["enrichment_pending"] for name, r in records.items()} == {
        "described": False,
        "undescribed": True,
    }
    assert {i["training_job_name"]: i["enrichment_pending"] for i in listing["items"]} == {
        "described": False,
        "undescribed": True,
    }
