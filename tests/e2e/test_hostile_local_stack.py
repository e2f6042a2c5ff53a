"""Hostile input to `make local`'s stack itself: an event whose detail made the emulator
grow without bound, HTTP methods the adapter does not know, a foreign Host, requests too
large to read, a path that prints lines of its own on the console."""

from __future__ import annotations

import http.client
import json
from urllib.parse import urlsplit

import pytest
from botocore.config import Config

from jobtracker_cli.webview import WebPages
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


def raw_request(
    stack: LocalStack, target: str, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    """GET `target` with exactly `headers` (Host included, when given)."""
    address = urlsplit(stack.api_url)
    connection = http.client.HTTPConnection(str(address.hostname), address.port, timeout=10)
    headers = headers if headers is not None else {"host": address.netloc}
    try:
        connection.putrequest("GET", target, skip_host=True, skip_accept_encoding=True)
        for name, value in headers.items():
            connection.putheader(name, value)
        connection.endheaders()
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


@pytest.mark.parametrize(
    "host", ["attacker.example", "attacker.example:{port}", "127.0.0.1.nip.io:{port}", None]
)
def test_a_request_for_another_name_is_a_json_403(
    local_stack: LocalStack, host: str | None
) -> None:
    # Given a page whose own name was made to resolve to 127.0.0.1 (DNS rebinding)
    port = urlsplit(local_stack.api_url).port
    headers = {} if host is None else {"host": host.format(port=port)}
    # When its script asks the local API for the jobs, then the API refuses to answer
    status, answer_headers, body = raw_request(local_stack, "/jobs", headers)
    assert status == 403 and answer_headers["content-type"] == "application/json"
    assert strict_loads(body) == {"message": "address this server as 127.0.0.1 or localhost"}
    # ... as it answers a request for its own address, by number or by localhost
    assert raw_request(local_stack, "/jobs?limit=1")[0] == 200
    assert raw_request(local_stack, "/jobs?limit=1", {"host": f"localhost:{port}"})[0] == 200


@pytest.mark.parametrize(
    ("target", "headers", "status"),
    [
        ("/jobs?status=" + "x" * 70_000, None, 414),
        ("/jobs", {"x-long": "y" * 70_000}, 431),
        ("/jobs", {f"x-{n}": "1" for n in range(120)}, 431),
    ],
)
def test_a_request_too_large_to_read_is_a_json_error(
    local_stack: LocalStack, target: str, headers: dict[str, str] | None, status: int
) -> None:
    if headers is not None:
        headers = {"host": urlsplit(local_stack.api_url).netloc, **headers}
    answer, answer_headers, body = raw_request(local_stack, target, headers)
    assert answer == status
    assert answer_headers["content-type"] == "application/json"
    assert answer_headers["x-content-type-options"] == "nosniff"
    assert strict_loads(body)["message"]
    assert get(f"{local_stack.api_url}/jobs?limit=1")[0] == 200


def test_a_percent_encoded_name_is_decoded_as_api_gateway_decodes_it(
    local_stack: LocalStack,
) -> None:
    # Given a job stored under a name with a hyphen (created an hour ago: other tests of
    # the session count on theirs being the newest)
    name = unique_name("e2e-encoded")
    entry = put_events_entry(lifecycle(name, "Failed", creation_ms=now_ms() - 3_600_000)[-1])
    assert local_stack.client("events").put_events(Entries=[entry])["FailedEntryCount"] == 0
    url = f"{local_stack.api_url}/jobs/{name}"
    eventually(lambda: get(url)[0] == 200 or None, 30, "stored", local_stack)
    # When it is asked for with its hyphens percent-encoded, then it is the same job
    status, headers, body = get(f"{local_stack.api_url}/jobs/{name.replace('-', '%2D')}")
    assert (status, body["training_job_name"]) == (200, name)
    assert headers["x-content-type-options"] == "nosniff"
    # ... and an encoded slash is no name: a path of its own, no route
    assert get(f"{local_stack.api_url}/jobs/a%2Fb")[0] == 404


def test_a_crlf_in_the_request_prints_no_line_of_its_own(local_stack: LocalStack) -> None:
    # When a request's query decodes to CR LF and a header-like line
    status, _, _ = raw_request(local_stack, "/jobs?status=%0D%0AX-Injected:%20yes")
    assert status == 400
    # Then the console printed it on the request's line, escaped, and no line of its own
    line = eventually(
        lambda: next((said for said in local_stack.output if "X-Injected" in said), None),
        10,
        "the request's console line",
        local_stack,
    )
    assert line.startswith("api: GET /jobs?status=\\r\\nX-Injected: yes -> 400")
    assert not any(said.lstrip().startswith("X-Injected") for said in local_stack.output)


def test_the_docs_page_has_the_web_views_policy(local_stack: LocalStack) -> None:
    status, headers, body = raw_request(local_stack, "/docs")
    page_headers = dict(WebPages().get("/").headers())  # type: ignore[union-attr]
    assert status == 200 and b"API reference" in body
    assert headers["content-security-policy"].startswith(page_headers["content-security-policy"])
    assert headers["x-content-type-options"] == "nosniff"
