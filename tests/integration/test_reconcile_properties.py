"""For any interleaving of events, failed or working enrichments and reconcile runs, the
job ends as SageMaker describes it, complete and no longer pending."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import boto3
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jobtracker.config import TableConfig
from jobtracker.enrich import SageMakerEnricher
from jobtracker.pipeline import Pipeline
from jobtracker.reconcile import DAY_MS, Reconciler
from jobtracker.record import normalise_training_job
from jobtracker.sagemaker import describe_job
from jobtracker.store.reads import JobReads
from jobtracker.store.repository import JobRepository
from moto import mock_aws

from local.sagemaker_jobs import put_job_in_sagemaker
from synthetic.events import BASE_MS, HOME, REGION, home_job, lifecycle
from tests.fixtures.aws import create_table
from tests.fixtures.sagemaker import CountdownContext, sagemaker

ENDING = "MaxRuntimeExceeded"
STEPS = len(lifecycle("any", ENDING))
_tables = itertools.count()


def throttled_client() -> Any:
    """A SageMaker client that throttles every call, as the service answers it: a botocore
    client (so paginators work as in production) whose requests all come back 400
    ThrottlingException without leaving the process."""
    client = boto3.client("sagemaker", region_name=REGION)

    def throttle(**_: Any) -> tuple[Any, dict[str, Any]]:
        answer = {"Error": {"Code": "ThrottlingException", "Message": "Rate exceeded"}}
        return SimpleNamespace(status_code=400, headers={}), answer

    client.meta.events.register("before-call.sagemaker.*", throttle)
    return client


@pytest.fixture(scope="module")
def aws() -> Iterator[None]:
    with mock_aws():
        yield


operations = st.lists(
    st.one_of(
        st.tuples(st.just("event"), st.integers(0, STEPS - 1), st.booleans()),
        st.tuples(st.just("reconcile"), st.just(0), st.booleans()),
    ),
    max_size=8,
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(operations=operations)
def test_any_interleaving_ends_complete(aws: None, operations: list[tuple[str, int, bool]]) -> None:
    # Given a job SageMaker ran to its end, on a table of its own
    table = f"jobtracker-prop-{next(_tables)}"
    create_table(boto3.client("dynamodb", region_name=REGION), table)
    repository = JobRepository(TableConfig(table_name=table, region=REGION))
    reads = JobReads(repository.models)
    name = f"prop-{table.rsplit('-', 1)[-1]}"
    client = sagemaker()
    details = lifecycle(name, ENDING, creation_ms=BASE_MS)
    put_job_in_sagemaker(client, details[-1])

    def reconcile(working: bool) -> None:
        reconciler = Reconciler(
            connect=lambda account, region: client if working else throttled_client(),
            place=HOME,
            pipeline=Pipeline(repository=repository),
            clock=lambda: BASE_MS + DAY_MS,
        )
        reconciler.run(CountdownContext(remaining_ms=900_000).get_remaining_time_in_millis)

    # When its events, enriched or not, and reconcile runs, working or not, come in any order
    for kind, index, working in operations:
        if kind == "event":
            enricher = SageMakerEnricher(
                connect=lambda account, region, w=working: client if w else throttled_client()
            )
            pipeline = Pipeline(repository=repository, enricher=enricher)
            pipeline.handle(normalise_training_job(details[index]))
        else:
            reconcile(working)
    # and a reconcile run finally gets through
    reconcile(True)
    # Then the job is stored exactly as SageMaker describes it, and nothing is pending
    assert reads.get_job(home_job(name)) == describe_job(client, home_job(name)).record
    assert reads.pending_enrichments(HOME, 10) == []
