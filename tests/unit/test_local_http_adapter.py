"""The local API Gateway HTTP API (payload v2) adapter, without a socket."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

from local.http_adapter import http_api_event, http_response, readable_path

NOW = datetime(2026, 11, 28, 5, 0, 0, 123000, tzinfo=UTC)


def test_request_becomes_a_v2_event() -> None:
    event = http_api_event(
        "GET",
        "/jobs?limit=5&status=Failed&status=Stopped",
        [("Host", "127.0.0.1:8000"), ("X-Trace", "a"), ("x-trace", "b"), ("Cookie", "a=1; b=2")],
        b"",
        "127.0.0.1",
        now=NOW,
    )

    assert event["version"] == "2.0"
    assert event["routeKey"] == "$default"
    assert event["rawPath"] == "/jobs"
    assert event["rawQueryString"] == "limit=5&status=Failed&status=Stopped"
    assert event["queryStringParameters"] == {"limit": "5", "status": "Failed,Stopped"}
    assert event["headers"] == {"host": "127.0.0.1:8000", "x-trace": "a,b"}
    assert event["cookies"] == ["a=1", "b=2"]
    assert event["isBase64Encoded"] is False
    assert "body" not in event and "pathParameters" not in event
    context = event["requestContext"]
    assert context["http"] == {
        "method": "GET",
        "path": "/jobs",
        "protocol": "HTTP/1.1",
        "sourceIp": "127.0.0.1",
        "userAgent": "",
    }
    assert context["stage"] == "$default"
    assert context["timeEpoch"] == 1795842000123
    assert context["time"] == "28/Nov/2026:05:00:00 +0000"
    assert context["requestId"]


def test_request_without_query_has_no_query_parameters() -> None:
    event = http_api_event("GET", "/jobs/abc", [], b"", "127.0.0.1", now=NOW)

    assert event["rawQueryString"] == ""
    assert "queryStringParameters" not in event


def test_binary_body_is_base64() -> None:
    event = http_api_event("POST", "/x", [], b"\xff\x00", "127.0.0.1", now=NOW)

    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == b"\xff\x00"


def test_response_is_read_as_api_gateway_reads_it() -> None:
    status, headers, body = http_response(
        {
            "statusCode": 404,
            "headers": {"Content-Type": "application/json"},
            "cookies": ["s=1"],
            "body": '{"message": "no"}',
            "isBase64Encoded": False,
        }
    )

    assert status == 404
    assert ("Content-Type", "application/json") in headers
    assert ("set-cookie", "s=1") in headers
    assert body == b'{"message": "no"}'


def test_response_without_status_code_is_a_json_200() -> None:
    assert http_response({"items": []}) == (
        200,
        [("content-type", "application/json")],
        b'{"items": []}',
    )


def test_base64_response_body_is_decoded() -> None:
    raw = base64.b64encode(b"\x89PNG").decode()
    assert http_response({"statusCode": 200, "body": raw, "isBase64Encoded": True})[2] == b"\x89PNG"


def test_the_console_line_shows_a_path_without_its_page_token() -> None:
    token = "q3lJ" + "x" * 200 + "%3D%3D"
    path = f"/jobs?status=Failed&created_after=2026-11-01T00%3A00Z&next_token={token}&limit=5"
    line = readable_path(path)
    assert line == "/jobs?status=Failed&created_after=2026-11-01T00:00Z&next_token=...&limit=5"
    assert readable_path("/jobs/my%20job") == "/jobs/my job"


def test_the_console_line_of_a_path_has_no_control_character() -> None:
    # A CR LF in the query, decoded, would print a line of its own on the console.
    line = readable_path("/jobs?status=%0D%0AX-Injected:%20yes")
    assert line == "/jobs?status=\\r\\nX-Injected: yes"
    assert readable_path("/jobs/a%1B%5B2Jb%E2%80%A8") == "/jobs/a\\x1b[2Jb\\u2028"


def test_the_path_is_decoded_as_http_api_decodes_it() -> None:
    # HTTP API hands the integration the decoded path, in rawPath and http.path alike
    # (AWS's developer guide, "Create routes for HTTP APIs": URL-encoded request
    # parameters are decoded before they reach the integration); the raw query stays.
    event = http_api_event("GET", "/jobs/xss%2Dfailed?name_prefix=a%2Db", [], b"", "127.0.0.1")
    assert event["rawPath"] == event["requestContext"]["http"]["path"] == "/jobs/xss-failed"
    assert event["rawQueryString"] == "name_prefix=a%2Db"
    assert event["queryStringParameters"] == {"name_prefix": "a-b"}
