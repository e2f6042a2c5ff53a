"""Concurrent invocations for the same terminal job, against the emulator over HTTP."""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Iterator

import pytest

from synthetic.events import event_body, lifecycle
from tests.fixtures.emulator import emulator
from tests.fixtures.ingest_stack import IngestStack, ingest_stack
from tests.fixtures.threads import all_at_once


@pytest.fixture
def stack(monkeypatch: pytest.MonkeyPatch) -> Iterator[IngestStack]:
    with emulator() as endpoint_url, ingest_stack(monkeypatch, endpoint_url=endpoint_url) as given:
        yield given


def deliver_concurrently(stack: IngestStack, batches: list[list[str]]) -> list[str]:
    """One invocation per batch, all started together; return what SQS would redeliver."""
    failed = all_at_once([functools.partial(stack.deliver, batch) for batch in batches])
    return [body for bodies in failed for body in bodies]


@pytest.mark.parametrize("ending", ["Failed", "MaxRuntimeExceeded"])
def test_two_invocations_with_the_same_terminal_event_publish_once(stack: IngestStack, ending: str):
    for round_number in range(4):
        # Given a job whose history is stored
        name = f"job-{ending.lower()}-{round_number}"
        bodies = [event_body(detail) for detail in lifecycle(name, ending)]
        assert stack.deliver(bodies[:-1]) == []
        # When two invocations get its terminal event at the same moment
        redeliver = deliver_concurrently(stack, [[bodies[-1]], [bodies[-1]]])
        # (a record that found the other publishing comes back, as SQS would send it)
        stack.deliver_until_done(redeliver)
        # Then one alert went out
        notifications = stack.inbox.receive_all()
        assert Counter(n["Message"]["training_job_name"] for n in notifications) == {name: 1}


def test_concurrent_batches_of_a_shuffled_stream_alert_once_per_job(stack: IngestStack):
    # Given six jobs, every event of each in both of two batches, in different orders
    endings = ["Failed", "MaxRuntimeExceeded", "Completed"] * 2
    bodies = [
        event_body(detail)
        for index, ending in enumerate(endings)
        for detail in lifecycle(f"job-{index}", ending)
    ]
    # When two invocations process them at the same time
    redeliver = deliver_concurrently(stack, [bodies, list(reversed(bodies))])
    stack.deliver_until_done(redeliver)
    # Then each failed or timed-out job alerted once
    notifications = stack.inbox.receive_all()
    assert Counter(n["Message"]["training_job_name"] for n in notifications) == Counter(
        {f"job-{index}": 1 for index, ending in enumerate(endings) if ending != "Completed"}
    )
