"""Alerts on `make local`'s stack: a queue subscribed to its topic gets exactly the alerts due."""

from __future__ import annotations

import random
from collections import Counter
from typing import Any

import pytest

from local.demo import put_events
from local.emulator import QUEUE_NAME, TOPIC_NAME
from synthetic.events import lifecycle
from tests.fixtures.aws import AlertInbox, subscribe_inbox

from .conftest import LocalStack
from .test_local_stack_e2e import HOUR_MS, eventually, get, now_ms, unique_name

pytestmark = pytest.mark.e2e


def ingest_queue_drained(stack: LocalStack) -> bool | None:
    """True once every event put so far has been handled (none waiting, none in flight)."""
    sqs = stack.client("sqs")
    url = sqs.get_queue_url(QueueName=QUEUE_NAME)["QueueUrl"]
    counts = sqs.get_queue_attributes(
        QueueUrl=url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return True if all(value == "0" for value in counts.values()) else None


def wait_until_stored(stack: LocalStack, name: str, status: str) -> None:
    def stored() -> Any:
        code, _, body = get(f"{stack.api_url}/jobs/{name}")
        return body if code == 200 and body["training_job_status"] == status else None

    eventually(stored, 30, f"{name} stored as {status}", stack)


def wait_until_drained(stack: LocalStack) -> None:
    eventually(lambda: ingest_queue_drained(stack), 30, "the ingest queue drained", stack)


def wait_until_printed(stack: LocalStack, lines: list[str]) -> None:
    def printed() -> bool | None:
        output = stack.output[:]
        return True if all(line in output for line in lines) else None

    eventually(printed, 30, f"the stack printed {lines}", stack)


def alerts_for(inbox: AlertInbox, names: set[str]) -> Counter[tuple[str, str]]:
    # The stack is shared by the session: other tests' jobs may alert too.
    return Counter(
        (n["Message"]["training_job_name"], n["Message"]["alert_kind"])
        for n in inbox.receive_all()
        if n["Message"]["training_job_name"] in names
    )


def team_inbox(stack: LocalStack, filter_policy: dict[str, Any] | None = None) -> AlertInbox:
    """A queue subscribed to the stack's own alert topic, as a team would subscribe one."""
    sns, sqs = stack.client("sns"), stack.client("sqs")
    topic_arn = sns.create_topic(Name=TOPIC_NAME)["TopicArn"]  # exists: returns its ARN
    return subscribe_inbox(sns, sqs, topic_arn, unique_name("e2e-inbox"), filter_policy)


def test_a_subscribed_queue_receives_exactly_the_expected_alerts(local_stack: LocalStack):
    # Given a team's queue subscribed to the alert topic
    inbox = team_inbox(local_stack)
    # and four jobs, one of each way to end, their events shuffled, each sent twice
    failed, timeout = unique_name("e2e-failed"), unique_name("e2e-timeout")
    endings = {
        failed: "Failed",
        timeout: "MaxRuntimeExceeded",
        unique_name("e2e-done"): "Completed",
        unique_name("e2e-stopped"): "Stopped",
    }
    snapshots = {
        name: lifecycle(name, ending, creation_ms=now_ms() - 2 * HOUR_MS)
        for name, ending in endings.items()
    }
    events = [detail for history in snapshots.values() for detail in history] * 2
    random.Random(4).shuffle(events)

    # When they are put on the default bus
    put_events(local_stack.client("events"), events)
    for name, history in snapshots.items():
        wait_until_stored(local_stack, name, history[-1]["TrainingJobStatus"])
    wait_until_drained(local_stack)
    # and, after the jobs ended, their last events come once more
    put_events(local_stack.client("events"), [history[-1] for history in snapshots.values()])
    wait_until_drained(local_stack)

    # Then the failed job and the timed-out job alerted, once each, and nothing else did
    assert alerts_for(inbox, set(endings)) == Counter(
        {(failed, "Failed"): 1, (timeout, "MaxRuntimeExceeded"): 1}
    )
    # and the stack printed each alert: subject and text body
    wait_until_printed(
        local_stack,
        [
            f"ALERT [Failed] SageMaker training job {failed}: Failed",
            f"  Failure reason: {snapshots[failed][-1]['FailureReason']}",
            f"ALERT [MaxRuntimeExceeded] SageMaker training job {timeout}: MaxRuntimeExceeded",
        ],
    )


def test_a_filter_policy_picks_timeouts_with_their_links(local_stack: LocalStack):
    # Given a queue that only wants timeouts
    timeouts = team_inbox(local_stack, filter_policy={"alert_kind": ["MaxRuntimeExceeded"]})
    failed, timeout = unique_name("e2e-failed"), unique_name("e2e-timeout")
    # When a job fails and another one runs out of time
    created = now_ms() - HOUR_MS
    events = lifecycle(failed, "Failed", creation_ms=created) + lifecycle(
        timeout, "MaxRuntimeExceeded", creation_ms=created
    )
    put_events(local_stack.client("events"), events)
    wait_until_stored(local_stack, failed, "Failed")
    wait_until_stored(local_stack, timeout, "Stopped")
    wait_until_drained(local_stack)

    # Then the timeouts queue got only the timeout, with its attributes and links
    received = [
        n for n in timeouts.receive_all() if n["Message"]["training_job_name"] in {failed, timeout}
    ]
    assert [n["Message"]["training_job_name"] for n in received] == [timeout]
    attributes = received[0]["MessageAttributes"]
    assert attributes["alert_kind"]["Value"] == "MaxRuntimeExceeded"
    assert attributes["training_job_status"]["Value"] == "Stopped"
    body = received[0]["Message"]
    assert body["console_url"].endswith(f"/sagemaker/home?region=us-east-1#/jobs/{timeout}")
    assert body["logs_url"].endswith(f"logStreamNameFilter$3D{timeout}")
