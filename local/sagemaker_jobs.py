"""Training jobs in the emulator's SageMaker, some of which no event ever announced.

The demo puts every job it replays events for in SageMaker (enrichment describes them),
and a few more that send no event at all (`LOST_EVENT_JOBS`): the reconciler brings
them in.

moto's CreateTrainingJob makes a job Completed "now". `put_job_in_sagemaker` makes the
emulator hold the job a snapshot describes instead (its status, times, transitions,
failure reason) plus what DescribeTrainingJob adds to an event (billable and training
seconds, final metrics, model artifacts), by setting the attributes of moto's job
object: the emulator runs in this process. DescribeTrainingJob and ListTrainingJobs
then answer with that job, as SageMaker would for a job whose events were lost.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from jobtracker.casing import snake_case
from jobtracker.record import USER_MAPS
from jobtracker.timestamps import to_epoch_ms
from moto.core import DEFAULT_ACCOUNT_ID
from moto.sagemaker.models import sagemaker_backends

from local.demo import JobSpec, final_metrics, job_snapshots, job_spec

DEFAULT_METRICS = (("validation:auc", 0.91), ("train:loss", 0.23))
HOUR_MS = 3_600_000
# The demo's jobs whose events were lost: (name, outcome, how long ago they last changed).
# One failure within the reconciler's alert lookback (it alerts), one long before (quiet).
LOST_EVENT_JOBS = (
    ("sagemaker-only-completed", "completed", 5 * HOUR_MS),
    ("sagemaker-only-failed", "failed", 2 * HOUR_MS),
    ("sagemaker-only-max-runtime", "max_runtime", 9 * 24 * HOUR_MS),
    ("sagemaker-only-in-progress", "in_progress", HOUR_MS // 6),
)


def lost_event_specs(now_ms: int) -> list[JobSpec]:
    """Demo jobs SageMaker ran and no event announced, each last changed when listed."""
    specs = []
    for name, outcome, ago_ms in LOST_EVENT_JOBS:
        spec = job_spec(name, outcome, 0, seed=6)
        # The last change is the start of the last secondary status.
        span_ms = sum(spec.durations[:-1]) * 1000
        specs.append(dataclasses.replace(spec, created_ms=now_ms - ago_ms - span_ms))
    return specs


def put_demo_jobs(clients: Callable[[str, str], Any], specs: Iterable[JobSpec]) -> int:
    """Make the emulator's SageMaker hold the demo's jobs as they are now, each in its own
    account and region (`clients(account, region)`); how many."""
    count = 0
    for spec in specs:
        detail = job_snapshots(spec)[-1]
        trained_ms = sum(spec.durations[:-1]) * 1000
        put_job_in_sagemaker(
            clients(spec.account, spec.region),
            detail,
            billable_seconds=trained_ms // 3000 if spec.spot else None,
            final_metrics=final_metrics(spec),
            account=spec.account,
        )
        count += 1
    return count


def put_job_in_sagemaker(
    client: Any,
    detail: Mapping[str, Any],
    *,
    billable_seconds: int | None = None,
    final_metrics: tuple[tuple[str, float], ...] = DEFAULT_METRICS,
    account: str = DEFAULT_ACCOUNT_ID,
) -> None:
    """Make the emulator's SageMaker hold the job `detail` (an event's detail) shows.

    `billable_seconds` defaults to the training time (start to end). `client` is one of
    `account` (local.emulator.client).
    """
    name = str(detail["TrainingJobName"])
    client.create_training_job(**_create_request(detail))
    # Any: the job's attributes are set one by one, some to None (absent, as
    # DescribeTrainingJob leaves them), which moto's annotations of them do not allow.
    job: Any = sagemaker_backends[account][client.meta.region_name].training_jobs[name]
    # moto's job object answers DescribeTrainingJob with its attributes, named in
    # snake_case; it adds metric definitions of its own, which the job's replace.
    for key, value in detail.items():
        if key not in ("TrainingJobName", "TrainingJobArn", "Tags"):
            setattr(job, snake_case(key), _moto_value(key, value))
    ended = job.training_end_time = _moto_value("TrainingEndTime", detail.get("TrainingEndTime"))
    if ended is None:
        # Still running: SageMaker has no final metrics, artifacts or billable time yet.
        job.final_metric_data_list = None
        job.model_artifacts = None
        return
    started = _moto_value("TrainingStartTime", detail.get("TrainingStartTime")) or job.creation_time
    trained = max(0, round((ended - started).total_seconds()))
    job.training_time_in_seconds = trained
    job.billable_time_in_seconds = trained if billable_seconds is None else billable_seconds
    job.final_metric_data_list = [
        {"MetricName": metric, "Value": value, "Timestamp": ended}
        for metric, value in final_metrics
    ] or None
    if detail["TrainingJobStatus"] != "Completed":
        job.model_artifacts = None


def _create_request(detail: Mapping[str, Any]) -> dict[str, Any]:
    """What CreateTrainingJob needs (the rest of the job is copied onto moto's object)."""
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
    return request


def _tag_list(tags: Any) -> list[dict[str, str]]:
    if isinstance(tags, Mapping):
        return [{"Key": str(k), "Value": str(v)} for k, v in tags.items()]
    return [{"Key": t["Key"], "Value": t.get("Value", "")} for t in tags or []]


def _moto_value(key: str, value: Any) -> Any:
    """`value` with every timestamp a naive UTC datetime, as moto keeps them."""
    if value is None or key in USER_MAPS:
        return value
    if isinstance(value, Mapping):
        return {k: _moto_value(k, v) for k, v in value.items()}
    if isinstance(value, list):
        return [_moto_value(key, item) for item in value]
    if key.endswith("Time"):
        millis = to_epoch_ms(value, key)
        return datetime.fromtimestamp(millis / 1000, tz=UTC).replace(tzinfo=None)
    return value
