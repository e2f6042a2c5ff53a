"""RECONCILE_INTERVAL: the reconciler's handler on a timer."""

from __future__ import annotations

import threading
import time
from typing import Any

from local.schedule import run_sentence, start_reconciler


def test_handler_runs_on_the_timer_until_stopped() -> None:
    stopping = threading.Event()
    reconciler_calls: list[dict[str, Any]] = []
    said: list[str] = []

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        reconciler_calls.append(event)
        return {"ok": True}

    thread = start_reconciler(0.05, "us-east-1", stopping, said.append, handler=handler)
    assert thread is not None
    deadline = time.monotonic() + 5
    while len(reconciler_calls) < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    stopping.set()
    thread.join(2)

    assert not thread.is_alive()
    assert len(reconciler_calls) >= 2
    assert reconciler_calls[0]["detail-type"] == "Scheduled Event"
    assert reconciler_calls[0]["source"] == "aws.events"
    assert said[0] == "reconcile: every 0.05 s"


def test_zero_interval_is_off() -> None:
    def handler(event: dict[str, Any], context: Any) -> None:
        raise AssertionError("a zero interval runs nothing")

    assert start_reconciler(0, "us-east-1", threading.Event(), print, handler=handler) is None


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
