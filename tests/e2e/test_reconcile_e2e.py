"""Enrichment and the reconciler end to end, every AWS call over HTTP to moto's server.

The handlers are the deployed ones (`ingest.handler`, `reconcile.handler`,
`api.handler`), configured from the environment as Lambda would configure them, with
`AWS_ENDPOINT_URL` pointing at the emulator.
"""

from __future__ import annotations

import importlib.util
import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
import pytest
from moto.server import ThreadedMotoServer

from tests.fixtures.events import BASE_MS, REGION, event_body
from tests.fixtures.lambda_events import LambdaContext, http_request, sqs_event
from tests.fixtures.sagemaker import create_job, create_table, event_detail_of

pytestmark = pytest.mark.e2e

TABLE = "jobtracker-e2e"
HANDLERS = ("ingest.handler", "reconcile.handler", "api.handler")
FUNCTIONS = Path(__file__).resolve().parents[2] / "functions"


@pytest.fixture(scope="module")
def emulator() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    create_table(TABLE, endpoint)
    yield endpoint
    server.stop()


@pytest.fixture
def stack(emulator: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, ModuleType]:
    """The handler modules, loaded afresh with the function's environment.

    Loaded under names of their own, so the modules other tests imported stay as they are.
    """
    monkeypatch.setenv("AWS_ENDPOINT_URL", emulator)
    monkeypatch.setenv("TABLE_NAME", TABLE)
    monkeypatch.setenv("BACKFILL_DAYS", "30")
    monkeypatch.setenv("ALERT_LOOKBACK_HOURS", "24")
    return {name: _load(name) for name in HANDLERS}


def _load(name: str) -> ModuleType:
    path = FUNCTIONS / (name.replace(".", "/") + ".py")
    spec = importlib.util.spec_from_file_location(f"e2e_{name.replace('.', '_')}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_reconciler(stack: dict[str, ModuleType]) -> dict[str, Any]:
    result: dict[str, Any] = stack["reconcile.handler"].handler(
        scheduled_event(), LambdaContext(function_name="reconcile")
    )
    return result


def sagemaker(endpoint: str) -> Any:
    return boto3.client("sagemaker", region_name=REGION, endpoint_url=endpoint)


def scheduled_event() -> dict[str, Any]:
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "123456789012",
        "time": "2026-01-01T00:00:00Z",
        "region": REGION,
        "resources": [],
        "detail": {},
    }


def api_get(api: ModuleType, path: str) -> tuple[int, dict[str, Any]]:
    """GET through the api handler, as API Gateway's HTTP API (payload v2) invokes it."""
    response = api.handler(http_request(path), LambdaContext(function_name="api"))
    return response["statusCode"], json.loads(response["body"])


def test_a_job_only_in_sagemaker_appears_after_a_reconcile_run(
    emulator: str, stack: dict[str, ModuleType]
) -> None:
    # Given a job SageMaker ran and no event ever told jobtracker about
    name = f"only-in-sagemaker-{uuid.uuid4().hex[:8]}"
    sagemaker(emulator).create_training_job(**create_request(name))
    api = stack["api.handler"]
    assert api_get(api, f"/jobs/{name}")[0] == 404
    # When the scheduled reconciler runs
    report = run_reconciler(stack)
    # Then the job is served, complete
    assert report["finished"] and report["stored"] >= 1
    status, record = api_get(api, f"/jobs/{name}")
    assert status == 200
    assert record["training_job_status"] == "Completed"
    assert record["model_artifacts"]["s3_model_artifacts"].endswith(f"{name}/output/model.tar.gz")
    assert record["tags"] == [{"key": "team", "value": "nlp"}]
    # And a second run finds nothing more to do for it
    again = run_reconciler(stack)
    assert again["described"] == 0


def test_a_terminal_event_is_stored_enriched(emulator: str, stack: dict[str, ModuleType]) -> None:
    # Given a job SageMaker can describe, and its Completed event
    client = sagemaker(emulator)
    name = f"enriched-{uuid.uuid4().hex[:8]}"
    create_job(client, name, created_ms=BASE_MS)
    detail = event_detail_of(client.describe_training_job(TrainingJobName=name))
    detail["Tags"] = {"team": "vision"}
    assert "FinalMetricDataList" not in detail and "ModelArtifacts" not in detail
    # When the ingest function receives it
    result = stack["ingest.handler"].handler(
        sqs_event([event_body(detail)]), LambdaContext(function_name="ingest")
    )
    # Then it is stored with what only DescribeTrainingJob has
    assert result == {"batchItemFailures": []}
    status, record = api_get(stack["api.handler"], f"/jobs/{name}")
    assert status == 200
    assert record["training_job_status"] == "Completed"
    assert record["final_metric_data_list"][0]["metric_name"] == "validation:auc"
    assert record["model_artifacts"]["s3_model_artifacts"].endswith(f"{name}/output/model.tar.gz")
    assert record["billable_time_in_seconds"] == 1700
    assert record["tags"] == [{"key": "team", "value": "vision"}]


def create_request(name: str) -> dict[str, Any]:
    return {
        "TrainingJobName": name,
        "AlgorithmSpecification": {"TrainingImage": "bert:2.1", "TrainingInputMode": "File"},
        "RoleArn": "arn:aws:iam::123456789012:role/SageMakerRole",
        "OutputDataConfig": {"S3OutputPath": "s3://models/out"},
        "ResourceConfig": {
            "InstanceType": "ml.g5.xlarge",
            "InstanceCount": 1,
            "VolumeSizeInGB": 50,
        },
        "StoppingCondition": {"MaxRuntimeInSeconds": 7200},
        "Tags": [{"Key": "team", "Value": "nlp"}],
    }
