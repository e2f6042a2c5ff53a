"""DescribeTrainingJob failing under the ingest handler: the event's snapshot is stored and
marked pending, its alert goes out once, and the reconciler completes it later.

Faults are the error responses SageMaker sends (tests/fixtures/faults.py); SageMaker's
jobs are moto's (tests/fixtures/sagemaker.py).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator

import pytest
from jobtracker.pipeline import Pipeline
from jobtracker.reconcile import HOUR_MS, Reconciler

from synthetic.events import HOME, event_body, lifecycle
from synthetic.expected import TableContents
from tests.fixtures.aws import TABLE_NAME
from tests.fixtures.delivery import Redelivery
from tests.fixtures.faults import Fault, FaultInjector, injecting_faults
from tests.fixtures.ingest_stack import IngestStack
from tests.fixtures.sagemaker import create_job, event_detail_of, sagemaker

JOBS = {
    "enrich-failed": "Failed",
    "enrich-completed": "Completed",
    "enrich-timeout": "MaxRuntimeExceeded",
}
BILLABLE_SECONDS = 1700  # what create_job gives SageMaker's jobs
PLENTY_MS = 900_000


@pytest.fixture
def faults(monkeypatch: pytest.MonkeyPatch) -> Iterator[FaultInjector]:
    with injecting_faults(monkeypatch) as injector:
        yield injector


def _published(stack: IngestStack) -> Counter[tuple[str, str]]:
    return Counter(
        (n["Message"]["training_job_name"], n["Message"]["alert_kind"])
        for n in stack.inbox.receive_all()
    )


def test_a_throttled_describe_stores_the_event_pending_and_the_reconciler_heals_it(
    moto_ingest: IngestStack, faults: FaultInjector
) -> None:
    # Given three jobs SageMaker knows, ended within the hour, and every event of each
    client = sagemaker()
    created_ms = int(time.time() * 1000) - 3 * HOUR_MS
    bodies = []
    for name, ending in JOBS.items():
        create_job(client, name, created_ms=created_ms, status=ending)
        final = event_detail_of(client.describe_training_job(TrainingJobName=name))
        earlier = lifecycle(name, ending, creation_ms=created_ms, tags={"team": "vision"})[:-1]
        bodies += [event_body(detail) for detail in [*earlier, final]]
    # and SageMaker throttling every DescribeTrainingJob
    faults.add(Fault("sagemaker", "DescribeTrainingJob", "ThrottlingException"))

    # When the events are ingested
    report = Redelivery(moto_ingest.module.handler).deliver(bodies)

    # Then no record failed: each job is stored as its event says, marked pending,
    # and the failed and timed-out jobs alerted once
    assert report.rounds == [set()]
    contents = TableContents.of(TABLE_NAME)
    assert contents.pending == set(JOBS)
    assert {name: contents.jobs[name]["training_job_status"] for name in JOBS} == {
        name: "Stopped" if ending == "MaxRuntimeExceeded" else ending
        for name, ending in JOBS.items()
    }
    assert all("billable_time_in_seconds" not in contents.jobs[name] for name in JOBS)
    due = Counter({("enrich-failed", "Failed"): 1, ("enrich-timeout", "MaxRuntimeExceeded"): 1})
    assert _published(moto_ingest) == due

    # When the reconciler runs while SageMaker still throttles, then once it answers
    reconciler = Reconciler(
        connect=lambda account, region: client,
        place=HOME,
        pipeline=Pipeline(
            repository=moto_ingest.module.PIPELINE.repository,
            alerter=moto_ingest.module.PIPELINE.alerter,
        ),
    )
    throttled = reconciler.run(lambda: PLENTY_MS)
    assert throttled.stopped == "throttled"
    assert TableContents.of(TABLE_NAME).pending == set(JOBS)
    faults.clear()
    healed = reconciler.run(lambda: PLENTY_MS)

    # Then every job is complete and no longer pending, its billable time counted once,
    # and no alert went out again
    assert healed.healed == len(JOBS)
    contents = TableContents.of(TABLE_NAME)
    assert contents.pending == set()
    assert {contents.jobs[name]["billable_time_in_seconds"] for name in JOBS} == {BILLABLE_SECONDS}
    [counters] = contents.days.values()
    assert counters["billable_seconds"] == BILLABLE_SECONDS * len(JOBS)
    assert {k: v for k, v in counters.items() if k.startswith("count_")} == {
        "count_Failed": 1,
        "count_Completed": 1,
        "count_Stopped": 1,
    }
    assert _published(moto_ingest) == Counter()
