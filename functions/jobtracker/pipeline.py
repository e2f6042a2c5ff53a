"""The one write path: an EventBridge event body in, a stored (or stale) snapshot out.

The ingest function, the reconciler and the local stack all store through `Pipeline`;
jobtracker.composition builds the configured one for the functions.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple, Protocol

from jobtracker.errors import MalformedEvent
from jobtracker.names import EVENT_DETAIL_TYPE, EVENT_SOURCE
from jobtracker.outcomes import StoreOutcome
from jobtracker.record import JobSnapshot, normalise_training_job
from jobtracker.redaction import REDACT, Redaction
from jobtracker.store.models import Models
from jobtracker.store.reads import PendingJob


class StateChange(NamedTuple):
    event_id: str | None
    snapshot: JobSnapshot


def parse_state_change(body: str | Mapping[str, Any], redaction: Redaction = REDACT) -> StateChange:
    """Parse an EventBridge event (as SQS delivers it: a JSON string) into a snapshot."""
    event = _json_object(body)
    source, detail_type = event.get("source"), event.get("detail-type")
    if source != EVENT_SOURCE or detail_type != EVENT_DETAIL_TYPE:
        raise MalformedEvent(
            f"not a training job state change (source={str(source)[:40]!r}, "
            f"detail-type={str(detail_type)[:60]!r})"
        )
    if "detail" not in event:
        raise MalformedEvent("event has no detail")
    event_id = event.get("id")
    # The envelope says where the job lives: a member account's event forwarded to this
    # bus keeps its own account and region.
    return StateChange(
        event_id=event_id if isinstance(event_id, str) else None,
        snapshot=normalise_training_job(
            event["detail"], (event.get("account"), event.get("region")), redaction=redaction
        ),
    )


# The pipeline's three collaborators are protocols, each met in production by the class
# its docstring names, so that a test may put a fake of its own in any one's place.


class JobWriter(Protocol):
    """Writes a job's snapshots (store.repository.JobRepository).

    The reconciler reads the same table through `models` and gives up on an enrichment
    SageMaker cannot complete with `abandon_enrichment`.
    """

    models: Models

    def store_snapshot(self, snapshot: JobSnapshot) -> StoreOutcome: ...

    def store_described(
        self, snapshot: JobSnapshot, describe: Callable[[JobSnapshot], JobSnapshot]
    ) -> tuple[StoreOutcome, JobSnapshot]: ...

    def abandon_enrichment(self, pending: PendingJob) -> bool: ...


class Enricher(Protocol):
    """Completes a terminal snapshot (DescribeTrainingJob); never raises
    (enrich.SageMakerEnricher)."""

    def enrich(self, snapshot: JobSnapshot) -> JobSnapshot: ...


class Alerter(Protocol):
    """Publishes the alerts a stored outcome calls for, exactly once per (job, kind)
    (alerts.alerter.ExactlyOnceAlerter)."""

    def alert(self, snapshot: JobSnapshot, outcome: StoreOutcome) -> list[str]: ...


class Pricer(Protocol):
    """Puts its cost and spend groups on a snapshot before it is stored
    (pricing.SnapshotPricer)."""

    def price(self, snapshot: JobSnapshot) -> JobSnapshot: ...


class PipelineResult(NamedTuple):
    outcome: StoreOutcome
    snapshot: JobSnapshot
    alerts: list[str]


class Pipeline(NamedTuple):
    """normalise -> (enrich) -> (price) -> store -> (alert): the one path every writer takes."""

    repository: JobWriter
    enricher: Enricher | None = None
    alerter: Alerter | None = None
    pricer: Pricer | None = None

    def handle(self, snapshot: JobSnapshot) -> PipelineResult:
        snapshot = self._priced(snapshot)
        if self.enricher is not None and snapshot.is_terminal:
            enricher = self.enricher
            # Described only if the store takes it: a duplicate costs SageMaker nothing.
            # The description brings the billable time: priced again.
            outcome, snapshot = self.repository.store_described(
                snapshot, lambda event: self._priced(enricher.enrich(event))
            )
        else:
            outcome = self.repository.store_snapshot(snapshot)
        alerts = self.alerter.alert(snapshot, outcome) if self.alerter is not None else []
        return PipelineResult(outcome=outcome, snapshot=snapshot, alerts=alerts)

    def _priced(self, snapshot: JobSnapshot) -> JobSnapshot:
        return snapshot if self.pricer is None else self.pricer.price(snapshot)


def _json_object(body: str | Mapping[str, Any]) -> Mapping[str, Any]:
    if isinstance(body, Mapping):
        return body
    try:
        event = json.loads(body)
    except (TypeError, ValueError) as error:
        raise MalformedEvent(f"body is not JSON: {str(error)[:80]}") from None
    except RecursionError:
        raise MalformedEvent("body is nested too deeply to parse") from None
    if not isinstance(event, dict):
        raise MalformedEvent(f"body is JSON {type(event).__name__}, not an event object")
    return event
