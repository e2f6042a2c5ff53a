"""The reconciler under moto: backfill, resume, pending enrichments, lookback, throttling."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from jobtracker.enrich import SageMakerEnricher
from jobtracker.outcomes import StoreOutcome
from jobtracker.pipeline import Pipeline
from jobtracker.reconcile import DAY_MS, HOUR_MS, Reconciler, ReconcileSettings
from jobtracker.record import normalise_training_job
from jobtracker.sagemaker import CLIENT_CONFIG
from jobtracker.store.keys import JOB_SK, job_pk, unpack_summary
from jobtracker.store.reads import JobReads
from jobtracker.store.reconcile_state import ReconcileState, ReconcileStateRepository
from jobtracker.store.repository import JobRepository
from jobtracker.timestamps import iso_from_ms

from synthetic.events import BASE_MS, HOME, REGION, describe_response, home_job, lifecycle
from tests.fixtures.sagemaker import (
    CallCounter,
    CountdownContext,
    RecordingAlerter,
    create_job,
    event_detail_of,
    sagemaker,
)

NOW = BASE_MS + 40 * DAY_MS
MINUTE = 60_000
PLENTY_MS = 900_000


@pytest.fixture
def client(repository: JobRepository) -> Any:
    return sagemaker()


def make_reconciler(
    repository: JobRepository,
    client: Any,
    now: int = NOW,
    alerter: Any = None,
    **settings: Any,
) -> Reconciler:
    return Reconciler(
        connect=lambda account, region: client,
        place=HOME,
        pipeline=Pipeline(repository=repository, alerter=alerter),
        settings=ReconcileSettings(**settings),
        clock=lambda: now,
    )


def run(reconciler: Reconciler, remaining_ms: int = PLENTY_MS) -> Any:
    return reconciler.run(CountdownContext(remaining_ms=remaining_ms).get_remaining_time_in_millis)


def ingest_pending(repository: JobRepository, detail: dict[str, Any]) -> None:
    """Ingest a terminal event while SageMaker throttles: stored, marked pending."""
    throttled = boto3.client("sagemaker", region_name=REGION, config=CLIENT_CONFIG)
    with Stubber(throttled) as stub:
        stub.add_client_error("describe_training_job", service_error_code="ThrottlingException")
        pipeline = Pipeline(
            repository=repository, enricher=SageMakerEnricher(lambda account, region: throttled)
        )
        result = pipeline.handle(normalise_training_job(detail))
    assert result.outcome is StoreOutcome.STORED and result.snapshot.enrichment_pending


def raw_job_item(name: str) -> dict[str, Any]:
    item = boto3.client("dynamodb", region_name=REGION).get_item(
        TableName=os.environ["TABLE_NAME"],
        Key={"pk": {"S": job_pk(home_job(name))}, "sk": {"S": JOB_SK}},
    )
    return dict(item["Item"])


def test_first_run_backfills_the_last_backfill_days(
    repository: JobRepository, reads: JobReads, progress: ReconcileStateRepository, client: Any
) -> None:
    # Given jobs that exist only in SageMaker: two within 30 days, one before
    create_job(client, "recent", created_ms=NOW - 2 * DAY_MS)
    create_job(client, "a-month-ago", created_ms=NOW - 29 * DAY_MS)
    create_job(client, "too-old", created_ms=NOW - 31 * DAY_MS)
    # When the reconciler runs for the first time
    report = run(make_reconciler(repository, client))
    # Then the two are stored complete, the old one is left out, and the watermark is set
    assert report.finished and report.stopped is None
    assert (report.listed, report.stored) == (2, 2)
    record = reads.get_job(home_job("recent"))
    assert record is not None
    assert record["training_job_status"] == "Completed"
    assert record["billable_time_in_seconds"] == 1700
    assert record["final_metric_data_list"][0]["metric_name"] == "validation:auc"
    assert record["model_artifacts"]["s3_model_artifacts"].endswith("recent/output/model.tar.gz")
    assert record["tags"] == [{"key": "team", "value": "vision"}]
    assert reads.get_job(home_job("a-month-ago")) is not None
    assert reads.get_job(home_job("too-old")) is None
    assert progress.load(HOME).watermark_ms == NOW


def test_backfill_days_is_configurable(
    repository: JobRepository, reads: JobReads, client: Any
) -> None:
    create_job(client, "two-days-ago", created_ms=NOW - 2 * DAY_MS)
    create_job(client, "ten-days-ago", created_ms=NOW - 10 * DAY_MS)
    run(make_reconciler(repository, client, backfill_ms=5 * DAY_MS))
    assert reads.get_job(home_job("two-days-ago")) is not None
    assert reads.get_job(home_job("ten-days-ago")) is None


def test_a_run_stopped_by_the_deadline_resumes_where_it_stopped(
    repository: JobRepository, reads: JobReads, progress: ReconcileStateRepository, client: Any
) -> None:
    # Given six jobs, two per page, and a function with little time left
    names = [f"job-{index}" for index in range(6)]
    for index, name in enumerate(names):
        create_job(client, name, created_ms=NOW - (6 - index) * HOUR_MS)
    counter = CallCounter(client)
    reconciler = make_reconciler(repository, client, page_size=2, reserve_ms=30_000)
    # When it runs out of time
    first = run(reconciler, remaining_ms=30_000 + 5_500)
    # Then it stops before the timeout with its progress saved and the watermark unmoved
    assert first.stopped == "deadline" and not first.finished
    assert 0 < first.stored < 6
    done = [name for name in names if reads.get_job(home_job(name)) is not None]
    assert done == names[: first.stored]
    state = progress.load(HOME)
    assert state.watermark_ms is None
    assert state.window is not None and state.window.resume_ms is not None
    # When the next run has time
    later = make_reconciler(repository, client, now=NOW + HOUR_MS, page_size=2)
    second = run(later)
    # Then it finishes the same window: every job described exactly once over both runs
    assert second.finished
    assert all(reads.get_job(home_job(name)) is not None for name in names)
    assert counter.count("DescribeTrainingJob") == 6
    assert progress.load(HOME).watermark_ms == NOW
    # And a run after that, with nothing changed, describes nothing
    third = run(make_reconciler(repository, client, now=NOW + 2 * HOUR_MS, page_size=2))
    assert third.finished and third.described == 0
    assert progress.load(HOME).watermark_ms == NOW + 2 * HOUR_MS


def test_only_jobs_changed_since_the_watermark_are_described(
    repository: JobRepository, reads: JobReads, client: Any
) -> None:
    # Given a first run done, then one job changing after it
    create_job(client, "steady", created_ms=NOW - 5 * HOUR_MS)
    moving = create_job(client, "moving", created_ms=NOW - 5 * HOUR_MS, status="InProgress")
    run(make_reconciler(repository, client))
    counter = CallCounter(client)
    moving.training_job_status = moving.secondary_status = "Failed"
    moving.last_modified_time = moving.training_end_time = datetime.fromtimestamp(
        (NOW + 30 * MINUTE) / 1000, tz=UTC
    ).replace(tzinfo=None)
    # When the next run comes
    report = run(make_reconciler(repository, client, now=NOW + HOUR_MS))
    # Then only the changed job is described and stored
    assert counter.count("DescribeTrainingJob") == 1
    assert report.stored == 1
    record = reads.get_job(home_job("moving"))
    assert record is not None and record["training_job_status"] == "Failed"


def test_a_pending_enrichment_is_healed(
    repository: JobRepository, reads: JobReads, client: Any
) -> None:
    # Given a Completed event stored while SageMaker throttled the enrichment
    create_job(client, "pending-job", created_ms=NOW - 3 * HOUR_MS)
    described = client.describe_training_job(TrainingJobName="pending-job")
    detail = event_detail_of(described)
    detail["Tags"] = {"team": "vision"}
    ingest_pending(repository, detail)
    assert [p.job for p in reads.pending_enrichments(HOME, 10)] == [home_job("pending-job")]
    assert raw_job_item("pending-job")["pending"] == {
        "S": f"enrichment#{HOME.account}#{HOME.region}"
    }
    stored = reads.get_job(home_job("pending-job"))
    assert stored is not None and "final_metric_data_list" not in stored
    counter = CallCounter(client)
    # When the reconciler runs
    report = run(make_reconciler(repository, client))
    # Then the job is complete, no longer pending, and described once (not again when listed)
    assert report.healed == 1
    record = reads.get_job(home_job("pending-job"))
    assert record is not None
    assert record["final_metric_data_list"][0]["value"] == 0.91
    assert record["model_artifacts"]["s3_model_artifacts"].endswith(
        "pending-job/output/model.tar.gz"
    )
    assert record["tags"] == [{"key": "team", "value": "vision"}]
    assert reads.pending_enrichments(HOME, 10) == []
    assert "pending" not in raw_job_item("pending-job")
    assert counter.count("DescribeTrainingJob") == 1


def test_an_older_final_description_leaves_the_stored_job_and_ends_the_wait(
    repository: JobRepository, reads: JobReads, client: Any
) -> None:
    # Given a pending Completed event newer than what SageMaker describes
    job = create_job(client, "drifted", created_ms=NOW - 3 * HOUR_MS)
    detail = event_detail_of(client.describe_training_job(TrainingJobName="drifted"))
    event_lmt = detail["LastModifiedTime"] + 5 * MINUTE
    detail["LastModifiedTime"] = int(event_lmt)
    ingest_pending(repository, detail)
    # When a reconcile runs before the job's end has settled
    early = make_reconciler(repository, client, now=int(event_lmt) + MINUTE)
    report = run(early)
    # Then the stored job is not regressed and it stays pending, to be asked again
    assert report.stale == 1 and report.abandoned == 0
    assert [p.job for p in reads.pending_enrichments(HOME, 10)] == [home_job("drifted")]
    # When one runs after it has settled
    report = run(make_reconciler(repository, client, now=int(event_lmt) + HOUR_MS))
    # Then the stored job still is the newer event's and no longer waits
    assert report.abandoned == 1
    record = reads.get_job(home_job("drifted"))
    assert record is not None
    assert record["last_modified_time"] == iso_from_ms(int(event_lmt))
    assert "final_metric_data_list" not in record
    detail = reads.get_job_detail(home_job("drifted"))
    assert detail is not None and detail["enrichment_pending"] is False
    assert reads.pending_enrichments(HOME, 10) == []
    # And the listings say so too: the summary the indexes carry is rewritten with it
    assert unpack_summary(raw_job_item("drifted")["summary"]["S"])["enrichment_pending"] is False
    assert job.training_job_status == "Completed"


def test_a_terminal_job_beats_a_later_stamped_in_progress_snapshot(
    repository: JobRepository, reads: JobReads, client: Any
) -> None:
    # Given an InProgress event stored with a later time than SageMaker's final state
    create_job(client, "late-stamp", created_ms=NOW - 3 * HOUR_MS, status="Failed")
    described = client.describe_training_job(TrainingJobName="late-stamp")
    in_progress = lifecycle("late-stamp", "Failed", creation_ms=NOW - 3 * HOUR_MS)[3]
    in_progress["LastModifiedTime"] = int(described["LastModifiedTime"].timestamp() * 1000) + 1
    Pipeline(repository=repository).handle(normalise_training_job(in_progress))
    # When reconciled, Then the terminal description wins, by the ordering rule
    run(make_reconciler(repository, client))
    record = reads.get_job(home_job("late-stamp"))
    assert record is not None and record["training_job_status"] == "Failed"


def test_old_failures_do_not_alert_recent_ones_do(
    repository: JobRepository, reads: JobReads, client: Any
) -> None:
    # Given failures found by a first run: one ended 3 days ago, one 2 hours ago
    create_job(client, "failed-long-ago", created_ms=NOW - 3 * DAY_MS, status="Failed")
    create_job(client, "failed-lately", created_ms=NOW - 3 * HOUR_MS, status="Failed")
    create_job(client, "completed-lately", created_ms=NOW - 3 * HOUR_MS)
    alerter = RecordingAlerter()
    # When the reconciler stores them
    report = run(make_reconciler(repository, client, alerter=alerter))
    # Then only the recent failure alerts; the old one is stored without a word
    assert alerter.alerted == ["failed-lately"]
    assert report.alerts == 1
    assert report.quiet == 1
    old = reads.get_job(home_job("failed-long-ago"))
    assert old is not None and old["training_job_status"] == "Failed"
    # And a later run alerts no more
    run(make_reconciler(repository, client, now=NOW + HOUR_MS, alerter=alerter))
    assert alerter.alerted == ["failed-lately"]


class FailingOnceAlerter(RecordingAlerter):
    def __init__(self) -> None:
        super().__init__()
        self.failures = 1

    def alert(self, snapshot: Any, outcome: object) -> list[str]:
        if self.failures:
            self.failures -= 1
            raise RuntimeError("topic unreachable")
        return super().alert(snapshot, outcome)


def test_an_alert_that_failed_is_retried_by_the_next_run(
    repository: JobRepository, reads: JobReads, progress: ReconcileStateRepository, client: Any
) -> None:
    # Given a failure found while the alert topic is unreachable
    create_job(client, "lost-events", created_ms=NOW - 3 * HOUR_MS, status="Failed")
    create_job(client, "after-it", created_ms=NOW - 2 * HOUR_MS)
    alerter = FailingOnceAlerter()
    first = run(make_reconciler(repository, client, alerter=alerter))
    # Then the run stops there, remembering the job, with the job stored
    assert first.stopped is not None and first.stopped.startswith("store or alert failed")
    assert progress.load(HOME).retry_jobs == (home_job("lost-events"),)
    assert reads.get_job(home_job("after-it")) is None
    # When the next run comes, Then it alerts and finishes the window
    second = run(make_reconciler(repository, client, now=NOW + HOUR_MS, alerter=alerter))
    assert alerter.alerted == ["lost-events"]
    assert second.finished
    assert reads.get_job(home_job("after-it")) is not None
    assert progress.load(HOME).retry_jobs == ()


def test_alert_lookback_is_configurable(repository: JobRepository, client: Any) -> None:
    create_job(client, "failed-3-days-ago", created_ms=NOW - 3 * DAY_MS, status="Failed")
    alerter = RecordingAlerter()
    run(make_reconciler(repository, client, alerter=alerter, alert_lookback_ms=4 * DAY_MS))
    assert alerter.alerted == ["failed-3-days-ago"]


def test_a_throttled_describe_stops_the_run_and_the_next_run_succeeds(
    repository: JobRepository,
    reads: JobReads,
    progress: ReconcileStateRepository,
) -> None:
    # Given SageMaker listing two jobs and throttling the second one's describe
    first = lifecycle("first", "Completed", creation_ms=NOW - 2 * HOUR_MS)[-1]
    second = lifecycle("second", "Failed", creation_ms=NOW - HOUR_MS)[-1]
    listing = {"TrainingJobSummaries": [summary(first), summary(second)]}
    client = boto3.client("sagemaker", region_name=REGION, config=CLIENT_CONFIG)
    with Stubber(client) as stub:
        stub.add_response("list_training_jobs", listing)
        stub.add_response("describe_training_job", describe_response(first))
        stub.add_response("list_tags", {"Tags": [{"Key": "team", "Value": "vision"}]})
        stub.add_client_error("describe_training_job", service_error_code="ThrottlingException")
        # When the reconciler runs
        report = run(make_reconciler(repository, client))
        stub.assert_no_pending_responses()
    # Then it stops, keeps what it stored and where it got to, and moves no watermark
    assert report.stopped == "throttled"
    assert (
        reads.get_job(home_job("first")) is not None and reads.get_job(home_job("second")) is None
    )
    state = progress.load(HOME)
    assert state.watermark_ms is None and state.window is not None
    assert state.window.resume_ms == first["CreationTime"]
    # When SageMaker answers the next run
    with Stubber(client) as stub:
        stub.add_response(
            "list_training_jobs",
            listing,
            expected_params={
                "LastModifiedTimeAfter": at(NOW - 30 * DAY_MS),
                "CreationTimeAfter": at(first["CreationTime"] - 1000),
                "SortBy": "CreationTime",
                "SortOrder": "Ascending",
                "MaxResults": 100,
            },
        )
        stub.add_response("describe_training_job", describe_response(second))
        stub.add_response("list_tags", {"Tags": []})
        report = run(make_reconciler(repository, client, now=NOW + HOUR_MS))
        stub.assert_no_pending_responses()
    # Then the rest is stored, the first not described again, and the window closed
    assert report.finished and report.described == 1
    record = reads.get_job(home_job("second"))
    assert record is not None and record["billable_time_in_seconds"] == 240
    assert progress.load(HOME).watermark_ms == NOW


def test_a_throttled_pending_describe_keeps_it_pending(
    repository: JobRepository, reads: JobReads
) -> None:
    detail = lifecycle("waiting", "Failed", creation_ms=NOW - 2 * HOUR_MS)[-1]
    ingest_pending(repository, detail)
    client = boto3.client("sagemaker", region_name=REGION, config=CLIENT_CONFIG)
    with Stubber(client) as stub:
        stub.add_client_error("describe_training_job", service_error_code="ThrottlingException")
        report = run(make_reconciler(repository, client))
    assert report.stopped == "throttled"
    assert [p.job for p in reads.pending_enrichments(HOME, 10)] == [home_job("waiting")]


def test_a_job_sagemaker_does_not_know_stops_waiting_once_settled(
    repository: JobRepository, reads: JobReads, client: Any
) -> None:
    detail = lifecycle("unknown-to-sagemaker", "Completed", creation_ms=NOW - 3 * HOUR_MS)[-1]
    ingest_pending(repository, detail)
    report = run(make_reconciler(repository, client))
    assert report.abandoned == 1
    assert reads.pending_enrichments(HOME, 10) == []
    assert reads.get_job(home_job("unknown-to-sagemaker")) is not None


def test_a_concurrent_run_does_not_move_the_watermark_back(
    progress: ReconcileStateRepository,
) -> None:
    # Given two runs that loaded the same state
    loaded = progress.load(HOME)
    saved = progress.save(HOME, ReconcileState(watermark_ms=NOW, revision=0))
    assert saved is not None and saved.revision == 1
    # When the slower one saves over it, Then it is refused
    assert progress.save(HOME, ReconcileState(watermark_ms=NOW - 1, revision=0)) is None
    assert loaded.revision == 0
    assert progress.load(HOME).watermark_ms == NOW


def summary(detail: dict[str, Any]) -> dict[str, Any]:
    return {
        "TrainingJobName": detail["TrainingJobName"],
        "TrainingJobArn": detail["TrainingJobArn"],
        "CreationTime": at(detail["CreationTime"]),
        "TrainingEndTime": at(detail["TrainingEndTime"]),
        "LastModifiedTime": at(detail["LastModifiedTime"]),
        "TrainingJobStatus": detail["TrainingJobStatus"],
    }


def at(millis: int) -> datetime:
    return datetime.fromtimestamp(millis / 1000, tz=UTC)
