"""`make bench`: every figure of the performance budget, printed and in bench/results.json.

python -m bench [--jobs 100000] [--events 1000] [--import-runs 15] [--only ingest,reads,imports]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

from bench import settings

RESULTS = Path(__file__).resolve().parent / "results.json"
PHASES = ("ingest", "reads", "imports")
BUDGET = {
    "ddb_requests_per_event": ("<=", 2),
    "wcu_per_stored_event": ("<=", 8),
    "read_amplification": ("<=", 1.0),
    # The watch reads the jobs in flight and nothing else.
    "watch_reads_per_job_in_flight": ("<=", 1.0),
    "import_ratio": ("<=", 1.5),
    "asset_bytes": ("<=", 5_000_000),
}


def progress(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def ingest_figures(endpoint_url: str, events: int) -> dict[str, Any]:
    from bench.emulator import create_training_jobs
    from bench.ingest import check_final_states, run_ingest, run_naive, storage_per_job
    from bench.item_writes import per_event, stats_per_day
    from bench.stream import realistic_stream

    stream = realistic_stream(min_events=events)
    progress(
        f"stream: {len(stream.deliveries)} events of {len(stream.jobs)} jobs "
        f"({stream.terminal_jobs} ended), {stream.duplicates} redelivered, "
        f"{stream.out_of_order} older than one already delivered"
    )
    create_training_jobs(endpoint_url, [snapshots[-1] for snapshots in stream.jobs.values()])
    progress("ingest handler, in-process against the emulator")
    ingest = run_ingest(stream)
    wrong = check_final_states(stream)
    if wrong:
        raise RuntimeError(f"{wrong} jobs did not end in their newest snapshot's state")
    assert ingest.writes is not None
    seen = ingest.writes.events()
    stored = per_event([event for event in seen if event.stored])
    stale = per_event([event for event in seen if not event.stored])
    storage = storage_per_job(set(stream.jobs))
    progress("naive design (GetItem, DescribeTrainingJob, PutItem per event), same stream")
    naive = run_naive(stream, endpoint_url)
    from ingest.handler import PIPELINE
    from jobtracker.pricing import SnapshotPricer

    # The cached price book's reads (GetItem, counted in ddb_requests_per_event too): at
    # most one per container per hour, never one per event.
    pricer = PIPELINE.pricer
    price_reads = pricer.prices.lookups if isinstance(pricer, SnapshotPricer) else 0
    return {
        "ddb_requests_per_event": round(ingest.ddb_per_event, 3),
        "price_book_reads": price_reads,
        "price_book_reads_per_event": round(price_reads / len(stream.deliveries), 5),
        "wcu_per_stored_event": stored.get("wcu"),
        "wcu_per_stale_event": stale.get("wcu"),
        "wcu_split_per_stored_event": stored.get("by_target"),
        "wcu_per_stats_day": stats_per_day(ingest.writes)["wcu_per_day"],
        "storage_bytes_per_job": storage["bytes"],
        "write_units": {
            "stored_event": stored,
            "stale_event": stale,
            "events_seen": len(seen),
            "stats": stats_per_day(ingest.writes),
            "storage_per_job": storage,
        },
        "ingest_events_per_second": round(ingest.events_per_second, 1),
        "baseline_events_per_second": round(naive.events_per_second, 1),
        "stream": {
            "events": len(stream.deliveries),
            "jobs": len(stream.jobs),
            "jobs_ended": stream.terminal_jobs,
            "redelivered": stream.duplicates,
            "out_of_order": stream.out_of_order,
            "sample_jobs": sorted(stream.jobs)[:20],
        },
        "ingest_requests": dict(sorted(ingest.calls.operations.items())),
        "baseline_requests": dict(sorted(naive.calls.operations.items())),
        "baseline_ddb_requests_per_event": round(naive.ddb_per_event, 3),
        "ms_per_event_outside_aws_calls": {
            "ingest": round(ingest.ms_per_event_outside_aws, 2),
            "baseline": round(naive.ms_per_event_outside_aws, 2),
        },
    }


def read_figures(job_count: int, stream_jobs: int, transitions_of: list[str]) -> dict[str, Any]:
    from jobtracker.config import table_config
    from jobtracker.store.bulk_load import bulk_load
    from jobtracker.store.models import define_models
    from jobtracker.timestamps import iso_from_ms

    from bench.emulator import tables_frozen
    from bench.load import LAST_DAY_MS, build_jobs
    from bench.reads import read_figures as measure_reads
    from bench.reads import stats_timing, watch_figure
    from synthetic.events import HOME

    jobs = build_jobs(job_count, workers=os.cpu_count() or 1, report=progress)
    config = table_config()
    models = define_models(config.table_name, config.region, config.endpoint_url)
    bulk_load(models, jobs, progress)
    last_day = date.fromisoformat(iso_from_ms(LAST_DAY_MS)[:10])
    first_day = date.fromordinal(last_day.toordinal() - 29).isoformat()
    days = (job.attributes["created_sk"][:10] for job in jobs)  # the creation time first
    in_window = sum(first_day <= day <= last_day.isoformat() for day in days)
    tuning = next(arn for job in jobs if (arn := job.attributes["tuning_job_arn"]))
    del jobs
    progress(f"{job_count:,} jobs loaded: list queries through the api handler")
    with tables_frozen():
        figures = measure_reads(last_day, tuning, "bert-", transitions_of, HOME.account)
        progress("GET /stats over 30 days")
        stats = stats_timing(last_day, in_window)
    # Not frozen: the watch writes the claims of the troubles it alerts on.
    progress("the watch over the jobs in flight, and GET /jobs?attention=true")
    watch = watch_figure()
    return {
        "table_items": job_count + stream_jobs,
        "read_amplification": {name: f.amplification for name, f in figures.items()},
        "read_detail": {
            name: {
                "returned": f.returned,
                "scanned": f.scanned,
                "requests": f.requests,
                "scanned_by_index": f.scanned_by_index,
                **({"problem": f.problem} if f.problem else {}),
            }
            for name, f in figures.items()
        },
        "stats_ms": stats.get("ms"),
        "stats_detail": stats,
        "watch_reads_per_job_in_flight": watch["reads_per_job_in_flight"],
        "watch_detail": watch,
    }


def import_figures(runs: int) -> dict[str, Any]:
    from bench.imports import asset_bytes, build_assets, import_medians, ratios, runtime_site

    with tempfile.TemporaryDirectory(prefix="jobtracker-assets-") as workdir:
        progress("bundling the assets as the stack does (infra.bundling)")
        assets = build_assets(Path(workdir))
        sizes = asset_bytes(assets)
        runtime = runtime_site(Path(workdir))
        progress(f"import times, asset as shipped (with bytecode): {runs} runs each, alternating")
        shipped, shipped_parts = import_medians(assets, runtime, runs, shipped=True)
        progress(f"import times, asset from source: {runs} runs each, alternating")
        source, source_parts = import_medians(assets, runtime, runs, shipped=False)
    return {
        "asset_bytes": sizes,
        "import_ratio": ratios(shipped),
        "import_ratio_from_source": ratios(source),
        "import_ms": {
            "shipped": {name: round(s * 1000, 1) for name, s in shipped.items()},
            "from_source": {name: round(s * 1000, 1) for name, s in source.items()},
            "runs": runs,
            "python": sys.version.split()[0],
        },
        "import_breakdown_ms": {"shipped": shipped_parts, "from_source": source_parts},
    }


def within(name: str, value: Any) -> str:
    if name not in BUDGET or value is None:
        return ""
    op, limit = BUDGET[name]
    values = list(value.values()) if isinstance(value, dict) else [value]
    numbers = [v for v in values if isinstance(v, (int, float))]
    if len(numbers) < len(values):
        return "incomplete"
    return "within budget" if all(v <= limit for v in numbers) else f"OVER ({op} {limit})"


def print_table(results: dict[str, Any]) -> None:
    keys = (
        "table_items",
        "ddb_requests_per_event",
        "price_book_reads",
        "wcu_per_stored_event",
        "wcu_split_per_stored_event",
        "wcu_per_stale_event",
        "wcu_per_stats_day",
        "storage_bytes_per_job",
        "read_amplification",
        "import_ratio",
        "import_ratio_from_source",
        "asset_bytes",
        "ingest_events_per_second",
        "baseline_events_per_second",
        "stats_ms",
        "watch_reads_per_job_in_flight",
    )
    print()
    print(f"{'figure':28} {'value':60} budget")
    print("-" * 100)
    for key in keys:
        if key not in results:
            continue
        value = results[key]
        shown = json.dumps(value) if isinstance(value, dict) else str(value)
        print(f"{key:28} {shown:60} {within(key, value)}")
    print(f"\nwritten to {RESULTS}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--jobs", type=int, default=100_000)
    parser.add_argument("--events", type=int, default=1_000)
    parser.add_argument("--import-runs", type=int, default=15)
    parser.add_argument("--only", default=",".join(PHASES))
    args = parser.parse_args(argv)
    phases = set(args.only.split(","))

    from jobtracker.alert_kinds import DEFAULT_KINDS

    from bench.emulator import create_resources, emulator

    results: dict[str, Any] = {}
    # First, in a small quiet process: after the 100,000-item load the emulator's
    # threads and a 1 GB parent make the import timings noisier.
    if "imports" in phases:
        results.update(import_figures(args.import_runs))
    if phases & {"ingest", "reads"}:
        with emulator() as endpoint_url:
            settings.apply(endpoint_url)
            os.environ["ALERT_TOPIC_ARN"] = create_resources(endpoint_url)
            os.environ["ALERT_KINDS"] = ",".join(kind.value for kind in DEFAULT_KINDS)
            if "ingest" in phases:
                results.update(ingest_figures(endpoint_url, args.events))
            if "reads" in phases:
                stream = results.get("stream", {})
                results.update(
                    read_figures(args.jobs, stream.get("jobs", 0), stream.get("sample_jobs", []))
                )
    results["measured_at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    RESULTS.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
    print_table(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
