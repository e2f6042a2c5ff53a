"""Realistic "SageMaker Training Job State Change" events, from a seeded generator.

The demo population of `make local`: jobs of every outcome with varied step durations,
spot interruptions and restarts, tuning jobs, over the last ~60 days. A job is a
`JobSpec`; `job_snapshots` gives the `detail` of every event SageMaker would publish for
it, one full snapshot per secondary status change, in the published forms (the
`TimeForm`s and `TagForm`s of synthetic/events.py, transitions with or without
`EndTime`). `put_events` is the one PutEvents path, for the replay and the e2e tests.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from jobtracker.record import Place
from jobtracker.timestamps import to_epoch_ms

from synthetic.events import (
    Step,
    Style,
    TagForm,
    TimeForm,
    base_detail,
    event_body,
    job_events,
    lifecycle,
    put_events_entry,
)

ACCOUNT = "123456789012"
REGION = "us-east-1"
# Where the demo's jobs run: the tracker's own account (and region), and two member
# accounts, over two regions. Tuning jobs stay in the tracker's own place.
PLACES = (
    (ACCOUNT, REGION),
    ("210987654321", REGION),
    (ACCOUNT, "eu-west-1"),
    ("555555555555", "eu-west-1"),
)
PUT_EVENTS_CHUNK = 10


def member_places(home_region: str) -> str:
    """MEMBER_PLACES for the demo: every place of PLACES but the tracker's own."""
    return ",".join(
        f"{account}:{region}"
        for account, region in PLACES
        if (account, region) != (ACCOUNT, home_region)
    )


DAY_MS = 86_400_000

# The forms events are published in (datetime is DescribeTrainingJob's, never an event's).
EVENT_TIME_FORMS = (TimeForm.MILLIS, TimeForm.MILLIS_FLOAT, TimeForm.MILLIS_TEXT, TimeForm.ISO)

_PREPARE = ("Starting", "LaunchingMLInstances", "PreparingTrainingStack", "Downloading")
_TRAIN = ("DownloadingTrainingImage", "Training")

# outcome -> (secondary statuses in order, final TrainingJobStatus). Every secondary
# status but the last is InProgress, except Stopping, which has its own job status.
OUTCOMES: dict[str, tuple[tuple[str, ...], str]] = {
    "completed": ((*_PREPARE, *_TRAIN, "Uploading", "Completed"), "Completed"),
    "failed": ((*_PREPARE, *_TRAIN, "Failed"), "Failed"),
    "failed_download": (("Starting", "LaunchingMLInstances", "Downloading", "Failed"), "Failed"),
    "stopped": ((*_PREPARE, *_TRAIN, "Stopping", "Stopped"), "Stopped"),
    "max_runtime": ((*_PREPARE, *_TRAIN, "MaxRuntimeExceeded"), "Stopped"),
    "spot_completed": (
        (
            *("Starting", "Pending", *_PREPARE[1:], *_TRAIN),
            *("Interrupted", "Restarting", "Training", "Uploading", "Completed"),
        ),
        "Completed",
    ),
    "spot_max_wait": (
        ("Starting", "Pending", *_PREPARE[1:], *_TRAIN, "Interrupted", "MaxWaitTimeExceeded"),
        "Stopped",
    ),
    "in_progress": ((*_PREPARE, *_TRAIN), "InProgress"),
    "stopping": ((*_PREPARE, *_TRAIN, "Stopping"), "Stopping"),
}
# How often each outcome turns up in the demo stream (after one of each).
_OUTCOME_WEIGHTS = {
    "completed": 50,
    "failed": 12,
    "failed_download": 4,
    "stopped": 6,
    "max_runtime": 4,
    "spot_completed": 8,
    "spot_max_wait": 3,
    "in_progress": 8,
    "stopping": 2,
}
SPOT_OUTCOMES = frozenset({"spot_completed", "spot_max_wait"})
# Jobs still running were created in the last hours; the rest over the last ~60 days.
_RUNNING_OUTCOMES = frozenset({"in_progress", "stopping"})

