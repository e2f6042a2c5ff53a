"""What the web view's servers answer: only the web files by name, and only the API's
routes forwarded (with the query in SigV4's canonical encoding)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from api.openapi import openapi_document

from jobtracker_cli.client import ApiError
from jobtracker_cli.ui import API_ROUTE, UiServer
from jobtracker_cli.webview import WebPages
from local.http_adapter import http_api_event
from local.web import with_web_view


@dataclass
class RecordingClient:
    answer: tuple[int, dict[str, str], bytes] = (
        200,
        {"content-type": "application/json"},
        b'{"items": []}',
    )
    fails: bool = False
    fetched: list[str] = field(default_factory=list)
    base_url: str = "https://example.execute-api.eu-west-1.amazonaws.com"
    sign: bool = True

    def fetch(self, target: str) -> tuple[int, dict[str, str], bytes]:
        self.fetched.append(target)
        if self.fails:
            raise ApiError(0, "cannot reach the API")
        return self.answer


@pytest.fixture
def client() -> RecordingClient:
    return RecordingClient()


@pytest.fixture
def ui(client: RecordingClient) -> Iterator[UiServer]:
    server = UiServer(client, port=0)  # type: ignore[arg-type]
    yield server
    server.close()


@pytest.mark.parametrize(
    ("target", "content_type"),
    [
        ("/", "text/html; charset=utf-8"),
        ("/job.html?name=x", "text/html; charset=utf-8"),
        ("/jobs.js", "text/javascript; charset=utf-8"),
        ("/style.css", "text/css; charset=utf-8"),
    ],
)
def test_the_web_files_are_served_by_name_with_a_strict_policy(
    target: str, content_type: str
) -> None:
    page = WebPages().get(target)
    assert page is not None and page.body
    headers = dict(page.headers())
    assert headers["content-type"] == content_type
    assert headers["content-security-policy"].startswith("default-src 'self'")


@pytest.mark.parametrize(
    "target", ["/../pyproject.toml", "/web/index.html", "/%2e%2e/Makefile", "/jobs", "/x.py"]
)
def test_nothing_else_is_a_web_file(target: str) -> None:
    assert WebPages().get(target) is None


def test_the_pages_reference_only_files_that_are_served() -> None:
    pages = WebPages()
    for name in ("index.html", "job.html", "stats.html"):
        page = pages.get(f"/{name}")
        assert page is not None
        text = page.body.decode()
        for asset in ("style.css", "common.js"):
            assert pages.get(f"/{asset}") is not None
        assert "http://" not in text and "https://" not in text


def test_api_routes_are_forwarded_with_a_canonical_query(
    ui: UiServer, client: RecordingClient
) -> None:
    status, headers, body = ui.answer("/jobs?name_prefix=a&created_after=2026-11-01T08:00:00+00:00")
    assert (status, json.loads(body)) == (200, {"items": []})
    assert dict(headers)["content-type"] == "application/json"
    # "+" in a query is a space; SigV4 wants %20 and %3A, as API Gateway computes them.
    assert client.fetched == ["/jobs?name_prefix=a&created_after=2026-11-01T08%3A00%3A00%2000%3A00"]


@pytest.mark.parametrize(
    "target",
    [
        "/jobs/a-b/transitions",
        "/jobs/x1",
        "/stats",
        "/openapi.json",
        "/docs",
        "/stats?created_after=",
    ],
)
def test_every_api_route_is_forwarded(ui: UiServer, client: RecordingClient, target: str) -> None:
    assert ui.answer(target)[0] == 200
    assert len(client.fetched) == 1


def test_a_path_is_decoded_before_it_is_routed_as_api_gateway_does(
    ui: UiServer, client: RecordingClient
) -> None:
    assert ui.answer("/jobs/xss%2Dfailed/transitions")[0] == 200
    assert client.fetched == ["/jobs/xss-failed/transitions"]


@pytest.mark.parametrize(
    "target", ["/jobs/../../admin", "/jobs/a/b", "/jobs/-x", "/admin", "/jobs/a%2Fb", "/stats/x"]
)
def test_anything_else_is_a_404_and_never_leaves(
    ui: UiServer, client: RecordingClient, target: str
) -> None:
    assert ui.answer(target)[0] == 404
    assert client.fetched == []


def test_an_api_out_of_reach_is_a_502_with_the_reason(
    ui: UiServer, client: RecordingClient
) -> None:
    client.fails = True
    status, _, body = ui.answer("/stats")
    assert (status, json.loads(body)) == (502, {"message": "cannot reach the API"})


def test_the_apis_own_errors_pass_through(ui: UiServer, client: RecordingClient) -> None:
    client.answer = (
        404,
        {"content-type": "application/json"},
        b'{"message": "training job \'x\' not found"}',
    )
    assert ui.answer("/jobs/x")[0] == 404


def test_the_local_stack_answers_a_web_file_and_hands_on_the_rest() -> None:
    handled: list[str] = []

    def api(event: dict[str, Any], context: Any) -> dict[str, Any]:
        handled.append(f"{event['requestContext']['http']['method']} {event['rawPath']}")
        return {"statusCode": 404, "body": "{}"}

    serve = with_web_view(api)
    page = serve(http_api_event("GET", "/stats.html", [], b"", "127.0.0.1"), None)
    assert page["statusCode"] == 200 and "<title>Stats" in page["body"]
    serve(http_api_event("GET", "/jobs?limit=1", [], b"", "127.0.0.1"), None)
    serve(http_api_event("POST", "/index.html", [], b"", "127.0.0.1"), None)
    assert handled == ["GET /jobs", "POST /index.html"]


def test_the_forwarded_routes_are_the_apis_routes() -> None:
    # Kept in step with the api's router by tests/unit/test_openapi.py.
    paths = openapi_document()["paths"]
    assert all(API_ROUTE.fullmatch(path.replace("{name}", "job-1")) for path in paths)


def test_the_apis_answers_and_the_proxys_own_forbid_sniffing(
    ui: UiServer, client: RecordingClient
) -> None:
    # Given an API that answers /docs with its page policy
    policy = "default-src 'self'; style-src 'self' 'sha256-x'"
    client.answer = (
        200,
        {"content-type": "text/html; charset=utf-8", "content-security-policy": policy},
        b"<!doctype html>",
    )
    # When the page is asked for through the proxy, then its policy comes along
    docs = dict(ui.answer("/docs")[1])
    assert docs["content-security-policy"] == policy
    assert docs["x-content-type-options"] == "nosniff"
    # ... and the proxy's own answers (not a route, API out of reach) forbid sniffing too
    assert dict(ui.answer("/admin")[1])["x-content-type-options"] == "nosniff"
    client.fails = True
    assert dict(ui.answer("/stats")[1])["x-content-type-options"] == "nosniff"
