"""Hostile input to `make local`'s stack itself: an event whose detail made the emulator
grow without bound, and HTTP methods the adapter does not know."""

from __future__ import annotations

import http.client
import json
from urllib.parse import urlsplit

import pytest
from botocore.config import Config

from local.emulator import DLQ_NAME
from synthetic.events import lifecycle, put_events_entry
from tests.fixtures.http_events import strict_loads

from .conftest import LocalStack, running_local_stack
from .test_local_stack_e2e import eventually, get, now_ms, unique_name

pytestmark = pytest.mark.e2e

# 81 bytes of JSON that moto 5.2.5's EventBridge wrote out as 2^40 bytes.
NESTED_DETAIL = "[" * 40 + "]" * 40
# Far above what the stack uses (about 0.7 GB of address space, most of it reserved
# thread stacks), far below what the unfixed emulator would take: without the fix the
# put fails within seconds with a MemoryError instead of exhausting the test machine.
STACK_MEMORY_LIMIT = 3 * 2**30


def test_a_deeply_nested_detail_goes_to_the_dlq_and_the_stack_keeps_running() -> None:
    with running_local_stack(max_memory_bytes=STACK_MEMORY_LIMIT) as stack:
        # Given the stack's own bus, asked once (a retry would only wait longer)
        events = stack.client("events", Config(retries={"max_attempts": 1}, read_timeout=60))
        poison = {
            "Source": "aws.sagemaker",
            "DetailType": "SageMaker Training Job State Change",
            "Detail": NESTED_DETAIL,
        }
        # When the 81-byte event is put on it, then a valid one
        assert events.put_events(Entries=[poison])["FailedEntryCount"] == 0
        name = unique_name("e2e-after-nested")
        valid = put_events_entry(lifecycle(name, "Failed", creation_ms=now_ms())[-1])
        assert events.put_events(Entries=[valid])["FailedEntryCount"] == 0
        # Then the valid one is stored and served
        eventually(
            lambda: get(f"{stack.api_url}/jobs/{name}")[0] == 200 or None, 30, "stored", stack
        )
        # ... the nested one reaches the DLQ as it was sent, refused with its reason
        sqs = stack.client("sqs")
        dlq_url = sqs.get_queue_url(QueueName=DLQ_NAME)["QueueUrl"]

        def in_dlq() -> object | None:
            messages = sqs.receive_message(QueueUrl=dlq_url, WaitTimeSeconds=1).get("Messages")
            return json.loads(messages[0]["Body"])["detail"] if messages else None

        assert eventually(in_dlq, 30, "nested event in the DLQ", stack) == json.loads(NESTED_DETAIL)
        assert any("detail: expected an object, got list" in line for line in stack.output)
        # ... and the stack is still up: emulator, worker and API in one process
        assert stack.process is not None and stack.process.poll() is None
        assert get(f"{stack.api_url}/jobs?limit=1")[0] == 200


@pytest.mark.parametrize("method", ["TRACE", "PROPFIND", "get", "BREW"])
def test_an_unknown_method_is_a_json_405(local_stack: LocalStack, method: str) -> None:
    address = urlsplit(local_stack.api_url)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=10)
    try:
        connection.request(method, "/jobs", body=b"<propfind/>" if method == "PROPFIND" else None)
        response = connection.getresponse()
        body = response.read()
    finally:
        connection.close()
    assert response.status == 405
    assert response.getheader("content-type") == "application/json"
    assert response.getheader("allow") == "GET"
    assert strict_loads(body) == {
        "message": f"method {method!r} is not allowed; the API answers GET"
    }
    # ... and the server still answers
    assert get(f"{local_stack.api_url}/jobs?limit=1")[0] == 200


def test_a_stats_window_off_the_calendar_is_a_json_400(local_stack: LocalStack) -> None:
    status, _, body = get(f"{local_stack.api_url}/stats?created_before=0001-01-05")
    assert status == 400
    assert "give created_after" in body["message"]
