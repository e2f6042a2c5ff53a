from __future__ import annotations

import pytest
from jobtracker.alert_kinds import AlertKind
from jobtracker.alerts.alerter import (
    AlertInFlight,
    AlertPublishFailed,
    ExactlyOnceAlerter,
)
from jobtracker.outcomes import StoreOutcome
from jobtracker.record import normalise_training_job

from synthetic.events import BASE_MS, lifecycle
from tests.fixtures.alert_fakes import FakeClaims, FakePublisher

MINUTE = 60_000

NAME = "bert-pretrain"


def snapshots(ending: str):
    return [normalise_training_job(detail) for detail in lifecycle(NAME, ending)]


def alerter(claims: FakeClaims, publisher: FakePublisher, **options) -> ExactlyOnceAlerter:
    return ExactlyOnceAlerter(
        claims=claims, publisher=publisher, clock=lambda: BASE_MS / 1000, **options
    )


def test_events_that_cannot_alert_make_no_claim():
    claims, publisher = FakeClaims(), FakePublisher()
    given = alerter(claims, publisher)
    for snapshot in snapshots("Completed") + snapshots("Stopped") + snapshots("Failed")[:-1]:
        assert given.alert(snapshot, StoreOutcome.STORED) == []
    assert claims.calls == []
    assert publisher.published == []


def test_a_configured_kind_claims_publishes_and_marks_sent():
    claims, publisher = FakeClaims(), FakePublisher()
    failed = snapshots("Failed")[-1]
    assert alerter(claims, publisher).alert(failed, StoreOutcome.STORED) == ["Failed"]
    assert claims.calls == [f"claim {NAME} Failed", f"sent {NAME} Failed message-1"]
    assert [message.subject for message in publisher.published] == [
        f"SageMaker training job {NAME}: Failed"
    ]


def test_a_stale_event_goes_through_the_claim_too():
    claims, publisher = FakeClaims(sent={(NAME, AlertKind.FAILED)}), FakePublisher()
    assert alerter(claims, publisher).alert(snapshots("Failed")[-1], StoreOutcome.STALE) == []
    assert claims.calls == [f"claim {NAME} Failed"]
    assert publisher.published == []


def test_a_failed_publish_releases_the_claim_and_raises():
    claims, publisher = FakeClaims(), FakePublisher(failures_left=1)
    given = alerter(claims, publisher)
    failed = snapshots("Failed")[-1]
    with pytest.raises(AlertPublishFailed):
        given.alert(failed, StoreOutcome.STORED)
    assert claims.calls == [f"claim {NAME} Failed", f"release {NAME} Failed"]
    assert claims.pending == set() and claims.sent == set()
    # The redelivery finds the job stored already, and publishes.
    assert given.alert(failed, StoreOutcome.STALE) == ["Failed"]
    assert len(publisher.published) == 1


def test_a_claim_held_by_a_live_publisher_defers_the_record():
    claims = FakeClaims(held_elsewhere={(NAME, AlertKind.FAILED)})
    publisher = FakePublisher()
    with pytest.raises(AlertInFlight):
        alerter(claims, publisher).alert(snapshots("Failed")[-1], StoreOutcome.STALE)
    assert publisher.published == []


def test_jobs_that_ended_before_the_lookback_do_not_alert():
    claims, publisher = FakeClaims(), FakePublisher()
    failed = snapshots("Failed")[-1]  # ended at BASE_MS + 6 minutes
    quiet = alerter(claims, publisher, not_before_ms=BASE_MS + 7 * MINUTE)
    assert quiet.alert(failed, StoreOutcome.STORED) == []
    assert claims.calls == []
    recent = alerter(claims, publisher, not_before_ms=BASE_MS + 6 * MINUTE)
    assert recent.alert(failed, StoreOutcome.STORED) == ["Failed"]


def test_only_configured_kinds_alert():
    claims, publisher = FakeClaims(), FakePublisher()
    given = alerter(claims, publisher, kinds=frozenset({AlertKind.COMPLETED}))
    assert given.alert(snapshots("Failed")[-1], StoreOutcome.STORED) == []
    assert given.alert(snapshots("Completed")[-1], StoreOutcome.STORED) == ["Completed"]
