"""The reconciler: what events missed, read from SageMaker and stored the same way.

Each run first finishes the jobs whose enrichment is pending, then works through a
window of ListTrainingJobs: every job modified after the watermark (minus an overlap
for clocks and lagging lists), oldest created first. A listed job is described only if
it is new or changed compared with the stored job. Progress (the creation time the
listing got to) is saved after every page and whenever the run stops early: near the
function's timeout or when SageMaker throttles or fails. The next run resumes there.
When the window is done, its end becomes the watermark.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

from jobtracker.errors import MalformedEvent
from jobtracker.observability import logger
from jobtracker.outcomes import StoreOutcome
from jobtracker.pipeline import Pipeline
from jobtracker.record import TERMINAL_RANK, JobIdentity, JobSnapshot, Place
from jobtracker.redaction import REDACT, Redaction
from jobtracker.sagemaker import (
    WORST_CALL_MS,
    JobNotFound,
    ListedJob,
    SageMakerClients,
    SageMakerError,
    SageMakerThrottled,
    describe_job,
    list_changed_jobs,
)
from jobtracker.store.reads import JobReads, PendingJob, StoredVersion
from jobtracker.store.reconcile_state import (
    ReconcileState,
    ReconcileStateRepository,
    ReconcileWindow,
)
from jobtracker.timestamps import iso_from_ms, to_epoch_ms

HOUR_MS = 3_600_000
DAY_MS = 24 * HOUR_MS
# Jobs created within this much before the resume point are listed again: creation
# times tie, and a job already stored is skipped without a describe.
RESUME_OVERLAP_MS = 1_000


class ReconcileSettings(NamedTuple):
    backfill_ms: int = 30 * DAY_MS
    alert_lookback_ms: int = DAY_MS
    # Re-list this much before the watermark: clock skew, and ListTrainingJobs lagging
    # behind the jobs' changes. The same span lets a finished job's description settle
    # before the reconciler gives up on completing it.
    overlap_ms: int = 15 * 60_000
    # Stop with this much of the function's time left: one describe at its slowest,
    # the store, and saving the progress fit in it.
    reserve_ms: int = WORST_CALL_MS + 5_000
    page_size: int = 100
    pending_per_run: int = 100
    redaction: Redaction = REDACT


@dataclass
class ReconcileReport:
    listed: int = 0
    described: int = 0
    stored: int = 0
    stale: int = 0
    quiet: int = 0
    healed: int = 0
    abandoned: int = 0
    unstorable: int = 0
    alerts: int = 0
    finished: bool = False
    stopped: str | None = None
    watermark: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


class _Stop(Exception):
    """End the run early, saving its progress; the reason goes in the report."""


class _Conflict(_Stop):
    """Another run saved its progress since this one loaded: this one's is dropped."""


def epoch_ms() -> int:
    return int(time.time() * 1000)


def ended_before(snapshot: JobSnapshot, cutoff_ms: int) -> bool:
    """Whether the job had ended before `cutoff_ms` (its end time, else its last change)."""
    if not snapshot.is_terminal:
        return False
    end = snapshot.record.get("training_end_time")
    try:
        end_ms = to_epoch_ms(end, "training_end_time") if end else snapshot.last_modified_ms
    except MalformedEvent:
        end_ms = snapshot.last_modified_ms
    return end_ms < cutoff_ms


def is_changed(listed: ListedJob, stored: StoredVersion | None) -> bool:
    """Whether a listed job needs describing: unknown, pending, or newer than stored.

    Newer as the order key has it: a terminal status first, then the last change.
    """
    if stored is None or stored.enrichment_pending:
        return True
    return _version(listed.rank, listed.last_modified_ms) > _version(
        stored.rank, stored.last_modified_ms
    )


def _version(rank: int, last_modified_ms: int) -> tuple[bool, int, int]:
    return (rank == TERMINAL_RANK, last_modified_ms, rank)


