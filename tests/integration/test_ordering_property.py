"""Any permutation of a job's snapshots, with any duplicates, ends as in-order delivery."""

from __future__ import annotations

import os
import uuid
from typing import Any

import boto3
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jobtracker.record import normalise_training_job
from jobtracker.store.models import table_schema
from jobtracker.store.repository import JobRepository, TableConfig

from tests.fixtures.events import ENDINGS, describe_response, lifecycle


def _fresh_repository() -> JobRepository:
    name = f"jobs-{uuid.uuid4().hex[:8]}"
    boto3.client("dynamodb").create_table(
        TableName=name, BillingMode="PAY_PER_REQUEST", **table_schema()
    )
    return JobRepository(TableConfig(table_name=name, region=os.environ["AWS_REGION"]))


def _state(repository: JobRepository, name: str) -> tuple[Any, ...]:
    counters = [
        {k: v for k, v in day.items() if v}
        for day in repository.iter_daily_stats("2000-01-01", "2099-12-31")
    ]
    return repository.get_job(name), repository.list_transitions(name), counters


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
    assert _state(candidate, "prop-job") == _state(reference, "prop-job")
