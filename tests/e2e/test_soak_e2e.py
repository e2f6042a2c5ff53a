"""`make soak` in small: 1,000 events through the local stack's PutEvents, rule, queue and
worker, every job checked against the ordering rule, the DLQ empty.

Run as `python -m local.soak` in a subprocess, like the local stack's own e2e tests: the
stack configures the handlers through the environment when it imports them.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from tests.e2e.conftest import ROOT

EVENTS = 1_000


@pytest.mark.e2e
def test_a_thousand_events_end_in_the_reference_state_with_an_empty_dlq() -> None:
    finished = subprocess.run(
        [sys.executable, "-m", "local.soak"],
        cwd=ROOT,
        env=_environment(SOAK_EVENTS=str(EVENTS)),
        capture_output=True,
        text=True,
        timeout=600,
    )

    output = finished.stdout + finished.stderr
    summary = re.search(r"^soak (OK|FAILED): (\d+) events of (\d+) jobs .*$", output, re.M)
    assert summary is not None, output[-3000:]
    assert finished.returncode == 0, output[-3000:]
    assert summary.group(1) == "OK"
    assert int(summary.group(2)) == EVENTS
    assert "DLQ depth 0," in summary.group(0)
    assert summary.group(0).endswith(" 0 mismatch(es)")


def _environment(**settings: str) -> dict[str, str]:
    """As the local stack's own e2e tests start it: none of the caller's AWS settings."""
    env = {**os.environ, **settings, "PYTHONPATH": f"{ROOT / 'functions'}{os.pathsep}{ROOT}"}
    for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "TABLE_NAME"):
        env.pop(name, None)
    return {**env, "PYTHONUNBUFFERED": "1"}