class Reconciler:
    """One run per scheduled invocation; `remaining_ms` is the Lambda context's clock.

    It reconciles one `place`, an account and region (the tracker's own or a member's;
    jobtracker.reconcile_walk runs one per place), with that place's own watermark,
    window, retries and pending enrichments. `connect(account, region)` gives the
    SageMaker client of the place, at the first run, not at import: loading SageMaker's
    service model costs as much as importing boto3. It writes jobs through `pipeline`
    (and its repository), reads them through `reads`, and keeps its progress in
    `progress`; both default to the pipeline repository's table.
    """

    def __init__(
        self,
        connect: SageMakerClients,
        pipeline: Pipeline,
        place: Place,
        settings: ReconcileSettings | None = None,
        clock: Callable[[], int] = epoch_ms,
        reads: JobReads | None = None,
        progress: ReconcileStateRepository | None = None,
    ) -> None:
        self.connect = connect
        self.place = place
        self.repository = pipeline.repository
        self.reads = reads or JobReads(pipeline.repository.models)
        self.progress = progress or ReconcileStateRepository(pipeline.repository.models)
        # The reconciler has just described the job: enriching would describe it again.
        self._alerting = pipeline._replace(enricher=None)
        # Old news stays quiet: jobs that ended before the lookback store without alerts.
        self._quiet = pipeline._replace(enricher=None, alerter=None)
        self.settings = settings or ReconcileSettings()
        self.clock = clock

    def run(self, remaining_ms: Callable[[], int]) -> ReconcileReport:
        report = ReconcileReport()
        now = self.clock()
        state = self.progress.load(self.place)
        window = state.window or self._new_window(state.watermark_ms, now)
        run = _Run(self, report, remaining_ms, now, state, window)
        try:
            run.retry_failed()
            run.heal_pending()
            run.work_through()
        except _Conflict as stop:
            report.stopped = str(stop)
        except (_Stop, SageMakerError) as stop:
            report.stopped = _reason(stop)
            try:
                run.save_progress()
            except _Conflict as conflict:
                report.stopped += f"; {conflict}"
        watermark = run.saved.watermark_ms
        report.watermark = None if watermark is None else iso_from_ms(watermark)
        return report

    def saved_watermark_ms(self) -> int | None:
        """How far this place has been reconciled (None: never); the walk starts with the
        places most behind."""
        return self.progress.load(self.place).watermark_ms

    def _new_window(self, watermark_ms: int | None, now: int) -> ReconcileWindow:
        if watermark_ms is None:
            return ReconcileWindow(since_ms=now - self.settings.backfill_ms, until_ms=now)
        return ReconcileWindow(since_ms=watermark_ms - self.settings.overlap_ms, until_ms=now)


