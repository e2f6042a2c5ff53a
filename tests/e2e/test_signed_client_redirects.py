"""A redirect from the API is an error naming it, never followed: not by the CLI's client
(signed or not), not by `jobtracker ui`. urllib's default would send the SigV4 headers to
whatever host Location names and serve that host's answer as the API's.

Two servers on 127.0.0.1: the "API" answers every GET with a redirect to the other one,
which records whatever reaches it.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import pytest

from jobtracker_cli.client import ApiClient, ApiError
from jobtracker_cli.ui import UiServer
from tests.fixtures.http_servers import QuietHandler, serving

from .test_ui_command import clean_env, jobtracker_ui

pytestmark = pytest.mark.e2e


@dataclass
class Recorder:
    """A server that answers every GET with `status` and `location`, and records each."""

    status: int = 200
    location: str | None = None
    seen: list[dict[str, str]] = field(default_factory=list)

    @contextmanager
    def running(self) -> Iterator[int]:
        recorder = self

        class Handler(QuietHandler):
            def do_GET(self) -> None:
                recorder.seen.append({k.lower(): v for k, v in self.headers.items()})
                headers = [("content-type", "application/json")]
                if recorder.location:
                    headers.append(("location", recorder.location))
                self.reply(recorder.status, headers, b'{"items": []}')

        with serving(Handler) as port:
            yield port


@contextmanager
def redirecting_api(code: int, elsewhere: str) -> Iterator[tuple[str, Recorder, Recorder]]:
    """The API's URL, the API, and the other host it redirects to (on another port and
    under another name: localhost, not 127.0.0.1)."""
    other = Recorder()
    with other.running() as other_port:
        location = f"http://localhost:{other_port}{elsewhere}"
        api = Recorder(status=code, location=location)
        with api.running() as api_port:
            yield f"http://127.0.0.1:{api_port}", api, other


@pytest.mark.parametrize("code", [301, 302, 303, 307, 308])
def test_the_signed_client_refuses_a_redirect_off_the_apis_origin(
    monkeypatch: pytest.MonkeyPatch, code: int
) -> None:
    # Given a signing client with credentials, and an API that redirects elsewhere
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDREDIRECT")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "redirect-secret")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "redirect-session-token")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    for name in ("AWS_PROFILE", "AWS_SECURITY_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    with redirecting_api(code, "/steal") as (url, api, other):
        client = ApiClient(url, sign=True, region="eu-west-1")
        # When the CLI asks for the jobs
        with pytest.raises(ApiError) as refused:
            client.get("/jobs", {"limit": "5"})
    # Then the API was asked, signed, once; the other host received nothing
    assert len(api.seen) == 1 and api.seen[0]["authorization"].startswith("AWS4-HMAC-SHA256")
    assert api.seen[0]["x-amz-security-token"] == "redirect-session-token"
    assert other.seen == []
    # ... and the error names the redirect and where it pointed
    assert refused.value.status == code
    assert f"answered {code} redirecting to http://localhost:" in refused.value.message
    assert "/steal" in refused.value.message


def test_a_redirect_on_the_apis_own_origin_is_refused_too() -> None:
    # A signature covers one path: a same-origin redirect would re-send it elsewhere.
    api = Recorder(status=302)
    with api.running() as port:
        api.location = f"http://127.0.0.1:{port}/jobs?limit=1"
        client = ApiClient(f"http://127.0.0.1:{port}", sign=False)
        with pytest.raises(ApiError, match="answered 302 redirecting to"):
            client.fetch("/stats")
    assert len(api.seen) == 1


def test_the_ui_proxy_answers_a_redirect_as_a_502_naming_it() -> None:
    with redirecting_api(302, "/jobs") as (url, api, other):
        ui = UiServer(ApiClient(url, sign=False), port=0)
        try:
            status, headers, body = ui.answer("/jobs?limit=5")
        finally:
            ui.close()
    assert status == 502 and dict(headers)["content-type"] == "application/json"
    assert "answered 302 redirecting to http://localhost:" in json.loads(body)["message"]
    assert len(api.seen) == 1 and other.seen == []


def test_jobtracker_ui_as_installed_serves_no_other_hosts_answer() -> None:
    with redirecting_api(302, "/jobs") as (url, api, other), jobtracker_ui(url, clean_env()) as ui:
        # When the browser asks the ui for the jobs
        with pytest.raises(urllib.error.HTTPError) as answer:
            urllib.request.urlopen(f"{ui}/jobs", timeout=10)
        body = answer.value.read()
    # Then it gets the error, not the other host's body, and the other host saw nothing
    assert answer.value.code == 502
    assert "redirecting to" in json.loads(body)["message"]
    assert len(api.seen) == 1 and other.seen == []
