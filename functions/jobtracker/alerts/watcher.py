"""The watch's run: the jobs in flight, read from the by-status index, and an alert for
each trouble (jobtracker.watch) whose episode has not alerted yet.

Per run it reads the summaries of the jobs in flight (InProgress and Stopping, one index
partition each, items read = jobs in flight) and nothing else, until a trouble is new:
then it claims the episode (one transaction, refused if the job moved on meanwhile),
reads the stored record (one GetItem) for the message, publishes and marks the claim
sent. A trouble already alerted costs its refused claim only.

A failed publish releases its claim and leaves the job for the next run; one job's
failure never stops the others'.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple, Protocol

from jobtracker.alert_kinds import AlertKind
from jobtracker.alerts.alerter import LEASE_MS, AlertPublisher, EpisodeClaims, StoredRecord
from jobtracker.alerts.message import AlertContext, build_alert
from jobtracker.indexes import IndexName, IndexPage, KeyRange
from jobtracker.record import snapshot_of_record
from jobtracker.store.alert_claims import ClaimOutcome, StillIn
from jobtracker.watch import (
    STUCK,
    WATCHED_STATUSES,
    InFlightJob,
    Trouble,
    WatchSettings,
    in_flight_job,
    troubles,
)

# Summaries per Query page: a page of summaries is about 100 KB at most.
PAGE_SIZE = 200
# The claim item's `order_key` says which snapshot claimed it; the watch claims from the
# table, not from a snapshot.
WATCH_CLAIMANT = "watch"


class IndexReader(Protocol):
    def read_index(self, key_range: KeyRange, after: str | None, limit: int) -> IndexPage: ...


@dataclass
class WatchReport:
    jobs_in_flight: int = 0
    summaries_read: int = 0
    troubles: int = 0
    alerts_sent: list[str] = field(default_factory=list)
    # "<kind> <job> <episode>: <error>" for each alert that could not go out this run.
    failures: list[str] = field(default_factory=list)


class Watcher(NamedTuple):
    jobs: IndexReader
    claims: EpisodeClaims
    publisher: AlertPublisher
    stored_record: StoredRecord
    kinds: frozenset[AlertKind]
    settings: WatchSettings = WatchSettings()
    region: str | None = None
    clock: Callable[[], float] = time.time

    def run(self) -> WatchReport:
        """One look at every job in flight; alerts each new trouble once."""
        report = WatchReport()
        now_ms = int(self.clock() * 1000)
        for summary in in_flight_summaries(self.jobs):
            report.summaries_read += 1
            job = in_flight_job(summary)
            if job is None:
                continue
            report.jobs_in_flight += 1
            for trouble in troubles(job, now_ms, self.settings):
                kind = trouble.kind
                if kind not in self.kinds:
                    continue
                report.troubles += 1
                self._alert(job, summary, trouble, kind, now_ms, report)
        return report

    def _alert(
        self,
        job: InFlightJob,
        summary: dict[str, Any],
        trouble: Trouble,
        kind: AlertKind,
        now_ms: int,
        report: WatchReport,
    ) -> None:
        claim = self.claims.claim_episode(
            job.identity,
            kind,
            trouble.episode,
            WATCH_CLAIMANT,
            now_ms,
            LEASE_MS,
            _still_in(job, summary, trouble),
        )
        if claim.outcome is not ClaimOutcome.CLAIMED:
            # Sent before, being sent by an overlapping run, or the job moved on.
            return
        try:
            record = self.stored_record(job.identity)
            if record is None:
                raise LookupError(f"{job.identity} is no longer stored")
            message = build_alert(
                snapshot_of_record(record),
                kind,
                self.region,
                AlertContext(
                    episode=trouble.episode,
                    since_ms=trouble.since_ms,
                    for_seconds=trouble.for_seconds,
                    threshold_seconds=trouble.threshold_seconds,
                    limit_seconds=trouble.limit_seconds,
                ),
            )
            message_id = self.publisher.publish(message)
        except Exception as error:
            # The next run finds the episode free again and tries once more; the handler
            # logs and counts what failed.
            self.claims.release(claim)
            report.failures.append(f"{kind.value} {job.identity} {trouble.episode}: {error}")
            return
        self.claims.mark_sent(claim, message_id, now_ms)
        report.alerts_sent.append(f"{kind.value} {job.identity} {trouble.episode}")


def _still_in(job: InFlightJob, summary: dict[str, Any], trouble: Trouble) -> StillIn:
    """What the job must still be for the trouble to be current: for Stuck, the same
    secondary status (a stored one: a job before its first transition has none)."""
    if trouble.kind == STUCK and summary.get("secondary_status"):
        return StillIn(job.status, job.secondary_status)
    return StillIn(job.status)


def in_flight_summaries(jobs: IndexReader, page_size: int = PAGE_SIZE) -> Iterator[dict[str, Any]]:
    """Every job in flight, one by-status partition after the other, page by page."""
    for status in WATCHED_STATUSES:
        key_range = KeyRange(IndexName.STATUS, status)
        after: str | None = None
        while True:
            page = jobs.read_index(key_range, after, page_size)
            yield from page.items
            if page.last_key is None:
                break
            after = page.last_key
