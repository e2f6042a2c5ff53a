"""The Alerter of the pipeline: one alert per (job, kind), whatever the delivery.

For a snapshot whose own state is of a configured kind (any other costs nothing):

1. claim (one conditional transaction: the stored job is of this kind, and nobody
   claimed it, or a claimer died holding it): refused -> nothing to do, or, if another
   holder is publishing right now, AlertInFlight so that the record comes back later;
2. publish; on failure release the claim and raise AlertPublishFailed, so the record
   fails and its redelivery (a STALE store, the same claim) publishes;
3. mark the claim sent.

A snapshot that reports a spot interruption (its secondary status is `Interrupted`)
alerts `SpotInterrupted` once per interruption: the claim is per episode, the episode is
the interruption's start, and its number comes from the snapshot's own history, so
duplicates and late copies find it sent (jobtracker.spot).

The claim reads the stored outcome, so a STORED and a STALE outcome take the same path:
a stale or duplicate event of the job's kind finds the claim sent; an event of another
kind than the stored job's does not alert.

What the alert says comes from the stored job. After a STORED outcome that is the
snapshot in hand. After a STALE one that won a claim (the redelivery of an event whose
publish failed, or a takeover after a holder died) the event is older or poorer than
what is stored: a terminal event is described only when the store takes it, so the
billable time, metrics and artifacts are in the stored record, read once (GetItem) for
this rare case.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

from jobtracker.alert_kinds import DEFAULT_KINDS, AlertKind, kind_of
from jobtracker.outcomes import StoreOutcome
from jobtracker.record import JobIdentity, JobSnapshot
from jobtracker.spot import reported_interruption
from jobtracker.store.alert_claims import Claim, ClaimOutcome, StillIn
from jobtracker.timestamps import to_epoch_ms

if TYPE_CHECKING:
    from jobtracker.alerts.message import AlertMessage

# The stored record of a job, as the write path normalised it; None if none is stored.
StoredRecord = Callable[[JobIdentity], dict[str, Any] | None]

# Longer than a publish can take with the client's timeouts and retries, so that a live
# holder is never overtaken; short enough that SQS's next delivery finds it expired.
LEASE_MS = 60_000


class AlertPublishFailed(RuntimeError):
    """The alert could not be published; its claim was released for the retry."""


class AlertInFlight(RuntimeError):
    """Another invocation holds this alert's claim and is publishing it; retry later."""


class AlertClaims(Protocol):
    def claim(
        self, job: JobIdentity, kind: AlertKind, order_key: str, now_ms: int, lease_ms: int
    ) -> Claim: ...

    def mark_sent(self, claim: Claim, message_id: str, now_ms: int) -> bool: ...

    def release(self, claim: Claim) -> bool: ...


class EpisodeClaims(AlertClaims, Protocol):
    """Claims per episode besides per (job, kind): store/alert_claims.py."""

    def claim_episode(
        self,
        identity: JobIdentity,
        kind: AlertKind,
        episode: str,
        order_key: str,
        now_ms: int,
        lease_ms: int,
        still_in: StillIn | None = None,
    ) -> Claim: ...


class AlertPublisher(Protocol):
    def publish(self, message: AlertMessage) -> str:
        """Publish; return the message id, or raise AlertPublishFailed."""
        ...


