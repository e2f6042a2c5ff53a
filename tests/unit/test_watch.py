"""The watch's pure logic with an injected clock: each trouble fires after its threshold,
not before, and names an episode that ends when the job moves on."""

from __future__ import annotations

from typing import Any

import pytest
from jobtracker.errors import MalformedEvent
from jobtracker.record import JobIdentity
from jobtracker.timestamps import iso_from_ms, to_epoch_ms
from jobtracker.watch import (
    NEAR_MAX_RUNTIME,
    NEAR_MAX_WAIT,
    STUCK,
    WatchSettings,
    attention,
    in_flight_job,
    troubles,
)

CREATED = to_epoch_ms("2026-12-01T10:00:00.000Z")
MINUTE = 60_000
SETTINGS = WatchSettings()


def summary(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "training_job_name": "resnet-a",
        "account": "123456789012",
        "region": "us-east-1",
        "training_job_status": "InProgress",
        "secondary_status": "Starting",
        "secondary_status_since": iso_from_ms(CREATED),
        "creation_time": iso_from_ms(CREATED),
        "training_start_time": None,
        "max_runtime_in_seconds": None,
        "max_wait_time_in_seconds": None,
    }
    base.update(changes)
    return base


def kinds_at(job_summary: dict[str, Any], now_ms: int, settings: WatchSettings = SETTINGS):
    job = in_flight_job(job_summary)
    assert job is not None
    return [trouble.kind for trouble in troubles(job, now_ms, settings)]


@pytest.mark.parametrize(
    ("secondary", "minutes"),
    [
        ("Starting", 30),
        ("LaunchingMLInstances", 30),
        ("PreparingTrainingStack", 30),
        ("Downloading", 60),
        ("DownloadingTrainingImage", 60),
        ("Uploading", 60),
    ],
)
def test_stuck_fires_only_once_the_status_threshold_has_passed(secondary: str, minutes: int):
    # Given a job that entered `secondary` at creation
    job = summary(secondary_status=secondary)
    # Then at exactly the threshold it is not stuck, a millisecond later it is
    assert kinds_at(job, CREATED + minutes * MINUTE) == []
    assert kinds_at(job, CREATED + minutes * MINUTE + 1) == [STUCK]


def test_stopping_is_stuck_after_15_minutes():
    job = summary(training_job_status="Stopping", secondary_status="Stopping")
    assert kinds_at(job, CREATED + 15 * MINUTE) == []
    assert kinds_at(job, CREATED + 15 * MINUTE + 1) == [STUCK]


def test_training_is_never_stuck_unless_configured():
    job = summary(secondary_status="Training", training_start_time=iso_from_ms(CREATED))
    assert kinds_at(job, CREATED + 30 * 24 * 60 * MINUTE) == []
    configured = WatchSettings(stuck_after_minutes={"Training": 120})
    assert kinds_at(job, CREATED + 121 * MINUTE, configured) == [STUCK]


def test_configured_thresholds_replace_the_defaults():
    job = summary(secondary_status="Starting")
    settings = WatchSettings(stuck_after_minutes={"Starting": 5})
    assert kinds_at(job, CREATED + 5 * MINUTE, settings) == []
    assert kinds_at(job, CREATED + 5 * MINUTE + 1, settings) == [STUCK]


def test_stuck_counts_from_the_current_transition_not_the_creation():
    # Given a job that moved to Downloading 50 minutes after its creation
    moved = CREATED + 50 * MINUTE
    job = summary(secondary_status="Downloading", secondary_status_since=iso_from_ms(moved))
    # Then it is stuck 60 minutes after that move, not 60 after creation
    assert kinds_at(job, CREATED + 61 * MINUTE) == []
    assert kinds_at(job, moved + 60 * MINUTE + 1) == [STUCK]


def test_moving_on_ends_the_episode_and_a_later_stall_is_a_new_one():
    # Given a job stuck starting, which then moved on and stalled again
    first = in_flight_job(summary())
    later_start = CREATED + 45 * MINUTE
    second = in_flight_job(
        summary(secondary_status="Downloading", secondary_status_since=iso_from_ms(later_start))
    )
    back = in_flight_job(summary(secondary_status_since=iso_from_ms(CREATED + 200 * MINUTE)))
    assert first and second and back
    # When the watch looks at each stall well past its threshold
    episodes = [
        troubles(job, CREATED + 400 * MINUTE, SETTINGS)[0].episode for job in (first, second, back)
    ]
    # Then each has an episode of its own, even the return to the same status
    assert len(set(episodes)) == 3
    assert episodes[0] == "Starting@2026-12-01T10:00:00.000Z"
    # And looking again at the same stall gives the same episode
    assert troubles(first, CREATED + 31 * MINUTE, SETTINGS)[0].episode == episodes[0]


