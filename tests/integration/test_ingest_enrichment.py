"""Ingest with enrichment under moto: terminal events described once, others never."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import boto3
import botocore.client
import pytest
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from jobtracker.enrich import SageMakerEnricher
from jobtracker.ingest import Pipeline
from jobtracker.observability import metrics
from jobtracker.store.repository import JobRepository, TableConfig
from moto import mock_aws

from tests.fixtures.aws import REGION, TABLE_NAME, create_table
from tests.fixtures.lambda_events import sqs_batch
from tests.fixtures.sagemaker import create_job, event_detail_of, sagemaker
from tests.fixtures.training_jobs import LIFECYCLES, T0, snapshot, state_change_body


@pytest.fixture
def ingest(monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    monkeypatch.setenv("TABLE_NAME", TABLE_NAME)
    with mock_aws():
        create_table(boto3.client("dynamodb", region_name=REGION))
        yield importlib.import_module("ingest.handler")


@pytest.fixture
def repository(ingest: ModuleType) -> JobRepository:
    return JobRepository(TableConfig(table_name=TABLE_NAME, region=REGION))


class Requests:
    """Every AWS request made, by service and operation."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.made: list[tuple[str, str]] = []
        original = botocore.client.BaseClient._make_api_call

        def counting(client: Any, operation: str, params: Any) -> Any:
            self.made.append((client.meta.service_model.service_name, operation))
            return original(client, operation, params)

        monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", counting)

    def of(self, service: str) -> list[str]:
        return [operation for name, operation in self.made if name == service]


def pipeline_for(repository: JobRepository, client: Any) -> Pipeline:
    return Pipeline(repository=repository, enricher=SageMakerEnricher(connect=lambda: client))


def record_of(detail: dict[str, Any]) -> SQSRecord:
    return SQSRecord(sqs_batch([state_change_body(detail)])["Records"][0])


def test_a_terminal_event_is_stored_described_in_two_requests(
    ingest: ModuleType, repository: JobRepository, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a job SageMaker can describe, and its Completed event
    client = sagemaker()
    create_job(client, "described-job", created_ms=T0)
    detail = event_detail_of(client.describe_training_job(TrainingJobName="described-job"))
    detail["Tags"] = {"team": "vision"}
    requests = Requests(monkeypatch)
    # When the event is ingested
    result = ingest.ingest_record(record_of(detail), pipeline_for(repository, client))
    # Then one DescribeTrainingJob, at most two DynamoDB requests, and the record complete
    assert requests.of("sagemaker") == ["DescribeTrainingJob"]
    assert len(requests.of("dynamodb")) <= 2
    assert not result.snapshot.enrichment_pending
    record = repository.get_job("described-job")
    assert record is not None
    assert record["final_metric_data_list"] == [
        {"metric_name": "validation:auc", "value": 0.91, "timestamp": record["training_end_time"]}
    ]
    assert record["model_artifacts"] == {
        "s3_model_artifacts": "s3://models/out/described-job/output/model.tar.gz"
    }
    assert record["billable_time_in_seconds"] == 1700
    assert record["tags"] == [{"key": "team", "value": "vision"}]


def test_events_before_the_end_never_call_sagemaker(
    ingest: ModuleType, repository: JobRepository, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = sagemaker()
    requests = Requests(monkeypatch)
    for detail in snapshot_steps("running", "Stopped")[:-1]:
        ingest.ingest_record(record_of(detail), pipeline_for(repository, client))
    assert requests.of("sagemaker") == []
    record = repository.get_job("running")
    assert record is not None and record["training_job_status"] == "Stopping"


def test_a_failed_enrichment_stores_the_event_pending_in_the_same_requests(
    ingest: ModuleType, repository: JobRepository, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a Failed event for a job SageMaker cannot describe
    detail = snapshot_steps("vanished", "Failed")[-1]
    metrics.clear_metrics()
    requests = Requests(monkeypatch)
    # When it is ingested
    result = ingest.ingest_record(record_of(detail), pipeline_for(repository, sagemaker()))
    # Then the event's snapshot is stored and marked, with no extra DynamoDB request
    assert result.snapshot.enrichment_pending
    assert len(requests.of("dynamodb")) <= 2
    assert [pending.name for pending in repository.pending_enrichments(10)] == ["vanished"]
    record = repository.get_job("vanished")
    assert record is not None and record["failure_reason"].startswith("AlgorithmError")
    assert "EnrichmentFailures" in metrics.metric_set
    metrics.clear_metrics()


def snapshot_steps(name: str, ending: str) -> list[dict[str, Any]]:
    steps = LIFECYCLES[ending]
    return [snapshot(name, steps[: index + 1]) for index in range(len(steps))]
