"""Enrichment and the reconciler on `make local`'s stack, over real HTTP.

The stack runs as `python -m local` (see conftest): its emulator's SageMaker is where
the jobs are created, its API is where they are read.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from local.demo import put_events
from tests.fixtures.sagemaker import event_detail_of

from .conftest import LocalStack, running_local_stack
from .test_local_stack_e2e import eventually

pytestmark = pytest.mark.e2e

RECONCILE_RUN = re.compile(r"^reconcile: \{")


@pytest.fixture(scope="module")
def reconciling_stack() -> Iterator[LocalStack]:
    with running_local_stack(settings={"RECONCILE_INTERVAL": "1"}) as stack:
        yield stack


def get(url: str) -> tuple[int, Any]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def reconcile_runs(stack: LocalStack) -> int:
    """How many reconcile runs the stack has finished (it prints each one's report)."""
    return sum(1 for line in list(stack.output) if RECONCILE_RUN.match(line))


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


def test_a_job_only_in_sagemaker_is_served_within_two_reconcile_runs(
    reconciling_stack: LocalStack,
) -> None:
    # Given a job SageMaker ran and no event ever announced
    stack = reconciling_stack
    name = f"e2e-only-in-sagemaker-{uuid.uuid4().hex[:8]}"
    runs_before = reconcile_runs(stack)
    stack.client("sagemaker").create_training_job(**create_request(name))

    # When the reconciler runs on its timer, Then the API serves the job before the
    # second run that started after the job existed has finished
    def served() -> dict[str, Any] | None:
        runs = reconcile_runs(stack) - runs_before
        status, body = get(f"{stack.api_url}/jobs/{name}")
        if status == 200:
            return dict(body)
        assert runs < 2, f"{name} not served after {runs} reconcile runs:\n{stack.log()}"
        return None

    record = eventually(served, 60, f"{name} served", stack)
    assert record["training_job_status"] == "Completed"
    assert record["model_artifacts"]["s3_model_artifacts"] == (
        f"s3://models/out/{name}/output/model.tar.gz"
    )
    assert record["final_metric_data_list"][0]["metric_name"] == "train:progress"
    assert record["tags"] == [{"key": "team", "value": "nlp"}]


def test_a_terminal_event_ends_enriched(local_stack: LocalStack) -> None:
    # Given a job SageMaker can describe, on a stack whose reconciler is off
    name = f"e2e-enriched-{uuid.uuid4().hex[:8]}"
    sagemaker = local_stack.client("sagemaker")
    sagemaker.create_training_job(**create_request(name))
    detail = event_detail_of(sagemaker.describe_training_job(TrainingJobName=name))
    detail["Tags"] = {"team": "nlp"}
    assert "FinalMetricDataList" not in detail and "ModelArtifacts" not in detail

    # When its Completed event is put on the default bus
    put_events(local_stack.client("events"), [detail])

    # Then the job is served with what only DescribeTrainingJob has (while SageMaker is
    # being asked, it is served as its event had it, marked pending)
    def served() -> dict[str, Any] | None:
        status, body = get(f"{local_stack.api_url}/jobs/{name}")
        return dict(body) if status == 200 and not body["enrichment_pending"] else None

    record = eventually(served, 30, f"{name} served enriched", local_stack)
    assert record["training_job_status"] == "Completed"
    assert record["final_metric_data_list"] == [
        {"metric_name": "train:progress", "value": 100.0, "timestamp": record["creation_time"]}
    ]
    assert record["model_artifacts"] == {
        "s3_model_artifacts": f"s3://models/out/{name}/output/model.tar.gz"
    }
    assert record["tags"] == [{"key": "team", "value": "nlp"}]
