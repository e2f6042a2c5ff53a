"""DynamoDB failing under the ingest handler: the records it hits fail, SQS brings them
back, and the table ends exactly where the ordering rule says, counters counted once.

Faults are the error responses DynamoDB sends (tests/fixtures/faults.py), so botocore's
retries and PynamoDB's error wrapping run as in Lambda. The table holds no refreshed price
book, so the handler prices what it stores at the bundled list prices, and so does the
reference (`at_list_prices`): the days' cost counters are held to it too.
"""

from __future__ import annotations

import json
import os
import random
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jobtracker.config import TableConfig
from jobtracker.store.models import table_schema

from synthetic.events import describe_response, event_body, lifecycle
from synthetic.expected import TableContents, at_list_prices, expected_jobs, mismatches
from tests.fixtures.delivery import Redelivery, cold_start_handler
from tests.fixtures.faults import Fault, FaultInjector, injecting_faults, writes_of_job

# Jobs of every ending, one still running, one spot job described after it ended
# (billable seconds in the counters), several created on the same day.
JOBS: list[tuple[str, str | None, dict[str, Any]]] = [
    ("fault-completed", "Completed", {}),
    ("fault-failed", "Failed", {}),
    ("fault-maxruntime", "MaxRuntimeExceeded", {"creation_ms": 1_764_100_000_000}),
    ("fault-running", None, {}),
    ("fault-stopped", "Stopped", {"spot": True}),
]


