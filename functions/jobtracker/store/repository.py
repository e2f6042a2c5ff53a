"""The repository: the only code that knows how jobs are laid out in DynamoDB.

Writing a snapshot takes at most two requests and never reads first:

1. UpdateItem on the job item, conditional on the snapshot's order key being higher
   than the stored one (or equal but not yet applied: the retry of a half-done write).
   It returns the old item, which carries what the history and the daily counters
   currently reflect (`applied_*`).
2. One transaction that puts the snapshot's transition items, moves the day's counters
   (the account's and all accounts') from the old contribution to the new, and records
   the new one as applied, on the condition that the job still holds this snapshot and
   nobody applied in between.

A stale or duplicate snapshot stops at step 1 with ConditionalCheckFailed.

A terminal event that DescribeTrainingJob is to complete (`store_described`) is written
at step 1 as it came, marked pending, and described only once step 1 has taken it: a
duplicate or older terminal event stops there without calling SageMaker (a terminal
status never goes back, so a failed condition means the stored job is terminal and at
least as new). Its description rides on step 2, still two requests in all.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from typing import Any

from pynamodb.connection import Connection
from pynamodb.exceptions import DoesNotExist, TransactWriteError, UpdateError
from pynamodb.transactions import TransactWrite

from jobtracker.aggregates import Contribution, counter_deltas, group_deltas, split_group
from jobtracker.config import TableConfig
from jobtracker.errors import MalformedEvent
from jobtracker.numbers import fits_dynamodb
from jobtracker.outcomes import StoreOutcome
from jobtracker.record import JobIdentity, JobSnapshot, Transition
from jobtracker.store.keys import (
    JOB_SK,
    compress_record,
    created_sk,
    group_day_sk,
    in_flight_fields,
    job_pk,
    name_shard,
    name_sk,
    pack_summary,
    stats_day_sk,
    stats_group_pk,
    stats_pk,
    summary_no_longer_pending,
    transition_sk,
)
from jobtracker.store.models import SUMMARY_ONLY, Models, define_models, pending_enrichment
from jobtracker.store.reads import PendingJob
from jobtracker.store.retry import linear_jitter, with_retries
from jobtracker.timestamps import iso_from_ms

# DynamoDB's item limit is 400 KB; leave room for the summary attributes.
MAX_RECORD_BYTES = 350_000
SUMMARY_TEXT_LIMIT = 2048
# A transaction holds at most 100 items: the job, the day's two counters (the account's
# and all accounts'), the spend groups' counters that move, and the transitions.
_TRANSACTION_ITEMS = 100
_TRANSITIONS_PER_TRANSACTION = 97
# Step 2 meeting another writer's transaction on the same items: tried 4 times in all.
_CONFLICT_ATTEMPTS = 4
_CONFLICT_BACKOFF = linear_jitter(0.01, 0.05)


class JobRepository:
    """The write path of jobs: their items, transitions and day counters.

    Reading is store.reads.JobReads's, over the same `models`.
    """

    def __init__(self, config: TableConfig, models: Models | None = None) -> None:
        self.models = models or define_models(config.table_name, config.region, config.endpoint_url)
        self.config = config
        self._connection = Connection(region=config.region, host=config.endpoint_url)

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

    def store_described(
        self, snapshot: JobSnapshot, describe: Callable[[JobSnapshot], JobSnapshot]
    ) -> tuple[StoreOutcome, JobSnapshot]:
        """Store a terminal snapshot, completed by `describe` only if it is news.

        Returns the outcome and what was stored: the described snapshot, or the event's
        own when it was stale (then `describe` was not called).
        """
        written = snapshot._replace(enrichment_pending=True)
        try:
            old = self._put_job(written)
        except UpdateError as error:
            if error.cause_response_code == "ConditionalCheckFailedException":
                return StoreOutcome.STALE, snapshot
            raise
        described = describe(snapshot)
        self._apply(described, old, written=written)
        return StoreOutcome.STORED, described

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
        # PynamoDB's public Model.update always asks for ALL_NEW, and this step needs the
        # item as it was (ALL_OLD): step 1 overwrites managed_spot, which the applied
        # contribution counted under. The public low-level Connection.update_item would
        # need the table's MetaTable, which PynamoDB 6.1 builds only in this same private
        # _get_connection (MetaTable is not exported by pynamodb.connection): copying the
        # key schema to avoid the call would make a second place that knows it.
        response = job._get_connection().update_item(
            job_pk(snapshot.identity),
            JOB_SK,
            actions=_attribute_actions(job, snapshot),
            condition=condition,
            return_values="ALL_OLD",
        )
        attributes = response.get("Attributes")
        return job.from_raw_data(attributes) if attributes else None

    def _apply(
        self, snapshot: JobSnapshot, old: Any | None, written: JobSnapshot | None = None
    ) -> None:
        """Bring transitions and counters to this snapshot (step 2 of the write).

        `written` is what step 1 stored, when it is not `snapshot` itself (a terminal
        event before its description): step 2 then also replaces the job's attributes.
        """
        before = _applied_contribution(old)
        after = Contribution.of(snapshot)
        transitions = unwritten_transitions(
            snapshot.transitions, old.applied_history if old is not None else None
        )
        room = min(
            _TRANSITIONS_PER_TRANSACTION, _TRANSACTION_ITEMS - 3 - len(group_deltas(before, after))
        )
        in_transaction = transitions[:room]
        # The batch write of an overflow is not part of the transaction: a history that
        # needs one is left unmarked, so that the next snapshot writes it whole again.
        fits = len(transitions) <= room
        history = history_mark(snapshot.transitions) if fits else None
        try:
            with_retries(
                lambda: self._apply_transaction(
                    snapshot, written or snapshot, old, before, after, in_transaction, history
                ),
                attempts=_CONFLICT_ATTEMPTS,
                failure=TransactWriteError,
                retryable=_only_conflicted,
                backoff=_CONFLICT_BACKOFF,
            )
        except TransactWriteError as error:
            if "ConditionalCheckFailed" in _cancellation_codes(error):
                # A newer snapshot took the job meanwhile; its writer applies it.
                return
            raise
        overflow = transitions[room:]
        if overflow:
            with self.models.transition.batch_write() as batch:
                for transition in overflow:
                    batch.save(self._transition_item(snapshot.identity, transition))

    def _apply_transaction(
        self,
        snapshot: JobSnapshot,
        written: JobSnapshot,
        old: Any | None,
        before: Contribution | None,
        after: Contribution,
        transitions: list[Transition],
        history: str | None,
    ) -> None:
        job = self.models.job
        stats = self.models.daily_stats
        previous_key = old.applied_key if old is not None else None
        applied_unchanged = (
            job.applied_key.does_not_exist()
            if previous_key is None
            else job.applied_key == previous_key
        )
        replaced = [] if written == snapshot else _attribute_actions(job, snapshot)
        with TransactWrite(connection=self._connection) as transaction:
            transaction.update(
                job(job_pk(snapshot.identity), JOB_SK),
                actions=[
                    *replaced,
                    *(
                        getattr(job, name).set(value)
                        for name, value in applied_attributes(snapshot.order_key, after).items()
                    ),
                    job.applied_history.set(history) if history else job.applied_history.remove(),
                    *_applied_spend(job, after),
                ],
                condition=(job.order_key == written.order_key) & applied_unchanged,
            )
            deltas = counter_deltas(before, after)
            if deltas:
                for partition, day in day_counter_keys(snapshot):
                    transaction.update(
                        stats(partition, day),
                        actions=[getattr(stats, name).add(value) for name, value in deltas.items()],
                    )
            day_of_creation = iso_from_ms(snapshot.creation_ms)[:10]
            for group, counters in group_deltas(before, after).items():
                dimension, value = split_group(group)
                transaction.update(
                    stats(stats_group_pk(dimension), group_day_sk(day_of_creation, value)),
                    actions=[getattr(stats, name).add(delta) for name, delta in counters.items()],
                )
            for transition in transitions:
                transaction.save(self._transition_item(snapshot.identity, transition))

    def _transition_item(self, job: JobIdentity, transition: Transition) -> Any:
        end = None if transition.end_ms is None else iso_from_ms(transition.end_ms)
        return self.models.transition(
            job_pk(job),
            transition_sk(transition),
            status=transition.status,
            start_time=iso_from_ms(transition.start_ms),
            end_time=end,
            status_message=transition.status_message,
        )

    def abandon_enrichment(self, pending: PendingJob) -> bool:
        """Unmark a job SageMaker cannot complete, if it still holds the same snapshot.

        The listings' packed summary says whether a job is pending too, so it is read
        (one GetItem: a rare path) and written back without the mark, in the same
        conditional update.
        """
        job = self.models.job
        try:
            item = job.get(
                job_pk(pending.job),
                JOB_SK,
                consistent_read=True,
                attributes_to_get=["order_key", "summary"],
            )
        except DoesNotExist:
            return False
        if item.order_key != pending.order_key:
            return False
        actions = [job.pending.remove()]
        if item.summary:
            actions.append(job.summary.set(summary_no_longer_pending(item.summary)))
        try:
            job(job_pk(pending.job), JOB_SK).update(
                actions=actions,
                condition=(job.order_key == pending.order_key) & job.pending.exists(),
            )
        except UpdateError as error:
            if error.cause_response_code == "ConditionalCheckFailedException":
                return False
            raise
        return True


def history_mark(transitions: Sequence[Transition]) -> str:
    """What a history holds, in a few bytes: "<count>:<digest of all but the last>:<digest
    of the last>". SageMaker's history only grows, and its last transition gains its end
    when the next one starts, so the next snapshot compares its own against this mark."""
    settled, last = transitions[:-1], transitions[-1:]
    return f"{len(transitions)}:{_digest(settled)}:{_digest(last)}"


def unwritten_transitions(
    transitions: Sequence[Transition], applied: str | None
) -> list[Transition]:
    """The transitions the stored history lacks or holds otherwise, given its mark.

    Rewriting a transition the history holds as it is would cost its write units for
    nothing; anything the mark cannot vouch for (no mark, a shorter or different history)
    is written again, as every transition item's key makes rewriting it harmless.
    """
    parts = (applied or "").split(":")
    if len(parts) != 3 or not parts[0].isdigit():
        return list(transitions)
    held, settled, last = int(parts[0]), parts[1], parts[2]
    if not 0 < held <= len(transitions) or _digest(transitions[: held - 1]) != settled:
        return list(transitions)
    start = held if _digest(transitions[held - 1 : held]) == last else held - 1
    return list(transitions[start:])


def _digest(transitions: Sequence[Transition]) -> str:
    text = json.dumps([t.as_dict() for t in transitions], separators=(",", ":"))
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


def _cancellation_codes(error: TransactWriteError) -> list[str]:
    return [reason.code for reason in error.cancellation_reasons or [] if reason]


def _only_conflicted(error: TransactWriteError) -> bool:
    """Cancelled for meeting another transaction, not because the job moved on."""
    codes = _cancellation_codes(error)
    return "TransactionConflict" in codes and "ConditionalCheckFailed" not in codes


def _attribute_actions(job: Any, snapshot: JobSnapshot) -> list[Any]:
    return [
        getattr(job, name).set(value) if value is not None else getattr(job, name).remove()
        for name, value in stored_attributes(snapshot).items()
    ]


def _applied_contribution(old: Any | None) -> Contribution | None:
    if old is None or old.applied_key is None:
        return None
    return Contribution(
        status=old.applied_status,
        billable_seconds=int(old.applied_billable or 0),
        training_seconds=int(old.applied_training or 0),
        managed_spot=bool(old.managed_spot),
        cost_micros=int(old.applied_cost or 0),
        unpriced=bool(old.applied_unpriced),
        groups=tuple(old.applied_groups or ()),
    )


def _applied_spend(job: Any, after: Contribution) -> list[Any]:
    """The applied marks of the job's spend; absent when zero or empty, so an unpriced
    deployment's items carry none of them."""
    marks = [
        (job.applied_cost, after.cost_micros or None),
        (job.applied_unpriced, after.unpriced or None),
        (job.applied_groups, list(after.groups) or None),
    ]
    return [
        attribute.set(value) if value is not None else attribute.remove()
        for attribute, value in marks
    ]