class _Run:
    def __init__(
        self,
        reconciler: Reconciler,
        report: ReconcileReport,
        remaining_ms: Callable[[], int],
        now: int,
        saved: ReconcileState,
        window: ReconcileWindow,
    ) -> None:
        self.r = reconciler
        self.saved = saved
        self.window = window
        self.retry = set(saved.retry_jobs)
        self.settings = reconciler.settings
        self.report = report
        self.remaining_ms = remaining_ms
        self.now = now
        self.alert_cutoff = now - self.settings.alert_lookback_ms
        # Jobs described by this run already: the listing does not ask again.
        self.described: set[JobIdentity] = set()

    def check_time(self) -> None:
        if self.remaining_ms() < self.settings.reserve_ms:
            raise _Stop("deadline")

    # -- jobs a failed store or alert left to redo -------------------------------------

    def retry_failed(self) -> None:
        for job in sorted(self.retry):
            self.check_time()
            try:
                described = self.describe(job)
            except (JobNotFound, MalformedEvent):
                self.retry.discard(job)
                continue
            self.store(described)
            self.retry.discard(job)

    # -- pending enrichments ----------------------------------------------------------

    def heal_pending(self) -> None:
        pending_jobs = self.r.reads.pending_enrichments(self.r.place, self.settings.pending_per_run)
        for pending in pending_jobs:
            if pending.job in self.described:
                continue
            self.check_time()
            self.heal(pending)

    def heal(self, pending: PendingJob) -> None:
        settled = self.now - pending.last_modified_ms > self.settings.overlap_ms
        try:
            described = self.describe(pending.job)
        except JobNotFound:
            if settled:
                self.abandon(pending, "SageMaker has no such job")
            return
        except MalformedEvent as error:
            self.abandon(pending, f"description cannot be stored: {error}")
            return
        outcome = self.store(described)
        if outcome is StoreOutcome.STORED:
            self.report.healed += 1
        elif described.is_terminal and settled:
            # SageMaker's final word is older than the stored snapshot: nothing more to get.
            self.abandon(pending, "description older than the stored snapshot")

    def abandon(self, pending: PendingJob, reason: str) -> None:
        if self.r.repository.abandon_enrichment(pending):
            self.report.abandoned += 1
            logger.warning(
                "enrichment abandoned", extra={"training_job": str(pending.job), "reason": reason}
            )

    # -- the listing window -----------------------------------------------------------

    def work_through(self) -> None:
        resume = self.window.resume_ms
        created_after = None if resume is None else resume - RESUME_OVERLAP_MS
        place = self.r.place
        pages = list_changed_jobs(
            self.r.connect(place.account, place.region),
            place,
            self.window.since_ms,
            created_after,
            self.settings.page_size,
        )
        while True:
            self.check_time()
            page = next(pages, None)
            if page is None:
                break
            self.work_through_page(page)
            self.save_progress()
        self.save(
            ReconcileState(
                watermark_ms=self.window.until_ms,
                window=None,
                retry_jobs=tuple(sorted(self.retry)),
            )
        )
        self.report.finished = True

    def work_through_page(self, page: list[ListedJob]) -> None:
        """Reconcile a page's jobs in order, moving the window past each one done."""
        self.report.listed += len(page)
        stored = self.r.reads.stored_versions(job.job for job in page)
        for listed in page:
            if listed.job not in self.described and is_changed(listed, stored.get(listed.job)):
                self.check_time()
                self.reconcile_listed(listed)
            self.window = self.window._replace(resume_ms=listed.creation_ms)

    def reconcile_listed(self, listed: ListedJob) -> None:
        try:
            described = self.describe(listed.job)
        except JobNotFound:
            logger.warning("listed job not found", extra={"training_job": str(listed.job)})
            return
        except MalformedEvent as error:
            self.unstorable(listed.job, error)
            return
        self.store(described)

    # -- shared -----------------------------------------------------------------------

    def describe(self, job: JobIdentity) -> JobSnapshot:
        self.described.add(job)
        client = self.r.connect(job.account, job.region)
        snapshot = describe_job(client, job, redaction=self.settings.redaction)
        self.report.described += 1
        return snapshot

    def store(self, snapshot: JobSnapshot) -> StoreOutcome | None:
        quiet = ended_before(snapshot, self.alert_cutoff)
        pipeline = self.r._quiet if quiet else self.r._alerting
        try:
            result = pipeline.handle(snapshot)
        except MalformedEvent as error:
            self.unstorable(snapshot.identity, error)
            return None
        except Exception as error:
            # The store or the alert failed (throttled table, topic unreachable): the job
            # is redone at the start of the next run, whose store (or stale outcome)
            # takes the alert path again.
            self.retry.add(snapshot.identity)
            logger.exception(
                "store or alert failed", extra={"training_job": str(snapshot.identity)}
            )
            raise _Stop(f"store or alert failed: {type(error).__name__}") from None
        if result.outcome is StoreOutcome.STORED:
            self.report.stored += 1
            self.report.quiet += quiet
        else:
            self.report.stale += 1
        self.report.alerts += len(result.alerts)
        logger.info(
            "reconciled",
            extra={
                "training_job": str(snapshot.identity),
                "status": snapshot.status,
                "outcome": result.outcome.value,
                "quiet": quiet,
            },
        )
        return result.outcome

    def unstorable(self, job: JobIdentity, error: MalformedEvent) -> None:
        self.report.unstorable += 1
        logger.error("job cannot be stored", extra={"training_job": str(job), "reason": str(error)})

    def save_progress(self) -> None:
        self.save(self.saved._replace(window=self.window, retry_jobs=tuple(sorted(self.retry))))

    def save(self, state: ReconcileState) -> None:
        """Save `state` as the revision after the one this run loaded or last saved."""
        saved = self.r.progress.save(self.r.place, state._replace(revision=self.saved.revision))
        if saved is None:
            raise _Conflict("another run saved first")
        self.saved = saved


def _reason(stop: Exception) -> str:
    if isinstance(stop, _Stop):
        return str(stop)
    if isinstance(stop, SageMakerThrottled):
        return "throttled"
    return "SageMaker unavailable"
