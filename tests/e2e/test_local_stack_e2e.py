"""`make local`'s stack over real HTTP: PutEvents in, GET out."""

from __future__ import annotations

import json
import signal
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

import pytest

from local.demo import put_events
from local.emulator import DLQ_NAME
from local.entries import DIRECTORY as ENTRIES
from local.entries import SAMPLE_JOB
from synthetic.events import TagForm, TimeForm, lifecycle, put_events_entry, with_time_form
from tests.fixtures.http_events import strict_loads

from .conftest import LocalStack, running_local_stack

pytestmark = pytest.mark.e2e

T = TypeVar("T")
HOUR_MS = 3_600_000


def get(url: str) -> tuple[int, dict[str, str], Any]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, dict(response.headers), strict_loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), strict_loads(error.read())


def eventually(probe: Callable[[], T | None], timeout: float, what: str, stack: LocalStack) -> T:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = probe()
        if result is not None:
            return result
        time.sleep(0.25)
    raise AssertionError(f"{what} within {timeout} s; the stack said:\n{stack.log()}")


def unique_name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def now_ms() -> int:
    return int(datetime.now(UTC).timestamp() * 1000)


def test_out_of_order_events_with_a_duplicate_end_in_the_newest_state(
    local_stack: LocalStack,
) -> None:
    # Given every event of a completed job, in mixed forms, newest early and sent twice
    name = unique_name("e2e-completed")
    snapshots = lifecycle(
        name, "Completed", creation_ms=now_ms() - 2 * HOUR_MS, tag_form=TagForm.LIST
    )
    forms = [TimeForm.MILLIS_TEXT, TimeForm.ISO, TimeForm.MILLIS_FLOAT, TimeForm.MILLIS]
    snapshots = [with_time_form(s, forms[i % len(forms)]) for i, s in enumerate(snapshots)]
    newest = snapshots[-1]
    delivered = [snapshots[3], newest, snapshots[0], *snapshots[1:3], newest, *snapshots[4:-1]]
    assert sorted(delivered, key=snapshots.index) != delivered  # really out of order

    # When they are put on the default bus
    put_events(local_stack.client("events"), delivered)

    # Then the job reads as its newest snapshot, with every transition applied
    def stored_complete() -> dict[str, Any] | None:
        status, _, body = get(f"{local_stack.api_url}/jobs/{name}")
        if status != 200 or body["training_job_status"] != "Completed":
            return None
        _, _, history = get(f"{local_stack.api_url}/jobs/{name}/transitions")
        return body if len(history["items"]) == len(snapshots) else None

    job = eventually(stored_complete, 30, f"{name} stored as Completed", local_stack)
    assert job["training_job_name"] == name
    assert job["secondary_status"] == "Completed"
    assert job["last_modified_time"].endswith("Z")
    assert job["last_modified_time"] == job["secondary_status_transitions"][-1]["start_time"]
    assert job["training_end_time"] == job["last_modified_time"]
    assert {"key": "team", "value": "vision"} in job["tags"]
    assert job["resource_config"]["instance_type"] == "ml.g5.2xlarge"
    assert job["hyper_parameters"]["Batch-Size"] == "64"


def test_transitions_come_back_in_order(local_stack: LocalStack) -> None:
    # Given a failed job whose events, without EndTimes, arrive newest first
    name = unique_name("e2e-failed")
    snapshots = lifecycle(name, "Failed", creation_ms=now_ms() - 3 * HOUR_MS, with_end_times=False)
    put_events(local_stack.client("events"), list(reversed(snapshots)))
    statuses = [snapshot["SecondaryStatus"] for snapshot in snapshots]

    # When its history is read
    def history() -> list[dict[str, Any]] | None:
        status, _, body = get(f"{local_stack.api_url}/jobs/{name}/transitions")
        complete = status == 200 and len(body["items"]) == len(statuses)
        return body["items"] if complete else None

    items = eventually(history, 30, f"the history of {name}", local_stack)

    # Then it is every secondary status, in order, each ending where the next starts
    assert [item["status"] for item in items] == statuses
    starts = [item["start_time"] for item in items]
    assert starts == sorted(starts)
    assert [item["end_time"] for item in items[:-1]] == starts[1:]
    assert items[-1]["end_time"] is None
    status, _, job = get(f"{local_stack.api_url}/jobs/{name}")
    assert status == 200
    assert job["training_job_status"] == "Failed"
    assert job["failure_reason"] == snapshots[-1]["FailureReason"]


def test_unknown_job_is_a_json_404(local_stack: LocalStack) -> None:
    status, headers, body = get(f"{local_stack.api_url}/jobs/{unique_name('no-such-job')}")

    assert status == 404
    assert headers["Content-Type"].startswith("application/json")
    assert "not found" in body["message"]


def test_bad_parameter_is_a_json_400_not_a_500(local_stack: LocalStack) -> None:
    status, _, body = get(f"{local_stack.api_url}/jobs?limit=0")

    assert status == 400
    assert "limit" in body["message"]


