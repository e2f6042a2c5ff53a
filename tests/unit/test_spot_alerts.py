"""SpotInterrupted at ingest: once per interruption, numbered, whatever the delivery."""

from __future__ import annotations

import json

from jobtracker.alert_kinds import DEFAULT_KINDS, AlertKind
from jobtracker.alerts.alerter import ExactlyOnceAlerter
from jobtracker.outcomes import StoreOutcome
from jobtracker.record import normalise_training_job

from synthetic.events import BASE_MS, lifecycle
from tests.fixtures.alert_fakes import FakeClaims, FakePublisher

NAME = "spot-llm"


def snapshots():
    details = lifecycle(NAME, "Completed", spot=True, interruptions=2)
    return [normalise_training_job(detail) for detail in details]


def alerter(claims: FakeClaims, publisher: FakePublisher, kinds=DEFAULT_KINDS):
    return ExactlyOnceAlerter(
        claims=claims,
        publisher=publisher,
        kinds=frozenset(kinds),
        clock=lambda: BASE_MS / 1000,
    )


def headlines(publisher: FakePublisher) -> list[str]:
    return [message.text.splitlines()[0] for message in publisher.published]


def test_each_interruption_alerts_once_with_its_number():
    claims, publisher = FakeClaims(), FakePublisher()
    given = alerter(claims, publisher)
    # When every snapshot arrives in order, then every one again
    for snapshot in snapshots() + snapshots():
        given.alert(snapshot, StoreOutcome.STORED)
    # Then two alerts went out, the first and the second interruption
    assert headlines(publisher) == [
        f"SageMaker training job {NAME}: spot capacity lost (1st interruption)",
        f"SageMaker training job {NAME}: spot capacity lost (2nd interruption)",
    ]
    assert [m.attributes["alert_kind"] for m in publisher.published] == ["SpotInterrupted"] * 2
    second = publisher.published[1].body
    assert (second["interruption_number"], second["secondary_status"]) == (2, "Interrupted")
    assert second["episode"] == second["status_since"]


def test_reversed_delivery_numbers_each_interruption_the_same():
    claims, publisher = FakeClaims(), FakePublisher()
    given = alerter(claims, publisher)
    # The later interruption's event arrives first, and as a stale one
    for snapshot in reversed(snapshots()):
        given.alert(snapshot, StoreOutcome.STALE)
    assert sorted(headlines(publisher)) == [
        f"SageMaker training job {NAME}: spot capacity lost (1st interruption)",
        f"SageMaker training job {NAME}: spot capacity lost (2nd interruption)",
    ]


def test_only_the_interrupted_snapshots_make_a_claim():
    claims, publisher = FakeClaims(), FakePublisher()
    for snapshot in snapshots():
        alerter(claims, publisher).alert(snapshot, StoreOutcome.STORED)
    claimed = [call for call in claims.calls if call.startswith("claim")]
    assert len(claimed) == 2 and all("SpotInterrupted" in call for call in claimed)


def test_not_configured_no_claim():
    claims, publisher = FakeClaims(), FakePublisher()
    for snapshot in snapshots():
        alerter(claims, publisher, kinds=[AlertKind.FAILED]).alert(snapshot, StoreOutcome.STORED)
    assert claims.calls == [] and publisher.published == []


def test_the_chat_form_threads_interruptions_with_the_jobs_other_alerts():
    claims, publisher = FakeClaims(), FakePublisher()
    for snapshot in snapshots():
        alerter(claims, publisher).alert(snapshot, StoreOutcome.STORED)
    threads = {
        json.loads(json.loads(m.sns_message())["https"])["metadata"]["threadId"]
        for m in publisher.published
    }
    assert threads == {f"jobtracker/123456789012/us-east-1/{NAME}"}
