"""The web view's "needs attention": the list above the jobs page's filters (first on a
phone's screen) and the job page's banner, in headless Chromium on the local stack."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from playwright.sync_api import BrowserContext, expect

from local.browser import PHONE, WatchedPage, chromium
from local.demo import put_events
from synthetic.events import lifecycle

from .conftest import LocalStack

pytestmark = pytest.mark.e2e

MINUTE_MS = 60_000


@pytest.fixture(scope="module")
def troubled(local_stack: LocalStack) -> Iterator[dict[str, str]]:
    prefix = f"att-{uuid.uuid4().hex[:6]}"
    now_ms = int(datetime.now(UTC).timestamp() * 1000)
    names = {"stuck": f"{prefix}-stuck", "fine": f"{prefix}-fine"}
    details = [
        # In Starting for 45 minutes: over the 30 of a capacity wait.
        *lifecycle(names["stuck"], None, creation_ms=now_ms - 46 * MINUTE_MS)[:1],
        # Training for a minute: nothing wrong.
        *lifecycle(names["fine"], None, creation_ms=now_ms - 6 * MINUTE_MS),
    ]
    put_events(local_stack.client("events"), details)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        listed = {
            job["training_job_name"]
            for job in local_stack_get(local_stack, f"/jobs?name_prefix={prefix}")["items"]
        }
        if listed == set(names.values()):
            yield names
            return
        time.sleep(0.5)
    raise AssertionError(f"the stack did not store the jobs:\n{local_stack.log()}")


def local_stack_get(stack: LocalStack, path: str) -> dict:
    try:
        response = urllib.request.urlopen(f"{stack.api_url}{path}", timeout=10)
    except urllib.error.HTTPError as error:
        # The stack's own log says why (its traceback): worth more than the status alone.
        raise AssertionError(
            f"GET {path}: {error.code} {error.read()[:500]!r}\n{stack.log()}"
        ) from error
    with response:
        return json.loads(response.read())


@pytest.fixture(scope="module")
def browser() -> Iterator[BrowserContext]:
    with chromium() as context:
        yield context


@pytest.fixture
def watched(browser: BrowserContext) -> Iterator[WatchedPage]:
    watched = WatchedPage.open(browser)
    yield watched
    watched.page.close()
    assert watched.console_errors == []
    assert watched.hosts() <= {"127.0.0.1"}


def test_the_jobs_page_opens_with_the_jobs_that_need_attention(
    local_stack: LocalStack, troubled: dict[str, str], watched: WatchedPage
) -> None:
    page = watched.page
    # Given a phone's screen
    page.set_viewport_size(PHONE)
    page.goto(f"{local_stack.api_url}/")
    section = page.locator("#attention")
    # Then the list names the stuck job, why and for how long, and not the fine one
    expect(section).to_be_visible()
    expect(section.get_by_role("heading", name="Needs attention")).to_be_visible()
    item = section.locator(f'li[data-name="{troubled["stuck"]}"]')
    expect(item).to_contain_text("Stuck in Starting for 4")
    expect(item).to_contain_text("(threshold 30m00s)")
    expect(section.locator(f'li[data-name="{troubled["fine"]}"]')).to_have_count(0)
    # And it is on the first screen, above the filter form
    box = section.bounding_box()
    form = page.locator("#filters").bounding_box()
    assert box is not None and form is not None
    assert box["y"] < PHONE["height"] and box["y"] + box["height"] <= form["y"]
    # And its link opens the job, whose page says the same in a banner
    item.get_by_role("link", name=troubled["stuck"]).click()
    banner = page.locator("#attention-banner")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("Needs attention: Stuck in Starting for 4")


def test_a_job_in_no_trouble_has_no_banner(
    local_stack: LocalStack, troubled: dict[str, str], watched: WatchedPage
) -> None:
    page = watched.page
    page.goto(f"{local_stack.api_url}/job.html?name={troubled['fine']}")
    expect(page.locator("h1")).to_have_text(troubled["fine"])
    expect(page.locator("#facts")).to_contain_text("Training")
    expect(page.locator("#attention-banner")).to_be_hidden()
