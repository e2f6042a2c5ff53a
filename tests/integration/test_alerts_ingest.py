"""Alerts through the ingest handler under moto: exactly once, whatever the delivery."""

from __future__ import annotations

import json
import random
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from jobtracker.alert_kinds import AlertKind
from jobtracker.alerts.alerter import LEASE_MS, AlertPublishFailed
from jobtracker.alerts.message import AlertMessage
from jobtracker.store.alert_claims import ClaimOutcome
from jobtracker.store.reads import JobReads
from moto import mock_aws

from synthetic.events import ENDINGS, event_body, home_job, lifecycle
from tests.fixtures.aws import subscribe_inbox
from tests.fixtures.delivery import deliver
from tests.fixtures.ingest_stack import IngestStack, ingest_stack
from tests.fixtures.table import stored_claim

ALL_KINDS = "Failed,MaxRuntimeExceeded,Stopped,MaxWaitTimeExceeded,Interrupted,Completed"


@pytest.fixture
def every_kind_stack(monkeypatch: pytest.MonkeyPatch) -> Iterator[IngestStack]:
    with mock_aws(), ingest_stack(monkeypatch, kinds=ALL_KINDS) as given:
        yield given


def bodies_of(name: str, ending: str) -> list[str]:
    return [event_body(detail) for detail in lifecycle(name, ending)]


def alerts_by_job(stack: IngestStack) -> Counter[tuple[str, str]]:
    return Counter(
        (n["Message"]["training_job_name"], n["Message"]["alert_kind"])
        for n in stack.inbox.receive_all()
    )


def test_each_configured_kind_alerts_once(every_kind_stack: IngestStack):
    # Given one job per way of ending, each event sent twice
    bodies = [body for ending in ENDINGS for body in bodies_of(f"job-{ending.lower()}", ending)]
    # When they arrive in order, in batches of 10, and then all again
    for start in range(0, len(bodies), 10):
        assert every_kind_stack.deliver(bodies[start : start + 10]) == []
    assert every_kind_stack.deliver(bodies) == []
    # Then each job alerted once, as its kind
    assert alerts_by_job(every_kind_stack) == Counter(
        {(f"job-{ending.lower()}", ending): 1 for ending in ENDINGS}
    )


def test_by_default_of_the_outcomes_only_failed_and_max_runtime_exceeded_alert(
    moto_ingest: IngestStack,
):
    bodies = [body for ending in ENDINGS for body in bodies_of(f"job-{ending.lower()}", ending)]
    assert moto_ingest.deliver(bodies) == []
    assert alerts_by_job(moto_ingest) == Counter(
        {("job-failed", "Failed"): 1, ("job-maxruntimeexceeded", "MaxRuntimeExceeded"): 1}
    )