def test_new_job_is_listed_first(local_stack: LocalStack) -> None:
    # Given a job created just now (every other job of the session is older)
    name = unique_name("e2e-listed")
    put_events(
        local_stack.client("events"),
        lifecycle(name, None, creation_ms=now_ms() - 60_000, step_ms=1_000),
    )

    # When the jobs are listed, newest first, once its last event is in
    def listed() -> list[dict[str, Any]] | None:
        status, _, body = get(f"{local_stack.api_url}/jobs?limit=100")
        items = body["items"] if status == 200 else []
        mine = [item for item in items if item["training_job_name"] == name]
        return items if mine and mine[0]["secondary_status"] == "Training" else None

    items = eventually(listed, 30, f"{name} in GET /jobs as Training", local_stack)

    # Then it comes first, with its summary
    assert items[0]["training_job_name"] == name
    assert items[0]["training_job_status"] == "InProgress"
    creation_times = [item["creation_time"] for item in items]
    assert creation_times == sorted(creation_times, reverse=True)


def test_poison_event_goes_to_the_dlq_and_never_blocks_its_batch(
    local_stack: LocalStack,
) -> None:
    # Given one PutEvents call of good events with a malformed one in the middle
    created = now_ms() - HOUR_MS
    names = [unique_name("e2e-good") for _ in range(4)]
    details = [lifecycle(name, "Completed", creation_ms=created)[-1] for name in names]
    poison_name = unique_name("e2e-poison")
    poison = {**details[0], "TrainingJobName": poison_name, "TrainingJobStatus": "Exploded"}
    entries = [put_events_entry(d) for d in (*details[:2], poison, *details[2:])]
    events = local_stack.client("events")
    started = time.monotonic()

    # When they are put on the default bus
    response = events.put_events(Entries=entries)
    assert response["FailedEntryCount"] == 0

    # Then the good ones are stored
    for name in names:
        eventually(
            lambda name=name: get(f"{local_stack.api_url}/jobs/{name}")[0] == 200 or None,
            30,
            f"{name} stored",
            local_stack,
        )
    # ... and the poison event lands in the DLQ within 30 s, as EventBridge delivered it
    sqs = local_stack.client("sqs")
    dlq_url = sqs.get_queue_url(QueueName=DLQ_NAME)["QueueUrl"]

    def in_dlq() -> dict[str, Any] | None:
        messages = sqs.receive_message(
            QueueUrl=dlq_url, MaxNumberOfMessages=10, VisibilityTimeout=0, WaitTimeSeconds=1
        ).get("Messages", [])
        bodies = [json.loads(message["Body"]) for message in messages]
        found = [body for body in bodies if body["detail"]["TrainingJobName"] == poison_name]
        return found[0] if found else None

    dead = eventually(in_dlq, 30 - (time.monotonic() - started), "poison in the DLQ", local_stack)
    assert dead["detail"]["TrainingJobStatus"] == "Exploded"
    assert {"version", "id", "detail-type", "source", "account", "time", "region"} <= set(dead)
    assert dead["account"] == "123456789012"
    # ... with its reason logged, and never stored
    assert any("poison event" in line and "Exploded" in line for line in local_stack.output)
    assert get(f"{local_stack.api_url}/jobs/{poison_name}")[0] == 404


def test_ctrl_c_stops_everything_cleanly() -> None:
    # Given a running stack of its own
    with running_local_stack(stop_signal=signal.SIGINT) as stack:
        assert stack.process is not None
        # When it gets Ctrl-C
        stack.process.send_signal(signal.SIGINT)
        code = stack.process.wait(timeout=20)

    # Then worker, HTTP server and emulator stop, and it exits 0
    assert code == 0, stack.log()
    assert stack.output[-1] == "stopped"
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(f"{stack.api_url}/jobs", timeout=2)


def test_the_url_comes_first_and_the_demo_loads_under_it() -> None:
    # Given a stack with a small demo
    settings = {"DEMO": "1", "DEMO_JOBS": "4"}
    with running_local_stack(settings=settings) as stack:
        # When the demo has loaded
        loaded = eventually(
            lambda: next((line for line in stack.output if line.startswith("demo: loaded")), None),
            120,
            "the demo loaded",
            stack,
        )
        lines = list(stack.output)
    # Then the API's URL and a first query were printed before the demo began
    api_line = next(i for i, line in enumerate(lines) if line.startswith("API  http://"))
    first_demo_line = next(i for i, line in enumerate(lines) if line.startswith("demo:"))
    assert api_line < first_demo_line, "\n".join(lines)
    assert "(ready: GET /jobs answers 200)" in lines[api_line]
    assert any(
        "local/entries/job-starting.json" in line for line in lines[api_line:first_demo_line]
    )
    assert loaded.startswith("demo: loaded 4 jobs")


def test_the_entry_files_tell_a_job_from_start_to_failure(local_stack: LocalStack) -> None:
    # Given the ready-to-send entry files, sent in order as `aws events put-events` would
    events = local_stack.client("events")
    for name in ("job-starting.json", "job-training.json", "job-failed.json"):
        entries = json.loads((ENTRIES / name).read_text())
        assert events.put_events(Entries=entries)["FailedEntryCount"] == 0
    # Then the job is served Failed, waiting for a description the emulator cannot give
    url = f"{local_stack.api_url}/jobs/{SAMPLE_JOB}"

    def failed() -> dict[str, Any] | None:
        status, _, body = get(url)
        return body if status == 200 and body["training_job_status"] == "Failed" else None

    record = eventually(failed, 30, "the sample job failed", local_stack)
    assert record["enrichment_pending"] is True
    assert "CUDA out of memory" in record["failure_reason"]
