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


def test_the_rehearsal_deploys_and_the_deployed_stack_carries_the_flow():
    # Given the rehearsal, run as `make rehearse` runs it (any free port)
    env = {
        **os.environ,
        "REHEARSAL_PORT": "0",
        "PYTHONPATH": os.pathsep.join([str(ROOT / "functions"), str(ROOT)]),
    }
    # When it runs
    result = subprocess.run(
        [sys.executable, "-m", "local.rehearsal"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=REHEARSAL_TIMEOUT_SECONDS,
        check=False,
    )
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
