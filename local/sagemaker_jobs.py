"""Training jobs that only the emulator's SageMaker knows: no event ever announced them.

moto's CreateTrainingJob makes a job Completed "now". `put_job_in_sagemaker` makes the
emulator hold the job a snapshot describes instead (its status, times, transitions,
failure reason) plus what DescribeTrainingJob adds to an event (billable and training
seconds, final metrics, model artifacts), by setting the attributes of moto's job
object: the emulator runs in this process. DescribeTrainingJob and ListTrainingJobs
then answer with that job, as SageMaker would for a job whose events were lost.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from jobtracker.timestamps import to_epoch_ms
from moto.core import DEFAULT_ACCOUNT_ID
from moto.sagemaker.models import sagemaker_backends

DEFAULT_METRICS = (("validation:auc", 0.91), ("train:loss", 0.23))


def put_job_in_sagemaker(
    client: Any,
    detail: Mapping[str, Any],
    *,
    billable_seconds: int | None = None,
    final_metrics: tuple[tuple[str, float], ...] = DEFAULT_METRICS,
) -> None:
    """Make the emulator's SageMaker hold the job `detail` (an event's detail) shows.

    `billable_seconds` defaults to the training time (start to end).
    """
    name = str(detail["TrainingJobName"])
    client.create_training_job(**_create_request(detail))
    job = sagemaker_backends[DEFAULT_ACCOUNT_ID][client.meta.region_name].training_jobs[name]
    # moto adds metric definitions of its own to every job.
    job.algorithm_specification = _create_request(detail)["AlgorithmSpecification"]
    status = str(detail["TrainingJobStatus"])
    job.training_job_status = status
    job.secondary_status = detail.get("SecondaryStatus", status)
    job.creation_time = _moto_time(detail["CreationTime"])
    job.last_modified_time = _moto_time(detail["LastModifiedTime"])
    job.training_start_time = _optional_time(detail.get("TrainingStartTime"))
    job.training_end_time = _optional_time(detail.get("TrainingEndTime"))
    job.secondary_status_transitions = [
        {
            **transition,
            "StartTime": _moto_time(transition["StartTime"]),
            **(
                {"EndTime": _moto_time(transition["EndTime"])}
                if transition.get("EndTime") is not None
                else {}
            ),
        }
        for transition in detail.get("SecondaryStatusTransitions", [])
    ]
    if detail.get("FailureReason"):
        job.failure_reason = detail["FailureReason"]
    ended = job.training_end_time
    if ended is None:
        # Still running: SageMaker has no final metrics, artifacts or billable time yet.
        job.final_metric_data_list = None
        job.model_artifacts = None
        return
    started = job.training_start_time or job.creation_time
    trained = max(0, round((ended - started).total_seconds()))
    job.training_time_in_seconds = trained
    job.billable_time_in_seconds = trained if billable_seconds is None else billable_seconds
    job.final_metric_data_list = [
        {"MetricName": metric, "Value": value, "Timestamp": ended}
        for metric, value in final_metrics
    ]
    if status != "Completed":
        job.model_artifacts = None


def _create_request(detail: Mapping[str, Any]) -> dict[str, Any]:
    """CreateTrainingJob's parameters for the job `detail` shows (defaults for the rest)."""
    algorithm = detail.get("AlgorithmSpecification") or {}
    request: dict[str, Any] = {
        "TrainingJobName": detail["TrainingJobName"],
        "AlgorithmSpecification": {
            "TrainingImage": algorithm.get("TrainingImage", "xgboost:1.7"),
            "TrainingInputMode": algorithm.get("TrainingInputMode", "File"),
        },
        "RoleArn": detail.get("RoleArn", f"arn:aws:iam::{DEFAULT_ACCOUNT_ID}:role/SageMakerRole"),
        "OutputDataConfig": detail.get("OutputDataConfig") or {"S3OutputPath": "s3://models/out"},
        "ResourceConfig": detail.get("ResourceConfig")
        or {"InstanceType": "ml.m5.xlarge", "InstanceCount": 1, "VolumeSizeInGB": 30},
        "StoppingCondition": detail.get("StoppingCondition") or {"MaxRuntimeInSeconds": 86400},
        "Tags": _tag_list(detail.get("Tags")),
    }
    if detail.get("HyperParameters"):
        request["HyperParameters"] = dict(detail["HyperParameters"])
    if detail.get("EnableManagedSpotTraining") is not None:
        request["EnableManagedSpotTraining"] = bool(detail["EnableManagedSpotTraining"])
    return request


def _tag_list(tags: Any) -> list[dict[str, str]]:
    if isinstance(tags, Mapping):
        return [{"Key": str(k), "Value": str(v)} for k, v in tags.items()]
    return [{"Key": t["Key"], "Value": t.get("Value", "")} for t in tags or []]


def _moto_time(value: Any) -> datetime:
    # moto keeps naive UTC datetimes.
    millis = to_epoch_ms(value)
    return datetime.fromtimestamp(millis / 1000, tz=UTC).replace(tzinfo=None)


def _optional_time(value: Any) -> datetime | None:
    return None if value is None else _moto_time(value)
