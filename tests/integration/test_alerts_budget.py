"""The DynamoDB budget with alerts on: at most 2 requests per event over a realistic stream."""

from __future__ import annotations

import random
from collections import Counter

from synthetic.events import event_body, lifecycle
from tests.fixtures.ingest_stack import IngestStack

# How jobs end in a busy account, per 20 jobs.
JOB_ENDINGS = ["Completed"] * 13 + ["Failed"] * 3 + ["MaxRuntimeExceeded", "Stopped"] * 2


def realistic_stream(rng: random.Random, jobs: int) -> list[str]:
    """Each job's events mostly in order, one in five sent twice, neighbours swapped."""
    stream = []
    for index in range(jobs):
        for detail in lifecycle(f"job-{index}", JOB_ENDINGS[index % len(JOB_ENDINGS)]):
            body = event_body(detail)
            stream += [body, body] if rng.random() < 0.2 else [body]
    for index in range(len(stream) - 1):
        if rng.random() < 0.1:
            stream[index], stream[index + 1] = stream[index + 1], stream[index]
    return stream


def test_alerts_keep_the_average_within_two_requests_per_event(
    moto_ingest: IngestStack, ddb_calls: list[str]
):
    # Given a realistic stream of 40 jobs
    stream = realistic_stream(random.Random(7), jobs=40)
    ddb_calls.clear()
    # When it is ingested
    for start in range(0, len(stream), 10):
        assert moto_ingest.deliver(stream[start : start + 10]) == []
    # Then the failed and timed-out jobs alerted, within the budget, and never with a Scan
    alerts = moto_ingest.inbox.receive_all()
    assert len(alerts) == 40 * 5 // 20
    requests = Counter(ddb_calls)
    total = len(ddb_calls)
    assert total / len(stream) <= 2.0, (total, len(stream), requests)
    # (one GetItem: the price book, read once per container, never per event)
    assert "Scan" not in requests and requests["GetItem"] == 1


def test_events_that_cannot_alert_never_claim(moto_ingest: IngestStack, ddb_calls: list[str]):
    # Given a job that completes (not an alert kind by default), each event sent twice
    bodies = [event_body(detail) for detail in lifecycle("job-ok", "Completed")] * 2
    ddb_calls.clear()
    # When they are ingested
    assert moto_ingest.deliver(bodies) == []
    # Then the store's own requests are all there is: 2 per stored, 1 per stale event,
    # and the new container's one read of the price book
    stored = len(bodies) // 2
    assert Counter(ddb_calls) == Counter(
        {"UpdateItem": 2 * stored, "TransactWriteItems": stored, "GetItem": 1}
    )
