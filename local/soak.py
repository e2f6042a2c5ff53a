"""`make soak`: thousands of events through the local stack, checked against the rule.

Starts the local stack in this process (emulator, resources, ingest worker; no demo),
puts SOAK_EVENTS events (default 10,000: the lifecycles of about 1,500 jobs from the demo
generator, shuffled, with duplicates) on the default bus with PutEvents, 10 per call, and
waits for the ingest queue to drain. Then every job's stored state is checked against
the reference of the ordering rule (each job's snapshot with the highest order key), as
are its transitions and the daily counters; each job whose final state alerts must have
published exactly one alert (counted on the queue subscribed to the topic), and the DLQ
must be empty. Prints the time
taken and events per second; exits 1 if any check fails. SOAK_METRICS=1 also prints
each batch's metrics as the ingest function emits them (CloudWatch EMF JSON).

moto's SQS slows down as its queue grows, so events are put while the queue holds fewer
than QUEUE_HIGH_WATER messages, as the demo replay does: the figure measured is the
pipeline's, not that of a backlog in the emulator.
"""

from __future__ import annotations

import json
import os
import random
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from jobtracker.alert_kinds import AlertKind, kind_of, parse_kinds
from jobtracker.config import TableConfig
from jobtracker.record import JobSnapshot, identity_from_arn

from local import console, demo
from local.__main__ import Settings, _queue_depth, start
from local.console import say
from local.emulator import client
from synthetic.expected import TableContents, at_list_prices, expected_jobs, job_key, mismatches

SPOT_INTERRUPTED = AlertKind.SPOT_INTERRUPTED.value

DEFAULT_EVENTS = 10_000
EVENTS_PER_JOB = 6.6  # after trimming the demo's lifecycles to the count asked for
QUEUE_HIGH_WATER = 60
DRAIN_TIMEOUT_SECONDS = 1_800


@dataclass
class SoakReport:
    events: int
    jobs: int
    seconds: float = 0.0
    dlq_depth: int = 0
    alerts: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def events_per_second(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0

    def summary(self) -> str:
        verdict = "OK" if not self.problems and self.dlq_depth == 0 else "FAILED"
        return (
            f"soak {verdict}: {self.events} events of {self.jobs} jobs in {self.seconds:.1f} s "
            f"({self.events_per_second:.1f} events/s), DLQ depth {self.dlq_depth}, "
            f"{self.alerts} alerts, {len(self.problems)} mismatch(es)"
        )


def soak_stream(events: int, seed: int = 7) -> list[dict[str, Any]]:
    """`events` state-change details: whole lifecycles, shuffled, with duplicates, trimmed.

    The reference is computed from exactly the events put, so trimming a job's last
    events only changes which of its snapshots must win.
    """
    rng = random.Random(seed)
    stream = demo.demo_stream(seed=seed, jobs=max(1, round(events / EVENTS_PER_JOB)))
    details = list(stream.details)
    details += [rng.choice(stream.details) for _ in range(max(0, events - len(details)))]
    rng.shuffle(details)
    return details[:events]


def run_soak(events: int, seed: int = 7) -> SoakReport:
    details = soak_stream(events, seed)
    # The local stack prices at the bundled list prices (no refresh runs here).
    expected = expected_jobs(details, at_list_prices())
    report = SoakReport(events=len(details), jobs=len(expected))
    stopping = threading.Event()
    # SageMaker knows none of these jobs: each terminal event's enrichment fails and is
    # marked pending, a warning apiece. Errors (a poison event) still show.
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "ERROR")
    # The watch stays off: the soak's reference judges the alerts of how jobs end; the
    # watch's and the interruptions' alerts have their own property tests.
    running = start(
        Settings(api_port=0, aws_port=0, demo=False, reconcile_interval=0, watch_interval=0),
        stopping,
    )
    if running is None:
        raise SystemExit("the local stack did not start")
    running.ingest_log.quiet = True
    # The alerts stay on their queue, to be counted at the end rather than printed.
    running.alerts.stop()
    resources = running.resources
    try:
        sqs = client("sqs", resources.endpoint_url)
        events_client = client("events", resources.endpoint_url)
        say(f"soak: {report.events} events of {report.jobs} jobs")
        started = time.monotonic()
        for offset in range(0, len(details), demo.PUT_EVENTS_CHUNK):
            while _queue_depth(sqs, resources.queue_url) > QUEUE_HIGH_WATER:
                time.sleep(0.02)
            chunk = details[offset : offset + demo.PUT_EVENTS_CHUNK]
            demo.deliver(events_client, sqs, resources.queue_url, resources.region, chunk)
            if offset and offset % 1_000 == 0:
                say(f"soak: {offset} put, {running.ingest_log.received} ingested")
        _wait_drained(sqs, resources.queue_url)
        report.seconds = time.monotonic() - started
        report.dlq_depth = _queue_depth(sqs, resources.dlq_url)
        say(f"soak: drained in {report.seconds:.1f} s; checking {report.jobs} jobs")
        table = TableConfig(resources.table_name, resources.region, resources.endpoint_url)
        report.problems = mismatches(TableContents.read(table), expected)
        # start() configured the handlers through the environment, alert kinds included.
        kinds = parse_kinds(os.environ.get("ALERT_KINDS", ""))
        alerts = published_alerts(sqs, resources.alert_printer_queue_url)
        report.alerts = sum(alerts.values())
        # Alerts about jobs in flight (an interruption, at ingest) are not a final state's:
        # tests/integration's ordering property holds them to once per interruption.
        alerts = Counter({key: n for key, n in alerts.items() if key[1] != SPOT_INTERRUPTED})
        report.problems += alert_mismatches(alerts, expected, kinds)
    finally:
        stopping.set()
        running.stop()
    return report


