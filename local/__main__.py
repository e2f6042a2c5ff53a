"""`make local`: the whole jobtracker flow on this machine, no AWS account needed.

Environment: API_PORT (8000), AWS_PORT (4566), DEMO (1; `full` for the larger replay, 0
for none), DEMO_JOBS (how many demo jobs; 60, or 240 with DEMO=full), RECONCILE_INTERVAL
(seconds; 60 with the demo, else 0 = off), WATCH_INTERVAL (seconds between runs of the
watch over jobs in flight; 60, 0 = off). Port 0 takes any free port. Ctrl-C (or
SIGTERM) stops everything.
"""

from __future__ import annotations

import importlib
import os
import secrets
import signal
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, replace
from types import FrameType
from typing import Any

from local import console, demo, sagemaker_jobs
from local.alerts import AlertPrinter
from local.console import say
from local.emulator import (
    HOST,
    MAX_RECEIVE_COUNT,
    VISIBILITY_TIMEOUT_SECONDS,
    LocalResources,
    PortInUse,
    client,
    cost_environment,
    create_resources,
    handler_environment,
    start_emulator,
)
from local.entries import SAMPLE_ENTRY
from local.http_adapter import ApiServer
from local.schedule import start_reconciler, start_watch
from local.web import with_web_view
from local.worker import BatchResult, QueueWorker

DRAIN_TIMEOUT_SECONDS = 900
REPLAY_QUEUE_DEPTH = 30
# The default demo loads in well under a minute on 2 cores; `DEMO=full` replays the
# population the demo had before (about 2,000 events), which takes a few minutes.
DEMO_JOBS = 60
FULL_DEMO_JOBS = 240
PROGRESS_EVERY_SECONDS = 5.0


@dataclass(frozen=True)
class Settings:
    api_port: int
    aws_port: int
    demo: bool
    reconcile_interval: float
    demo_jobs: int = DEMO_JOBS
    watch_interval: float = 60.0

    @classmethod
    def from_env(cls, env: Any = os.environ) -> Settings:
        mode = env.get("DEMO", "1").strip().lower()
        demo = mode not in ("0", "", "false", "no")
        return cls(
            api_port=_integer(env, "API_PORT", 8000),
            aws_port=_integer(env, "AWS_PORT", 4566),
            demo=demo,
            demo_jobs=_count(env, "DEMO_JOBS", FULL_DEMO_JOBS if mode == "full" else DEMO_JOBS),
            # The demo holds jobs that only the reconciler can find: show it working.
            reconcile_interval=_seconds(env, "RECONCILE_INTERVAL", 60.0 if demo else 0.0),
            watch_interval=_seconds(env, "WATCH_INTERVAL", 60.0),
        )


