"""Eight invocations at once, each with its own interleaving of the same jobs' snapshots,
against the emulator over real HTTP: conditional writes and transactions race for real.

The table must end as the ordering rule says (each job's highest order key), with every
transition and daily counters that count each job once.
"""

from __future__ import annotations

import functools
import random
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from jobtracker.config import TableConfig
from jobtracker.store.models import table_schema

from synthetic.events import ENDINGS, describe_response, event_body, lifecycle
from synthetic.expected import TableContents, at_list_prices, expected_jobs, mismatches
from tests.fixtures.delivery import Redelivery, cold_start_handler
from tests.fixtures.emulator import emulator
from tests.fixtures.threads import all_at_once

THREADS = 8
TABLE = "jobtracker-concurrency"
REGION = "us-east-1"


@pytest.fixture(scope="module")
def endpoint_url() -> Iterator[str]:
    # One request at a time, as DynamoDB makes each request atomic: moto (5.2.5) does not
    # guard its state across server threads, and a transaction it cancels restores a copy
    # of the table taken before it began, undoing other threads' writes (seen here as
    # daily counters off by one). The clients still run concurrently.
    with emulator() as url:
        yield url


@pytest.fixture
def table(endpoint_url: str) -> Iterator[TableConfig]:
    dynamodb = boto3.client("dynamodb", endpoint_url=endpoint_url, region_name=REGION)
    dynamodb.create_table(TableName=TABLE, BillingMode="PAY_PER_REQUEST", **table_schema())
    yield TableConfig(table_name=TABLE, region=REGION, endpoint_url=endpoint_url)
    dynamodb.delete_table(TableName=TABLE)


def _jobs_snapshots() -> list[dict[str, Any]]:
    details = []
    for index, ending in enumerate([None, *ENDINGS, "Failed", "Completed"]):
        snapshots = lifecycle(f"race-{index}", ending, spot=index % 2 == 0)
        if ending is not None:
            snapshots.append(describe_response(snapshots[-1]))
        details.extend(snapshots)
    return details


def test_eight_interleavings_at_once_end_in_the_reference_state(table: TableConfig) -> None:
    # Given every thread its own shuffled copy of all snapshots, with duplicates
    details = _jobs_snapshots()
    rng = random.Random(2)
    streams = []
    for _ in range(THREADS):
        stream = details + rng.sample(details, len(details) // 4)
        rng.shuffle(stream)
        streams.append([event_body(detail) for detail in stream])
    # When the eight run at the same time, each as its own Lambda instance
    reports = all_at_once(
        [
            functools.partial(Redelivery(cold_start_handler(table), batch_size=5).deliver, bodies)
            for bodies in streams
        ]
    )

    # Then nothing was lost and the table is the reference of the ordering rule
    assert [report.dead for report in reports] == [[]] * THREADS
    assert mismatches(TableContents.read(table), expected_jobs(details, at_list_prices())) == []
