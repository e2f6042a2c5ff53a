"""Enrichment: a terminal event completed with DescribeTrainingJob.

Events leave out what matters once a job has ended (billable and training seconds,
final metrics, model artifacts, debug rule statuses); DescribeTrainingJob has them.
One call per terminal snapshot, never for any other. When it fails, the event's own
snapshot is stored, marked `enrichment_pending`, and the reconciler finishes it.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from jobtracker.errors import MalformedEvent
from jobtracker.observability import logger
from jobtracker.record import JobSnapshot
from jobtracker.redaction import REDACT, Redaction
from jobtracker.sagemaker import JobNotFound, SageMakerClients, SageMakerError, describe_job

# After SageMaker failed to answer in an account and region, the next events of the batch
# there do not wait on it: a batch of terminal events times out nowhere near the
# function's timeout. Other accounts and regions are still asked.
PAUSE_AFTER_FAILURE_SECONDS = 60.0


def newest_of(event: JobSnapshot, described: JobSnapshot) -> JobSnapshot:
    """What to store from an event and its description, by the ordering rule.

    The description wins at an equal or higher order key (it has more attributes at the
    same version). An older description that is terminal is SageMaker's final word:
    the event's snapshot is as complete as the job will get. An older one that is not
    terminal is a read that lags the event: the reconciler asks again.
    """
    if described.order_key >= event.order_key:
        return described
    if described.is_terminal:
        return event
    return pending(event)


def pending(snapshot: JobSnapshot) -> JobSnapshot:
    return snapshot._replace(enrichment_pending=True)


class SageMakerEnricher:
    """The Pipeline's Enricher: DescribeTrainingJob on terminal snapshots; never raises.

    `connect(account, region)` gives the client of the job's own account and region (a
    foreign job is never described in the tracker's account), called on the first
    terminal snapshot: most events are not terminal, and loading SageMaker's service
    model costs as much as importing boto3, which a cold start should not pay for nothing.
    """

    def __init__(
        self,
        connect: SageMakerClients,
        pause_after_failure: float = PAUSE_AFTER_FAILURE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        redaction: Redaction = REDACT,
    ) -> None:
        self._connect = connect
        # The event's own redaction: the two snapshots are compared by their order keys.
        self._redaction = redaction
        self._pause_after_failure = pause_after_failure
        self._clock = clock
        self._paused_until: dict[tuple[str, str], float] = {}

    def enrich(self, snapshot: JobSnapshot) -> JobSnapshot:
        if not snapshot.is_terminal:
            return snapshot
        place = (snapshot.account, snapshot.region)
        if self._clock() < self._paused_until.get(place, float("-inf")):
            return self._failed(snapshot, "SageMaker failed moments ago; not asked")
        try:
            client = self._connect(*place)
            described = describe_job(client, snapshot.identity, _tags(snapshot), self._redaction)
        except JobNotFound as error:
            return self._failed(snapshot, f"not found: {error}")
        except SageMakerError as error:
            self._paused_until[place] = self._clock() + self._pause_after_failure
            return self._failed(snapshot, str(error))
        except MalformedEvent as error:
            return self._failed(snapshot, f"description cannot be stored: {error}")
        except Exception as error:
            # Enrichment is a bonus on a record that must be stored and alerted anyway.
            logger.exception("enrichment error", extra=_log_keys(snapshot))
            return self._failed(snapshot, f"{type(error).__name__}")
        return newest_of(snapshot, described)

    def _failed(self, snapshot: JobSnapshot, reason: str) -> JobSnapshot:
        logger.warning(
            "enrichment pending",
            extra={**_log_keys(snapshot), "reason": reason[:300]},
        )
        return pending(snapshot)


def _log_keys(snapshot: JobSnapshot) -> dict[str, str]:
    return {
        "training_job_name": snapshot.name,
        "account": snapshot.account,
        "region": snapshot.region,
    }


def _tags(snapshot: JobSnapshot) -> list[dict[str, str]]:
    """The event's tags, which DescribeTrainingJob leaves out (no ListTags: one call)."""
    tags = snapshot.record.get("tags")
    return tags if isinstance(tags, list) else []
