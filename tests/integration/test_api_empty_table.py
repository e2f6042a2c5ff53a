"""The API over an empty table, and a job that has no transitions yet."""

from __future__ import annotations

from jobtracker.record import normalise_training_job
from jobtracker.store.repository import JobRepository

from tests.fixtures.http_events import call_api
from tests.fixtures.training_jobs import training_job_detail


def test_an_empty_table_and_a_job_without_transitions(repository: JobRepository) -> None:
    from api.handler import handler

    # Given no jobs: empty listings, no token, zero counts
    for params in ({}, {"status": "Failed"}, {"created_after": "2026-01-01"}):
        assert call_api(handler, "/jobs", params).body == {"items": [], "next_token": None}
    stats = call_api(handler, "/stats").body
    assert sum(stats["counts"].values()) == 0 and stats["spot_savings_percent"] is None
    # When a job without transitions is stored
    detail = training_job_detail("fresh-job", "InProgress", 1_767_225_600_000)
    del detail["SecondaryStatusTransitions"]
    repository.store_snapshot(normalise_training_job(detail))
    # Then its transitions are an empty list, not a 404, and it is listed
    response = call_api(handler, "/jobs/fresh-job/transitions")
    assert (response.status, response.body) == (200, {"items": []})
    listed = call_api(handler, "/jobs").body["items"]
    assert [job["training_job_name"] for job in listed] == ["fresh-job"]