def _seconds(env: Any, name: str, default: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SystemExit(f"{name} must be a number of seconds, got {raw!r}") from None
    if value < 0 or value != value:
        raise SystemExit(f"{name} must be 0 (off) or a positive number of seconds")
    return value


def _count(env: Any, name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise SystemExit(f"{name} must be a whole number of jobs (at least 1), got {raw!r}")
    return int(raw)


def _integer(env: Any, name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or int(raw) > 65535:
        raise SystemExit(f"{name} must be a port number, got {raw!r}")
    return int(raw)


class IngestLog:
    """Prints each ingest batch, or only counts them while the demo replays."""

    def __init__(self, quiet: bool = False) -> None:
        self.quiet = quiet
        self.received = 0
        self.failed = 0
        self._lock = threading.Lock()

    def __call__(self, result: BatchResult) -> None:
        with self._lock:
            self.received += result.received
            self.failed += len(result.failed_ids)
        if not self.quiet or result.error:
            say(result.summary())


@dataclass
class Running:
    """Everything `make local` started, stopped in reverse by `stop`."""

    server: Any
    endpoint: str
    resources: LocalResources
    worker: QueueWorker
    alerts: AlertPrinter
    api: ApiServer
    ingest_log: IngestLog
    reconciler: threading.Thread | None = None
    watch: threading.Thread | None = None

    def stop(self) -> None:
        say("stopping: worker, API, emulator")
        for timer in (self.reconciler, self.watch):
            if timer is not None:
                timer.join(5)
        self.worker.stop()
        self.alerts.stop()
        self.api.stop()
        self.server.stop()
        say("stopped")


def start(settings: Settings, stopping: threading.Event) -> Running | None:
    """Emulator, resources, handlers, worker, alert printer, API; None if a port is taken."""
    try:
        server, endpoint = start_emulator(settings.aws_port)
    except PortInUse as error:
        say(f"AWS_PORT: {error}; set AWS_PORT to a free port (0 = any)")
        return None
    say(f"AWS emulator   {endpoint}  (moto; region us-east-1; any credentials)")
    resources = create_resources(endpoint)
    _print_resources(resources)

    # The handlers read their configuration when their module is first imported.
    os.environ.update(handler_environment(resources, os.environ.get("TOKEN_KEY") or _token()))
    os.environ.update(cost_environment(os.environ))
    # The reconciler walks the demo's member accounts and regions too, as the stack's
    # MEMBER_PLACES (source_accounts x source_regions) has it walk a real Organization's.
    os.environ["MEMBER_PLACES"] = demo.member_places(resources.region)
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
    ingest_handler = importlib.import_module("ingest.handler").handler
    api_handler = with_web_view(importlib.import_module("api.handler").handler)
    try:
        api = ApiServer(HOST, settings.api_port, api_handler, resources.region, report=say)
    except OSError as error:
        say(f"API_PORT: {HOST}:{settings.api_port} is in use ({error.strerror}); 0 = any")
        server.stop()
        return None

    ingest_log = IngestLog(quiet=settings.demo)
    sqs = client("sqs", endpoint)
    running = Running(
        server=server,
        endpoint=endpoint,
        resources=resources,
        worker=QueueWorker(
            sqs,
            resources.queue_url,
            resources.queue_arn,
            resources.region,
            ingest_handler,
            report=ingest_log,
        ),
        alerts=AlertPrinter(sqs, resources.alert_printer_queue_url, say),
        api=api,
        ingest_log=ingest_log,
    )
    running.worker.start()
    running.alerts.start()
    running.api.start()
    running.reconciler = start_reconciler(
        settings.reconcile_interval, resources.region, stopping, say
    )
    running.watch = start_watch(settings.watch_interval, resources.region, stopping, say)
    return running


def main() -> int:
    settings = Settings.from_env()
    console.install()
    stopping = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)

    # With the demo, the reconciler starts once the demo's events are in: what it then
    # brings in is what no event announced.
    running = start(
        replace(settings, reconcile_interval=0, watch_interval=0) if settings.demo else settings,
        stopping,
    )
    if running is None:
        return 2
    try:
        # The API answers from now on: say where, before the demo fills it.
        stream = demo.demo_stream(jobs=settings.demo_jobs) if settings.demo else None
        _print_ready(running.api.url, running.endpoint, _example_job(stream))
        if stream is not None:
            running.alerts.compact = True
            loaded = _replay_demo(
                running.resources,
                stream,
                running.ingest_log,
                stopping,
                settings.reconcile_interval,
            )
            running.alerts.compact = False
            running.ingest_log.quiet = False
            if loaded:
                loaded = _put_troubles(running.resources, running.ingest_log, stopping)
            if loaded:
                running.reconciler = start_reconciler(
                    settings.reconcile_interval, running.resources.region, stopping, say
                )
                # Started once the troubles are in: its first run alerts on them.
                running.watch = start_watch(
                    settings.watch_interval, running.resources.region, stopping, say
                )
        _watch_dlq(running.resources, stopping)
    finally:
        running.stop()
    return 0


def _put_troubles(
    resources: LocalResources, ingest_log: IngestLog, stopping: threading.Event
) -> bool:
    """Three jobs in trouble now, for the watch and ingest to alert on, once each."""
    details = demo.trouble_details(int(time.time() * 1000))
    events = client("events", resources.endpoint_url)
    sqs = client("sqs", resources.endpoint_url)
    demo.deliver(events, sqs, resources.queue_url, resources.region, details)
    say(
        f"demo: in trouble now: {demo.CAPACITY_WAIT} (Stuck), {demo.SPOT_INTERRUPTED_TWICE} "
        f"(SpotInterrupted, twice), {demo.NEAR_MAX_RUNTIME} (NearMaxRuntime)"
    )
    return _wait_drained(resources, stopping, ingest_log)


def _token() -> str:
    # Page tokens are signed with this key; a fresh one each run is fine locally.
    return secrets.token_hex(32)


def _print_resources(resources: LocalResources) -> None:
    say(f"  table        {resources.table_name}  (indexes: {', '.join(resources.index_names)})")
    say(f"  queue        {resources.queue_url}")
    say(
        f"  DLQ          {resources.dlq_url}  (after {MAX_RECEIVE_COUNT} receives, "
        f"visibility timeout {VISIBILITY_TIMEOUT_SECONDS} s)"
    )
    say(f"  rule         {resources.rule_name}  (default bus -> queue)")
    say(f"  alert topic  {resources.topic_arn}  (alerts are printed here)")


def _put_demo_jobs_in_sagemaker(
    resources: LocalResources, stream: demo.DemoStream, reconcile_interval: float
) -> None:
    """SageMaker holds every demo job (enrichment describes them); a few sent no event."""
    lost = sagemaker_jobs.lost_event_specs(int(time.time() * 1000))
    clients: dict[tuple[str, str], Any] = {}

    def sagemaker(account: str, region: str) -> Any:
        if (account, region) not in clients:
            clients[account, region] = client("sagemaker", resources.endpoint_url, account, region)
        return clients[account, region]

    held = sagemaker_jobs.put_demo_jobs(sagemaker, [*stream.specs, *lost])
    say(f"demo: {held} jobs in SageMaker; {len(lost)} never sent an event:")
    for spec in lost:
        say(f"  {spec.name}  ({spec.final_status})")
    if reconcile_interval > 0:
        say("demo: the reconciler brings them in once the events are in")
    else:
        say("demo: RECONCILE_INTERVAL=60 (seconds) lets the reconciler bring them in")


def _example_job(stream: demo.DemoStream | None) -> str | None:
    """A failed demo job makes the best first look at a record: one of the tracker's own
    account and region, which GET /jobs/{name} finds without ?account= and ?region=."""
    if stream is None:
        return None
    failed = [
        spec.name
        for spec in stream.specs
        if spec.final_status == "Failed"
        and (spec.account, spec.region) == (demo.ACCOUNT, demo.REGION)
    ]
    return failed[0] if failed else stream.job_names[0]


def _replay_demo(
    resources: LocalResources,
    stream: demo.DemoStream,
    ingest_log: IngestLog,
    stopping: threading.Event,
    reconcile_interval: float = 0,
) -> bool:
    """PutEvents for every demo event, through the rule and the queue; False if stopped."""
    started = time.monotonic()
    _put_demo_jobs_in_sagemaker(resources, stream, reconcile_interval)
    events = client("events", resources.endpoint_url)
    sqs = client("sqs", resources.endpoint_url)
    put = 0
    total = len(stream.details)
    more = " (DEMO=full for more)" if len(stream.specs) < FULL_DEMO_JOBS else ""
    say(f"demo: replaying {total} events for {len(stream.specs)} jobs{more}")
    last_report = time.monotonic()
    for start in range(0, total, demo.PUT_EVENTS_CHUNK):
        # moto's SQS slows down with the queue's length: keep the queue short.
        while _queue_depth(sqs, resources.queue_url) > REPLAY_QUEUE_DEPTH:
            if stopping.wait(0.05):
                return False
        chunk = stream.details[start : start + demo.PUT_EVENTS_CHUNK]
        put += demo.deliver(events, sqs, resources.queue_url, resources.region, chunk)
        if time.monotonic() - last_report > PROGRESS_EVERY_SECONDS:
            say(f"demo: {put}/{total} events put, {ingest_log.received} ingested")
            last_report = time.monotonic()
    if not _wait_drained(resources, stopping, ingest_log):
        return False
    say(
        f"demo: loaded {len(stream.specs)} jobs ({put} events, {ingest_log.failed} failed) "
        f"in {time.monotonic() - started:.1f} s"
    )
    places = {(spec.account, spec.region) for spec in stream.specs}
    say(f"demo: jobs in {len({a for a, _ in places})} accounts, {len(places)} account-regions")
    return True


def _queue_depth(sqs: Any, url: str) -> int:
    attributes = sqs.get_queue_attributes(
        QueueUrl=url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(
        attributes["ApproximateNumberOfMessagesNotVisible"]
    )


def _wait_drained(
    resources: LocalResources, stopping: threading.Event, ingest_log: IngestLog
) -> bool:
    sqs = client("sqs", resources.endpoint_url)
    deadline = time.monotonic() + DRAIN_TIMEOUT_SECONDS
    last_report = time.monotonic()
    while not stopping.wait(0.5):
        depth = _queue_depth(sqs, resources.queue_url)
        if depth == 0:
            return True
        if time.monotonic() - last_report > PROGRESS_EVERY_SECONDS:
            say(f"demo: {ingest_log.received} ingested, {depth} in the queue")
            last_report = time.monotonic()
        if time.monotonic() > deadline:
            say(f"demo: still {depth} messages in the queue; going on")
            return True
    return False


def _print_ready(api_url: str, endpoint: str, example: str | None) -> None:
    name = example or "<name>"
    say()
    ready = _status_of(api_url + "/jobs?limit=1")
    say(f"API  {api_url}   (ready: GET /jobs answers {ready})   web view {api_url}/")
    say("  try:")
    say(f"  curl -s '{api_url}/jobs?limit=5'")
    say(f"  curl -s {api_url}/jobs/{name}")
    # The CLI finds the default port by itself, another one only through API_PORT.
    where = "" if api_url == "http://127.0.0.1:8000" else f" --api-url {api_url}"
    say(f"  .venv/bin/jobtracker{where} jobs --status failed")
    say("  send an event of your own (needs the aws CLI; any credentials will do):")
    say(
        f"  AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=x aws --endpoint-url {endpoint} "
        f"--region us-east-1 events put-events --entries file://{SAMPLE_ENTRY}"
    )
    say("Ctrl-C stops everything.")
    say()


def _status_of(url: str) -> int | str:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code
    except OSError as error:
        return f"no answer ({error})"


def _watch_dlq(resources: LocalResources, stopping: threading.Event) -> None:
    """Until stopped, say when messages land in the DLQ (the handler logged why)."""
    sqs = client("sqs", resources.endpoint_url)
    seen = 0
    while not stopping.wait(2):
        try:
            depth = _queue_depth(sqs, resources.dlq_url)
        except Exception:
            continue
        if depth > seen:
            say(f"DLQ: {depth - seen} more message(s), {depth} in {resources.dlq_url}")
        seen = depth


if __name__ == "__main__":
    sys.exit(main())