STATUS_MESSAGES = {
    "Starting": "Preparing the instances for training",
    "Pending": "Waiting for capacity to start the training job",
    "LaunchingMLInstances": "Launching requested ML instances",
    "PreparingTrainingStack": "Preparing the training stack",
    "Downloading": "Downloading input data",
    "DownloadingTrainingImage": "Downloading the training image",
    "Training": "Training image download completed. Training in progress.",
    "Uploading": "Uploading generated training model",
    "Completed": "Training job completed",
    "Failed": "Training job failed",
    "Stopping": "Stopping the training job",
    "Stopped": "Training job stopped by the user",
    "MaxRuntimeExceeded": "Training job exceeded MaxRuntimeInSeconds provided",
    "MaxWaitTimeExceeded": "Training job exceeded MaxWaitTimeInSeconds provided",
    "Interrupted": "The Spot instance was interrupted",
    "Restarting": "Restarting the training job after the Spot interruption",
}
# Seconds each secondary status lasts (low, high).
_DURATIONS = {
    "Starting": (20, 120),
    "Pending": (60, 1800),
    "LaunchingMLInstances": (60, 300),
    "PreparingTrainingStack": (5, 60),
    "Downloading": (20, 900),
    "DownloadingTrainingImage": (20, 240),
    "Training": (300, 30_000),
    "Interrupted": (30, 600),
    "Restarting": (60, 300),
    "Uploading": (10, 300),
    "Stopping": (10, 90),
}
# Failures any job can meet while it trains (not CapacityError: that one comes before
# any instance runs, so before any billable second).
FAILURE_REASONS = ("InternalServerError: An internal error occurred. Try again.",)
# Only on a GPU instance type.
GPU_FAILURE_REASONS = (
    'AlgorithmError: ExecuteUserScriptError:\nExitCode 1\nErrorMessage "RuntimeError: CUDA '
    'out of memory. Tried to allocate 2.00 GiB"',
)
# Only in the workload whose algorithm says them (by the workload's base name).
WORKLOAD_FAILURE_REASONS = {
    "xgboost-churn": ("ClientError: Please ensure the hyperparameter 'num_round' is set",),
    "resnet50-imagenet": ("AlgorithmError: framework error: loss became NaN at epoch 3",),
    "bert-finetune-reviews": ("AlgorithmError: framework error: loss became NaN at epoch 2",),
    "llama-lora-support": ("AlgorithmError: framework error: loss became NaN at step 412",),
    "kmeans-segments": (
        "ClientError: feature_dim is 40 but the records of channel train have 38 features",
    ),
    "deepar-demand": (
        "ClientError: prediction_length 24 is longer than the shortest series (18 points)",
    ),
}
GPU_INSTANCE_FAMILIES = ("ml.p", "ml.g")
DOWNLOAD_FAILURE = (
    "ClientError: Data download failed:Failed to download data. 403 Forbidden (AccessDenied)"
)

# (base name, training image, instance types, hyperparameters)
_WORKLOADS: tuple[tuple[str, str, tuple[str, ...], dict[str, str]], ...] = (
    (
        "xgboost-churn",
        "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1",
        ("ml.m5.xlarge", "ml.m5.2xlarge"),
        {"num_round": "200", "max_depth": "6", "eta": "0.2", "objective": "binary:logistic"},
    ),
    (
        "resnet50-imagenet",
        "763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-training:2.3-gpu-py311",
        ("ml.p3.2xlarge", "ml.g5.12xlarge"),
        {"epochs": "30", "batch-size": "256", "lr": "0.1", "sagemaker_program": "train.py"},
    ),
    (
        "bert-finetune-reviews",
        "763104351884.dkr.ecr.us-east-1.amazonaws.com/huggingface-pytorch-training:2.1",
        ("ml.g5.2xlarge", "ml.p3.8xlarge"),
        {"model_name": '"bert-base-uncased"', "epochs": "3", "train_batch_size": "32"},
    ),
    (
        "llama-lora-support",
        "763104351884.dkr.ecr.us-east-1.amazonaws.com/huggingface-pytorch-tgi-training:2.4",
        ("ml.g5.48xlarge", "ml.p4d.24xlarge"),
        {"lora_r": "16", "lora_alpha": "32", "learning_rate": "2e-4", "max_steps": "1000"},
    ),
    (
        "kmeans-segments",
        "382416733822.dkr.ecr.us-east-1.amazonaws.com/kmeans:1",
        ("ml.c5.2xlarge",),
        {"k": "12", "feature_dim": "40", "mini_batch_size": "500"},
    ),
    (
        "deepar-demand",
        "522234722520.dkr.ecr.us-east-1.amazonaws.com/forecasting-deepar:1",
        ("ml.c5.4xlarge", "ml.p3.2xlarge"),
        {"time_freq": "H", "context_length": "72", "prediction_length": "24", "epochs": "100"},
    ),
)
_TEAMS = ("search", "ads", "risk", "support", "forecasting")


