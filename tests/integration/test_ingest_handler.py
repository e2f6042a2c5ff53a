"""The ingest Lambda under moto: Lambda-shaped SQS batches, poison records in the middle."""

from __future__ import annotations

import json
from typing import Any

import pytest
from jobtracker.store.reads import JobReads

from synthetic.events import event_body, home_job, lifecycle, state_change_event
from synthetic.lambda_events import LambdaContext, sqs_event


@pytest.fixture
def ingest(table: str) -> Any:
    from ingest import handler

    return handler.handler


def _poison_bodies() -> dict[str, str]:
    good = lifecycle("poison-source", "Completed")[-1]
    wrong_type = state_change_event(dict(good, TrainingJobStatus=17))
    bad_time = state_change_event(dict(good, LastModifiedTime="the day after"))
    no_name = state_change_event({k: v for k, v in good.items() if k != "TrainingJobName"})
    other_event = dict(state_change_event(good), source="aws.ec2")
    return {
        "not json": "{this is not json",
        "json list": "[1, 2, 3]",
        "wrong status type": json.dumps(wrong_type),
        "bad time": json.dumps(bad_time),
        "no name": json.dumps(no_name),
        "other source": json.dumps(other_event),
        "no detail": json.dumps(
            {k: v for k, v in state_change_event(good).items() if k != "detail"}
        ),
    }


def test_poison_records_fail_alone_and_the_good_ones_are_stored(
    ingest: Any, reads: JobReads, caplog: pytest.LogCaptureFixture
) -> None:
    good = [event_body(lifecycle(f"good-{i}", "Completed")[-1]) for i in range(3)]
    poison = list(_poison_bodies().values())
    bodies = [good[0], *poison[:4], good[1], *poison[4:], good[2]]

    response = ingest(sqs_event(bodies), LambdaContext())

    failed = {failure["itemIdentifier"] for failure in response["batchItemFailures"]}
    expected = {f"m-{i}" for i, body in enumerate(bodies) if body in poison}
    assert failed == expected
    for i in range(3):
        job = reads.get_job(home_job(f"good-{i}"))
        assert job is not None and job["training_job_status"] == "Completed"
    reasons = [r.reason for r in caplog.records if r.getMessage() == "poison event"]
    assert len(reasons) == len(poison)
    assert any("TrainingJobName" in reason for reason in reasons)
    assert any("not JSON" in reason for reason in reasons)


def test_a_batch_of_only_poison_never_raises(ingest: Any, table: str) -> None:
    bodies = list(_poison_bodies().values())
    response = ingest(sqs_event(bodies), LambdaContext())
    assert len(response["batchItemFailures"]) == len(bodies)


def test_a_shuffled_batch_with_duplicates_ends_on_the_newest_state(
    ingest: Any, reads: JobReads
) -> None:
    snapshots = lifecycle("shuffled", "Failed")
    bodies = [event_body(s) for s in reversed(snapshots)] + [event_body(snapshots[-1])]

    response = ingest(sqs_event(bodies), LambdaContext())

    assert response["batchItemFailures"] == []
    job = reads.get_job(home_job("shuffled"))
    assert job is not None
    assert job["training_job_status"] == "Failed"
    assert len(job["secondary_status_transitions"]) == len(
        snapshots[-1]["SecondaryStatusTransitions"]
    )


def test_metrics_count_stored_stale_and_poison(
    ingest: Any, table: str, capsys: pytest.CaptureFixture[str]
) -> None:
    final = lifecycle("metrics", "Completed")[-1]
    bodies = [event_body(final), event_body(final), "garbage"]
    ingest(sqs_event(bodies), LambdaContext())
    emf = [
        json.loads(line)
        for line in capsys.readouterr().out.splitlines()
        if line.startswith('{"_aws"')
    ]
    assert emf, "the handler flushes an embedded-metric-format line"
    assert emf[-1]["EventsStored"] == [1.0]
    assert emf[-1]["StaleEvents"] == [1.0]
    assert emf[-1]["PoisonEvents"] == [1.0]
