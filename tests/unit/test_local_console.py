"""The console of `make local` and `make soak`: metric lines only when asked for."""

from __future__ import annotations

import io
import sys

import pytest

from local import console

EMF_LINE = '{"_aws": {"Timestamp": 1, "CloudWatchMetrics": []}, "EventsStored": [1.0]}'


@pytest.mark.parametrize(("metrics", "shown"), [(False, False), (True, True)])
def test_metric_lines_show_only_when_asked_for(
    monkeypatch: pytest.MonkeyPatch, metrics: bool, shown: bool
) -> None:
    # Given a terminal
    terminal = io.StringIO()
    monkeypatch.setattr(sys, "stdout", terminal)
    # When the console is set up and a batch prints its metrics between two lines
    console.install(metrics=metrics)
    print("ingest: 10 message(s), 10 ok")
    print(EMF_LINE)
    print("demo: loaded")
    # Then the metric line is there only if asked for; the others always are
    lines = terminal.getvalue().splitlines()
    assert (EMF_LINE in lines) is shown
    assert lines[0] == "ingest: 10 message(s), 10 ok" and lines[-1] == "demo: loaded"
