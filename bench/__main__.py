"""`make bench`: every figure of the performance budget, printed and in bench/results.json."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from bench import settings

RESULTS = Path(__file__).resolve().parent / "results.json"


def progress(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def ingest_figures(endpoint_url: str) -> dict[str, Any]:
    from bench.emulator import create_resources, create_training_jobs
    from bench.ingest import check_final_states, run_ingest, run_naive
    from bench.stream import realistic_stream

    topic = create_resources(endpoint_url)
    os.environ["ALERT_TOPIC_ARN"] = topic
    os.environ["ALERT_KINDS"] = "Failed,MaxRuntimeExceeded"
    stream = realistic_stream(min_events=1000)
    progress(
        f"stream: {len(stream.deliveries)} events of {len(stream.jobs)} jobs "
        f"({stream.terminal_jobs} ended), {stream.duplicates} redelivered, "
        f"{stream.out_of_order} older than one already delivered"
    )
    create_training_jobs(endpoint_url, [snapshots[0] for snapshots in stream.jobs.values()])
    progress("ingest handler, in-process against the emulator")
    ingest = run_ingest(stream)
    wrong = check_final_states(stream)
    if wrong:
        raise RuntimeError(f"{wrong} jobs did not end in their newest snapshot's state")
    progress("naive design (GetItem, DescribeTrainingJob, PutItem per event), same stream")
    naive = run_naive(stream, endpoint_url)
    return {
        "ddb_requests_per_event": round(ingest.ddb_per_event, 3),
        "ingest_events_per_second": round(ingest.events_per_second, 1),
        "baseline_events_per_second": round(naive.events_per_second, 1),
        "stream": {
            "events": len(stream.deliveries),
            "jobs": len(stream.jobs),
            "jobs_ended": stream.terminal_jobs,
            "redelivered": stream.duplicates,
            "out_of_order": stream.out_of_order,
        },
        "ingest_requests": dict(ingest.calls.operations),
        "baseline_requests": dict(naive.calls.operations),
        "baseline_ddb_requests_per_event": round(naive.ddb_per_event, 3),
    }


def main() -> int:
    from bench.emulator import emulator

    results: dict[str, Any] = {}
    with emulator() as endpoint_url:
        settings.apply(endpoint_url)
        results.update(ingest_figures(endpoint_url))
    RESULTS.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
