"""The schedules: the reconciler's and the watch's handlers on timers, as EventBridge
would call them."""

from __future__ import annotations

import importlib
import threading
import traceback
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from local.demo import ACCOUNT
from local.worker import lambda_context

MODULE = "reconcile.handler"
FUNCTION_NAME = "jobtracker-local-reconcile"
WATCH_MODULE = "watch.handler"
WATCH_FUNCTION_NAME = "jobtracker-local-watch"


def scheduled_event(region: str) -> dict[str, Any]:
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": ACCOUNT,
        "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region,
        "resources": [f"arn:aws:events:{region}:{ACCOUNT}:rule/jobtracker-local-reconcile"],
        "detail": {},
    }


def run_sentence(report: Any) -> str:
    """A reconcile run's report (ReconcileReport.as_dict) as one sentence."""
    if not isinstance(report, dict) or "listed" not in report:
        return str(report)
    parts = [
        f"{report['listed']} job(s) listed in SageMaker, {report['described']} described, "
        f"{report['stored']} stored"
    ]
    for key, what in (
        ("stale", "already up to date"),
        ("healed", "pending enrichment(s) completed"),
        ("abandoned", "enrichment(s) given up"),
        ("unstorable", "could not be stored"),
        ("alerts", "alert(s) sent"),
    ):
        if report.get(key):
            parts.append(f"{report[key]} {what}")
    sentence = ", ".join(parts)
    if report.get("stopped"):
        return f"{sentence}; stopped early ({report['stopped']}), the next run resumes"
    if report.get("watermark"):
        return f"{sentence}; caught up to {report['watermark']}"
    return sentence


def start_reconciler(
    interval: float,
    region: str,
    stopping: threading.Event,
    say: Callable[[str], None],
    handler: Callable[[dict[str, Any], Any], Any] | None = None,
) -> threading.Thread | None:
    """Call the reconciler's handler (`reconcile.handler.handler` unless given) every
    `interval` seconds until `stopping` is set."""
    if interval <= 0:
        return None
    if handler is None:
        # Imported here: the handler reads its configuration from the environment at
        # import, which the local stack sets only once its resources exist.
        handler = importlib.import_module(MODULE).handler
    run_once = handler

    def reconcile() -> None:
        result = run_once(scheduled_event(region), lambda_context(FUNCTION_NAME, region))
        say(f"reconcile: {run_sentence(result)}")

    say(f"reconcile: every {interval:g} s")
    return _every(interval, stopping, reconcile, "reconciler")


def watch_sentence(report: Any) -> str:
    """A watch run's answer as one sentence."""
    if not isinstance(report, dict) or "jobs_in_flight" not in report:
        return str(report)
    sentence = f"{report['jobs_in_flight']} job(s) in flight, {report['troubles']} in trouble"
    if report["alerts_sent"]:
        sentence += f", {len(report['alerts_sent'])} new alert(s)"
    if report["failures"]:
        sentence += f"; {len(report['failures'])} alert(s) to try again: {report['failures']}"
    return sentence


def start_watch(
    interval: float,
    region: str,
    stopping: threading.Event,
    say: Callable[[str], None],
    module: str = WATCH_MODULE,
) -> threading.Thread | None:
    """Call `<module>.handler` now and then every `interval` seconds until `stopping`."""
    if interval <= 0:
        return None
    handler = importlib.import_module(module).handler

    def look() -> None:
        say(
            "watch: "
            + watch_sentence(
                handler(scheduled_event(region), lambda_context(WATCH_FUNCTION_NAME, region))
            )
        )

    say(f"watch: every {interval:g} s over the jobs in flight")
    return _every(interval, stopping, look, "watch", first_now=True)


def _every(
    interval: float,
    stopping: threading.Event,
    call: Callable[[], None],
    name: str,
    first_now: bool = False,
) -> threading.Thread:
    def run() -> None:
        if first_now and not stopping.is_set():
            _reporting(call)
        while not stopping.wait(interval):
            _reporting(call)

    thread = threading.Thread(target=run, name=name, daemon=True)
    thread.start()
    return thread


def _reporting(call: Callable[[], None]) -> None:
    try:
        call()
    except Exception:
        traceback.print_exc()
