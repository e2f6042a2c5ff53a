"""The console of `make local` and `make soak`: metric lines only when asked for."""

from __future__ import annotations

import io
import json
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


def test_a_json_log_line_reads_as_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given the console, and the line Powertools logs for a job SageMaker cannot describe
    terminal = io.StringIO()
    monkeypatch.setattr(sys, "stdout", terminal)
    console.install()
    entry = {
        "level": "WARNING",
        "location": "_failed:88",
        "message": "enrichment pending",
        "timestamp": "2026-11-30 19:23:43,311+0000",
        "service": "jobtracker",
        "cold_start": False,
        "function_name": "jobtracker-local-ingest",
        "function_request_id": "56a50b2c",
        "training_job_name": "resnet50-imagenet-sample-job",
        "reason": "not found: no such job",
    }
    # When it is printed
    print(json.dumps(entry))
    # Then it is one line: level, message, and the facts of the entry only
    assert terminal.getvalue() == (
        "WARNING enrichment pending (training_job_name=resnet50-imagenet-sample-job, "
        "reason=not found: no such job)\n"
    )


def test_a_logged_exception_keeps_its_traceback_below_the_line() -> None:
    line = json.dumps(
        {"level": "ERROR", "message": "enrichment error", "exception": "Traceback ...\nBoom"}
    )
    assert console.readable_log_line(line) == "ERROR enrichment error\nTraceback ...\nBoom"
    assert console.readable_log_line('{"level": broken') == '{"level": broken'


def test_control_characters_in_a_logged_value_are_escaped(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given the console, and a refused request whose reason quotes a CR LF and an ESC
    terminal = io.StringIO()
    monkeypatch.setattr(sys, "stdout", terminal)
    console.install()
    entry = {"level": "INFO", "message": "request refused", "reason": "status '\r\nX: 1\x1b[2J'"}
    # When it is logged as JSON, then printed as a plain line and said by the console
    print(json.dumps(entry))
    print("raw\rline")
    console.say("api: GET /jobs\nX-Injected: yes")
    # Then each is one line of its own, the control characters written out
    assert terminal.getvalue().splitlines() == [
        "INFO request refused (reason=status '\\r\\nX: 1\\x1b[2J')",
        "raw\\rline",
        "api: GET /jobs\\nX-Injected: yes",
    ]


def test_a_traceback_keeps_its_lines_but_not_their_control_characters() -> None:
    line = json.dumps({"level": "ERROR", "message": "x\ry", "exception": "Traceback\nBoom\x1b[0m"})
    assert console.readable_log_line(line) == "ERROR x\\ry\nTraceback\nBoom\\x1b[0m"