def published_alerts(sqs: Any, queue_url: str) -> Counter[tuple[str, str]]:
    """(job, kind) of every alert on the queue subscribed to the alert topic."""
    alerts: Counter[tuple[str, str]] = Counter()
    while messages := sqs.receive_message(
        QueueUrl=queue_url, MaxNumberOfMessages=10, VisibilityTimeout=60
    ).get("Messages", []):
        for message in messages:
            body = json.loads(json.loads(message["Body"])["Message"])
            job = identity_from_arn(body["training_job_arn"], body["training_job_name"])
            alerts[(job_key(job), body["alert_kind"])] += 1
    return alerts


def alert_mismatches(
    alerts: Counter[tuple[str, str]], expected: dict[str, JobSnapshot], kinds: frozenset[AlertKind]
) -> list[str]:
    """Exactly one alert per job whose final state is of an alerting kind, none else."""
    due = Counter(
        (name, kind.value)
        for name, snapshot in expected.items()
        if (kind := kind_of(snapshot.status, snapshot.secondary_status)) in kinds
    )
    return [
        f"{name}: {alerts[(name, kind)]} {kind} alert(s), expected {due[(name, kind)]}"
        for name, kind in sorted(set(alerts) | set(due))
        if alerts[(name, kind)] != due[(name, kind)]
    ]


def _wait_drained(sqs: Any, url: str) -> None:
    deadline = time.monotonic() + DRAIN_TIMEOUT_SECONDS
    while _queue_depth(sqs, url) and time.monotonic() < deadline:
        time.sleep(0.1)


def main() -> int:
    console.install(metrics=os.environ.get("SOAK_METRICS", "").strip() in ("1", "true", "yes"))
    events = int(os.environ.get("SOAK_EVENTS", DEFAULT_EVENTS))
    report = run_soak(events, seed=int(os.environ.get("SOAK_SEED", 7)))
    for problem in report.problems[:20]:
        say(f"  {problem}")
    say(report.summary())
    return 0 if report.dlq_depth == 0 and not report.problems else 1


if __name__ == "__main__":
    sys.exit(main())
