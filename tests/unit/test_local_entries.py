"""The ready-to-send entry files: what the generator writes, one job's start to failure."""

from __future__ import annotations

import json

from jobtracker.pipeline import parse_state_change
from jobtracker.record import normalise_training_job

from local.demo import ACCOUNT, REGION
from local.entries import DIRECTORY, SAMPLE_ENTRY, STEPS, render, sample_entries


def test_the_files_are_what_the_generator_writes() -> None:
    # Given the entries the generator makes now
    expected = sample_entries()
    # Then every file holds exactly those (`python -m local.entries` rewrites them)
    assert sorted(path.name for path in DIRECTORY.glob("*.json")) == sorted(expected)
    for name, entries in expected.items():
        assert (DIRECTORY / name).read_text() == render(entries), name
    assert SAMPLE_ENTRY.endswith(next(iter(STEPS)))


def test_each_file_is_one_state_change_of_the_same_job() -> None:
    snapshots = []
    for name, step in STEPS.items():
        # Given a file's entries, as EventBridge would deliver them
        entries = json.loads((DIRECTORY / name).read_text())
        assert len(entries) == 1
        entry = entries[0]
        event = {
            "source": entry["Source"],
            "detail-type": entry["DetailType"],
            "account": ACCOUNT,
            "region": REGION,
            "detail": json.loads(entry["Detail"]),
        }
        # Then the ingest path takes it, at the step the file is named for
        snapshot = parse_state_change(event).snapshot
        assert snapshot.secondary_status == step
        snapshots.append(snapshot)
    assert len({snapshot.name for snapshot in snapshots}) == 1
    assert [s.status for s in snapshots] == ["InProgress", "InProgress", "Failed"]
    assert snapshots[0].order_key < snapshots[1].order_key < snapshots[2].order_key


def test_the_failure_fits_the_instance() -> None:
    entry = json.loads((DIRECTORY / "job-failed.json").read_text())[0]
    record = normalise_training_job(json.loads(entry["Detail"])).record
    assert "CUDA out of memory" in record["failure_reason"]
    assert record["resource_config"]["instance_type"].startswith(("ml.g", "ml.p"))
