"""The watch and SpotInterrupted under moto: claims per episode in the table, the JSON
body to a queue, the chat form to an HTTP subscriber, one thread per job."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from typing import Any

import pytest
from jobtracker.alert_kinds import AlertKind
from jobtracker.alerts.sns import sns_client
from jobtracker.composition import configured_alerter, make_watcher
from jobtracker.config import AlertConfig, TableConfig
from jobtracker.pipeline import Pipeline
from jobtracker.record import JobIdentity, normalise_training_job
from jobtracker.store.alert_claims import AlertClaimRepository, ClaimOutcome, StillIn
from jobtracker.store.repository import JobRepository
from jobtracker.watch import WatchSettings
from moto import mock_aws

from synthetic.events import ACCOUNT, BASE_MS, lifecycle
from tests.fixtures.aws import (
    REGION,
    TABLE_NAME,
    AlertInbox,
    clients,
    create_table,
    create_topic_with_inbox,
)
from tests.fixtures.http_listener import HttpInbox, http_inbox

MINUTE = 60_000
KINDS = frozenset(AlertKind)


class World:
    def __init__(self, topic_arn: str, inbox: AlertInbox, chat: HttpInbox) -> None:
        self.table = TableConfig(TABLE_NAME, REGION)
        self.repository = JobRepository(self.table)
        self.config = AlertConfig(topic_arn=topic_arn, kinds=KINDS)
        self.inbox, self.chat = inbox, chat
        self.sns = sns_client(REGION)
        alerter = configured_alerter(self.config, self.table, self.repository.models)
        self.pipeline = Pipeline(repository=self.repository, alerter=alerter)

    def store(self, detail: dict[str, Any]) -> list[str]:
        return self.pipeline.handle(normalise_training_job(detail)).alerts

    def watch(self, now_ms: int) -> Any:
        watcher = make_watcher(
            self.config, self.table, self.repository.models, self.sns, WatchSettings()
        )
        return watcher._replace(clock=lambda: now_ms / 1000).run()


@pytest.fixture
def world() -> Iterator[World]:
    with mock_aws(), http_inbox() as chat:
        dynamodb, sns, sqs = clients()
        create_table(dynamodb)
        topic_arn, inbox = create_topic_with_inbox(sns, sqs)
        sns.subscribe(TopicArn=topic_arn, Protocol="http", Endpoint=chat.url)
        yield World(topic_arn, inbox, chat)


def test_a_stuck_job_alerts_once_to_the_queue_and_to_chat(world: World):
    # Given a job in Starting since BASE_MS + 1 minute
    world.store(lifecycle("capacity-wait", None)[0])
    # When the watch runs before, after, and long after the 30 minutes
    assert world.watch(BASE_MS + 30 * MINUTE).alerts_sent == []
    first = world.watch(BASE_MS + 32 * MINUTE)
    again = world.watch(BASE_MS + 90 * MINUTE)
    # Then one alert went out
    assert len(first.alerts_sent) == 1 and again.alerts_sent == []
    [queued] = world.inbox.receive_all()
    assert queued["Message"]["alert_kind"] == "Stuck"
    assert queued["Message"]["threshold_seconds"] == 1800
    assert queued["MessageAttributes"]["alert_kind"]["Value"] == "Stuck"
    # And the HTTP subscriber received the chat form, threaded by the job
    [posted] = world.chat.notifications()
    chat = posted["Message"]
    assert (chat["version"], chat["source"]) == ("1.0", "custom")
    assert chat["metadata"]["threadId"] == f"jobtracker/{ACCOUNT}/{REGION}/capacity-wait"
    assert chat["content"]["title"].endswith("capacity-wait stuck in Starting for 31m")
    assert chat["metadata"]["additionalContext"]["alert_kind"] == "Stuck"


def test_one_thread_for_all_of_one_jobs_alerts(world: World):
    # Given a spot job interrupted twice, then stuck starting again, then failed
    snapshots = lifecycle("spot-story", "Failed", spot=True, interruptions=2)
    for detail in snapshots[:-2]:
        world.store(detail)
    world.watch(BASE_MS + 10 * 60 * MINUTE)
    world.store(snapshots[-1])
    kinds = [n["Message"]["alert_kind"] for n in world.inbox.receive_all()]
    assert sorted(kinds) == ["Failed", "SpotInterrupted", "SpotInterrupted", "Stuck"]
    threads = {n["Message"]["metadata"]["threadId"] for n in world.chat.notifications()}
    assert len(world.chat.notifications()) == 4
    assert threads == {f"jobtracker/{ACCOUNT}/{REGION}/spot-story"}


def test_interruptions_alert_once_each_however_the_events_arrive(world: World):
    snapshots = lifecycle("spot-shuffled", "Completed", spot=True, interruptions=2)
    delivery = snapshots + snapshots[2:9]
    random.Random(7).shuffle(delivery)
    for detail in delivery:
        world.store(detail)
    messages = [n["Message"] for n in world.inbox.receive_all()]
    interruptions = [m for m in messages if m["alert_kind"] == "SpotInterrupted"]
    assert sorted((m["interruption_number"], m["interruption_ordinal"]) for m in interruptions) == [
        (1, "1st"),
        (2, "2nd"),
    ]


def test_an_episode_claim_holds_the_job_to_its_state(world: World):
    world.store(lifecycle("claims", None)[0])
    claims = AlertClaimRepository(world.table, world.repository.models)
    job = JobIdentity(ACCOUNT, REGION, "claims")
    still = StillIn("InProgress", "Starting")
    first = claims.claim_episode(
        job, AlertKind.STUCK, "Starting@a", "watch", BASE_MS, 60_000, still
    )
    assert first.outcome is ClaimOutcome.CLAIMED
    # A live claim is in flight; once sent it stays sent; another episode is free
    held = claims.claim_episode(job, AlertKind.STUCK, "Starting@a", "watch", BASE_MS, 60_000, still)
    assert held.outcome is ClaimOutcome.IN_FLIGHT
    assert claims.mark_sent(first, "m-1", BASE_MS)
    again = claims.claim_episode(job, AlertKind.STUCK, "Starting@a", "w", BASE_MS * 2, 1, still)
    assert again.outcome is ClaimOutcome.ALREADY_SENT
    other = claims.claim_episode(job, AlertKind.STUCK, "Starting@b", "watch", BASE_MS, 1, still)
    assert other.outcome is ClaimOutcome.CLAIMED
    # A job no longer in that status refuses the claim
    moved = StillIn("InProgress", "Downloading")
    refused = claims.claim_episode(job, AlertKind.STUCK, "Downloading@c", "w", BASE_MS, 1, moved)
    assert refused.outcome is ClaimOutcome.NOT_STORED_OUTCOME
    unknown = JobIdentity(ACCOUNT, REGION, "never-stored")
    assert (
        claims.claim_episode(unknown, AlertKind.SPOT_INTERRUPTED, "x", "w", BASE_MS, 1).outcome
        is ClaimOutcome.NOT_STORED_OUTCOME
    )
    # The claim items sit under the job's key, one per episode
    items = json.dumps(
        [
            item.sk
            for item in world.repository.models.alert_claim.query(f"JOB#{ACCOUNT}#{REGION}#claims")
            if item.sk.startswith("ALERT#")
        ]
    )
    assert "ALERT#Stuck#Starting@a" in items and "ALERT#Stuck#Starting@b" in items