@pytest.mark.parametrize("seed", range(4))
def test_duplicates_shuffles_and_late_redeliveries_alert_once(moto_ingest: IngestStack, seed: int):
    # Given twelve jobs of every ending, every event duplicated, all shuffled
    rng = random.Random(seed)
    endings = list(ENDINGS) * 2
    bodies = [
        body for index, ending in enumerate(endings) for body in bodies_of(f"job-{index}", ending)
    ]
    stream = bodies + rng.sample(bodies, len(bodies) // 2)
    rng.shuffle(stream)
    # When they arrive in batches, and the terminal ones come back after the jobs ended
    for start in range(0, len(stream), 10):
        assert moto_ingest.deliver(stream[start : start + 10]) == []
    terminal = [bodies_of(f"job-{index}", ending)[-1] for index, ending in enumerate(endings)]
    assert moto_ingest.deliver(terminal) == []
    # Then exactly the failed and timed-out jobs alerted, once each
    expected = {
        (f"job-{index}", ending): 1
        for index, ending in enumerate(endings)
        if ending in ("Failed", "MaxRuntimeExceeded")
    }
    assert alerts_by_job(moto_ingest) == Counter(expected)


def test_a_failed_publish_is_retried_and_published_once(moto_ingest: IngestStack):
    # Given a job whose history is stored, and an alert topic that is unavailable
    history = bodies_of("job-flaky", "Failed")
    assert moto_ingest.deliver(history[:-1]) == []
    moto_ingest.take_topic_down()
    # When its Failed event arrives (with another job's event in the same batch)
    other = bodies_of("job-other", "Completed")[0]
    assert moto_ingest.deliver([history[-1], other]) == [history[-1]]
    # Then the job is stored but its claim was released
    assert (
        JobReads(moto_ingest.module.PIPELINE.repository.models).get_job(home_job("job-flaky"))[
            "training_job_status"
        ]
        == "Failed"
    )
    claims = moto_ingest.module.PIPELINE.alerter.claims
    assert stored_claim(claims.models, home_job("job-flaky"), AlertKind.FAILED) is None
    # When the topic is back and SQS redelivers the record (now a stale event), twice
    moto_ingest.bring_topic_back()
    assert moto_ingest.deliver([history[-1]]) == []
    assert moto_ingest.deliver([history[-1]]) == []
    # Then exactly one alert went out, and the claim is marked sent
    assert alerts_by_job(moto_ingest) == Counter({("job-flaky", "Failed"): 1})
    assert stored_claim(claims.models, home_job("job-flaky"), AlertKind.FAILED)["state"] == "sent"


def test_a_stale_event_of_another_kind_than_the_stored_job_does_not_alert(
    every_kind_stack: IngestStack,
):
    # Given a job stored as Completed (its alert sent)
    completed = bodies_of("job-x", "Completed")
    assert every_kind_stack.deliver(completed) == []
    # When an older, contradicting Stopped/MaxRuntimeExceeded snapshot arrives
    contradicting = json.loads(completed[-1])
    contradicting["detail"]["TrainingJobStatus"] = "Stopped"
    contradicting["detail"]["SecondaryStatus"] = "MaxRuntimeExceeded"
    contradicting["detail"]["LastModifiedTime"] -= 1000
    assert every_kind_stack.deliver([json.dumps(contradicting)]) == []
    # Then the stored outcome decides: only the Completed alert exists
    assert alerts_by_job(every_kind_stack) == Counter({("job-x", "Completed"): 1})
    claims = every_kind_stack.module.PIPELINE.alerter.claims
    assert stored_claim(claims.models, home_job("job-x"), AlertKind.MAX_RUNTIME_EXCEEDED) is None


def test_alert_content_and_attributes_as_a_subscriber_receives_them(moto_ingest: IngestStack):
    assert moto_ingest.deliver(bodies_of("job-timeout", "MaxRuntimeExceeded")) == []
    [notification] = moto_ingest.inbox.receive_all()
    assert notification["Subject"] == "SageMaker training job job-timeout: MaxRuntimeExceeded"
    assert notification["MessageAttributes"] == {
        "alert_kind": {"Type": "String", "Value": "MaxRuntimeExceeded"},
        "training_job_status": {"Type": "String", "Value": "Stopped"},
        "secondary_status": {"Type": "String", "Value": "MaxRuntimeExceeded"},
    }
    body = notification["Message"]
    assert body["training_job_status"] == "Stopped"
    assert body["console_url"].endswith("#/jobs/job-timeout")
    assert body["logs_url"].endswith("logStreamNameFilter$3Djob-timeout")


def test_a_filter_policy_picks_what_a_team_wants(moto_ingest: IngestStack):
    # Given a team that only wants timeouts
    timeouts = subscribe_inbox(
        moto_ingest.sns,
        moto_ingest.sqs,
        moto_ingest.topic_arn,
        "timeouts",
        filter_policy={"alert_kind": ["MaxRuntimeExceeded"]},
    )
    # When a job fails and another one times out
    bodies = bodies_of("job-a", "Failed") + bodies_of("job-b", "MaxRuntimeExceeded")
    assert moto_ingest.deliver(bodies) == []
    # Then that team's queue got only the timeout; the unfiltered one got both
    assert [n["Message"]["training_job_name"] for n in timeouts.receive_all()] == ["job-b"]
    assert len(moto_ingest.inbox.receive_all()) == 2


def test_a_claim_left_by_a_holder_that_died_is_taken_over_after_its_lease(moto_ingest: IngestStack):
    # Given a stored Failed job whose claim is pending: its holder died before publishing
    bodies = bodies_of("job-orphan", "Failed")
    moto_ingest.take_topic_down()  # nothing goes out while we set up
    assert moto_ingest.deliver(bodies) == [bodies[-1]]
    claims = moto_ingest.module.PIPELINE.alerter.claims
    now_ms = int(time.time() * 1000)
    abandoned = claims.claim(
        home_job("job-orphan"), AlertKind.FAILED, "key", now_ms - 2 * LEASE_MS, LEASE_MS
    )
    assert abandoned.outcome is ClaimOutcome.CLAIMED
    moto_ingest.bring_topic_back()
    # When the event is redelivered after the lease ran out
    assert moto_ingest.deliver([bodies[-1]]) == []
    # Then the alert goes out once, and the dead holder can no longer touch the claim
    assert alerts_by_job(moto_ingest) == Counter({("job-orphan", "Failed"): 1})
    assert claims.release(abandoned) is False
    assert stored_claim(claims.models, home_job("job-orphan"), AlertKind.FAILED)["state"] == "sent"


def test_a_claim_held_by_a_live_publisher_sends_the_record_back(moto_ingest: IngestStack):
    # Given a stored Failed job whose alert another invocation is publishing right now
    bodies = bodies_of("job-busy", "Failed")
    assert moto_ingest.deliver(bodies[:-1]) == []
    claims = moto_ingest.module.PIPELINE.alerter.claims
    held = claims.claim(
        home_job("job-busy"), AlertKind.FAILED, "key", int(time.time() * 1000), LEASE_MS
    )
    assert held.outcome is ClaimOutcome.NOT_STORED_OUTCOME  # the job is not Failed yet
    assert moto_ingest.deliver([bodies[-1]]) == []  # stores Failed, publishes
    moto_ingest.inbox.receive_all()
    # When the holder's claim is pending and a duplicate arrives
    claims.models.alert_claim("JOB#123456789012#us-east-1#job-busy", "ALERT#Failed").update(
        actions=[claims.models.alert_claim.state.set("pending")]
    )
    # Then the duplicate's record fails (SQS brings it back later) and nothing is published
    assert moto_ingest.deliver([bodies[-1]]) == [bodies[-1]]
    assert moto_ingest.inbox.receive_all() == []


class FlakyPublisher:
    """The real SNS publisher, failing at random like a network with bad moments."""

    def __init__(self, publisher: Any, rng: random.Random, failure_rate: float) -> None:
        self.publisher, self.rng, self.failure_rate = publisher, rng, failure_rate
        self.failures = 0

    def publish(self, message: AlertMessage) -> str:
        if self.rng.random() < self.failure_rate:
            self.failures += 1
            raise AlertPublishFailed("connection reset")
        return str(self.publisher.publish(message))


@pytest.mark.parametrize("seed", range(3))
def test_random_publish_failures_with_retries_still_alert_once(moto_ingest: IngestStack, seed: int):
    # Given a publisher that fails a third of the time, and a shuffled stream with duplicates
    rng = random.Random(seed)
    alerter = moto_ingest.module.PIPELINE.alerter
    flaky = FlakyPublisher(alerter.publisher, rng, failure_rate=1 / 3)
    pipeline = moto_ingest.module.PIPELINE._replace(alerter=alerter._replace(publisher=flaky))
    endings = list(ENDINGS) * 2
    bodies = [body for i, ending in enumerate(endings) for body in bodies_of(f"job-{i}", ending)]
    stream = bodies + rng.sample(bodies, len(bodies) // 2)
    rng.shuffle(stream)

    def handler(event: dict[str, Any], context: Any) -> Any:
        return process_partial_response(
            event=event,
            record_handler=lambda record: moto_ingest.module.ingest_record(record, pipeline),
            processor=BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False),
            context=context,
        )

    # When batches are delivered and SQS redelivers every failed record until none fails
    pending = stream
    for _ in range(30):
        pending = deliver(handler, pending)
        if not pending:
            break
    # Then every failure was retried to success, and each alertable job alerted once
    assert pending == []
    assert flaky.failures > 0
    expected = {
        (f"job-{i}", ending): 1
        for i, ending in enumerate(endings)
        if ending in ("Failed", "MaxRuntimeExceeded")
    }
    assert alerts_by_job(moto_ingest) == Counter(expected)
