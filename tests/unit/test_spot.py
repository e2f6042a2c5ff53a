"""Which interruption a snapshot reports, and its number, from the snapshot alone."""

from __future__ import annotations

import pytest
from jobtracker.record import Transition
from jobtracker.spot import Interruption, reported_interruption


def history(*statuses: str) -> tuple[Transition, ...]:
    return tuple(
        Transition(status, 1_800_000_000_000 + 60_000 * i, None, None)
        for i, status in enumerate(statuses)
    )


def test_the_current_interruption_is_numbered_by_its_place_in_the_history():
    # Given a job interrupted twice, now in its second interruption
    transitions = history(
        "Starting", "Training", "Interrupted", "Starting", "Training", "Interrupted"
    )
    # Then the snapshot reports the second, at its transition's start
    assert reported_interruption("InProgress", "Interrupted", transitions) == Interruption(
        number=2, start_ms=1_800_000_000_000 + 5 * 60_000
    )


def test_a_snapshot_past_an_interruption_reports_none():
    transitions = history("Starting", "Training", "Interrupted", "Starting")
    assert reported_interruption("InProgress", "Starting", transitions) is None


def test_interrupted_without_its_transition_reports_none():
    assert reported_interruption("InProgress", "Interrupted", history("Starting")) is None


@pytest.mark.parametrize(
    ("number", "ordinal"),
    [
        (1, "1st"),
        (2, "2nd"),
        (3, "3rd"),
        (4, "4th"),
        (11, "11th"),
        (12, "12th"),
        (13, "13th"),
        (21, "21st"),
        (22, "22nd"),
        (111, "111th"),
    ],
)
def test_ordinals(number: int, ordinal: str):
    assert Interruption(number, 0).ordinal == ordinal


def test_episode_names_the_interruption_by_its_start():
    assert Interruption(1, 1_800_000_000_000).episode == "2027-01-15T08:00:00.000Z"


def test_a_job_that_ended_interrupted_is_an_outcome_not_an_interruption_in_flight():
    transitions = history("Starting", "Training", "Interrupted")
    assert reported_interruption("Stopped", "Interrupted", transitions) is None
