"""Alert claims: the items that make each (job, kind) alert go out once.

A claim is one TransactWriteItems request that

- checks that the stored job is of the claimed kind (the alert follows the stored
  outcome, whatever order the events came in), and
- puts `PK=JOB#<account>#<region>#<name>, SK=ALERT#<kind>` as `pending`, with a lease,
  if no claim is there yet or the one there is `pending` with an expired lease (its holder died
  between claiming and publishing; taking it over is what makes the alert still go out).

Its holder then publishes and marks the claim `sent` (one UpdateItem), or releases it
(one DeleteItem) if publishing failed, so that the retry publishes.

An alert about a job in flight (stuck, interrupted, near a limit) may come again in a
later episode of the job: its claim is `SK=ALERT#<kind>#<episode>`, one per episode,
checked against the state the job must still be in (`claim_episode`).
"""

from __future__ import annotations

import uuid
from enum import Enum
from typing import NamedTuple

from pynamodb.connection import Connection
from pynamodb.exceptions import DeleteError, TransactWriteError, UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.transactions import TransactWrite

from jobtracker.alert_kinds import AlertKind
from jobtracker.config import TableConfig
from jobtracker.record import JobIdentity
from jobtracker.store.keys import JOB_SK, job_pk
from jobtracker.store.models import Models
from jobtracker.store.retry import doubling_jitter, linear_jitter, with_retries
from jobtracker.timestamps import iso_from_ms

ALERT_PREFIX = "ALERT#"
PENDING = "pending"
SENT = "sent"
# A claim meeting another writer's transaction on the job item (the store's second step,
# or another claim): tried 3 times in all, then the record fails and SQS brings it back.
_CONFLICT_ATTEMPTS = 3
_CONFLICT_BACKOFF = linear_jitter(0.01, 0.05)
# Marking sent: up to about 3 s of sleeps in all, well within the claim's lease.
_MARK_ATTEMPTS = 5
_MARK_BACKOFF = doubling_jitter(0.05, 0.1)


class ClaimOutcome(Enum):
    CLAIMED = "claimed"
    ALREADY_SENT = "already sent"
    IN_FLIGHT = "in flight"  # another holder's lease is still running
    NOT_STORED_OUTCOME = "not the stored outcome"  # the job is stored with another kind


class Claim(NamedTuple):
    outcome: ClaimOutcome
    job: JobIdentity
    kind: AlertKind
    token: str
    # The episode of a claim per episode (claim_episode); None for one per job and kind.
    episode: str | None = None


def alert_sk(kind: AlertKind, episode: str | None = None) -> str:
    """`ALERT#<kind>`, or `ALERT#<kind>#<episode>` for a claim per episode."""
    base = f"{ALERT_PREFIX}{kind.value}"
    return base if episode is None else f"{base}#{episode}"


class StillIn(NamedTuple):
    """The state a job must still be stored in for an episode's alert to go out: its
    status and, if not None, its secondary status."""

    status: str
    secondary_status: str | None = None


