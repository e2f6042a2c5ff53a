"""1,000 hostile events through the ingest handler (100 batches of 10) under moto.

The handler never raises; the records it reports failed are exactly the invalid ones,
each with a logged reason; every valid one is stored and reads back as normalised.
Validity is decided apart from the handler: the envelope and the normaliser
(`parse_state_change` raising MalformedEvent) and the item limit of docs/design.md.
"""

from __future__ import annotations

import json
import logging
import math
from typing import Any

import boto3
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jobtracker.errors import MalformedEvent
from jobtracker.pipeline import parse_state_change
from jobtracker.record import JobSnapshot
from jobtracker.store.keys import compress_record
from jobtracker.store.models import table_schema
from jobtracker.store.repository import MAX_RECORD_BYTES

from synthetic.expected import TableContents
from synthetic.lambda_events import LambdaContext, sqs_event
from tests.fixtures.hostile import SECRET_VALUE, hostile_bodies
from tests.fixtures.http_events import strict_loads

BATCHES = 100
BATCH_SIZE = 10


def valid_snapshot(body: str) -> JobSnapshot | None:
    """The snapshot a body must be stored as, or None if it must be refused."""
    try:
        snapshot = parse_state_change(body).snapshot
    except MalformedEvent:
        return None
    if len(compress_record(snapshot.record)) > MAX_RECORD_BYTES:
        return None
    return snapshot


def canonical(record: Any) -> str:
    """JSON text to compare records by: NaN equals NaN here, as it reads back."""
    return json.dumps(record, sort_keys=True, default=str)


@pytest.fixture
def ingest(table: str) -> Any:
    from ingest import handler

    return handler.handler


def _recreate_table(name: str) -> None:
    dynamodb = boto3.client("dynamodb")
    dynamodb.delete_table(TableName=name)
    dynamodb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST", **table_schema())


@settings(
    max_examples=BATCHES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
@given(bodies=st.lists(hostile_bodies(), min_size=BATCH_SIZE, max_size=BATCH_SIZE))
def test_hostile_batches_fail_exactly_the_invalid_records_with_a_reason(
    ingest: Any,
    table: str,
    caplog: pytest.LogCaptureFixture,
    bodies: list[str],
) -> None:
    # Given a fresh table and the oracle's verdict on each body
    _recreate_table(table)
    caplog.clear()
    expected = {f"m-{index}": valid_snapshot(body) for index, body in enumerate(bodies)}

    # When the batch is ingested (a raise here fails the test)
    response = ingest(sqs_event(bodies), LambdaContext())

    # Then exactly the invalid records failed, each with a logged reason
    failed = {item["itemIdentifier"] for item in response["batchItemFailures"]}
    assert failed == {message for message, snapshot in expected.items() if snapshot is None}
    # (errors only: an enrichment SageMaker cannot do is a warning with a reason too)
    reasons = [
        record.reason
        for record in caplog.records
        if hasattr(record, "reason") and record.levelno >= logging.ERROR
    ]
    assert len(reasons) == len(failed)
    assert all(isinstance(reason, str) and reason for reason in reasons)
    # and each job of a valid record reads back as its newest valid snapshot
    newest: dict[str, JobSnapshot] = {}
    for snapshot in expected.values():
        if snapshot is not None and (
            snapshot.name not in newest or snapshot.order_key > newest[snapshot.name].order_key
        ):
            newest[snapshot.name] = snapshot
    contents = TableContents.of(table)
    for name, snapshot in newest.items():
        stored = contents.jobs.get(name)
        assert stored is not None, name
        assert canonical(stored) == canonical(snapshot.record)
        # ... as strict JSON, and without the credentials some events carried
        strict_loads(json.dumps(stored))
        assert SECRET_VALUE not in canonical(stored)
        # Transition items are keyed by (start, status): the newest snapshot's are all
        # there, as it wrote them; a mutated twin's items with other keys may be too.
        stored_transitions = contents.transitions.get(name, [])
        for transition in snapshot.transitions:
            assert transition.as_dict() in stored_transitions


def test_canonical_treats_nan_as_equal() -> None:
    assert canonical({"x": math.nan}) == canonical({"x": float("nan")})