def applied_attributes(order_key: str, contribution: Contribution) -> dict[str, Any]:
    """What the job item says its history and day counters reflect (step 2 sets it)."""
    return {
        "applied_key": order_key,
        "applied_status": contribution.status,
        "applied_billable": contribution.billable_seconds,
        "applied_training": contribution.training_seconds,
    }


def day_counter_keys(snapshot: JobSnapshot) -> tuple[tuple[str, str], ...]:
    """The day-counter items a job's contribution is counted in: its account's day and all
    accounts' day of its creation, so that /stats reads one item per day either way."""
    day = stats_day_sk(iso_from_ms(snapshot.creation_ms)[:10])
    return tuple((partition, day) for partition in (stats_pk(snapshot.account), stats_pk(None)))


def job_attributes(snapshot: JobSnapshot) -> dict[str, Any]:
    """The job item's attributes; None means absent (REMOVEd from an older snapshot).

    What the item stores of them is `stored_attributes`'. The summary copies are typed
    defensively: the record blob keeps whatever came in, but an index key must be a
    non-empty string and a counter a number.
    """
    record = snapshot.record
    identity = snapshot.identity
    place = f"{identity.account}#{identity.region}"
    resources = record.get("resource_config")
    resources = resources if isinstance(resources, dict) else {}
    creation = iso_from_ms(snapshot.creation_ms)
    blob = compress_record(record)
    if len(blob) > MAX_RECORD_BYTES:
        raise MalformedEvent(
            f"record of {snapshot.name} compresses to {len(blob)} bytes, over the item limit"
        )
    attributes = {
        "order_key": snapshot.order_key,
        "record": blob,
        "job_name": snapshot.name,
        "account": identity.account,
        "region": identity.region,
        "job_arn": _text(record.get("training_job_arn")),
        "status": snapshot.status,
        "secondary_status": _text(snapshot.secondary_status),
        "creation_time": creation,
        "creation_month": creation[:7],
        "created_sk": created_sk(creation, identity),
        "name_shard": name_shard(snapshot.name),
        "name_sk": name_sk(identity),
        "account_status": f"{identity.account}#{snapshot.status}",
        "place": place,
        "place_status": f"{place}#{snapshot.status}",
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
        "cost": (
            None
            if snapshot.cost is None
            else json.dumps(snapshot.cost.fields(), separators=(",", ":"))
        ),
        # Rides on the job's own write: stored with the snapshot, removed by the next one.
        "pending": (
            pending_enrichment(identity.account, identity.region)
            if snapshot.enrichment_pending
            else None
        ),
    }
    attributes["summary"] = pack_summary(attributes, in_flight_fields(snapshot))
    return attributes


def stored_attributes(snapshot: JobSnapshot) -> dict[str, Any]:
    """What the job item stores: `job_attributes`, less what only the summary shows.

    Those are None, so that a write REMOVEs them from an item stored before they moved
    into the summary alone.
    """
    return {
        name: None if name in SUMMARY_ONLY else value
        for name, value in job_attributes(snapshot).items()
    }


def _text(value: object) -> str | None:
    """A summary string: SageMaker caps its strings far below this; the record keeps all.

    Cut in UTF-8 bytes, not characters: an index key (`tuning_job_arn`) may hold at most
    2,048 bytes, and 2,048 astral characters are four times that.
    """
    if not isinstance(value, str) or not value:
        return None
    return value.encode()[:SUMMARY_TEXT_LIMIT].decode(errors="ignore") or None


def _number(value: object) -> int | float | None:
    """A summary number, if DynamoDB can hold it (38 digits, 1E-130 to below 1E126, finite):
    one it would refuse would fail the whole write, and the event with it."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return value if fits_dynamodb(value) else None
