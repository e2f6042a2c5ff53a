"""The ordering rule: which snapshot may replace which, as a total order on one string."""

import copy
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from jobtracker.record import JobSnapshot, normalise_training_job

from synthetic.events import BASE_MS, describe_response, lifecycle


def _snapshot(detail: dict[str, Any]) -> JobSnapshot:
    return normalise_training_job(detail)


def test_a_later_last_modified_time_wins() -> None:
    first, second = lifecycle("order", "Completed")[1:3]
    assert _snapshot(first).order_key < _snapshot(second).order_key


def test_at_equal_time_the_higher_status_rank_wins() -> None:
    running = lifecycle("rank", None)[-1]
    stopping = copy.deepcopy(running)
    stopping["TrainingJobStatus"] = "Stopping"
    assert _snapshot(running).version[0] == _snapshot(stopping).version[0]
    assert _snapshot(running).order_key < _snapshot(stopping).order_key


def test_at_equal_time_and_rank_more_transitions_win() -> None:
    shorter = lifecycle("count", None)[-1]
    longer = copy.deepcopy(shorter)
    longer["SecondaryStatusTransitions"].append(
        {"Status": "Uploading", "StartTime": shorter["LastModifiedTime"]}
    )
    assert _snapshot(shorter).order_key < _snapshot(longer).order_key


def test_a_terminal_status_never_goes_back() -> None:
    failed = lifecycle("terminal", "Failed")[-1]
    late_running = copy.deepcopy(lifecycle("terminal", None)[-1])
    late_running["LastModifiedTime"] = failed["LastModifiedTime"] + 3_600_000
    assert _snapshot(late_running).order_key < _snapshot(failed).order_key


def test_a_described_snapshot_beats_its_event_at_equal_version() -> None:
    event = lifecycle("enriched", "Completed")[-1]
    assert _snapshot(event).version == _snapshot(describe_response(event)).version
    assert _snapshot(event).order_key < _snapshot(describe_response(event)).order_key


def test_identical_snapshots_have_identical_keys() -> None:
    detail = lifecycle("same", "Stopped")[-1]
    assert _snapshot(detail).order_key == _snapshot(copy.deepcopy(detail)).order_key


@given(
    st.tuples(
        st.sampled_from(["InProgress", "Stopping", "Completed", "Failed", "Stopped"]),
        st.integers(0, 10**9),
        st.integers(0, 30),
    ),
    st.tuples(
        st.sampled_from(["InProgress", "Stopping", "Completed", "Failed", "Stopped"]),
        st.integers(0, 10**9),
        st.integers(0, 30),
    ),
)
def test_string_order_is_the_rules_order(a: tuple[str, int, int], b: tuple[str, int, int]) -> None:
    left, right = _variant(*a), _variant(*b)
    expected = (left.is_terminal, left.version) < (right.is_terminal, right.version)
    if (left.is_terminal, left.version) != (right.is_terminal, right.version):
        assert (left.order_key < right.order_key) == expected


def _variant(status: str, offset_ms: int, transitions: int) -> JobSnapshot:
    detail = copy.deepcopy(lifecycle("variant", None)[0])
    detail["TrainingJobStatus"] = status
    detail["LastModifiedTime"] = BASE_MS + offset_ms
    detail["SecondaryStatusTransitions"] = [
        {"Status": f"S{i}", "StartTime": BASE_MS + i} for i in range(transitions)
    ]
    return normalise_training_job(detail)
