"""RECONCILE_INTERVAL: the reconciler's handler on a timer, when there is one."""

from __future__ import annotations

import sys
import threading
import time
import types
from collections.abc import Iterator
from typing import Any

import pytest

from local.schedule import run_sentence, start_reconciler

MODULE = "local_schedule_test_reconciler"


@pytest.fixture
def reconciler_module() -> Iterator[list[dict[str, Any]]]:
    calls: list[dict[str, Any]] = []
    module = types.ModuleType(MODULE)
    module.handler = lambda event, context: calls.append(event) or {"ok": True}  # type: ignore[attr-defined]
    sys.modules[MODULE] = module
    yield calls
    del sys.modules[MODULE]


def test_handler_runs_on_the_timer_until_stopped(reconciler_module: list[dict[str, Any]]) -> None:
    stopping = threading.Event()
    said: list[str] = []

    thread = start_reconciler(0.05, "us-east-1", stopping, said.append, module=MODULE)
    assert thread is not None
    deadline = time.monotonic() + 5
    while len(reconciler_module) < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    stopping.set()
    thread.join(2)

    assert not thread.is_alive()
    assert len(reconciler_module) >= 2
    assert reconciler_module[0]["detail-type"] == "Scheduled Event"
    assert reconciler_module[0]["source"] == "aws.events"
    assert said[0] == "reconcile: every 0.05 s"


def test_zero_interval_is_off(reconciler_module: list[dict[str, Any]]) -> None:
    assert start_reconciler(0, "us-east-1", threading.Event(), print, module=MODULE) is None


def test_missing_module_or_handler_is_said_not_raised() -> None:
    said: list[str] = []

    missing = start_reconciler(5, "us-east-1", threading.Event(), said.append, module="nope.mod")

    assert missing is None
    assert "no nope.mod.handler yet" in said[0]


def test_a_run_is_told_in_one_sentence() -> None:
    report = {
        "listed": 7,
        "described": 3,
        "stored": 3,
        "stale": 4,
        "quiet": 1,
        "healed": 1,
        "abandoned": 0,
        "unstorable": 0,
        "alerts": 1,
        "finished": True,
        "stopped": None,
        "watermark": "2026-11-30T10:00:00.000Z",
    }
    assert run_sentence(report) == (
        "7 job(s) listed in SageMaker, 3 described, 3 stored, 4 already up to date, "
        "1 pending enrichment(s) completed, 1 alert(s) sent; caught up to 2026-11-30T10:00:00.000Z"
    )
    stopped = {**report, "stopped": "out of time", "watermark": None}
    assert run_sentence(stopped).endswith("; stopped early (out of time), the next run resumes")
    assert "{" not in run_sentence(report)
