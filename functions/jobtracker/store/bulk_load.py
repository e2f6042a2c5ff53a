"""Bulk loads: many jobs written as the write path would leave them, in a few requests.

Storing 100,000 snapshots one by one (UpdateItem and a transaction each) would take an
hour against the emulator. `loaded_job` builds what the repository's two steps would
leave for a new job (its item with the applied marks, and what it adds to the day
counters) with the repository's own functions; `bulk_load` writes the jobs and the summed
day counters with BatchWriteItem. It is for an empty table (counters are put, not
added) and leaves out the jobs' transition items: a loaded job has no history.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

from jobtracker.aggregates import Contribution, counter_deltas
from jobtracker.record import JobIdentity, JobSnapshot
from jobtracker.store.keys import JOB_SK, job_pk
from jobtracker.store.models import Models
from jobtracker.store.repository import applied_attributes, day_counter_keys, stored_attributes

REPORT_EVERY = 20_000


class LoadedJob(NamedTuple):
    """One job ready to load: plain data, so that it can be built in another process."""

    identity: JobIdentity
    attributes: dict[str, Any]
    counter_keys: tuple[tuple[str, str], ...]
    counters: dict[str, int]


def loaded_job(snapshot: JobSnapshot) -> LoadedJob:
    """The job item and day-counter increments that storing `snapshot` as a new job makes."""
    contribution = Contribution.of(snapshot)
    return LoadedJob(
        identity=snapshot.identity,
        attributes={
            **stored_attributes(snapshot),
            **applied_attributes(snapshot.order_key, contribution),
        },
        counter_keys=day_counter_keys(snapshot),
        counters=counter_deltas(None, contribution),
    )


def bulk_load(
    models: Models, jobs: Iterable[LoadedJob], report: Callable[[str], None] = lambda _: None
) -> int:
    """Write the jobs and their summed day counters into an empty table; how many jobs."""
    job_model, stats_model = models.job, models.daily_stats
    days: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    count = 0
    with job_model.batch_write() as batch:
        for count, job in enumerate(jobs, 1):
            batch.save(job_model(job_pk(job.identity), JOB_SK, **job.attributes))
            for key in job.counter_keys:
                for name, value in job.counters.items():
                    days[key][name] += value
            if count % REPORT_EVERY == 0:
                report(f"loaded {count:,} jobs")
    with stats_model.batch_write() as batch:
        for (partition, day), counters in days.items():
            batch.save(stats_model(partition, day, **counters))
    return count