@dataclass(frozen=True)
class JobSpec:
    """Everything about one training job that its events carry."""

    name: str
    outcome: str
    created_ms: int
    workload: int = 0
    instance_type: str = "ml.m5.xlarge"
    instance_count: int = 1
    tuning_job_arn: str | None = None
    failure_reason: str | None = None
    # Seconds spent in each secondary status, in order (the last one is the current one).
    durations: tuple[int, ...] = ()
    team: str = "search"
    seed: int = 0
    account: str = ACCOUNT
    region: str = REGION

    @property
    def spot(self) -> bool:
        return self.outcome in SPOT_OUTCOMES

    @property
    def arn(self) -> str:
        return f"arn:aws:sagemaker:{self.region}:{self.account}:training-job/{self.name.lower()}"

    @property
    def secondary_statuses(self) -> tuple[str, ...]:
        return OUTCOMES[self.outcome][0]

    @property
    def final_status(self) -> str:
        return OUTCOMES[self.outcome][1]


def is_gpu_instance(instance_type: str) -> bool:
    return instance_type.startswith(GPU_INSTANCE_FAMILIES)


def workload_index(base_name: str) -> int:
    return [workload[0] for workload in _WORKLOADS].index(base_name)


def workload_name(spec: JobSpec) -> str:
    return _WORKLOADS[spec.workload][0]


def instance_types(workload: int) -> tuple[str, ...]:
    return _WORKLOADS[workload][2]


def longest_step_seconds(secondary_status: str | None) -> int:
    """How long a job stays in this secondary status at most."""
    return _DURATIONS.get(secondary_status or "", (1, 5))[1]


def failure_reasons(workload: int, instance_type: str) -> tuple[str, ...]:
    """What a job of this workload on this instance type can plausibly fail with."""
    gpu = GPU_FAILURE_REASONS if is_gpu_instance(instance_type) else ()
    return (*gpu, *WORKLOAD_FAILURE_REASONS[_WORKLOADS[workload][0]], *FAILURE_REASONS)


def job_spec(name: str, outcome: str, created_ms: int, seed: int = 0, **overrides: Any) -> JobSpec:
    """A plausible JobSpec; `overrides` fix any of its fields."""
    rng = random.Random(f"{seed}:{name}")
    workload = overrides.get("workload", rng.randrange(len(_WORKLOADS)))
    instance_type = overrides.get("instance_type", rng.choice(_WORKLOADS[workload][2]))
    statuses = OUTCOMES[outcome][0]
    durations = tuple(rng.randint(*_DURATIONS.get(status, (1, 5))) for status in statuses)
    if outcome == "max_runtime":
        durations = _with_training_at(durations, statuses, 86_400)
    values: dict[str, Any] = {
        "name": name,
        "outcome": outcome,
        "created_ms": created_ms,
        "workload": workload,
        "instance_type": instance_type,
        "instance_count": rng.choice((1, 1, 1, 2, 4)),
        "failure_reason": (
            DOWNLOAD_FAILURE
            if outcome == "failed_download"
            else rng.choice(failure_reasons(workload, instance_type))
            if outcome == "failed"
            else None
        ),
        "durations": durations,
        "team": rng.choice(_TEAMS),
        "seed": seed,
    }
    values.update(overrides)
    return JobSpec(**values)


