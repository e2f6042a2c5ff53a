"""The DynamoDB budget with alerts on: at most 2 requests per event over a realistic stream."""

from __future__ import annotations

import random
from collections import Counter
from typing import Any

import pytest
from pynamodb.connection.base import Connection

from tests.fixtures.ingest_stack import IngestStack
from tests.fixtures.training_jobs import lifecycle, state_change_body

# How jobs end in a busy account, per 20 jobs.
ENDINGS = ["Completed"] * 13 + ["Failed"] * 3 + ["MaxRuntimeExceeded", "Stopped"] * 2


@pytest.fixture
def requests(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Every DynamoDB request the code makes, by operation."""
    counts: Counter[str] = Counter()
    original = Connection._make_api_call

    def counting(self: Connection, operation_name: str, operation_kwargs: dict[str, Any]) -> Any:
        counts[operation_name] += 1
        return original(self, operation_name, operation_kwargs)

    monkeypatch.setattr(Connection, "_make_api_call", counting)
    return counts


def realistic_stream(rng: random.Random, jobs: int) -> list[str]:
    """Each job's events mostly in order, one in five sent twice, neighbours swapped."""
    stream = []
    for index in range(jobs):
        for detail in lifecycle(f"job-{index}", ENDINGS[index % len(ENDINGS)]):
            body = state_change_body(detail)
            stream += [body, body] if rng.random() < 0.2 else [body]
    for index in range(len(stream) - 1):
        if rng.random() < 0.1:
            stream[index], stream[index + 1] = stream[index + 1], stream[index]
    return stream


def test_alerts_keep_the_average_within_two_requests_per_event(
    moto_ingest: IngestStack, requests: Counter[str]
):
    # Given a realistic stream of 40 jobs
    stream = realistic_stream(random.Random(7), jobs=40)
    requests.clear()
    # When it is ingested
    for start in range(0, len(stream), 10):
        assert moto_ingest.deliver(stream[start : start + 10]) == []
    # Then the failed and timed-out jobs alerted, within the budget, and never with a Scan
    alerts = moto_ingest.inbox.receive_all()
    assert len(alerts) == 40 * 5 // 20
    total = sum(requests.values())
    assert total / len(stream) <= 2.0, (total, len(stream), requests)
    assert "Scan" not in requests and "GetItem" not in requests


def test_events_that_cannot_alert_never_claim(moto_ingest: IngestStack, requests: Counter[str]):
    # Given a job that completes (not an alert kind by default), each event sent twice
    bodies = [state_change_body(detail) for detail in lifecycle("job-ok", "Completed")] * 2
    requests.clear()
    # When they are ingested
    assert moto_ingest.deliver(bodies) == []
    # Then the store's own requests are all there is: 2 per stored, 1 per stale event
    assert requests == Counter({"UpdateItem": 10, "TransactWriteItems": 5})
