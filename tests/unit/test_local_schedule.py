"""RECONCILE_INTERVAL: the reconciler's handler on a timer, when there is one."""

from __future__ import annotations

import sys
import threading
import time
import types
from collections.abc import Iterator
from typing import Any

import pytest

from local.schedule import start_reconciler

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