# workload -> (metric, value when it trained well, value when it did not), for the final
# metrics DescribeTrainingJob reports.
_METRICS = {
    "xgboost-churn": (("validation:auc", 0.91, 0.62), ("train:logloss", 0.21, 0.58)),
    "resnet50-imagenet": (("val:top1_accuracy", 0.76, 0.31), ("train:loss", 0.94, 3.80)),
    "bert-finetune-reviews": (("eval_accuracy", 0.93, 0.55), ("eval_loss", 0.19, 0.71)),
    "llama-lora-support": (("eval_loss", 1.12, 2.40), ("train_loss", 1.05, 2.21)),
    "kmeans-segments": (("test:msd", 1.84, 4.90),),
    "deepar-demand": (("test:RMSE", 12.4, 31.0), ("test:mean_wQuantileLoss", 0.081, 0.190)),
}


def final_metrics(spec: JobSpec) -> tuple[tuple[str, float], ...]:
    """What the job reported at its end: a completed job its good figures, one stopped
    early figures short of them, a failed job none (it died before reporting)."""
    if spec.final_status == "Completed":
        good = True
    elif spec.final_status == "Stopped":
        good = False
    else:
        return ()
    rng = random.Random(f"metrics:{spec.seed}:{spec.name}")
    return tuple(
        (metric, round((well if good else badly) * rng.uniform(0.97, 1.03), 4))
        for metric, well, badly in _METRICS[workload_name(spec)]
    )


def _with_training_at(
    durations: tuple[int, ...], statuses: tuple[str, ...], seconds: int
) -> tuple[int, ...]:
    return tuple(
        seconds if status == "Training" else duration
        for status, duration in zip(statuses, durations, strict=True)
    )


def job_snapshots(spec: JobSpec, styles: Sequence[Style] = (Style(),)) -> list[dict[str, Any]]:
    """The `detail` of each event of the job, in the order SageMaker publishes them."""
    base_name, image, _, hyperparameters = _WORKLOADS[spec.workload]
    starts = [spec.created_ms]
    for seconds in spec.durations[:-1]:
        starts.append(starts[-1] + seconds * 1000)
    base = base_detail(
        spec.name,
        creation_ms=spec.created_ms,
        place=Place(spec.account, spec.region),
        tags={"team": spec.team, "project": base_name, "cost-center": "ml-42"},
        spot=spec.spot,
        tuning_job=spec.tuning_job_arn.rsplit("/", 1)[1] if spec.tuning_job_arn else None,
        instance_type=spec.instance_type,
        instance_count=spec.instance_count,
        image=image,
        hyperparameters=hyperparameters,
        role=f"sagemaker-{spec.team}-training",
        data_uri=f"s3://{spec.team}-ml-data/{base_name}/",
        channels=("train", "validation"),
        output_path=f"s3://{spec.team}-ml-models/{base_name}/",
        environment=None,
        checkpoint_uri=f"s3://{spec.team}-ml-checkpoints/{spec.name}/" if spec.spot else None,
    )
    return job_events(
        base,
        [
            Step(status, start, _status_message(status, spec))
            for status, start in zip(spec.secondary_statuses, starts, strict=True)
        ],
        final_status=spec.final_status,
        training_from="Downloading",
        failure_reason=spec.failure_reason,
        artifacts_uri=f"s3://{spec.team}-ml-models/{base_name}/{spec.name}/output/model.tar.gz",
        styles=styles,
    )


def _status_message(status: str, spec: JobSpec) -> str:
    if status == "Failed" and spec.failure_reason:
        return f"{STATUS_MESSAGES[status]}: {spec.failure_reason.splitlines()[0]}"
    return STATUS_MESSAGES[status]


# -- PutEvents --------------------------------------------------------------------------


def place_of(detail: Any) -> Place:
    """Where a demo event's job runs, from its ARN."""
    _, _, _, region, account, _ = str(detail["TrainingJobArn"]).split(":", 5)
    return Place(account, region)


def put_events(events_client: Any, details: Iterable[Any]) -> int:
    """PutEvents in chunks of 10 (the API's limit); return how many were put."""
    count = 0
    for chunk in _chunks(list(details), PUT_EVENTS_CHUNK):
        response = events_client.put_events(Entries=[put_events_entry(d) for d in chunk])
        if response.get("FailedEntryCount"):
            raise RuntimeError(f"PutEvents rejected entries: {response['Entries']}")
        count += len(chunk)
    return count


