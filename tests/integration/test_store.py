"""The write path against DynamoDB (moto): ordering, idempotency, budget, maxima."""

from __future__ import annotations

import random
from typing import Any

import pytest
from jobtracker.outcomes import StoreOutcome
from jobtracker.record import normalise_training_job
from jobtracker.store.reads import JobReads
from jobtracker.store.repository import JobRepository

from synthetic.events import describe_response, home_job, lifecycle


def _store(repository: JobRepository, detail: dict[str, Any]) -> StoreOutcome:
    return repository.store_snapshot(normalise_training_job(detail))


def _day_counters(reads: JobReads) -> dict[str, int]:
    days = list(reads.iter_daily_stats("2000-01-01", "2099-12-31"))
    totals: dict[str, int] = {}
    for day in days:
        for name, value in day.items():
            if name != "day":
                totals[name] = totals.get(name, 0) + value
    return {name: value for name, value in totals.items() if value}


def test_in_order_delivery_stores_every_step_and_ends_on_the_last(
    repository: JobRepository,
    reads: JobReads,
) -> None:
    snapshots = lifecycle("in-order", "Completed")
    outcomes = [_store(repository, s) for s in snapshots]
    assert outcomes == [StoreOutcome.STORED] * len(snapshots)
    job = reads.get_job(home_job("in-order"))
    assert job is not None
    assert job["training_job_status"] == "Completed"
    assert [t["status"] for t in reads.list_transitions(home_job("in-order"))] == [
        t["Status"] for t in snapshots[-1]["SecondaryStatusTransitions"]
    ]


def test_an_older_snapshot_never_replaces_a_newer_one(
    repository: JobRepository, reads: JobReads
) -> None:
    snapshots = lifecycle("no-regress", "Failed")
    assert _store(repository, snapshots[-1]) is StoreOutcome.STORED
    for older in snapshots[:-1]:
        assert _store(repository, older) is StoreOutcome.STALE
    job = reads.get_job(home_job("no-regress"))
    assert job is not None and job["training_job_status"] == "Failed"
    assert job["failure_reason"].startswith("AlgorithmError")


def test_duplicates_are_stale_and_change_no_count(
    repository: JobRepository, reads: JobReads
) -> None:
    final = lifecycle("dupes", "Completed")[-1]
    _store(repository, final)
    before = _day_counters(reads)
    assert _store(repository, final) is StoreOutcome.STALE
    assert _day_counters(reads) == before == {"count_Completed": 1}


def test_counters_follow_the_job_through_its_statuses(
    repository: JobRepository, reads: JobReads
) -> None:
    snapshots = lifecycle("counted", "Completed", spot=True)
    for snapshot in snapshots[:3]:
        _store(repository, snapshot)
    assert _day_counters(reads) == {"count_InProgress": 1}
    _store(repository, describe_response(snapshots[-1]))
    counters = _day_counters(reads)
    assert counters["count_Completed"] == 1
    assert "count_InProgress" not in counters
    assert counters["spot_billable_seconds"] == counters["billable_seconds"] > 0
    assert counters["spot_training_seconds"] > counters["spot_billable_seconds"]


def test_a_spot_jobs_newer_description_moves_its_spot_seconds_not_adds_them(
    repository: JobRepository, reads: JobReads
) -> None:
    # Given a spot job stored as described once it ended
    final = lifecycle("spot-redescribed", "Completed", spot=True)[-1]
    _store(repository, describe_response(final))
    # When a later description bills it differently (SageMaker settles the bill late)
    later = describe_response({**final, "LastModifiedTime": final["LastModifiedTime"] + 60_000})
    later["BillableTimeInSeconds"] += 100
    assert _store(repository, later) is StoreOutcome.STORED
    # Then the day counts the new figures once: the old spot share was taken back, which
    # takes knowing that the stored job was a spot job (the item's managed_spot)
    counters = _day_counters(reads)
    assert counters["billable_seconds"] == later["BillableTimeInSeconds"]
    assert counters["spot_billable_seconds"] == later["BillableTimeInSeconds"]
    assert counters["spot_training_seconds"] == later["TrainingTimeInSeconds"]


def test_a_stored_event_costs_two_requests_and_a_stale_one_one(
    repository: JobRepository, ddb_calls: list[str]
) -> None:
    first, second = lifecycle("budget", "Completed")[2:4]
    _store(repository, second)
    assert ddb_calls == ["UpdateItem", "TransactWriteItems"]
    ddb_calls.clear()
    _store(repository, first)
    assert ddb_calls == ["UpdateItem"]


def test_a_write_cut_after_step_one_is_finished_by_its_retry(
    repository: JobRepository, reads: JobReads, monkeypatch: pytest.MonkeyPatch
) -> None:
    final = lifecycle("half-done", "Completed")[-1]
    original = JobRepository._apply_transaction

    def crash(*args: Any, **kwargs: Any) -> None:
        raise ConnectionError("lost the connection after the job item was written")

    monkeypatch.setattr(JobRepository, "_apply_transaction", crash)
    with pytest.raises(ConnectionError):
        _store(repository, final)
    assert reads.list_transitions(home_job("half-done")) == []

    monkeypatch.setattr(JobRepository, "_apply_transaction", original)
    assert _store(repository, final) is StoreOutcome.STORED
    assert len(reads.list_transitions(home_job("half-done"))) == len(
        final["SecondaryStatusTransitions"]
    )
    assert _day_counters(reads) == {"count_Completed": 1}
    assert _store(repository, final) is StoreOutcome.STALE


def test_the_newest_snapshot_sets_transition_end_times(
    repository: JobRepository, reads: JobReads
) -> None:
    snapshots = lifecycle("ends", "Completed", with_end_times=False)
    _store(repository, snapshots[-1])
    _store(repository, snapshots[2])  # older, arrives late: must not reopen transitions
    transitions = reads.list_transitions(home_job("ends"))
    assert all(t["end_time"] is not None for t in transitions[:-1])
    assert transitions[-1]["end_time"] is None


def test_a_job_at_the_sagemaker_maxima_stores_and_reads_back_intact(
    repository: JobRepository,
    reads: JobReads,
) -> None:
    rng = random.Random(7)
    detail = lifecycle("maxima", "Completed")[-1]
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./é漢"
    detail["HyperParameters"] = {
        f"param_{i:03d}": "".join(rng.choice(alphabet) for _ in range(2500)) for i in range(100)
    }
    detail["InputDataConfig"] = [
        {"ChannelName": f"ch-{i}", "DataSource": {"S3DataSource": {"S3Uri": f"s3://b/{i}/"}}}
        for i in range(20)
    ]
    detail["Tags"] = [{"Key": f"key-{i}", "Value": f"value-{i}-" + "v" * 240} for i in range(50)]
    start = detail["CreationTime"]
    detail["SecondaryStatusTransitions"] = [
        {"Status": f"Restarting-{i}", "StartTime": start + i * 1000, "StatusMessage": "m" * 200}
        for i in range(150)
    ]
    expected = normalise_training_job(detail).record

    assert _store(repository, detail) is StoreOutcome.STORED

    assert reads.get_job(home_job("maxima")) == expected
    assert len(reads.list_transitions(home_job("maxima"))) == 150
