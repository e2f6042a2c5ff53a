"""Any permutation of a job's snapshots, with any duplicates, ends as in-order delivery."""

from __future__ import annotations

import os
import uuid
from collections import Counter
from typing import Any

import boto3
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jobtracker.config import TableConfig
from jobtracker.record import JobIdentity, Place, normalise_training_job
from jobtracker.store.models import table_schema
from jobtracker.store.reads import JobReads
from jobtracker.store.repository import JobRepository
from jobtracker.timestamps import iso_from_ms

from synthetic.events import BASE_MS, ENDINGS, HOME, describe_response, event_body, lifecycle
from tests.fixtures.ingest_stack import IngestStack


def _fresh_repository() -> JobRepository:
    name = f"jobs-{uuid.uuid4().hex[:8]}"
    boto3.client("dynamodb").create_table(
        TableName=name, BillingMode="PAY_PER_REQUEST", **table_schema()
    )
    return JobRepository(TableConfig(table_name=name, region=os.environ["AWS_REGION"]))


def _state(reads: JobReads, name: str) -> tuple[Any, ...]:
    counters = [
        {k: v for k, v in day.items() if v}
        for day in reads.iter_daily_stats("2000-01-01", "2099-12-31")
    ]
    job = JobIdentity(HOME.account, HOME.region, name)
    return reads.get_job(job), reads.list_transitions(job), counters


@st.composite
def deliveries(draw: st.DrawFn) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """A job's snapshots in order, and the same with disorder and duplicates."""
    ending = draw(st.sampled_from([None, *ENDINGS]))
    snapshots = lifecycle("prop-job", ending, with_end_times=draw(st.booleans()))
    if ending is not None and draw(st.booleans()):
        snapshots.append(describe_response(snapshots[-1]))
    indexes = draw(
        st.lists(st.integers(0, len(snapshots) - 1), min_size=0, max_size=len(snapshots) * 2)
    )
    # Every snapshot at least once, some again, in any order.
    delivered = draw(st.permutations(list(range(len(snapshots))) + indexes))
    return snapshots, [snapshots[i] for i in delivered]


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(deliveries())
def test_any_order_with_duplicates_ends_in_the_in_order_state(
    aws: None, case: tuple[list[dict[str, Any]], list[dict[str, Any]]]
) -> None:
    in_order, shuffled = case
    reference, candidate = _fresh_repository(), _fresh_repository()
    for detail in in_order:
        reference.store_snapshot(normalise_training_job(detail))
    for detail in shuffled:
        candidate.store_snapshot(normalise_training_job(detail))
    assert _state(JobReads(candidate.models), "prop-job") == _state(
        JobReads(reference.models), "prop-job"
    )


# -- the same name in two accounts ---------------------------------------------------------

OTHER = Place("210987654321", "eu-west-1")
ALERTING = {"Failed": "Failed", "MaxRuntimeExceeded": "MaxRuntimeExceeded"}  # the defaults


@st.composite
def two_lives(draw: st.DrawFn) -> tuple[dict[Place, str | None], list[tuple[Place, int]]]:
    """How the job of one name ends in the home account and in another (each any ending,
    or still training), and the order its events arrive in: both accounts' events
    interleaved, every one at least once, some again."""
    endings = {place: draw(st.sampled_from([None, *ENDINGS])) for place in (HOME, OTHER)}
    events = [
        (place, index)
        for place, ending in endings.items()
        for index in range(len(lifecycle("x", ending)))
    ]
    again = draw(st.lists(st.sampled_from(events), max_size=len(events)))
    return endings, draw(st.permutations(events + again))


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(case=two_lives())
def test_the_same_name_in_two_accounts_is_two_jobs_whatever_the_order(
    moto_ingest: IngestStack, case: tuple[dict[Place, str | None], list[tuple[Place, int]]]
) -> None:
    # Given one job name in two accounts, created on different days, whose events come
    # interleaved, shuffled and duplicated (a fresh name per example: the table is shared)
    endings, order = case
    name = f"same-{uuid.uuid4().hex[:10]}"
    created = {HOME: BASE_MS, OTHER: BASE_MS + 3 * 86_400_000}
    lives = {
        place: lifecycle(name, ending, creation_ms=created[place])
        for place, ending in endings.items()
    }
    reads = JobReads(moto_ingest.module.PIPELINE.repository.models)
    days = {place: iso_from_ms(created[place])[:10] for place in lives}
    scopes = [(place, account) for place in lives for account in (place.account, None)]
    before = {scope: _counts(reads, days[scope[0]], scope[1]) for scope in scopes}
    # When the ingest handler receives them in batches
    bodies = [event_body(lives[place][index], place) for place, index in order]
    moto_ingest.deliver_until_done(bodies)
    for place, life in lives.items():
        job = JobIdentity(place.account, place.region, name)
        # Then each account has its own record: its life's last snapshot, from its place
        last = life[-1]
        record = reads.get_job(job)
        assert record is not None
        assert (record["account"], record["region"]) == (place.account, place.region)
        assert record["training_job_status"] == last["TrainingJobStatus"]
        assert record["last_modified_time"] == iso_from_ms(last["LastModifiedTime"])
        # And its own history, transition by transition
        assert [t["status"] for t in reads.list_transitions(job)] == [
            t["Status"] for t in last["SecondaryStatusTransitions"]
        ]
        # And its own day (the two are days apart) counts it once, in its account's
        # aggregate and in all accounts'
        for account in (place.account, None):
            after = _counts(reads, days[place], account)
            added = after - before[place, account]
            assert added == Counter({f"count_{last['TrainingJobStatus']}": 1})
    # And each account's failure alerted exactly once, as its own kind
    alerts = Counter(
        (n["Message"]["account"], n["Message"]["alert_kind"])
        for n in moto_ingest.inbox.receive_all()
        if n["Message"]["training_job_name"] == name
    )
    assert alerts == Counter(
        {
            (place.account, ALERTING[ending]): 1
            for place, ending in endings.items()
            if ending in ALERTING
        }
    )


def _counts(reads: JobReads, day: str, account: str | None) -> Counter[str]:
    """The job counts of one day's aggregate (the table is shared between examples)."""
    days = list(reads.iter_daily_stats(day, day, account))
    return Counter({k: v for day in days for k, v in day.items() if k.startswith("count_")})