class AlertClaimRepository:
    def __init__(self, config: TableConfig, models: Models) -> None:
        self.models = models
        self._connection = Connection(region=config.region, host=config.endpoint_url)

    def claim(
        self, identity: JobIdentity, kind: AlertKind, order_key: str, now_ms: int, lease_ms: int
    ) -> Claim:
        return self._claim(identity, kind, None, order_key, now_ms, lease_ms, self._stored_as(kind))

    def claim_episode(
        self,
        identity: JobIdentity,
        kind: AlertKind,
        episode: str,
        order_key: str,
        now_ms: int,
        lease_ms: int,
        still_in: StillIn | None = None,
    ) -> Claim:
        """Claim the alert of one episode: refused (NOT_STORED_OUTCOME) if the job is not
        stored, or no longer in `still_in` (it moved on since it was looked at)."""
        job = self.models.job
        condition: Condition = job.pk.exists()
        if still_in is not None:
            condition = condition & (job.status == still_in.status)
            if still_in.secondary_status is not None:
                condition = condition & (job.secondary_status == still_in.secondary_status)
        return self._claim(identity, kind, episode, order_key, now_ms, lease_ms, condition)

    def _claim(
        self,
        identity: JobIdentity,
        kind: AlertKind,
        episode: str | None,
        order_key: str,
        now_ms: int,
        lease_ms: int,
        job_condition: Condition,
    ) -> Claim:
        job, claim = self.models.job, self.models.alert_claim
        token = uuid.uuid4().hex
        item = claim(
            job_pk(identity),
            alert_sk(kind, episode),
            alert_kind=kind.value,
            state=PENDING,
            claim_token=token,
            lease_until_ms=now_ms + lease_ms,
            claimed_at=iso_from_ms(now_ms),
            order_key=order_key,
        )
        free = claim.pk.does_not_exist() | (
            (claim.state == PENDING) & (claim.lease_until_ms < now_ms)
        )

        def put_claim() -> None:
            with TransactWrite(connection=self._connection) as transaction:
                transaction.condition_check(job, job_pk(identity), JOB_SK, condition=job_condition)
                transaction.save(item, condition=free, return_values="ALL_OLD")

        try:
            with_retries(
                put_claim,
                attempts=_CONFLICT_ATTEMPTS,
                failure=TransactWriteError,
                retryable=_only_conflicted,
                backoff=_CONFLICT_BACKOFF,
            )
        except TransactWriteError as error:
            outcome = _refusal(error)
            if outcome is None:
                raise
            return Claim(outcome, identity, kind, token, episode)
        return Claim(ClaimOutcome.CLAIMED, identity, kind, token, episode)

    def mark_sent(self, claim: Claim, message_id: str, now_ms: int) -> bool:
        """Make the claim permanent; False if it is no longer this holder's.

        The alert is out already: a claim left pending would be taken over once its lease
        runs out, by any later copy of the event, and the alert published again. So a
        throttled or failed mark is tried again here, beyond the SDK's own retries (whose
        quota a long outage empties), and only a lost claim gives up at once.
        """
        item = self.models.alert_claim(job_pk(claim.job), alert_sk(claim.kind, claim.episode))
        model = self.models.alert_claim
        try:
            with_retries(
                lambda: item.update(
                    actions=[
                        model.state.set(SENT),
                        model.sent_at.set(iso_from_ms(now_ms)),
                        model.message_id.set(message_id),
                    ],
                    condition=model.claim_token == claim.token,
                ),
                attempts=_MARK_ATTEMPTS,
                failure=UpdateError,
                retryable=_still_held,
                backoff=_MARK_BACKOFF,
            )
        except UpdateError:
            return False
        return True

    def release(self, claim: Claim) -> bool:
        """Give a pending claim up so that a retry can publish; False if that failed.

        A claim that could not be released is freed by its lease running out.
        """
        model = self.models.alert_claim
        item = model(job_pk(claim.job), alert_sk(claim.kind, claim.episode))
        try:
            item.delete(condition=(model.claim_token == claim.token) & (model.state == PENDING))
        except DeleteError:
            return False
        return True

    def _stored_as(self, kind: AlertKind) -> Condition:
        job = self.models.job
        rule = kind.rule
        condition: Condition = job.status == rule.status
        if rule.secondary_statuses:
            accepted = [
                job.secondary_status.does_not_exist()
                if secondary is None
                else job.secondary_status == secondary
                for secondary in sorted(rule.secondary_statuses, key=str)
            ]
            either = accepted[0]
            for other in accepted[1:]:
                either = either | other
            condition = condition & either
        return condition


def _only_conflicted(error: TransactWriteError) -> bool:
    """Cancelled for meeting another transaction, not refused: worth another attempt."""
    conflicted = any(
        reason and reason.code == "TransactionConflict"
        for reason in error.cancellation_reasons or []
    )
    return conflicted and _refusal(error) is None


def _still_held(error: UpdateError) -> bool:
    """The mark failed for another reason than the claim having been taken over."""
    return error.cause_response_code != "ConditionalCheckFailedException"


def _refusal(error: TransactWriteError) -> ClaimOutcome | None:
    """Why the claim was refused, or None if it failed for another reason (retry)."""
    reasons = error.cancellation_reasons or []
    codes = [reason.code if reason else None for reason in reasons]
    if len(codes) != 2 or "ConditionalCheckFailed" not in codes:
        return None
    if codes[0] == "ConditionalCheckFailed":
        return ClaimOutcome.NOT_STORED_OUTCOME
    held = reasons[1].raw_item if reasons[1] else None
    state = (held or {}).get("state", {}).get("S")
    return ClaimOutcome.IN_FLIGHT if state == PENDING else ClaimOutcome.ALREADY_SENT
