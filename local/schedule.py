"""The reconciler's schedule: its handler on a timer, as EventBridge Scheduler would call it."""

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

    def run() -> None:
        while not stopping.wait(interval):
            try:
                result = run_once(scheduled_event(region), lambda_context(FUNCTION_NAME, region))
                say(f"reconcile: {run_sentence(result)}")
            except Exception:
                traceback.print_exc()

    say(f"reconcile: every {interval:g} s")
    thread = threading.Thread(target=run, name="reconciler", daemon=True)
    thread.start()
    return thread
