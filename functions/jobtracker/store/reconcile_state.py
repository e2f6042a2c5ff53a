"""The reconciler's progress: one item per account and region it walks.

`PK=RECONCILE, SK=WATERMARK#<account>#<region>` holds the watermark (every job modified
before it has been reconciled), the window being worked through and how far the listing
got in it, and the jobs to redo. Each save is conditional on the revision the run loaded
or last saved, so two overlapping runs never move a watermark back.
"""

from __future__ import annotations

from typing import NamedTuple

from pynamodb.exceptions import DoesNotExist, PutError

from jobtracker.record import JobIdentity, Place
from jobtracker.store.models import Models

RECONCILE_PK = "RECONCILE"
WATERMARK_SK = "WATERMARK"


def watermark_sk(place: Place) -> str:
    return f"{WATERMARK_SK}#{place.account}#{place.region}"


class ReconcileWindow(NamedTuple):
    """Jobs modified after `since_ms` are being listed, oldest created first.

    `until_ms` becomes the watermark once the window is done; `resume_ms` is the
    creation time the listing got to, None before the first job.
    """

    since_ms: int
    until_ms: int
    resume_ms: int | None = None


class ReconcileState(NamedTuple):
    watermark_ms: int | None = None
    window: ReconcileWindow | None = None
    # Jobs whose store or alert failed in a run: the next run redoes them first.
    retry_jobs: tuple[JobIdentity, ...] = ()
    revision: int = 0


class ReconcileStateRepository:
    def __init__(self, models: Models) -> None:
        self.models = models

    def load(self, place: Place) -> ReconcileState:
        """The reconciler's progress in `place` (each account and region has its own)."""
        state = self.models.reconcile_state
        try:
            item = state.get(RECONCILE_PK, watermark_sk(place), consistent_read=True)
        except DoesNotExist:
            return ReconcileState()
        window = None
        if item.window_since_ms is not None and item.window_until_ms is not None:
            window = ReconcileWindow(
                since_ms=int(item.window_since_ms),
                until_ms=int(item.window_until_ms),
                resume_ms=None if item.window_resume_ms is None else int(item.window_resume_ms),
            )
        return ReconcileState(
            watermark_ms=None if item.watermark_ms is None else int(item.watermark_ms),
            window=window,
            retry_jobs=tuple(JobIdentity.parse(text) for text in item.retry_names or ()),
            revision=int(item.revision),
        )

    def save(self, place: Place, state: ReconcileState) -> ReconcileState | None:
        """Save `state` as the next revision of the one it was made from.

        Returns the saved state, or None if another run saved meanwhile (its progress
        stands; this run's is dropped rather than moving the watermark back).
        """
        model = self.models.reconcile_state
        window = state.window
        item = model(
            RECONCILE_PK,
            watermark_sk(place),
            revision=state.revision + 1,
            watermark_ms=state.watermark_ms,
            window_since_ms=None if window is None else window.since_ms,
            window_until_ms=None if window is None else window.until_ms,
            window_resume_ms=None if window is None else window.resume_ms,
            retry_names=[str(job) for job in state.retry_jobs] or None,
        )
        condition = (
            model.pk.does_not_exist() if state.revision == 0 else model.revision == state.revision
        )
        try:
            item.save(condition=condition)
        except PutError as error:
            if error.cause_response_code == "ConditionalCheckFailedException":
                return None
            raise
        return state._replace(revision=state.revision + 1)
