"""`jobtracker ui` against the local stack: the same pages, their API calls forwarded.

Signed: the command is pointed at an execute-api host and given an HTTP proxy on
127.0.0.1 that stands in for API Gateway: it records each request, checks nothing, and
passes it on to the local stack. The test then signs the same request itself with
botocore's SigV4, at the recorded time, and compares the signatures.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from unittest import mock
from urllib.parse import urlsplit

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from playwright.sync_api import expect

from local.browser import WatchedPage, chromium
from local.demo import put_events
from synthetic.events import lifecycle
from tests.fixtures.http_servers import QuietHandler, serving

from .conftest import LocalStack

pytestmark = pytest.mark.e2e

JOBTRACKER = Path(sys.executable).with_name("jobtracker")
API_HOST = "a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com"
CREDENTIALS = Credentials("AKIDEXAMPLEUI", "ui-secret-key-for-signing", "ui-session-token")


@dataclass
class Gateway:
    """An HTTP proxy on 127.0.0.1 that records what it is sent for API_HOST and passes
    it on to the local stack."""

    upstream: str
    seen: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)

    @contextmanager
    def running(self) -> Iterator[str]:
        gateway = self

        class Handler(QuietHandler):
            def do_GET(self) -> None:
                gateway.seen.append(
                    ("GET", self.path, {k.lower(): v for k, v in self.headers.items()})
                )
                parts = urlsplit(self.path)
                target = parts.path + (f"?{parts.query}" if parts.query else "")
                try:
                    with urllib.request.urlopen(gateway.upstream + target, timeout=10) as answer:
                        status, body, kind = (
                            answer.status,
                            answer.read(),
                            answer.headers["content-type"],
                        )
                except urllib.error.HTTPError as error:
                    status, body, kind = error.code, error.read(), error.headers["content-type"]
                self.reply(status, [("content-type", kind)], body)

        with serving(Handler) as port:
            yield f"http://127.0.0.1:{port}"


@contextmanager
def jobtracker_ui(api_url: str, env: dict[str, str]) -> Iterator[str]:
    """`jobtracker ui --port 0`: the URL it printed, until the test is done with it."""
    process = subprocess.Popen(
        [str(JOBTRACKER), "--api-url", api_url, "ui", "--port", "0"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        match = re.match(r"web view (http://127\.0\.0\.1:\d+)/", line)
        assert match, line
        yield match.group(1)
    finally:
        process.terminate()
        process.wait(10)


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "HTTP", "NO_PROXY"))}
    env = {k: v for k, v in env.items() if k.lower() not in ("http_proxy", "no_proxy")}
    return {**env, **extra}


def botocore_signature(method: str, url: str, headers: dict[str, str]) -> str:
    """The Authorization header botocore gives this request at its recorded time."""
    request = AWSRequest(method=method, url=url, headers={"accept": headers["accept"]})
    moment = datetime.strptime(headers["x-amz-date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    with mock.patch("botocore.auth.get_current_datetime", return_value=moment):
        SigV4Auth(CREDENTIALS, "execute-api", "eu-west-1").add_auth(request)
    return str(request.headers["Authorization"])


@pytest.fixture(scope="module")
def prefix(local_stack: LocalStack) -> str:
    """Six jobs of a name prefix of their own, stored by the stack."""
    prefix = f"ui-{uuid.uuid4().hex[:8]}"
    now_ms = int(datetime.now(UTC).timestamp() * 1000)
    details = [
        snapshot
        for number in range(6)
        for snapshot in lifecycle(f"{prefix}-{number}", "Completed", creation_ms=now_ms)
    ]
    put_events(local_stack.client("events"), details)
    url = f"{local_stack.api_url}/jobs?name_prefix={prefix}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        with urllib.request.urlopen(url, timeout=10) as response:
            items = json.loads(response.read())["items"]
        if [job["training_job_status"] for job in items] == ["Completed"] * 6:
            return prefix
        time.sleep(0.5)
    raise AssertionError(f"the stack did not store the jobs:\n{local_stack.log()}")


def test_the_pages_through_the_ui_are_signed_as_botocore_signs(
    local_stack: LocalStack, prefix: str
) -> None:
    gateway = Gateway(local_stack.api_url)
    with gateway.running() as proxy:
        env = clean_env(
            AWS_ACCESS_KEY_ID=CREDENTIALS.access_key,
            AWS_SECRET_ACCESS_KEY=CREDENTIALS.secret_key,
            AWS_SESSION_TOKEN=CREDENTIALS.token,
            AWS_CONFIG_FILE="/nonexistent",
            AWS_SHARED_CREDENTIALS_FILE="/nonexistent",
            http_proxy=proxy,
        )
        # Plain HTTP, so that the stand-in gateway can read what the proxy is sent.
        with jobtracker_ui(f"http://{API_HOST}", env) as ui, chromium() as browser:
            watched = WatchedPage.open(browser)
            page = watched.page
            # When the jobs page and the stats page are loaded through the ui
            page.goto(f"{ui}/?name_prefix={prefix}&limit=5")
            expect(page.locator("#jobs tbody tr")).to_have_count(5)
            page.goto(f"{ui}/stats.html")
            page.locator("svg#counts").wait_for()
            # And something other than a GET is sent
            refused = urllib.request.Request(f"{ui}/jobs", method="POST", data=b"{}")
            with pytest.raises(urllib.error.HTTPError) as post:
                urllib.request.urlopen(refused, timeout=10)
            assert post.value.code == 405
            assert watched.console_errors == [] and watched.hosts() == {"127.0.0.1"}
    # Then the gateway saw the pages' GETs only (the jobs page asks for the jobs and for
    # those that need attention; the stats page for the window and for its spend by
    # group), each signed as botocore signs it
    assert [(method, urlsplit(url).path) for method, url, _ in gateway.seen] == [
        ("GET", "/jobs"),
        ("GET", "/jobs"),
        ("GET", "/stats"),
        ("GET", "/stats"),
    ]
    assert sum("attention=true" in url for _, url, _ in gateway.seen) == 1
    assert sum("group_by=" in url for _, url, _ in gateway.seen) == 1
    for method, url, headers in gateway.seen:
        assert urlsplit(url).hostname == API_HOST
        assert headers["x-amz-security-token"] == CREDENTIALS.token
        assert headers["authorization"].startswith(
            f"AWS4-HMAC-SHA256 Credential={CREDENTIALS.access_key}/"
        )
        assert "/eu-west-1/execute-api/aws4_request" in headers["authorization"]
        assert headers["authorization"] == botocore_signature(method, url, headers)


def test_the_ui_on_the_local_stack_forwards_unsigned(local_stack: LocalStack) -> None:
    with jobtracker_ui(local_stack.api_url, clean_env()) as ui:
        with urllib.request.urlopen(f"{ui}/", timeout=10) as page:
            assert b"<title>Jobs" in page.read()
        with urllib.request.urlopen(f"{ui}/jobs?limit=2", timeout=10) as listing:
            assert len(json.loads(listing.read())["items"]) <= 2
        with pytest.raises(urllib.error.HTTPError) as elsewhere:
            urllib.request.urlopen(f"{ui}/../pyproject.toml", timeout=10)
        assert elsewhere.value.code == 404
        foreign = urllib.request.Request(f"{ui}/jobs", headers={"host": "attacker.example"})
        with pytest.raises(urllib.error.HTTPError) as rebinding:
            urllib.request.urlopen(foreign, timeout=10)
        assert rebinding.value.code == 403
