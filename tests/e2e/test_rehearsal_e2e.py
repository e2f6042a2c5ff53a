"""`make rehearse` in `make test`: the CDK CLI deploys into the emulator and the stack works."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
# About 90 s with the Lambda assets cached, a few minutes more from a fresh clone.
REHEARSAL_TIMEOUT_SECONDS = 900


def rehearse(**env: str) -> subprocess.CompletedProcess[str]:
    """The rehearsal, run as `make rehearse` runs it (any free port)."""
    return subprocess.run(
        [sys.executable, "-m", "local.rehearsal"],
        cwd=ROOT,
        env={
            **os.environ,
            "REHEARSAL_PORT": "0",
            "PYTHONPATH": os.pathsep.join([str(ROOT / "functions"), str(ROOT)]),
            **env,
        },
        capture_output=True,
        text=True,
        timeout=REHEARSAL_TIMEOUT_SECONDS,
        check=False,
    )


def test_the_rehearsal_deploys_and_the_deployed_stack_carries_the_flow():
    # Given the rehearsal
    # When it runs
    result = rehearse()
    # Then every step passed, and the summary says what was deployed and used
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    assert "FAIL" not in result.stdout
    summary = json.loads((ROOT / "cdk.out" / "rehearsal.json").read_text())
    assert summary["failed"] is None
    assert summary["stack_status"] == "CREATE_COMPLETE"
    assert summary["region"] == "eu-west-1"
    declared, created = summary["resources_in_template"], summary["resources_created"]
    for kind, count in declared.items():
        assert created.get(kind, 0) == count or kind in summary["not_created"], kind
    assert set(summary["not_created"]) <= {"AWS::CDK::Metadata"}
    assert summary["events_put"] > 0
    assert summary["events_stored"] == summary["events_put"]
    assert summary["alerts_published"] == 1
    assert summary["updated_stack_status"] == "UPDATE_COMPLETE"
    assert summary["table_kept_after_destroy"] is True
    # And every function ran under its deployed role, and no call of it was denied
    assert {"ingest", "api", "reconcile"} <= set(summary["calls_checked"])
    assert summary["calls_denied"] == []
    assert summary["member_stack_status"] == "CREATE_COMPLETE"
    # And each grant that no call needed says why it stays
    assert all(grant["reason"] != "not justified" for grant in summary["grants_unused"])


def test_a_stack_without_one_grant_fails_the_rehearsal_naming_the_call(tmp_path):
    # Given the app with the alert topic's publish grant taken out (the CLI runs it)
    app = tmp_path / "app-without-grant"
    app.write_text(
        f"#!/bin/sh\nexec {sys.executable} {ROOT / 'tests/fixtures/app_without_grant.py'}\n"
    )
    app.chmod(0o755)
    # When the rehearsal deploys and uses it
    result = rehearse(REHEARSAL_APP=str(app))
    # Then it fails where ingest first publishes an alert, naming the call it was denied
    assert result.returncode == 1, result.stdout[-4000:]
    failed = [line for line in result.stdout.splitlines() if line.startswith("FAIL")]
    assert len(failed) == 1 and "ingest -> table, alert" in failed[0], failed
    assert "ingest: sns:Publish on arn:aws:sns:eu-west-1:123456789012:" in failed[0]
    assert "has no sns:Publish" in failed[0]
    summary = json.loads((ROOT / "cdk.out" / "rehearsal.json").read_text())
    denied = {(call["function"], call["action"]) for call in summary["calls_denied"]}
    assert denied == {
        ("ingest", "sns:Publish"),
        ("ingest", "kms:GenerateDataKey"),
        ("ingest", "kms:Decrypt"),
    }
