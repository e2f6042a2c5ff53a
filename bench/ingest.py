"""Ingest figures: DynamoDB requests per event, events per second, and the naive baseline.

Both designs take the same SQS batches of the same stream, in the same process, against
the same emulator. The naive design is what a user might write first: read the job,
describe it in SageMaker on every event, put the whole item back.
"""

from __future__ import annotations

import contextlib
import io
import json
import time
from dataclasses import dataclass
from typing import Any

from bench.calls import CallLog, recording
from bench.emulator import client, stored_item, stored_items
from bench.item_writes import WriteLog, recording_writes
from bench.settings import NAIVE_TABLE_NAME, TABLE_NAME
from bench.stream import Stream
from bench.write_units import TableSpec, stored_bytes
from synthetic.events import home_job
from synthetic.lambda_events import LambdaContext, sqs_event

BATCH_SIZE = 10  # the ingest event source's batch size (infra/ingest.py)


@dataclass(frozen=True)
class IngestRun:
    events: int
    seconds: float
    calls: CallLog
    writes: WriteLog | None = None

    @property
    def events_per_second(self) -> float:
        return self.events / self.seconds

    @property
    def ms_per_event_outside_aws(self) -> float:
        """The handler's own work per event: parsing, normalising, deciding, logging."""
        return 1000 * (self.seconds - self.calls.seconds) / self.events

    @property
    def ddb_per_event(self) -> float:
        return self.calls.service_total("dynamodb") / self.events


def batches(stream: Stream) -> list[dict[str, Any]]:
    bodies = [delivery.body for delivery in stream.deliveries]
    return [sqs_event(bodies[i : i + BATCH_SIZE]) for i in range(0, len(bodies), BATCH_SIZE)]


def run_ingest(stream: Stream) -> IngestRun:
    """The ingest handler, in-process, as Lambda calls it: one SQS batch per invocation.

    Every item it writes is charged in write units as it goes (bench.item_writes), inside
    the timing of the AWS calls, so the handler's own time per event stays its own."""
    from ingest.handler import handler
    from jobtracker.store.models import table_schema

    events = batches(stream)
    context = LambdaContext(function_name="jobtracker-ingest")
    failures = 0
    # Powertools Metrics prints one EMF document per invocation; keep it off the table.
    table = TableSpec.from_schema(table_schema())
    with (
        contextlib.redirect_stdout(io.StringIO()),
        recording_writes(TABLE_NAME, table, stored_item) as writes,
        recording() as calls,
    ):
        started = time.perf_counter()
        for event in events:
            failures += len(handler(event, context)["batchItemFailures"])
        seconds = time.perf_counter() - started
    if failures:
        raise RuntimeError(f"ingest reported {failures} failed records on a valid stream")
    return IngestRun(events=len(stream.deliveries), seconds=seconds, calls=calls, writes=writes)


def naive_handler(event: dict[str, Any], dynamodb: Any, sagemaker: Any) -> None:
    for record in event["Records"]:
        detail = json.loads(record["body"])["detail"]
        name = detail["TrainingJobName"]
        stored = dynamodb.get_item(TableName=NAIVE_TABLE_NAME, Key={"pk": {"S": name}})
        described = sagemaker.describe_training_job(TrainingJobName=name)
        described.pop("ResponseMetadata", None)
        modified = int(detail["LastModifiedTime"])
        if int(stored.get("Item", {}).get("modified", {}).get("N", -1)) > modified:
            continue  # an older event than the stored one: keep the stored job
        dynamodb.put_item(
            TableName=NAIVE_TABLE_NAME,
            Item={
                "pk": {"S": name},
                "status": {"S": detail["TrainingJobStatus"]},
                "modified": {"N": str(modified)},
                "event": {"S": json.dumps(detail, default=str)},
                "described": {"S": json.dumps(described, default=str)},
            },
        )


def run_naive(stream: Stream, endpoint_url: str) -> IngestRun:
    events = batches(stream)
    dynamodb = client("dynamodb", endpoint_url)
    sagemaker = client("sagemaker", endpoint_url)
    with recording() as calls:
        started = time.perf_counter()
        for event in events:
            naive_handler(event, dynamodb, sagemaker)
        seconds = time.perf_counter() - started
    return IngestRun(events=len(stream.deliveries), seconds=seconds, calls=calls)


def check_final_states(stream: Stream) -> int:
    """Every job ends as its newest snapshot says, whatever the delivery order."""
    from jobtracker.config import table_config
    from jobtracker.store.reads import JobReads

    table = table_config()
    reads = JobReads.for_table(table.table_name, table.region, table.endpoint_url)
    wrong = 0
    for name, snapshots in stream.jobs.items():
        record = reads.get_job(home_job(name)) or {}
        newest = snapshots[-1]
        wrong += (record.get("training_job_status"), record.get("secondary_status")) != (
            newest["TrainingJobStatus"],
            newest["SecondaryStatus"],
        )
    return wrong


def storage_per_job(job_names: set[str]) -> dict[str, Any]:
    """Bytes billed as storage per job of the stream: its items (the job, its transitions
    and alert claims) in the table and their entries in each index."""
    from jobtracker.store.models import table_schema

    table = TableSpec.from_schema(table_schema())
    totals: dict[str, int] = {}
    jobs = set()
    for item in stored_items(TABLE_NAME):
        pk = item["pk"]["S"]
        if not pk.startswith("JOB#") or pk.rsplit("#", 1)[-1] not in job_names:
            continue
        jobs.add(pk)
        for where, size in stored_bytes(table, item).items():
            totals[where] = totals.get(where, 0) + size
    count = max(len(jobs), 1)
    split = {where: round(size / count) for where, size in sorted(totals.items())}
    return {"bytes": sum(split.values()), "split": split, "jobs": len(jobs)}
