"""Any permutation of a job's events, with duplicates, and the watch run at any points in
between, gives the same alerts as in-order delivery (docs/alerts.md, "Once per episode").

The watch looks at the stored job and the time. Stored after a permuted prefix is the
snapshot with the highest order key delivered so far (docs/design.md, "Ordering"), which
in-order delivery stores once it reaches that snapshot. So the reference delivers in
order up to the same snapshot before each watch run, and runs the watch at the same
time: the latest change delivered so far plus a drawn delay. What must come out equal is
the whole set of alerts (kind, episode, interruption number), each once.
"""

from __future__ import annotations

import os
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import boto3
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jobtracker.alert_kinds import AlertKind
from jobtracker.alerts.alerter import ExactlyOnceAlerter
from jobtracker.alerts.message import AlertMessage
from jobtracker.alerts.watcher import Watcher
from jobtracker.config import TableConfig
from jobtracker.pipeline import Pipeline
from jobtracker.record import normalise_training_job
from jobtracker.store.alert_claims import AlertClaimRepository
from jobtracker.store.models import table_schema
from jobtracker.store.reads import JobReads
from jobtracker.store.repository import JobRepository
from jobtracker.timestamps import to_epoch_ms

from synthetic.events import BASE_MS, lifecycle

MINUTE = 60_000
KINDS = frozenset(AlertKind)


@dataclass
class Recorder:
    published: list[AlertMessage] = field(default_factory=list)

    def publish(self, message: AlertMessage) -> str:
        self.published.append(message)
        return f"m-{len(self.published)}"

    def alerts(self) -> Counter[tuple[str, Any, Any]]:
        return Counter(
            (m.kind.value, m.body["episode"], m.body["interruption_number"]) for m in self.published
        )


class Tracker:
    """A fresh table with the write path, its alerter and the watch, publishing to memory."""

    def __init__(self) -> None:
        name = f"jobs-{uuid.uuid4().hex[:8]}"
        boto3.client("dynamodb").create_table(
            TableName=name, BillingMode="PAY_PER_REQUEST", **table_schema()
        )
        table = TableConfig(table_name=name, region=os.environ["AWS_REGION"])
        repository = JobRepository(table)
        claims = AlertClaimRepository(table, repository.models)
        reads = JobReads(repository.models)
        self.recorder = Recorder()
        alerter = ExactlyOnceAlerter(claims=claims, publisher=self.recorder, kinds=KINDS)
        self.pipeline = Pipeline(repository=repository, alerter=alerter)
        self.watcher = Watcher(
            jobs=reads,
            claims=claims,
            publisher=self.recorder,
            stored_record=reads.get_job,
            kinds=KINDS,
        )

    def store(self, detail: dict[str, Any]) -> None:
        self.pipeline.handle(normalise_training_job(detail))

    def watch(self, now_ms: int) -> None:
        self.watcher._replace(clock=lambda: now_ms / 1000).run()


@dataclass(frozen=True)
class Case:
    events: list[dict[str, Any]]
    # Indexes into `events`, in delivery order; a watch run before position i if
    # i is a key of `watches`, delayed by its value (ms) after the latest change delivered.
    delivery: list[int]
    watches: dict[int, int]


@st.composite
def cases(draw: st.DrawFn) -> Case:
    ending = draw(st.sampled_from([None, "Completed", "Failed"]))
    interruptions = draw(st.integers(0, 2))
    # Minutes between transitions: under and over the Stuck thresholds.
    step = draw(st.sampled_from([10, 40, 70])) * MINUTE
    events = lifecycle("watched", ending, spot=True, interruptions=interruptions, step_ms=step)
    again = draw(st.lists(st.integers(0, len(events) - 1), max_size=len(events)))
    delivery = draw(st.permutations(list(range(len(events))) + again))
    positions = draw(st.lists(st.integers(0, len(delivery)), max_size=4, unique=True))
    delays = draw(
        st.lists(
            st.sampled_from([0, 20, 45, 90, 600]).map(lambda m: m * MINUTE),
            min_size=len(positions),
            max_size=len(positions),
        )
    )
    return Case(events, delivery, dict(zip(positions, delays, strict=True)))


def _changed_ms(detail: dict[str, Any]) -> int:
    return to_epoch_ms(detail["LastModifiedTime"])


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(cases())
def test_any_delivery_with_the_watch_in_between_alerts_as_in_order(aws: None, case: Case):
    reference, candidate = Tracker(), Tracker()
    delivered_up_to = -1  # the latest of the job's snapshots delivered so far
    in_order_up_to = -1
    for position in range(len(case.delivery) + 1):
        if position in case.watches:
            now = BASE_MS if delivered_up_to < 0 else _changed_ms(case.events[delivered_up_to])
            now += case.watches[position]
            # The reference stores in order what the candidate's store holds now, and
            # looks at the same moment.
            for index in range(in_order_up_to + 1, delivered_up_to + 1):
                reference.store(case.events[index])
            in_order_up_to = max(in_order_up_to, delivered_up_to)
            reference.watch(now)
            candidate.watch(now)
        if position < len(case.delivery):
            index = case.delivery[position]
            candidate.store(case.events[index])
            delivered_up_to = max(delivered_up_to, index)
    for index in range(in_order_up_to + 1, len(case.events)):
        reference.store(case.events[index])
    assert candidate.recorder.alerts() == reference.recorder.alerts()
    # And nothing alerted twice
    assert set(candidate.recorder.alerts().values()) <= {1}