class ExactlyOnceAlerter(NamedTuple):
    """The pipeline's Alerter.

    `not_before_ms`: jobs that ended before this instant (epoch ms) never alert, and cost
    no request; the reconciler sets it from its lookback so a backfill stays quiet:
    `alerter._replace(not_before_ms=now_ms - lookback_ms)`.
    """

    claims: EpisodeClaims
    publisher: AlertPublisher
    kinds: frozenset[AlertKind] = frozenset(DEFAULT_KINDS)
    region: str | None = None
    not_before_ms: int | None = None
    clock: Callable[[], float] = time.time
    # Without it, a STALE outcome's alert is built from the event itself.
    stored_record: StoredRecord | None = None

    def alertable_kind(self, snapshot: JobSnapshot) -> AlertKind | None:
        """The kind this snapshot may alert as, before any request."""
        kind = kind_of(snapshot.status, snapshot.secondary_status)
        if kind is None or kind not in self.kinds:
            return None
        if self.not_before_ms is not None and ended_ms(snapshot) < self.not_before_ms:
            return None
        return kind

    def alert(self, snapshot: JobSnapshot, outcome: StoreOutcome) -> list[str]:
        """Publish this snapshot's alerts that are due; return the kinds published.

        `outcome` does not change the path (the claim itself checks the stored job), only
        where the message's facts come from (see the module's docstring).
        """
        return self._alert_outcome(snapshot, outcome) + self._alert_interruption(snapshot)

    def _alert_outcome(self, snapshot: JobSnapshot, outcome: StoreOutcome) -> list[str]:
        kind = self.alertable_kind(snapshot)
        if kind is None:
            return []
        claim = self.claims.claim(
            snapshot.identity, kind, snapshot.order_key, self._now_ms(), LEASE_MS
        )
        if claim.outcome is ClaimOutcome.IN_FLIGHT:
            raise AlertInFlight(f"{kind.value} alert of {snapshot.identity} is being published")
        if claim.outcome is not ClaimOutcome.CLAIMED:
            return []
        # Imported on the first alert, not at every cold start: most functions' lives
        # publish none, and the message's formatting is most of the alerts package.
        from jobtracker.alerts.message import build_alert

        try:
            stored = snapshot if outcome is StoreOutcome.STORED else self._as_stored(snapshot)
            message_id = self.publisher.publish(build_alert(stored, kind, self.region))
        except Exception:
            # Whatever stopped it (the publish, or reading the stored job), the retry
            # must find the claim free.
            self.claims.release(claim)
            raise
        # False only if this holder outlived its lease and lost the claim: the alert is
        # out either way, and failing the record now would not recall it.
        self.claims.mark_sent(claim, message_id, self._now_ms())
        return [kind.value]

    def _alert_interruption(self, snapshot: JobSnapshot) -> list[str]:
        """SpotInterrupted for the interruption this snapshot reports, once."""
        kind = AlertKind.SPOT_INTERRUPTED
        if kind not in self.kinds:
            return []
        interruption = reported_interruption(
            snapshot.status, snapshot.secondary_status, snapshot.transitions
        )
        if interruption is None:
            return []
        if self.not_before_ms is not None and interruption.start_ms < self.not_before_ms:
            return []
        # No state to hold the job to: the interruption happened, whatever came after.
        claim = self.claims.claim_episode(
            snapshot.identity,
            kind,
            interruption.episode,
            snapshot.order_key,
            self._now_ms(),
            LEASE_MS,
        )
        if claim.outcome is ClaimOutcome.IN_FLIGHT:
            raise AlertInFlight(f"{kind.value} alert of {snapshot.identity} is being published")
        if claim.outcome is not ClaimOutcome.CLAIMED:
            return []
        from jobtracker.alerts.message import AlertContext, build_alert

        context = AlertContext(
            episode=interruption.episode,
            since_ms=interruption.start_ms,
            interruption_number=interruption.number,
            interruption_ordinal=interruption.ordinal,
        )
        try:
            message_id = self.publisher.publish(build_alert(snapshot, kind, self.region, context))
        except Exception:
            self.claims.release(claim)
            raise
        self.claims.mark_sent(claim, message_id, self._now_ms())
        return [kind.value]

    def _as_stored(self, snapshot: JobSnapshot) -> JobSnapshot:
        """The snapshot with the stored job's record: the claim found it of this kind."""
        record = None if self.stored_record is None else self.stored_record(snapshot.identity)
        return snapshot if record is None else snapshot._replace(record=record)

    def _now_ms(self) -> int:
        return int(self.clock() * 1000)


def ended_ms(snapshot: JobSnapshot) -> int:
    """When the job ended: its training end time, or its last change if it has none."""
    end = snapshot.record.get("training_end_time")
    return to_epoch_ms(end) if isinstance(end, str) else snapshot.last_modified_ms