def deliver(
    events_client: Any, sqs: Any, queue_url: str, region: str, details: Iterable[Any]
) -> int:
    """Each event as the tracker receives it: the tracker's own account's through PutEvents
    (the rule and the queue), a member's onto the ingest queue as the tracker's bus
    delivers a forwarded event. Returns how many were delivered."""
    details = list(details)
    home = [detail for detail in details if place_of(detail) == Place(ACCOUNT, region)]
    members = [detail for detail in details if place_of(detail) != Place(ACCOUNT, region)]
    for chunk in _chunks(members, PUT_EVENTS_CHUNK):
        sqs.send_message_batch(
            QueueUrl=queue_url,
            Entries=[
                {"Id": str(number), "MessageBody": event_body(detail, place_of(detail))}
                for number, detail in enumerate(chunk)
            ],
        )
    return put_events(events_client, home) + len(members)


def _chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# -- the demo stream --------------------------------------------------------------------


@dataclass(frozen=True)
class DemoStream:
    details: list[dict[str, Any]]
    specs: list[JobSpec] = field(repr=False)

    @property
    def job_names(self) -> list[str]:
        return [spec.name for spec in self.specs]


def demo_stream(seed: int = 2, jobs: int = 240, now_ms: int | None = None) -> DemoStream:
    """Events of `jobs` jobs over the last ~60 days, out of order and with duplicates.

    The first jobs take every outcome once, so every status and secondary status is in
    the stream whatever the seed.
    """
    rng = random.Random(seed)
    now_ms = now_ms if now_ms is not None else int(datetime.now(UTC).timestamp() * 1000)
    outcomes = list(OUTCOMES) + rng.choices(
        list(_OUTCOME_WEIGHTS),
        weights=list(_OUTCOME_WEIGHTS.values()),
        k=max(0, jobs - len(OUTCOMES)),
    )
    specs = _specs(rng, outcomes[:jobs], now_ms)
    timed: list[tuple[float, dict[str, Any]]] = []
    for spec in specs:
        styles = [
            Style(rng.choice(EVENT_TIME_FORMS), rng.choice(list(TagForm)), rng.random() < 0.7)
            for _ in spec.secondary_statuses
        ]
        for detail in job_snapshots(spec, styles):
            # Delivery time: publication plus a delay of seconds to tens of minutes, so
            # events of one job often overtake each other.
            published = to_epoch_ms(detail["LastModifiedTime"])
            delivered = published + rng.expovariate(1 / 600_000)
            timed.append((delivered, detail))
            if rng.random() < 0.12:  # SageMaker may publish a change more than once
                timed.append((delivered + rng.expovariate(1 / 900_000), detail))
    timed.sort(key=lambda pair: pair[0])
    return DemoStream(details=[detail for _, detail in timed], specs=specs)


