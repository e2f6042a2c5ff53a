"""The bundled demo stream: realistic, complete, out of order, with duplicates."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime

import pytest
from jobtracker.record import normalise_training_job
from jobtracker.spot import reported_interruption
from jobtracker.store.repository import job_attributes
from jobtracker.timestamps import to_epoch_ms
from jobtracker.watch import WatchSettings, in_flight_job, troubles

from local.demo import (
    CAPACITY_WAIT,
    DAY_MS,
    NEAR_MAX_RUNTIME,
    SPOT_INTERRUPTED_TWICE,
    WORKLOAD_FAILURE_REASONS,
    JobSpec,
    demo_stream,
    final_metrics,
    instance_types,
    is_gpu_instance,
    job_snapshots,
    job_spec,
    longest_step_seconds,
    trouble_details,
    workload_name,
)

NOW_MS = 1_795_000_000_000
STATUSES = {"InProgress", "Stopping", "Completed", "Failed", "Stopped"}
SECONDARY_STATUSES = {
    "Starting",
    "LaunchingMLInstances",
    "PreparingTrainingStack",
    "Downloading",
    "DownloadingTrainingImage",
    "Training",
    "Uploading",
    "Stopping",
    "Stopped",
    "MaxRuntimeExceeded",
    "MaxWaitTimeExceeded",
    "Completed",
    "Failed",
    "Interrupted",
    "Restarting",
    "Pending",
}


def test_stream_covers_every_status_and_secondary_status() -> None:
    stream = demo_stream(now_ms=NOW_MS)
    snapshots = [normalise_training_job(detail) for detail in stream.details]

    assert len(stream.specs) >= 200
    assert {s.status for s in snapshots} == STATUSES
    assert {s.secondary_status for s in snapshots} == SECONDARY_STATUSES
    assert {s.name for s in snapshots} == set(stream.job_names)


def test_stream_is_out_of_order_and_has_duplicates() -> None:
    stream = demo_stream(now_ms=NOW_MS)
    snapshots = [normalise_training_job(detail) for detail in stream.details]

    newest: dict[str, str] = {}
    overtaken = 0
    for snapshot in snapshots:
        if snapshot.order_key < newest.get(snapshot.name, ""):
            overtaken += 1
        newest[snapshot.name] = max(newest.get(snapshot.name, ""), snapshot.order_key)
    copies = Counter(json.dumps(detail, sort_keys=True) for detail in stream.details)

    assert overtaken > 100
    assert sum(n - 1 for n in copies.values()) > 100


def test_stream_uses_every_published_form() -> None:
    details = demo_stream(now_ms=NOW_MS).details
    creation_times = [d["CreationTime"] for d in details]
    transitions = [t for d in details for t in d["SecondaryStatusTransitions"]]

    assert {type(t) for t in creation_times} == {int, float, str}
    assert any(isinstance(t, str) and t.endswith("Z") for t in creation_times)
    assert any(isinstance(t, str) and t.isdigit() for t in creation_times)
    assert {type(d["Tags"]) for d in details} == {dict, list}
    assert any("EndTime" in t for t in transitions)
    assert any("EndTime" not in t for t in transitions[:-1])


def test_stream_is_a_realistic_population() -> None:
    stream = demo_stream(now_ms=NOW_MS)
    finals = {spec.name: job_snapshots(spec)[-1] for spec in stream.specs}
    ages = [NOW_MS - spec.created_ms for spec in stream.specs]

    assert all(d["FailureReason"] for d in finals.values() if d["TrainingJobStatus"] == "Failed")
    assert not any(
        "FailureReason" in d for d in finals.values() if d["TrainingJobStatus"] != "Failed"
    )
    assert sum(d["EnableManagedSpotTraining"] for d in finals.values()) >= 5
    assert len({d["TuningJobArn"] for d in finals.values() if "TuningJobArn" in d}) >= 2
    assert max(ages) > 50 * DAY_MS and min(ages) > 0
    assert all(d["LastModifiedTime"] for d in finals.values())


def test_stream_is_the_same_for_the_same_seed() -> None:
    assert demo_stream(seed=5, now_ms=NOW_MS).details == demo_stream(seed=5, now_ms=NOW_MS).details
    assert demo_stream(seed=5, now_ms=NOW_MS).details != demo_stream(seed=6, now_ms=NOW_MS).details


def test_every_snapshot_of_a_job_is_a_full_snapshot() -> None:
    spec = job_spec("resnet50-2026-11-01-10-00-00-000", "spot_completed", NOW_MS - DAY_MS)
    snapshots = job_snapshots(spec)

    assert [d["SecondaryStatus"] for d in snapshots] == list(spec.secondary_statuses)
    for index, detail in enumerate(snapshots):
        assert len(detail["SecondaryStatusTransitions"]) == index + 1
        assert {"TrainingJobName", "CreationTime", "ResourceConfig", "Tags"} <= set(detail)
    assert snapshots[-1]["TrainingJobStatus"] == "Completed"
    assert all(d["TrainingJobStatus"] == "InProgress" for d in snapshots[:-1])


# -- a population a user believes -------------------------------------------------------

SEEDS = (2, 3, 11)


def _finals(seed: int) -> list[tuple[JobSpec, dict]]:
    stream = demo_stream(seed=seed, now_ms=NOW_MS)
    return [(spec, job_snapshots(spec)[-1]) for spec in stream.specs]


@pytest.mark.parametrize("seed", SEEDS)
def test_failures_fit_the_instance_and_the_workload(seed: int) -> None:
    finals = _finals(seed)
    failed = [(spec, d) for spec, d in finals if d["TrainingJobStatus"] == "Failed"]

    assert failed
    for spec, detail in failed:
        reason = detail["FailureReason"]
        instance = detail["ResourceConfig"]["InstanceType"]
        if "CUDA" in reason:
            assert is_gpu_instance(instance), (spec.name, instance)
        for workload, reasons in WORKLOAD_FAILURE_REASONS.items():
            if reason in reasons:
                assert workload_name(spec) == workload, (spec.name, reason)
    # And the instance type is one the workload runs on, whatever the outcome
    for spec, detail in finals:
        project = detail["Tags"]["project"] if isinstance(detail["Tags"], dict) else None
        assert project in (None, workload_name(spec))
        assert spec.instance_type in instance_types(spec.workload), spec.name


@pytest.mark.parametrize("seed", SEEDS)
def test_final_metrics_fit_the_outcome(seed: int) -> None:
    for spec, _ in _finals(seed):
        metrics = dict(final_metrics(spec))
        if spec.final_status == "Completed":
            assert metrics, spec.name
        else:
            # A failed job died before reporting; a running one has not finished.
            assert spec.final_status == "Stopped" or not metrics, spec.name
    completed = [s for s, _ in _finals(seed) if s.final_status == "Completed"]
    stopped = [s for s, _ in _finals(seed) if s.final_status == "Stopped"]
    by_workload = {workload_name(s): dict(final_metrics(s)) for s in completed}
    for spec in stopped:
        # A job stopped early scores worse than a finished one (AUC lower, loss higher).
        good = by_workload.get(workload_name(spec))
        early = dict(final_metrics(spec))
        if good and "validation:auc" in early:
            assert early["validation:auc"] < good["validation:auc"]


@pytest.mark.parametrize("seed", SEEDS)
def test_tuning_jobs_start_their_training_jobs_minutes_after_they_are_created(
    seed: int,
) -> None:
    children: dict[str, list[JobSpec]] = {}
    for spec, _ in _finals(seed):
        if spec.tuning_job_arn:
            children.setdefault(spec.tuning_job_arn, []).append(spec)

    assert children
    for arn, specs in children.items():
        # hyper-parameter-tuning-job/hpo-<yymmdd>-<hhmm>: created that minute
        stamp = arn.rsplit("/hpo-", 1)[1]
        tuning_created = datetime.strptime(stamp, "%y%m%d-%H%M").replace(tzinfo=UTC)
        tuning_ms = int(tuning_created.timestamp() * 1000)
        for spec in specs:
            assert tuning_ms <= spec.created_ms <= tuning_ms + 3_600_000, spec.name
        assert len({spec.workload for spec in specs}) == 1, arn


@pytest.mark.parametrize("seed", SEEDS)
def test_times_fit_the_story(seed: int) -> None:
    finals = _finals(seed)
    # A name used in two accounts carries the creation time of only one of its jobs.
    reused = {n for n, count in Counter(spec.name for spec, _ in finals).items() if count > 1}
    for spec, _ in finals:
        snapshots = [normalise_training_job(d) for d in job_snapshots(spec)]
        last = snapshots[-1]
        # Nothing has happened after now, and a job ends after it starts
        assert max(s.last_modified_ms for s in snapshots) <= NOW_MS, spec.name
        record = last.record
        start, end = record.get("training_start_time"), record.get("training_end_time")
        if start and end:
            assert spec.created_ms <= to_epoch_ms(start) <= to_epoch_ms(end), spec.name
        if last.status in ("InProgress", "Stopping"):
            # A running job has been in its current step no longer than that step lasts
            in_step_s = (NOW_MS - last.last_modified_ms) / 1000
            assert in_step_s <= longest_step_seconds(last.secondary_status), spec.name
        if not spec.tuning_job_arn and spec.name not in reused:
            # SageMaker's generated names carry the creation time
            created = datetime.fromtimestamp(spec.created_ms / 1000, tz=UTC)
            assert spec.name.endswith(f"{created:%Y-%m-%d-%H-%M-%S}-{spec.created_ms % 1000:03d}")


def test_the_demo_troubles_are_one_of_each_kind_now():
    now_ms = 1_800_000_000_000
    details = trouble_details(now_ms)
    snapshots = [normalise_training_job(detail) for detail in details]
    latest = {snapshot.name: snapshot for snapshot in snapshots}
    found = {}
    for name, snapshot in latest.items():
        summary = json.loads(job_attributes(snapshot)["summary"])
        job = in_flight_job(summary)
        assert job is not None  # all three are in flight
        found[name] = [trouble.kind.value for trouble in troubles(job, now_ms, WatchSettings())]
    assert found == {
        CAPACITY_WAIT: ["Stuck"],
        SPOT_INTERRUPTED_TWICE: [],
        NEAR_MAX_RUNTIME: ["NearMaxRuntime"],
    }
    interruptions = [
        reported_interruption(s.status, s.secondary_status, s.transitions)
        for s in snapshots
        if s.name == SPOT_INTERRUPTED_TWICE
    ]
    assert [i.number for i in interruptions if i is not None] == [1, 2]
