from __future__ import annotations

import pytest
from jobtracker.alert_kinds import AlertKind, kind_of, parse_kinds


@pytest.mark.parametrize(
    ("status", "secondary", "kind"),
    [
        ("Failed", "Failed", AlertKind.FAILED),
        ("Failed", None, AlertKind.FAILED),
        ("Completed", "Completed", AlertKind.COMPLETED),
        ("Stopped", "MaxRuntimeExceeded", AlertKind.MAX_RUNTIME_EXCEEDED),
        ("Stopped", "MaxWaitTimeExceeded", AlertKind.MAX_WAIT_TIME_EXCEEDED),
        ("Stopped", "Interrupted", AlertKind.INTERRUPTED),
        ("Stopped", "Stopped", AlertKind.STOPPED),
        ("Stopped", None, AlertKind.STOPPED),
    ],
)
def test_each_terminal_state_has_one_kind(status: str, secondary: str | None, kind: AlertKind):
    assert kind_of(status, secondary) is kind


@pytest.mark.parametrize(
    ("status", "secondary"),
    [
        ("InProgress", "Training"),
        ("Stopping", "MaxRuntimeExceeded"),  # not ended yet: the Stopped snapshot alerts
        ("Stopping", "Stopping"),
        ("Stopped", "Stopping"),  # stopped, but why is not known yet
    ],
)
def test_states_that_cannot_alert(status: str, secondary: str | None):
    assert kind_of(status, secondary) is None


def test_parse_kinds_accepts_spaces_and_order():
    assert parse_kinds(" MaxRuntimeExceeded ,Failed,") == {
        AlertKind.FAILED,
        AlertKind.MAX_RUNTIME_EXCEEDED,
    }


def test_parse_kinds_names_the_unknown_kind_and_the_valid_ones():
    with pytest.raises(ValueError) as raised:
        parse_kinds("Failed,failed,Crashed")
    message = str(raised.value)
    assert "'failed'" in message and "'Crashed'" in message
    assert "Interrupted" in message  # the valid kinds are listed
