"""Enrichment: a terminal event completed with DescribeTrainingJob.

Events leave out what matters once a job has ended (billable and training seconds,
final metrics, model artifacts, debug rule statuses); DescribeTrainingJob has them.
One call per terminal snapshot, never for any other. When it fails, the event's own
snapshot is stored, marked `enrichment_pending`, and the reconciler finishes it.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from typing import Any

from jobtracker.errors import MalformedEvent
from jobtracker.observability import logger
from jobtracker.record import JobSnapshot
from jobtracker.redaction import REDACT, Redaction
from jobtracker.sagemaker import JobNotFound, SageMakerError, describe_job

# After SageMaker failed to answer, the next events of the batch do not wait on it:
# a batch of terminal events times out nowhere near the function's timeout.
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
    return dataclasses.replace(snapshot, enrichment_pending=True)


class SageMakerEnricher:
    """The Pipeline's Enricher: DescribeTrainingJob on terminal snapshots; never raises.

    `connect` builds the SageMaker client on the first terminal snapshot: most events
    are not terminal, and loading SageMaker's service model costs as much as importing
    boto3, which a cold start should not pay for nothing.
    """

    def __init__(
        self,
        connect: Callable[[], Any],
        pause_after_failure: float = PAUSE_AFTER_FAILURE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        redaction: Redaction = REDACT,
    ) -> None:
        self._connect = connect
        # The event's own redaction: the two snapshots are compared by their order keys.
        self._redaction = redaction
        self._client: Any = None
        self._pause_after_failure = pause_after_failure
        self._clock = clock
        self._paused_until = float("-inf")

    def enrich(self, snapshot: JobSnapshot) -> JobSnapshot:
        if not snapshot.is_terminal:
            return snapshot
        if self._clock() < self._paused_until:
            return self._failed(snapshot, "SageMaker failed moments ago; not asked")
        try:
            if self._client is None:
                self._client = self._connect()
            described = describe_job(self._client, snapshot.name, _tags(snapshot), self._redaction)
        except JobNotFound as error:
            return self._failed(snapshot, f"not found: {error}")
        except SageMakerError as error:
            self._paused_until = self._clock() + self._pause_after_failure
            return self._failed(snapshot, str(error))
        except MalformedEvent as error:
            return self._failed(snapshot, f"description cannot be stored: {error}")
        except Exception as error:
            # Enrichment is a bonus on a record that must be stored and alerted anyway.
            logger.exception("enrichment error", extra={"training_job_name": snapshot.name})
            return self._failed(snapshot, f"{type(error).__name__}")
        return newest_of(snapshot, described)

    def _failed(self, snapshot: JobSnapshot, reason: str) -> JobSnapshot:
        logger.warning(
            "enrichment pending",
            extra={"training_job_name": snapshot.name, "reason": reason[:300]},
        )
        return pending(snapshot)


def _tags(snapshot: JobSnapshot) -> list[dict[str, str]]:
    """The event's tags, which DescribeTrainingJob leaves out (no ListTags: one call)."""
    tags = snapshot.record.get("tags")
    return tags if isinstance(tags, list) else []
