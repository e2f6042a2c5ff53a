"""The benchmark's write-unit accounting over the real write path (moto).

moto's own ConsumedCapacity is not DynamoDB's, so these check the accounting against the
items the write path really leaves, sized by the same documented rules.
"""

from __future__ import annotations

import os
from typing import Any

from jobtracker.indexes import IndexName
from jobtracker.record import normalise_training_job
from jobtracker.store.keys import JOB_SK, job_pk
from jobtracker.store.models import table_schema
from jobtracker.store.repository import JobRepository

from bench.emulator import stored_item
from bench.item_writes import recording_writes
from bench.write_units import TableSpec, item_size, units
from synthetic.events import home_job, lifecycle

STATUS_INDEXES = {
    IndexName.STATUS.value,
    IndexName.ACCOUNT_STATUS.value,
    IndexName.PLACE_STATUS.value,
}


def _reader() -> Any:
    return lambda name, key: stored_item(name, key, os.environ["AWS_REGION"])


def test_each_event_is_charged_for_the_items_it_wrote(
    repository: JobRepository, table: str
) -> None:
    spec = TableSpec.from_schema(table_schema())
    snapshots = lifecycle("charged", "Failed")
    key = {"pk": {"S": job_pk(home_job("charged"))}, "sk": {"S": JOB_SK}}
    # Given a job stored in order, then its first event delivered again
    with recording_writes(table, spec, _reader()) as log:
        for detail in snapshots:
            repository.store_snapshot(normalise_training_job(detail))
        job = stored_item(table, key, os.environ["AWS_REGION"])
        repository.store_snapshot(normalise_training_job(snapshots[0]))
    events = log.events()
    assert job is not None
    # Then every snapshot is one stored event, and the redelivery one stale event
    assert [event.stored for event in events] == [True] * len(snapshots) + [False]
    # charged, when stale, the job item it found (the conditional write failed)
    assert events[-1].charges.units == {"table": units(item_size(job))}
    # The first event puts the job into every list index it has keys for, and the
    # transaction (transitions, day counters, applied marks) is charged double
    first = events[0].charges
    assert first.units[IndexName.MONTH.value] >= 1
    assert first.units["transaction"] % 2 == 0 and first.units["transaction"] >= 2 * 3
    assert not first.index_deletes
    # The change of status (InProgress -> Failed) moves the job in the status indexes:
    # one delete of the old entry in each, besides the new entry
    ending = events[len(snapshots) - 1].charges
    assert set(ending.index_deletes) == STATUS_INDEXES
    for name in STATUS_INDEXES:
        assert ending.units[name] >= 2
