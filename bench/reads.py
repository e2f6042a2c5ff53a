"""Read figures at table size: read amplification of each list route, and /stats time.

Every figure goes through the api handler in-process, as API Gateway would call it, so
it measures the real query path whatever the code behind the route. DynamoDB's own
accounting is read from each response (ScannedCount: items read; Count: items kept after
any filter) by the request log; items returned are those of the API's response.
"""

from __future__ import annotations

import contextlib
import io
import json
import statistics
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from bench.calls import recording
from synthetic.lambda_events import LambdaContext, http_request

PAGE_LIMIT = 100
PAGES = 3


@dataclass(frozen=True)
class ReadFigure:
    returned: int
    scanned: int
    requests: dict[str, int]
    scanned_by_index: dict[str, int] | None = None
    problem: str | None = None

    @property
    def amplification(self) -> float | None:
        if self.problem or not self.returned:
            return None
        return round(self.scanned / self.returned, 3)


def call_api(path: str, query: dict[str, str] | None = None) -> tuple[int, Any]:
    from api.handler import handler

    # Powertools Metrics prints its EMF document, and warns when a route added no metric.
    with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        response = handler(http_request(path, query), LambdaContext(function_name="api"))
    return int(response["statusCode"]), json.loads(response.get("body") or "null")


def list_figure(query: dict[str, str], matches: Callable[[dict[str, Any]], bool]) -> ReadFigure:
    """Up to PAGES pages of GET /jobs with this filter, following next_token."""
    returned: list[dict[str, Any]] = []
    params = {**query, "limit": str(PAGE_LIMIT)}
    with recording() as calls:
        for _ in range(PAGES):
            status, body = call_api("/jobs", params)
            if status != 200:
                return ReadFigure(0, 0, {}, problem=f"GET /jobs {query} answered {status}: {body}")
            returned.extend(body["items"])
            if not body.get("next_token"):
                break
            params = {**params, "next_token": body["next_token"]}
    wrong = [item.get("training_job_name") for item in returned if not matches(item)]
    if wrong:
        return ReadFigure(0, 0, {}, problem=f"GET /jobs {query} does not filter (e.g. {wrong[0]})")
    return ReadFigure(
        len(returned), calls.scanned, calls.of_service("dynamodb"), dict(calls.scanned_by_index)
    )


def transitions_figure(names: list[str]) -> ReadFigure:
    returned = 0
    with recording() as calls:
        for name in names:
            status, body = call_api(f"/jobs/{name}/transitions")
            if status != 200:
                return ReadFigure(
                    0, 0, {}, problem=f"GET /jobs/{name}/transitions answered {status}"
                )
            returned += len(body["items"])
    return ReadFigure(
        returned, calls.scanned, calls.of_service("dynamodb"), dict(calls.scanned_by_index)
    )


def read_figures(
    last_day: date, tuning_job_arn: str, prefix: str, job_names: list[str], account: str
) -> dict[str, ReadFigure]:
    window_after = (last_day - timedelta(days=60)).isoformat() + "T00:00:00Z"
    window_before = (last_day - timedelta(days=53)).isoformat() + "T00:00:00Z"
    return {
        "by_status": list_figure(
            {"status": "Failed"}, lambda item: item["training_job_status"] == "Failed"
        ),
        "by_window": list_figure(
            {"created_after": window_after, "created_before": window_before},
            lambda item: window_after <= item["creation_time"] < window_before,
        ),
        "by_tuning_job": list_figure(
            {"tuning_job_arn": tuning_job_arn},
            lambda item: item.get("tuning_job_arn") == tuning_job_arn,
        ),
        "by_prefix": list_figure(
            {"name_prefix": prefix},
            lambda item: item["training_job_name"].startswith(prefix),
        ),
        "by_account": list_figure(
            {"account": account}, lambda item: item.get("account") == account
        ),
        "by_account_status": list_figure(
            {"account": account, "status": "Failed"},
            lambda item: item.get("account") == account and item["training_job_status"] == "Failed",
        ),
        "transitions": transitions_figure(job_names),
    }


def stats_timing(last_day: date, expected_jobs: int, runs: int = 15) -> dict[str, Any]:
    """GET /stats over the 30 days ending last_day; median of `runs` calls, in ms."""
    query = {
        "created_after": (last_day - timedelta(days=29)).isoformat(),
        "created_before": last_day.isoformat(),
    }
    status, body = call_api("/stats", query)
    if status != 200:
        return {"problem": f"GET /stats answered {status}: {body}"}
    timings, outside = [], []
    for _ in range(runs):
        with recording() as calls:
            started = time.perf_counter()
            call_api("/stats", query)
            elapsed = time.perf_counter() - started
        timings.append(elapsed * 1000)
        outside.append((elapsed - calls.seconds) * 1000)
    return {
        "ms": round(statistics.median(timings), 2),
        "ms_outside_aws_calls": round(statistics.median(outside), 2),
        "requests_per_call": calls.of_service("dynamodb"),
        "jobs_counted": _total_jobs(body),
        "jobs_in_window": expected_jobs,
        "window": query,
    }


def _total_jobs(body: Any) -> int | None:
    """The jobs the stats count, whatever the document's layout: its count_* or counts."""
    if not isinstance(body, dict):
        return None
    for key in ("counts", "status_counts", "by_status"):
        counts = body.get(key)
        if isinstance(counts, dict):
            return sum(int(v) for v in counts.values() if isinstance(v, (int, float)))
    total = sum(
        int(v) for k, v in body.items() if k.startswith("count_") and isinstance(v, (int, float))
    )
    return total or (int(body["total"]) if isinstance(body.get("total"), int) else None)


def watch_figure() -> dict[str, Any]:
    """One run of the watch over the loaded table, and GET /jobs?attention=true: the items
    each reads against the jobs in flight (the InProgress and Stopping partitions)."""
    from jobtracker.composition import configured_watcher
    from jobtracker.config import WatchConfig

    config = WatchConfig.from_env()
    assert config.alerts is not None
    watcher = configured_watcher(config, config.alerts)
    with recording() as calls:
        report = watcher.run()
    in_flight = report.jobs_in_flight
    with recording() as listing_calls:
        status, body = call_api("/jobs", {"attention": "true"})
    return {
        "jobs_in_flight": in_flight,
        "items_read": calls.scanned,
        "reads_per_job_in_flight": round(calls.scanned / in_flight, 3) if in_flight else None,
        "requests": calls.of_service("dynamodb"),
        "troubles": report.troubles,
        "alerts_published": len(report.alerts_sent),
        "attention_listing": {
            "status": status,
            "returned": len(body["items"]) if status == 200 else None,
            "items_read": listing_calls.scanned,
            "requests": listing_calls.of_service("dynamodb"),
        },
    }
