"""Which transitions a snapshot writes, given the mark of the history already stored."""

from __future__ import annotations

from jobtracker.record import Transition
from jobtracker.store.repository import history_mark, unwritten_transitions

MINUTE = 60_000


def _history(count: int, *, last_open: bool = True) -> list[Transition]:
    steps = [
        Transition(f"Step{i}", i * MINUTE, (i + 1) * MINUTE, f"step {i}") for i in range(count)
    ]
    if last_open and steps:
        steps[-1] = steps[-1]._replace(end_ms=None)
    return steps


def test_with_no_mark_every_transition_is_written() -> None:
    history = _history(3)
    assert unwritten_transitions(history, None) == history
    assert unwritten_transitions(history, "not a mark") == history


def test_the_same_history_writes_nothing() -> None:
    history = _history(4)
    assert unwritten_transitions(history, history_mark(history)) == []


def test_a_grown_history_writes_the_ended_last_one_and_the_new_ones() -> None:
    # Given a stored history of 3 whose last was still open
    stored = _history(3)
    # When the next snapshot has ended it and added two
    grown = _history(5)
    # Then only the third (now ended) and the two new ones are written
    assert unwritten_transitions(grown, history_mark(stored)) == grown[2:]


def test_a_grown_history_whose_last_is_unchanged_writes_only_the_new() -> None:
    stored = _history(3, last_open=False)
    grown = _history(4)
    assert unwritten_transitions(grown, history_mark(stored)) == grown[3:]


def test_a_history_that_differs_before_its_last_is_written_whole() -> None:
    stored = _history(3)
    changed = _history(4)
    changed[0] = changed[0]._replace(status_message="another message")
    assert unwritten_transitions(changed, history_mark(stored)) == changed


def test_a_shorter_history_is_written_whole() -> None:
    stored = _history(4)
    shorter = _history(2)
    assert unwritten_transitions(shorter, history_mark(stored)) == shorter


def test_an_empty_stored_history_writes_every_transition() -> None:
    history = _history(2)
    assert unwritten_transitions(history, history_mark([])) == history