def _stream(seed: int = 7) -> tuple[list[dict[str, Any]], list[str]]:
    """Every snapshot of JOBS at least once, some twice, shuffled; and their bodies."""
    details: list[dict[str, Any]] = []
    for name, ending, options in JOBS:
        snapshots = lifecycle(name, ending, **options)
        if ending is not None:
            snapshots.append(describe_response(snapshots[-1]))
        details.extend(snapshots)
    rng = random.Random(seed)
    delivered = details + rng.sample(details, len(details) // 3)
    rng.shuffle(delivered)
    return delivered, [event_body(detail) for detail in delivered]


def _job_of(body: str) -> str:
    name: str = json.loads(body)["detail"]["TrainingJobName"]
    return name


@pytest.fixture
def ingest(table: str) -> Any:
    from ingest import handler

    return handler.handler


@pytest.fixture
def faults(monkeypatch: pytest.MonkeyPatch) -> Iterator[FaultInjector]:
    with injecting_faults(monkeypatch) as injector:
        yield injector


def _heal_after(injector: FaultInjector, rounds: int = 1) -> Any:
    """Clear the faults once `rounds` rounds of delivery went by: the outage ends."""

    def after_round(number: int) -> None:
        if number + 1 == rounds:
            injector.clear()

    return after_round


@pytest.mark.parametrize(
    ("operation", "code"),
    [
        ("TransactWriteItems", "ProvisionedThroughputExceededException"),
        ("TransactWriteItems", "InternalServerError"),
        ("UpdateItem", "ThrottlingException"),
        ("UpdateItem", "ServiceUnavailable"),
    ],
)
def test_a_job_whose_writes_keep_failing_fails_alone_and_redelivery_heals_it(
    ingest: Any,
    table: str,
    faults: FaultInjector,
    operation: str,
    code: str,
) -> None:
    # Given DynamoDB failing every write of one job, beyond the SDK's retries
    details, bodies = _stream()
    fault = faults.add(Fault("dynamodb", operation, code, matches=writes_of_job("fault-failed")))

    # When the stream is delivered, and redelivered once the fault is gone
    report = Redelivery(ingest, after_round=_heal_after(faults)).deliver(bodies)

    # Then only that job's records failed, after the SDK retried each failing call
    failed_jobs = {_job_of(bodies[int(mid[2:])]) for mid in report.first_failures}
    assert failed_jobs == {"fault-failed"}
    # (the SDK's retries of each call draw on the client's retry quota, which a long
    # outage exhausts: then calls fail at once, as in a long-lived Lambda instance)
    assert fault.injected >= len(report.first_failures)
    # and after redelivery nothing is left, and the table is the ordering rule's
    assert report.rounds[-1] == set() and report.dead == []
    assert mismatches(TableContents.of(table), expected_jobs(details, at_list_prices())) == []


@pytest.mark.parametrize("code", ["ThrottlingException", "InternalServerError"])
def test_a_burst_in_the_middle_of_the_stream_loses_nothing_and_counts_once(
    ingest: Any, table: str, faults: FaultInjector, code: str
) -> None:
    # Given every DynamoDB write failing from some way into the stream until its end
    details, bodies = _stream(seed=11)
    for operation in ("UpdateItem", "TransactWriteItems"):
        faults.add(Fault("dynamodb", operation, code, skip=12))

    report = Redelivery(ingest, after_round=_heal_after(faults)).deliver(bodies)

    # Then some records failed and came back, none was lost
    assert report.first_failures
    assert report.dead == []
    assert mismatches(TableContents.of(table), expected_jobs(details, at_list_prices())) == []


def test_a_short_throttle_is_absorbed_by_the_sdk_retries(table: str, faults: FaultInjector) -> None:
    # Given two throttled attempts at each job's first transaction: within the retries
    details, bodies = _stream()
    for name, _, _ in JOBS:
        faults.add(
            Fault(
                "dynamodb",
                "TransactWriteItems",
                "ProvisionedThroughputExceededException",
                matches=writes_of_job(name),
                times=2,
            )
        )

    # When a new instance (a full retry quota) ingests the stream
    report = Redelivery(cold_start_handler(TableConfig(table, os.environ["AWS_REGION"]))).deliver(
        bodies
    )

    assert report.rounds == [set()]
    assert len(faults.backoffs) >= 2 * len(JOBS)
    assert mismatches(TableContents.of(table), expected_jobs(details, at_list_prices())) == []


def test_transaction_conflicts_are_retried_and_a_lasting_one_fails_the_record(
    ingest: Any, table: str, faults: FaultInjector
) -> None:
    # Given one job whose transactions are cancelled by conflicts: twice for the first
    # (the repository's own retry absorbs them), always for the next round's worth
    details, bodies = _stream()
    conflict = ["None", "TransactionConflict"]
    faults.add(
        Fault(
            "dynamodb",
            "TransactWriteItems",
            "TransactionCanceledException",
            matches=writes_of_job("fault-completed"),
            times=2,
            cancellation_reasons=conflict,
        )
    )
    faults.add(
        Fault(
            "dynamodb",
            "TransactWriteItems",
            "TransactionCanceledException",
            matches=writes_of_job("fault-stopped"),
            cancellation_reasons=conflict,
        )
    )

    report = Redelivery(ingest, after_round=_heal_after(faults)).deliver(bodies)

    failed_jobs = {_job_of(bodies[int(mid[2:])]) for mid in report.first_failures}
    assert failed_jobs == {"fault-stopped"}
    assert report.dead == []
    assert mismatches(TableContents.of(table), expected_jobs(details, at_list_prices())) == []


@pytest.mark.parametrize("operation", ["UpdateItem", "TransactWriteItems"])
def test_a_write_whose_response_is_lost_is_not_applied_twice(
    ingest: Any, table: str, faults: FaultInjector, operation: str
) -> None:
    # Given DynamoDB applying a write and the caller never hearing of it (a 500 after
    # commit), for every write of one job in the first round
    details, bodies = _stream()
    faults.add(
        Fault(
            "dynamodb",
            operation,
            "InternalServerError",
            matches=writes_of_job("fault-stopped"),
            lost_response=True,
        )
    )

    report = Redelivery(ingest, after_round=_heal_after(faults)).deliver(bodies)

    # Then the records failed, came back, and the counters count the job once
    assert {_job_of(bodies[int(mid[2:])]) for mid in report.first_failures} == {"fault-stopped"}
    assert report.dead == []
    assert mismatches(TableContents.of(table), expected_jobs(details, at_list_prices())) == []


def _recreate_table(name: str) -> None:
    dynamodb = boto3.client("dynamodb")
    dynamodb.delete_table(TableName=name)
    dynamodb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST", **table_schema())


fault_plans = st.lists(
    st.builds(
        Fault,
        service=st.just("dynamodb"),
        operation=st.sampled_from(["UpdateItem", "TransactWriteItems"]),
        code=st.sampled_from(
            [
                "ProvisionedThroughputExceededException",
                "ThrottlingException",
                "InternalServerError",
                "ServiceUnavailable",
            ]
        ),
        skip=st.integers(0, 60),
        times=st.one_of(st.none(), st.integers(1, 30)),
        lost_response=st.booleans(),
    ),
    min_size=1,
    max_size=3,
)


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(plan=fault_plans, seed=st.integers(0, 1000), outage_rounds=st.integers(1, 3))
def test_any_window_of_faults_ends_in_the_reference_state(
    ingest: Any,
    table: str,
    faults: FaultInjector,
    plan: list[Fault],
    seed: int,
    outage_rounds: int,
) -> None:
    _recreate_table(table)
    faults.clear()
    for fault in plan:
        faults.add(fault)
    details, bodies = _stream(seed)

    healing = _heal_after(faults, rounds=outage_rounds)
    report = Redelivery(ingest, after_round=healing).deliver(bodies)

    assert report.dead == []
    assert mismatches(TableContents.of(table), expected_jobs(details, at_list_prices())) == []
