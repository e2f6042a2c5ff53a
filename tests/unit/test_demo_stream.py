"""The bundled demo stream: realistic, complete, out of order, with duplicates."""

from __future__ import annotations

import json
from collections import Counter

from jobtracker.record import normalise_training_job

from local.demo import DAY_MS, demo_stream, job_snapshots, job_spec

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
