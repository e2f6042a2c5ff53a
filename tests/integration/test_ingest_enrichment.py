"""Ingest with enrichment under moto: terminal events described once, others never."""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

import pytest
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from jobtracker.alerts.alerter import AlertPublishFailed, ExactlyOnceAlerter
from jobtracker.enrich import SageMakerEnricher
from jobtracker.observability import metrics
from jobtracker.pipeline import Pipeline
from jobtracker.store.alert_claims import AlertClaimRepository
from jobtracker.store.reads import JobReads
from jobtracker.store.repository import JobRepository

from synthetic.events import BASE_MS, HOME, event_body, home_job, lifecycle
from synthetic.lambda_events import sqs_event
from tests.fixtures.alert_fakes import FakePublisher
from tests.fixtures.sagemaker import CallCounter, create_job, event_detail_of, sagemaker


def ingest_module() -> ModuleType:
    return importlib.import_module("ingest.handler")


def pipeline_for(repository: JobRepository, client: Any) -> Pipeline:
    return Pipeline(
        repository=repository, enricher=SageMakerEnricher(connect=lambda account, region: client)
    )


def completed_event(client: Any, name: str) -> dict[str, Any]:
    """A job SageMaker can describe, and the detail of its Completed event."""
    create_job(client, name, created_ms=BASE_MS)
    return event_detail_of(client.describe_training_job(TrainingJobName=name))


def record_of(detail: dict[str, Any]) -> SQSRecord:
    return SQSRecord(sqs_event([event_body(detail)])["Records"][0])


def test_a_terminal_event_is_stored_described_in_two_requests(
    repository: JobRepository, reads: JobReads, ddb_calls: list[str]
) -> None:
    # Given a job SageMaker can describe, and its Completed event
    client = sagemaker()
    detail = completed_event(client, "described-job")
    detail["Tags"] = {"team": "vision"}
    calls = CallCounter(client)
    ddb_calls.clear()
    # When the event is ingested
    result = ingest_module().ingest_record(record_of(detail), pipeline_for(repository, client))
    # Then one DescribeTrainingJob, at most two DynamoDB requests, and the record complete
    assert calls.calls == ["DescribeTrainingJob"]
    assert len(ddb_calls) <= 2
    assert not result.snapshot.enrichment_pending
    record = reads.get_job(home_job("described-job"))
    assert record is not None
    assert record["final_metric_data_list"] == [
        {"metric_name": "validation:auc", "value": 0.91, "timestamp": record["training_end_time"]}
    ]
    assert record["model_artifacts"]["s3_model_artifacts"].endswith(
        "described-job/output/model.tar.gz"
    )
    assert record["billable_time_in_seconds"] == 1700
    assert record["tags"] == [{"key": "team", "value": "vision"}]


def test_events_before_the_end_never_call_sagemaker(
    repository: JobRepository, reads: JobReads
) -> None:
    client = sagemaker()
    calls = CallCounter(client)
    for detail in lifecycle("running", "Stopped")[:-1]:
        ingest_module().ingest_record(record_of(detail), pipeline_for(repository, client))
    assert calls.calls == []
    record = reads.get_job(home_job("running"))
    assert record is not None and record["training_job_status"] == "Stopping"


def test_a_failed_enrichment_stores_the_event_pending_in_the_same_requests(
    repository: JobRepository, reads: JobReads, ddb_calls: list[str]
) -> None:
    # Given a Failed event for a job SageMaker cannot describe
    detail = lifecycle("vanished", "Failed")[-1]
    metrics.clear_metrics()
    ddb_calls.clear()
    # When it is ingested
    result = ingest_module().ingest_record(record_of(detail), pipeline_for(repository, sagemaker()))
    # Then the event's snapshot is stored and marked, with no extra DynamoDB request
    assert result.snapshot.enrichment_pending
    assert len(ddb_calls) <= 2
    assert [pending.job for pending in reads.pending_enrichments(HOME, 10)] == [
        home_job("vanished")
    ]
    record = reads.get_job(home_job("vanished"))
    assert record is not None and record["failure_reason"].startswith("AlgorithmError")
    assert "EnrichmentFailures" in metrics.metric_set
    metrics.clear_metrics()


def test_a_duplicate_terminal_event_is_not_described_again(
    repository: JobRepository, reads: JobReads, ddb_calls: list[str]
) -> None:
    # Given a Completed job already stored described from its event
    client = sagemaker()
    detail = completed_event(client, "described-twice")
    pipeline = pipeline_for(repository, client)
    ingest_module().ingest_record(record_of(detail), pipeline)
    calls = CallCounter(client)
    ddb_calls.clear()
    # When the same event comes again, twice
    results = [ingest_module().ingest_record(record_of(detail), pipeline) for _ in range(2)]
    # Then SageMaker is not asked, each copy costs one DynamoDB request, the record stays
    assert calls.calls == []
    assert [result.outcome.value for result in results] == ["stale", "stale"]
    assert len(ddb_calls) == 2
    record = reads.get_job(home_job("described-twice"))
    assert record is not None and record["billable_time_in_seconds"] == 1700
    assert reads.pending_enrichments(HOME, 10) == []


def test_an_older_terminal_event_after_the_description_is_not_described(
    repository: JobRepository,
    reads: JobReads,
) -> None:
    # Given a job whose Stopped event was stored described
    client = sagemaker()
    stopped = lifecycle("late-copy", "Stopped")
    create_job(client, "late-copy", created_ms=BASE_MS, status="Stopped")
    pipeline = pipeline_for(repository, client)
    ingest_module().ingest_record(record_of(stopped[-1]), pipeline)
    calls = CallCounter(client)
    # When its Stopping event arrives late, and the Stopped one again
    for detail in (stopped[-2], stopped[-1]):
        ingest_module().ingest_record(record_of(detail), pipeline)
    # Then neither is described, and the job is still Stopped
    assert calls.calls == []
    record = reads.get_job(home_job("late-copy"))
    assert record is not None and record["training_job_status"] == "Stopped"


def test_the_redelivery_after_a_failed_publish_alerts_with_the_described_record(
    repository: JobRepository, reads: JobReads
) -> None:
    # Given a Failed job SageMaker describes with its billable time and metrics, and an
    # alert topic that refuses the first publish
    client = sagemaker()
    create_job(client, "failed-job", created_ms=BASE_MS, status="Failed", billable_seconds=4242)
    detail = event_detail_of(client.describe_training_job(TrainingJobName="failed-job"))
    assert "BillableTimeInSeconds" not in detail
    publisher = FakePublisher(failures_left=1)
    alerter = ExactlyOnceAlerter(
        claims=AlertClaimRepository(repository.config, repository.models),
        publisher=publisher,
        stored_record=reads.get_job,
    )
    pipeline = pipeline_for(repository, client)._replace(alerter=alerter)
    calls = CallCounter(client)
    # When its Failed event is ingested: stored described, but the publish fails
    with pytest.raises(AlertPublishFailed):
        ingest_module().ingest_record(record_of(detail), pipeline)
    # And SQS redelivers it: a stale event now, which is not described again
    ingest_module().ingest_record(record_of(detail), pipeline)
    # Then the one alert carries what only the description had
    assert calls.count("DescribeTrainingJob") == 1
    assert len(publisher.published) == 1
    body = publisher.published[0].body
    assert body["billable_time_in_seconds"] == 4242
    assert "Billable time" in publisher.published[0].text