def _specs(rng: random.Random, outcomes: list[str], now_ms: int) -> list[JobSpec]:
    specs = []
    tuning_arn: str | None = None
    tuning_left = 0
    tuning_created_ms = tuning_workload = 0
    for number, outcome in enumerate(outcomes):
        running = outcome in _RUNNING_OUTCOMES
        age_ms = rng.uniform(0.1, 6) * 3_600_000 if running else rng.uniform(0.3, 60) * DAY_MS
        created_ms = int(now_ms - age_ms)
        workload = rng.randrange(len(_WORKLOADS))
        if tuning_left == 0 and not running and rng.random() < 0.06:
            tuning_left = rng.randint(3, 8)
            # Its children must have ended by now, however long they train.
            created_ms = min(created_ms, now_ms - 2 * DAY_MS)
            tuning_created_ms, tuning_workload = created_ms, workload
            stamp = datetime.fromtimestamp(created_ms / 1000, tz=UTC).strftime("%y%m%d-%H%M")
            tuning_arn = (
                f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:hyper-parameter-tuning-job/hpo-{stamp}"
            )
        in_tuning = tuning_left > 0 and not running
        if in_tuning and tuning_arn:
            # A tuning job launches its training jobs within minutes of its own creation,
            # all of one workload (the first child's).
            created_ms = tuning_created_ms + rng.randint(30, 900) * 1000
            workload = tuning_workload
            name = f"{tuning_arn.rsplit('/', 1)[1]}-{number:03d}-{rng.getrandbits(32):08x}"
            tuning_left -= 1
        else:
            name = _generated_name(workload, created_ms)
        spec = job_spec(
            name,
            outcome,
            created_ms,
            seed=rng.getrandbits(32),
            workload=workload,
            tuning_job_arn=tuning_arn if in_tuning else None,
        )
        if running:
            spec = _running_now(spec, now_ms, rng)
        elif not in_tuning:
            spec = _ended_before(spec, now_ms)
        if spec.created_ms != created_ms:
            spec = replace(spec, name=_generated_name(workload, spec.created_ms))
        if not in_tuning:
            account, region = PLACES[number % len(PLACES)]
            spec = replace(spec, account=account, region=region)
        specs.append(spec)
    # The same name in two accounts: two jobs, each with its own record and alerts.
    if len(specs) > 1:
        specs[1] = replace(specs[1], name=specs[0].name, account="210987654321", region=REGION)
    return specs


def _generated_name(workload: int, created_ms: int) -> str:
    """SageMaker's generated `<base>-<yyyy-mm-dd-hh-mm-ss-mmm>`, from the creation time."""
    moment = datetime.fromtimestamp(created_ms / 1000, tz=UTC)
    return f"{_WORKLOADS[workload][0]}-{moment:%Y-%m-%d-%H-%M-%S}-{created_ms % 1000:03d}"


def _ended_before(spec: JobSpec, now_ms: int) -> JobSpec:
    """Create a finished job early enough that it ended before now (a day of training
    does not fit into the last seven hours)."""
    last_change_ms = spec.created_ms + sum(spec.durations[:-1]) * 1000
    late_ms = last_change_ms - (now_ms - 60_000)
    return replace(spec, created_ms=spec.created_ms - late_ms) if late_ms > 0 else spec


def _running_now(spec: JobSpec, now_ms: int, rng: random.Random) -> JobSpec:
    """Place a running job so that its current step began a plausible while before now.

    Its steps keep their durations; the current one has run for part of its usual
    length (a job is Stopping for seconds, not hours).
    """
    *done, current = spec.durations
    status = spec.secondary_statuses[-1]
    running_for_s = rng.uniform(0, min(longest_step_seconds(status), current))
    created_ms = int(now_ms - (sum(done) + running_for_s) * 1000)
    return replace(spec, created_ms=created_ms)


# -- jobs in trouble now ------------------------------------------------------------------

MINUTE_MS = 60_000
# The three troubles `make local` shows the watch and ingest raising, one each.
CAPACITY_WAIT = "demo-capacity-wait"
SPOT_INTERRUPTED_TWICE = "demo-spot-interrupted-twice"
NEAR_MAX_RUNTIME = "demo-near-max-runtime"


def trouble_details(now_ms: int) -> list[dict[str, Any]]:
    """Events of three jobs in flight that need attention now, in the order published:

    - waiting for capacity in `Starting` for 35 minutes (the watch: Stuck, over 30);
    - a spot job that lost its capacity twice and is training again (ingest:
      SpotInterrupted, the 1st and the 2nd);
    - training for an hour of its 65 minutes of MaxRuntime (the watch: NearMaxRuntime).
    """
    waiting = lifecycle(CAPACITY_WAIT, None, creation_ms=now_ms - 36 * MINUTE_MS)[:1]
    spot = lifecycle(
        SPOT_INTERRUPTED_TWICE,
        None,
        spot=True,
        interruptions=2,
        creation_ms=now_ms - 180 * MINUTE_MS,
        step_ms=8 * MINUTE_MS,
    )
    near = lifecycle(NEAR_MAX_RUNTIME, None, creation_ms=now_ms - 62 * MINUTE_MS)
    for detail in near:
        detail["StoppingCondition"]["MaxRuntimeInSeconds"] = 65 * 60
    return waiting + spot + near
