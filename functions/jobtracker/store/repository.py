"""The repository: the only code that knows how jobs are laid out in DynamoDB.

Writing a snapshot takes at most two requests and never reads first:

1. UpdateItem on the job item, conditional on the snapshot's order key being higher
   than the stored one (or equal but not yet applied: the retry of a half-done write).
   It returns the old item, which carries what the history and the daily counters
   currently reflect (`applied_*`).
2. One transaction that puts the snapshot's transition items, moves the day's counters
   from the old contribution to the new, and records the new one as applied, on the
   condition that the job still holds this snapshot and nobody applied in between.

A stale or duplicate snapshot stops at step 1 with ConditionalCheckFailed.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from enum import Enum
from typing import Any

from pynamodb.connection import Connection
from pynamodb.exceptions import TransactWriteError, UpdateError
from pynamodb.transactions import TransactWrite

from jobtracker.aggregates import Contribution, counter_deltas
from jobtracker.errors import MalformedEvent
from jobtracker.record import JobSnapshot, Transition
from jobtracker.store.keys import (
    JOB_SK,
    STATS_PK,
    compress_record,
    job_pk,
    name_shard,
    transition_sk,
)
from jobtracker.store.keys import TRANSITION_PREFIX as TRANSITION_PREFIX  # re-exported
from jobtracker.store.keys import decompress_record as decompress_record  # re-exported
from jobtracker.store.models import Models, define_models
from jobtracker.store.reads import JobReads
from jobtracker.timestamps import iso_from_ms

# DynamoDB's item limit is 400 KB; leave room for the summary attributes.
MAX_RECORD_BYTES = 350_000
SUMMARY_TEXT_LIMIT = 2048
# A transaction holds at most 100 items: the job, the day's counters, and the rest.
_TRANSITIONS_PER_TRANSACTION = 98
_CONFLICT_RETRIES = 4


class StoreOutcome(Enum):
    STORED = "stored"
    STALE = "stale"


@dataclass(frozen=True)
class TableConfig:
    table_name: str
    region: str | None = None
    endpoint_url: str | None = None


class JobRepository(JobReads):
    """The write path, and (inherited) every read."""

    def __init__(self, config: TableConfig, models: Models | None = None) -> None:
        super().__init__(
            models or define_models(config.table_name, config.region, config.endpoint_url)
        )
        self.config = config
        self._connection = Connection(region=config.region, host=config.endpoint_url)

    # -- writes -----------------------------------------------------------------------

    def store_snapshot(self, snapshot: JobSnapshot) -> StoreOutcome:
        """Store the snapshot if it is newer than the stored job; never regress."""
        try:
            old = self._put_job(snapshot)
        except UpdateError as error:
            if error.cause_response_code == "ConditionalCheckFailedException":
                return StoreOutcome.STALE
            raise
        self._apply(snapshot, old)
        return StoreOutcome.STORED

    def _put_job(self, snapshot: JobSnapshot) -> Any | None:
        job = self.models.job
        key = snapshot.order_key
        condition = (
            job.pk.does_not_exist()
            | (job.order_key < key)
            | (
                (job.order_key == key)
                & (job.applied_key.does_not_exist() | (job.applied_key != key))
            )
        )
        actions = [
            getattr(job, name).set(value) if value is not None else getattr(job, name).remove()
            for name, value in _job_attributes(snapshot).items()
        ]
        response = job._get_connection().update_item(
            job_pk(snapshot.name),
            JOB_SK,
            actions=actions,
            condition=condition,
            return_values="ALL_OLD",
        )
        attributes = response.get("Attributes")
        return job.from_raw_data(attributes) if attributes else None

    def _apply(self, snapshot: JobSnapshot, old: Any | None) -> None:
        """Bring transitions and counters to this snapshot (step 2 of the write)."""
        before = _applied_contribution(old)
        after = Contribution.of(snapshot)
        transitions = list(snapshot.transitions)
        in_transaction = transitions[:_TRANSITIONS_PER_TRANSACTION]
        for attempt in range(_CONFLICT_RETRIES):
            try:
                self._apply_transaction(snapshot, old, before, after, in_transaction)
                break
            except TransactWriteError as error:
                reasons = [r.code for r in (error.cancellation_reasons or []) if r]
                if "ConditionalCheckFailed" in reasons:
                    # A newer snapshot took the job meanwhile; its writer applies it.
                    return
                if "TransactionConflict" in reasons and attempt + 1 < _CONFLICT_RETRIES:
                    time.sleep(random.uniform(0.01, 0.05) * (attempt + 1))
                    continue
                raise
        overflow = transitions[_TRANSITIONS_PER_TRANSACTION:]
        if overflow:
            with self.models.transition.batch_write() as batch:
                for transition in overflow:
                    batch.save(self._transition_item(snapshot.name, transition))

    def _apply_transaction(
        self,
        snapshot: JobSnapshot,
        old: Any | None,
        before: Contribution | None,
        after: Contribution,
        transitions: list[Transition],
    ) -> None:
        job = self.models.job
        stats = self.models.daily_stats
        previous_key = old.applied_key if old is not None else None
        applied_unchanged = (
            job.applied_key.does_not_exist()
            if previous_key is None
            else job.applied_key == previous_key
        )
        with TransactWrite(connection=self._connection) as transaction:
            transaction.update(
                job(job_pk(snapshot.name), JOB_SK),
                actions=[
                    job.applied_key.set(snapshot.order_key),
                    job.applied_status.set(after.status),
                    job.applied_billable.set(after.billable_seconds),
                    job.applied_training.set(after.training_seconds),
                ],
                condition=(job.order_key == snapshot.order_key) & applied_unchanged,
            )
            deltas = counter_deltas(before, after)
            if deltas:
                transaction.update(
                    stats(STATS_PK, f"DAY#{iso_from_ms(snapshot.creation_ms)[:10]}"),
                    actions=[getattr(stats, name).add(value) for name, value in deltas.items()],
                )
            for transition in transitions:
                transaction.save(self._transition_item(snapshot.name, transition))

    def _transition_item(self, name: str, transition: Transition) -> Any:
        end = None if transition.end_ms is None else iso_from_ms(transition.end_ms)
        return self.models.transition(
            job_pk(name),
            transition_sk(transition),
            status=transition.status,
            start_time=iso_from_ms(transition.start_ms),
            end_time=end,
            status_message=transition.status_message,
        )


def _applied_contribution(old: Any | None) -> Contribution | None:
    if old is None or old.applied_key is None:
        return None
    return Contribution(
        status=old.applied_status,
        billable_seconds=int(old.applied_billable or 0),
        training_seconds=int(old.applied_training or 0),
        managed_spot=bool(old.managed_spot),
    )


def _job_attributes(snapshot: JobSnapshot) -> dict[str, Any]:
    """The job item's attributes; None means absent (REMOVEd from an older snapshot).

    The summary copies are typed defensively: the record blob keeps whatever came in,
    but an index key must be a non-empty string and a counter a number.
    """
    record = snapshot.record
    resources = record.get("resource_config")
    resources = resources if isinstance(resources, dict) else {}
    creation = iso_from_ms(snapshot.creation_ms)
    blob = compress_record(record)
    if len(blob) > MAX_RECORD_BYTES:
        raise MalformedEvent(
            f"record of {snapshot.name} compresses to {len(blob)} bytes, over the item limit"
        )
    return {
        "order_key": snapshot.order_key,
        "record": blob,
        "job_name": snapshot.name,
        "job_arn": _text(record.get("training_job_arn")),
        "status": snapshot.status,
        "secondary_status": _text(snapshot.secondary_status),
        "creation_time": creation,
        "creation_month": creation[:7],
        "created_sk": f"{creation}#{snapshot.name}",
        "name_shard": name_shard(snapshot.name),
        "training_start_time": _text(record.get("training_start_time")),
        "training_end_time": _text(record.get("training_end_time")),
        "last_modified_time": iso_from_ms(snapshot.last_modified_ms),
        "failure_reason": _text(record.get("failure_reason")),
        "instance_type": _text(resources.get("instance_type")),
        "instance_count": _number(resources.get("instance_count")),
        "billable_time_in_seconds": _number(record.get("billable_time_in_seconds")),
        "training_time_in_seconds": _number(record.get("training_time_in_seconds")),
        "tuning_job_arn": _text(record.get("tuning_job_arn")),
        "managed_spot": record.get("enable_managed_spot_training") is True or None,
    }


def _text(value: object) -> str | None:
    """A summary string: SageMaker caps its strings far below this; the record keeps all."""
    return value[:SUMMARY_TEXT_LIMIT] if isinstance(value, str) and value else None


def _number(value: object) -> int | float | None:
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None