def test_near_max_runtime_fires_at_90_percent_of_the_limit():
    started = CREATED + 10 * MINUTE
    job = summary(
        secondary_status="Training",
        secondary_status_since=iso_from_ms(started),
        training_start_time=iso_from_ms(started),
        max_runtime_in_seconds=10_000,
    )
    assert kinds_at(job, started + 9_000_000) == []
    assert kinds_at(job, started + 9_000_001) == [NEAR_MAX_RUNTIME]
    found = troubles(in_flight_job(job), started + 9_500_000, SETTINGS)[0]  # type: ignore[arg-type]
    assert (found.threshold_seconds, found.limit_seconds, found.for_seconds) == (9000, 10_000, 9500)
    assert found.episode == iso_from_ms(started)


def test_near_max_share_is_configurable():
    started = CREATED
    job = summary(
        secondary_status="Training",
        training_start_time=iso_from_ms(started),
        max_runtime_in_seconds=1000,
    )
    settings = WatchSettings(near_max_percent=50)
    assert kinds_at(job, started + 500_000, settings) == []
    assert kinds_at(job, started + 500_001, settings) == [NEAR_MAX_RUNTIME]


def test_near_max_wait_counts_from_creation_for_managed_spot():
    # Given a spot job created at CREATED, allowed 2 hours of wait and run
    job = summary(
        secondary_status="Training",
        training_start_time=iso_from_ms(CREATED + 60 * MINUTE),
        max_runtime_in_seconds=7200,
        max_wait_time_in_seconds=7200,
    )
    # Then NearMaxWait comes at 108 minutes after creation, NearMaxRuntime later
    assert kinds_at(job, CREATED + 108 * MINUTE) == []
    assert kinds_at(job, CREATED + 108 * MINUTE + 1) == [NEAR_MAX_WAIT]
    assert kinds_at(job, CREATED + 60 * MINUTE + 108 * MINUTE + 1) == [
        NEAR_MAX_RUNTIME,
        NEAR_MAX_WAIT,
    ]


def test_a_job_without_training_start_is_not_near_its_runtime():
    job = summary(max_runtime_in_seconds=60)
    assert NEAR_MAX_RUNTIME not in kinds_at(job, CREATED + 10 * 24 * 60 * MINUTE)


def test_ended_jobs_are_not_watched():
    assert in_flight_job(summary(training_job_status="Completed")) is None
    assert attention(summary(training_job_status="Failed"), CREATED + 10**9, SETTINGS) == []


def test_a_job_before_its_first_transition_is_starting_since_creation():
    job = summary(secondary_status=None, secondary_status_since=None)
    assert kinds_at(job, CREATED + 30 * MINUTE + 1) == [STUCK]


def test_attention_entries_say_kind_since_and_threshold():
    entries = attention(summary(), CREATED + 45 * MINUTE, SETTINGS)
    assert entries == [
        {
            "kind": "Stuck",
            "secondary_status": "Starting",
            "since": "2026-12-01T10:00:00.000Z",
            "for_seconds": 45 * 60,
            "threshold_seconds": 30 * 60,
            "limit_seconds": None,
        }
    ]


def test_a_summary_without_identity_is_an_error_not_a_skip():
    with pytest.raises(MalformedEvent):
        in_flight_job(summary(account=None))


@pytest.mark.parametrize("settings", [{"near_max_percent": 100}, {"near_max_percent": 0}])
def test_settings_out_of_range_are_refused(settings: dict[str, int]):
    with pytest.raises(ValueError):
        WatchSettings(**settings)  # type: ignore[arg-type]


def test_identity_of_a_trouble_is_the_jobs():
    job = in_flight_job(summary())
    assert job is not None
    assert troubles(job, CREATED + 31 * MINUTE, SETTINGS)[0].job == JobIdentity(
        "123456789012", "us-east-1", "resnet-a"
    )
