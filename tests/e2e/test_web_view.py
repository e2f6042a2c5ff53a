"""The web view in headless Chromium, on the local stack: the jobs page (filter, page,
sort, open a job), a job's timeline against its transitions, the stats charts against
/stats, /docs; no console errors and no request beyond 127.0.0.1."""

from __future__ import annotations

import itertools
import json
import re
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from local.browser import PHONE, WatchedPage, chromium
from local.demo import put_events
from synthetic.events import ACCOUNT, REGION, base_detail, lifecycle

from .conftest import LocalStack

pytestmark = pytest.mark.e2e

HOUR_MS = 3_600_000
LISTED = 30  # more than one page of 25
ENDINGS = ("Completed", "Failed", "Stopped", "Completed", None)
# (status, seconds) of the job whose timeline is checked: uneven on purpose.
TIMELINE = [
    ("Starting", 40),
    ("LaunchingMLInstances", 190),
    ("PreparingTrainingStack", 25),
    ("Downloading", 610),
    ("DownloadingTrainingImage", 75),
    ("Training", 5400),
    ("Failed", None),
]


def failed_job(name: str, steps: list[tuple[str, int | None]], creation_ms: int) -> dict[str, Any]:
    """The final snapshot of a job that went through `steps` and failed in the last."""
    transitions, moment = [], creation_ms
    for status, seconds in steps:
        item: dict[str, Any] = {"Status": status, "StartTime": moment, "StatusMessage": status}
        if seconds is not None:
            moment += seconds * 1000
            item["EndTime"] = moment
        transitions.append(item)
    detail = base_detail(name, creation_ms=creation_ms)
    detail.update(
        TrainingJobStatus="Failed",
        SecondaryStatus=steps[-1][0],
        LastModifiedTime=moment,
        TrainingStartTime=creation_ms + 60_000,
        TrainingEndTime=moment,
        FailureReason="AlgorithmError: loss became NaN at epoch 3",
        SecondaryStatusTransitions=transitions,
    )
    return detail


@dataclass(frozen=True)
class WebJobs:
    stack: LocalStack
    prefix: str
    listed: dict[str, dict[str, Any]]  # name -> newest snapshot
    timeline: str
    short: str
    long: str
    first_day: str
    last_day: str

    def get(self, path: str, **params: str) -> Any:
        url = f"{self.stack.api_url}{path}" + (f"?{urlencode(params)}" if params else "")
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as error:
            raise AssertionError(f"GET {url}: {error.code}\n{self.stack.log()}") from None

    def url(self, path: str) -> str:
        return f"{self.stack.api_url}{path}"


@pytest.fixture(scope="module")
def jobs(local_stack: LocalStack) -> Iterator[WebJobs]:
    prefix = f"web-{uuid.uuid4().hex[:8]}"
    now_ms = int(datetime.now(UTC).timestamp() * 1000)
    listed, details = {}, []
    for number in range(LISTED):
        name = f"{prefix}-{number:02d}"
        snapshots = lifecycle(
            name, ENDINGS[number % len(ENDINGS)], creation_ms=now_ms - (number + 30) * HOUR_MS
        )
        listed[name] = snapshots[-1]
        details.extend(snapshots)
    creation = now_ms - 3 * HOUR_MS
    timeline, short, long = f"{prefix}-t-timeline", f"{prefix}-t-short", f"{prefix}-t-long"
    many = [(("Training", "Restarting")[i % 2], 30 + (i * 37) % 400) for i in range(59)]
    extra = {
        timeline: failed_job(timeline, TIMELINE, creation),
        short: failed_job(short, [("Starting", 95), ("Failed", None)], creation),
        long: failed_job(long, [*many, ("Failed", None)], creation),
    }
    details.extend(extra.values())
    put_events(local_stack.client("events"), details)
    web = WebJobs(
        local_stack,
        prefix,
        listed,
        timeline,
        short,
        long,
        first_day=(datetime.now(UTC) - timedelta(days=4)).date().isoformat(),
        last_day=datetime.now(UTC).date().isoformat(),
    )
    wanted = {
        **{n: d["TrainingJobStatus"] for n, d in listed.items()},
        **dict.fromkeys(extra, "Failed"),
    }
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        stored = web.get("/jobs", name_prefix=prefix, limit="100")["items"]
        if {
            job["training_job_name"]: job["training_job_status"] for job in stored
        } == wanted and all(
            len(web.get(f"/jobs/{name}/transitions")["items"])
            == len(detail["SecondaryStatusTransitions"])
            for name, detail in extra.items()
        ):
            yield web
            return
        time.sleep(0.5)
    raise AssertionError(f"the stack did not store the jobs:\n{local_stack.log()}")


@pytest.fixture(scope="module")
def browser() -> Iterator[BrowserContext]:
    with chromium() as context:
        yield context


@pytest.fixture
def watched(browser: BrowserContext) -> Iterator[WatchedPage]:
    watched = WatchedPage.open(browser)
    yield watched
    watched.page.close()
    # Then: whatever the test did, the page logged no error and reached nothing else.
    assert watched.console_errors == []
    assert watched.hosts() <= {"127.0.0.1"}


def listed_names(page: Page) -> list[str]:
    return page.locator("#jobs tbody tr").evaluate_all("rows => rows.map(r => r.dataset.name)")


def listed_after_load(page: Page, count: int) -> list[str]:
    expect(page.locator("#caption")).not_to_have_text("Loading jobs…")
    expect(page.locator("#jobs tbody tr")).to_have_count(count)
    return listed_names(page)


def test_the_jobs_page_filters_pages_and_opens_a_job(jobs: WebJobs, watched: WatchedPage) -> None:
    page = watched.page
    everything = sorted([*jobs.listed, jobs.timeline, jobs.short, jobs.long], reverse=True)
    # Given the jobs page
    page.goto(jobs.url("/"))
    expect(page.locator("h1")).to_have_text("Training jobs")
    # When a name prefix and a page size are chosen
    page.get_by_label("Name starts with").fill(jobs.prefix)
    page.get_by_label("Per page").select_option("25")
    page.get_by_role("button", name="Show jobs").click()
    # Then the URL holds the filters, and the first page lists the first 25, by name Z to A
    assert listed_after_load(page, 25) == everything[:25]
    assert f"name_prefix={jobs.prefix}" in page.url and "limit=25" in page.url
    statuses = page.locator("#jobs tbody tr .badge").all_inner_texts()
    expected = {**{n: d["TrainingJobStatus"] for n, d in jobs.listed.items()}}
    assert statuses == [expected.get(name, "Failed") for name in everything[:25]]
    places = page.locator("#jobs tbody tr td:nth-child(8)").all_inner_texts()
    assert set(places) == {f"{ACCOUNT} / {REGION}"}
    # When the next page is asked for, then the rest follow; Previous comes back
    page.get_by_role("link", name="Next page →").click()
    assert listed_after_load(page, len(everything) - 25) == everything[25:]
    expect(page.get_by_role("link", name="Next page →")).to_be_hidden()
    page.get_by_role("button", name="← Previous page").click()
    assert listed_after_load(page, 25) == everything[:25]
    # When a job's link is followed, its page opens
    page.get_by_role("link", name=jobs.timeline, exact=True).click()
    expect(page.locator("h1")).to_have_text(jobs.timeline)
    expect(page.locator("#facts")).to_contain_text("loss became NaN at epoch 3")


def test_a_status_a_window_and_a_place_from_a_shared_link(
    jobs: WebJobs, watched: WatchedPage
) -> None:
    page = watched.page
    view = {
        "account": ACCOUNT,
        "region": REGION,
        "status": "Failed",
        "created_after": jobs.first_day,
        "limit": "100",
    }
    page.goto(jobs.url("/?" + urlencode(view)))
    expect(page.get_by_label("Status")).to_have_value("Failed")
    expect(page.get_by_label("Created from (UTC)")).to_have_value(jobs.first_day)
    expect(page.get_by_label("Account")).to_have_value(ACCOUNT)
    expect(page.get_by_label("Region")).to_have_value(REGION)
    expect(page.locator("#caption")).not_to_have_text("Loading jobs…")
    ours = [name for name in listed_names(page) if name.startswith(jobs.prefix)]
    failed = [n for n, d in jobs.listed.items() if d["TrainingJobStatus"] == "Failed"]
    failed.sort(key=lambda n: (jobs.listed[n]["CreationTime"], n), reverse=True)
    # The three failed timeline jobs are the newest (created 3 hours ago), by name Z to A.
    assert ours == sorted([jobs.timeline, jobs.short, jobs.long], reverse=True) + failed
    # A job's link names its account and region, and its page asks for the job there
    link = page.get_by_role("link", name=jobs.short, exact=True)
    expect(link).to_have_attribute(
        "href", f"job.html?name={jobs.short}&account={ACCOUNT}&region={REGION}"
    )
    with page.expect_request(f"**/jobs/{jobs.short}?account={ACCOUNT}&region={REGION}"):
        link.click()
    expect(page.locator("#facts")).to_contain_text(f"{ACCOUNT} / {REGION}")


def test_an_unsupported_combination_shows_the_servers_reason(
    jobs: WebJobs, watched: WatchedPage
) -> None:
    page = watched.page
    page.goto(
        jobs.url(
            f"/?status=Failed&tuning_job_arn=arn:aws:sagemaker:us-east-1:{'1' * 12}"
            ":hyper-parameter-tuning-job/x"
        )
    )
    expect(page.get_by_role("alert")).to_contain_text("cannot be combined with status")
    expect(page.locator("#jobs tbody tr")).to_have_count(0)
    # The browser reports the 400 itself; that error is the point of this test.
    watched.console_errors[:] = [e for e in watched.console_errors if "400" not in e]


def test_sorting_reorders_the_page_shown_only(jobs: WebJobs, watched: WatchedPage) -> None:
    page = watched.page
    page.goto(jobs.url(f"/?name_prefix={jobs.prefix}&limit=25"))
    server_order = listed_after_load(page, 25)
    name_header = page.locator("th[data-key=name]")
    expect(name_header).to_have_attribute("aria-sort", "descending")  # the server's order
    name_header.get_by_role("button").focus()
    page.keyboard.press("Enter")
    expect(name_header).to_have_attribute("aria-sort", "ascending")
    assert listed_names(page) == sorted(server_order)
    assert "sort=name" in page.url
    expect(page.locator("#order-note")).to_contain_text("This page is sorted by name, ascending")


def bars(page: Page) -> list[dict[str, Any]]:
    page.locator("svg.timeline").wait_for()
    return page.locator("svg.timeline rect.bar").evaluate_all(
        """rects => rects.map(r => ({status: r.dataset.status, x: +r.getAttribute('x'),
            y: +r.getAttribute('y'), width: +r.getAttribute('width'),
            height: +r.getAttribute('height')}))"""
    )


def test_the_timeline_draws_each_transition_to_scale(jobs: WebJobs, watched: WatchedPage) -> None:
    page = watched.page
    page.goto(jobs.url(f"/job.html?name={jobs.timeline}"))
    drawn = bars(page)
    plot = float(page.locator("svg.timeline").get_attribute("data-plot-width") or 0)
    transitions = jobs.get(f"/jobs/{jobs.timeline}/transitions")["items"]
    # One bar per transition, in order, top to bottom
    assert [bar["status"] for bar in drawn] == [t["status"] for t in transitions]
    assert [bar["y"] for bar in drawn] == sorted(bar["y"] for bar in drawn)
    # Widths and offsets proportional to the durations (the last, Failed, is an instant)
    span = sum(seconds or 0 for _, seconds in TIMELINE)
    offset = 0
    for bar, (_, seconds) in zip(drawn, TIMELINE, strict=True):
        assert bar["width"] == pytest.approx(plot * (seconds or 0) / span, abs=0.01)
        assert bar["x"] - drawn[0]["x"] == pytest.approx(plot * offset / span, abs=0.01)
        offset += seconds or 0
    expect(page.get_by_role("img", name=f"Timeline of {jobs.timeline}")).to_be_visible()
    # The failure is marked on its row, and the facts and links are there
    expect(page.locator("svg.timeline .failure-mark")).to_have_count(1)
    expect(page.locator("svg.timeline .row-label.failure")).to_have_text("Failed")
    links = page.locator("#links a").evaluate_all("links => links.map(a => a.href)")
    assert len(links) == 2 and all(jobs.timeline in link and "us-east-1" in link for link in links)
    expect(page.locator("#facts")).to_contain_text("1\N{MULTIPLICATION SIGN} ml.g5.2xlarge")
    # The full record is folded away until asked for
    record = page.locator("#record")
    expect(record).to_be_hidden()
    page.get_by_text("Full record (JSON)").click()
    expect(record).to_be_visible()
    assert json.loads(record.inner_text())["training_job_name"] == jobs.timeline


@pytest.mark.parametrize("which", ["short", "long"])
def test_the_timeline_stays_readable_for_2_and_60_transitions(
    jobs: WebJobs, browser: BrowserContext, which: str
) -> None:
    name = getattr(jobs, which)
    transitions = jobs.get(f"/jobs/{name}/transitions")["items"]
    for viewport in ({"width": 1280, "height": 900}, PHONE):
        watched = WatchedPage.open(browser)
        page = watched.page
        page.set_viewport_size(viewport)
        page.goto(jobs.url(f"/job.html?name={name}"))
        drawn = bars(page)
        assert len(drawn) == len(transitions) in (2, 60)
        # Rows do not overlap, and every label fits inside the chart
        for upper, lower in itertools.pairwise(drawn):
            assert lower["y"] >= upper["y"] + upper["height"]
        boxes = page.locator("svg.timeline .row-label").evaluate_all(
            "labels => labels.map(l => { const b = l.getBBox(); return [b.x, b.y, b.height]; })"
        )
        assert all(x >= 0 for x, _, _ in boxes)
        assert all(b[1] >= a[1] + a[2] - 0.5 for a, b in itertools.pairwise(boxes))
        width = page.locator("svg.timeline").evaluate("svg => svg.getBoundingClientRect().width")
        assert width <= viewport["width"]
        # The table of 2 is open below the chart; the table of 60 is folded
        table_open = page.locator("#transitions-details").evaluate("details => details.open")
        assert table_open is (len(transitions) == 2)
        page.close()
        assert watched.console_errors == [] and watched.hosts() <= {"127.0.0.1"}


def test_the_stats_charts_draw_what_stats_answers(jobs: WebJobs, watched: WatchedPage) -> None:
    page = watched.page
    window = {"created_after": jobs.first_day, "created_before": jobs.last_day}
    stats = jobs.get("/stats", **window)
    page.goto(jobs.url("/stats.html?" + urlencode(window)))
    page.locator("svg#counts").wait_for()
    days = page.locator("svg#counts g.day").evaluate_all("days => days.map(d => d.dataset.day)")
    assert days == [
        (datetime.fromisoformat(jobs.first_day) + timedelta(days=n)).date().isoformat()
        for n in range(5)
    ]
    for chart, series_of in (
        ("counts", lambda day: {k: v for k, v in day["counts"].items() if v}),
        (
            "hours",
            lambda day: (
                {"billable": day["billable_time_in_seconds"] / 3600}
                if day["billable_time_in_seconds"]
                else {}
            ),
        ),
    ):
        svg = page.locator(f"svg#{chart}")
        y_max = float(svg.get_attribute("data-y-max") or 0)
        plot_height = float(svg.get_attribute("data-plot-height") or 0)
        drawn = svg.locator("rect.bar").evaluate_all(
            """rects => rects.map(r => [r.parentNode.dataset.day, r.dataset.series,
                +r.dataset.value, +r.getAttribute('height')])"""
        )
        expected = [
            (day["day"], series, value)
            for day in stats["days"]
            for series, value in series_of(day).items()
        ]
        assert [(day, series) for day, series, _, _ in drawn] == [(d, s) for d, s, _ in expected]
        assert [value for _, _, value, _ in drawn] == pytest.approx([v for _, _, v in expected])
        for _, _, value, height in drawn:
            assert height == pytest.approx(value / y_max * plot_height, abs=0.01)
        assert y_max >= max([v for _, _, v in expected], default=0)
    total = sum(stats["counts"].values())
    expect(page.locator(".tile .value").first).to_have_text(str(total))
    assert total >= LISTED  # the seeded jobs are in the window
    # The charts are images with names and descriptions, and their figures as tables
    expect(page.get_by_role("img", name="Jobs created per day, by current status")).to_be_visible()
    expect(page.get_by_role("img", name="Billable hours per day")).to_be_visible()
    expect(page.locator("svg#counts desc")).to_contain_text("Busiest")
    table_rows = page.locator("#counts-table tbody tr")
    expect(table_rows).to_have_count(len(stats["days"]))
    # One account's statistics, as /stats counts them for it
    own = jobs.get("/stats", account=ACCOUNT, **window)
    page.goto(jobs.url("/stats.html?" + urlencode({**window, "account": ACCOUNT})))
    expect(page.locator("#window-text")).to_contain_text(f"in account {ACCOUNT}")
    expect(page.locator(".tile .value").first).to_have_text(str(sum(own["counts"].values())))


def test_the_api_reference_reads_offline(jobs: WebJobs, watched: WatchedPage) -> None:
    page = watched.page
    page.goto(jobs.url("/docs"))
    expect(page.locator("h1")).to_have_text("jobtracker API reference")
    expect(page.locator("#listJobs")).to_contain_text("GET /jobs")
    page.goto(jobs.url("/"))
    page.get_by_role("link", name="API reference").click()
    expect(page).to_have_url(jobs.url("/docs"))


def test_the_pages_work_at_a_phone_width(jobs: WebJobs, watched: WatchedPage) -> None:
    page = watched.page
    page.set_viewport_size(PHONE)
    page.goto(jobs.url(f"/?name_prefix={jobs.prefix}&limit=25"))
    listed_after_load(page, 25)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    # Keyboard only: the skip link, then the filters, are reached with Tab
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to the jobs")).to_be_focused()


def test_the_job_page_says_what_the_job_cost_and_tables_its_details(
    jobs: WebJobs, watched: WatchedPage
) -> None:
    page = watched.page
    # A running job: its cost so far, at the bundled list price of its instance type
    running = next(
        name for name, d in jobs.listed.items() if d["TrainingJobStatus"] == "InProgress"
    )
    record = jobs.get(f"/jobs/{running}")
    page.goto(jobs.url(f"/job.html?name={running}"))
    facts = page.locator("#facts")
    expect(facts).to_contain_text(re.compile(r"so far \(running, \$1\.5\d/h\)"))
    expect(facts).to_contain_text("list prices bundled with jobtracker")
    assert record["cost_is_estimate"] is True
    # Its hyperparameters and tags as tables, as the record has them
    hyper = page.locator("#hyperparameters tbody tr")
    expect(hyper).to_have_count(len(record["hyper_parameters"]))
    expect(page.locator("#hyperparameters")).to_contain_text("learning_rate")
    tags = page.locator("#tags tbody tr").evaluate_all(
        "rows => rows.map(r => [r.cells[0].textContent, r.cells[1].textContent])"
    )
    assert tags == sorted([tag["key"], tag["value"]] for tag in record["tags"])
    expect(page.locator("#metrics")).to_have_text("None.")
    # An ended job whose description never came (the emulator's SageMaker does not know
    # these): no figure, and why
    page.goto(jobs.url(f"/job.html?name={jobs.timeline}"))
    expect(page.locator("#facts")).to_contain_text("billable time not known yet")


def test_the_jobs_table_has_each_jobs_cost(jobs: WebJobs, watched: WatchedPage) -> None:
    page = watched.page
    page.goto(jobs.url(f"/?name_prefix={jobs.prefix}&limit=50"))
    listed_after_load(page, LISTED + 3)
    costs = page.locator("#jobs tbody tr").evaluate_all(
        "rows => rows.map(r => [r.dataset.name, r.cells[5].textContent])"
    )
    api = {
        job["training_job_name"]: job
        for job in jobs.get("/jobs", name_prefix=jobs.prefix, limit="50")["items"]
    }
    for name, shown in costs:
        if api[name].get("cost_usd_per_hour") is not None:
            assert shown.startswith("~$"), (name, shown)  # running: its cost so far
        elif api[name]["cost_usd"] is None:
            assert shown == "-", (name, shown)


def test_the_stats_page_shows_spend_by_group(jobs: WebJobs, watched: WatchedPage) -> None:
    page = watched.page
    window = {"created_after": jobs.first_day, "created_before": jobs.last_day}
    grouped = jobs.get("/stats", group_by="tag:project", **window)
    page.goto(jobs.url("/stats.html?" + urlencode({**window, "group_by": "tag:project"})))
    # The top spenders table has every group, in the API's order
    rows = page.locator("#spenders tbody tr")
    expect(rows).to_have_count(len(grouped["groups"]))
    shown = rows.evaluate_all(
        "rows => rows.map(r => [r.cells[0].textContent, +r.cells[1].textContent])"
    )
    assert shown == [
        ["(none)" if group["key"] is None else group["key"], group["jobs"]]
        for group in grouped["groups"]
    ]
    # The cost chart is an image with its name, one column per day of the window
    expect(page.get_by_role("img", name="Cost per day (USD), by group")).to_be_visible()
    assert page.locator("svg#spend-chart-svg g.day").count() == 5
    expect(page.locator("#group-by")).to_have_value("tag:project")
    expect(page.locator("#spend-legend li").first).to_be_visible()
    # Choosing another grouping asks for it
    page.locator("#group-by").select_option("region")
    expect(page).to_have_url(re.compile(r"group_by=region"))
    expect(page.locator("#spenders tbody tr").first).to_contain_text("us-east-1")


@dataclass(frozen=True)
class UnusualJobs:
    # Created about 9 and 4 years before the others: a chart of the days with jobs spans
    # years (by month from the first, by week from the second).
    ancient: str
    old: str
    long_status: str  # a transition whose status is far wider than the label column


LONG_STATUS = "DownloadingTrainingImageFromAnUnusuallyLongRegistryPathName" * 3
OLD_DAYS = 1500


@pytest.fixture(scope="module")
def unusual(jobs: WebJobs) -> UnusualJobs:
    prefix = f"odd-{uuid.uuid4().hex[:8]}"
    now_ms = int(datetime.now(UTC).timestamp() * 1000)
    ancient, old, long_status = f"{prefix}-ancient", f"{prefix}-old", f"{prefix}-long-status"
    details = [
        *lifecycle(ancient, "Completed", creation_ms=now_ms - 3300 * 24 * HOUR_MS),
        *lifecycle(old, "Stopped", creation_ms=now_ms - OLD_DAYS * 24 * HOUR_MS),
        # Three hours ago, as the timeline jobs: other tests count on theirs being newest.
        failed_job(
            long_status,
            [("Starting", 60), (LONG_STATUS, 300), ("Failed", None)],
            now_ms - 3 * HOUR_MS,
        ),
    ]
    put_events(jobs.stack.client("events"), details)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        stored = jobs.get("/jobs", name_prefix=prefix)["items"]
        if len(stored) == 3 and len(jobs.get(f"/jobs/{long_status}/transitions")["items"]) == 3:
            return UnusualJobs(ancient, old, long_status)
        time.sleep(0.5)
    raise AssertionError(f"the stack did not store the jobs:\n{jobs.stack.log()}")


@pytest.mark.parametrize("sort", ["__proto__", "constructor", "-__proto__", "toString", "nope"])
def test_a_sort_that_is_no_column_is_ignored(
    jobs: WebJobs, watched: WatchedPage, sort: str
) -> None:
    page = watched.page
    # Given the server's order of a page
    page.goto(jobs.url(f"/?name_prefix={jobs.prefix}&limit=25"))
    server_order = listed_after_load(page, 25)
    # When a link asks for a sort by something that is no column
    page.goto(jobs.url(f"/?name_prefix={jobs.prefix}&limit=25&sort={sort}"))
    # Then the page loads in the server's order, as if no sort were asked for
    assert listed_after_load(page, 25) == server_order
    expect(page.locator("th[data-key=name]")).to_have_attribute("aria-sort", "descending")


def drawn_columns(page: Page, chart: str) -> list[dict[str, Any]]:
    return page.locator(f"svg#{chart} g.day").evaluate_all(
        """days => days.map(d => ({day: d.dataset.day, values: Object.fromEntries(
            [...d.querySelectorAll('rect.bar')]
                .map(r => [r.dataset.series, +r.dataset.value]))}))"""
    )


def test_stats_over_the_whole_calendar_draws_the_years_that_have_jobs(
    jobs: WebJobs, unusual: UnusualJobs, watched: WatchedPage
) -> None:
    page = watched.page
    window = {"created_after": "0001-01-01", "created_before": "9999-12-31"}
    stats = jobs.get("/stats", **window)
    assert len(stats["days"]) >= 2
    # When the stats page is asked for every day there is
    page.goto(jobs.url("/stats.html?" + urlencode(window)))
    page.locator("svg#counts").wait_for()
    expect(page.locator("#window-text")).to_contain_text("from 0001-01-01 to 9999-12-31")
    # Then the charts span the days that have jobs, about nine years: by month, within
    # a year's worth of columns, and every job and hour of /stats is in them
    first, last = stats["days"][0]["day"], stats["days"][-1]["day"]
    expect(page.locator("svg#counts desc")).to_contain_text(f"Drawn from {first} to {last}")
    expect(
        page.get_by_role("img", name="Jobs created per month, by current status")
    ).to_be_visible()
    counts = drawn_columns(page, "counts")
    assert 100 <= len(counts) <= 366
    assert counts[0]["day"] == f"{first[:7]}-01" and counts[-1]["day"] == f"{last[:7]}-01"
    drawn = {status: sum(c["values"].get(status, 0) for c in counts) for status in stats["counts"]}
    assert drawn == stats["counts"]
    hours = sum(c["values"].get("billable", 0) for c in drawn_columns(page, "hours"))
    assert hours == pytest.approx(stats["billable_time_in_seconds"] / 3600)
    # ... and the tables keep the days with jobs, one row each
    expect(page.locator("#counts-table tbody tr")).to_have_count(len(stats["days"]))


def test_stats_of_a_few_years_are_drawn_by_week(
    jobs: WebJobs, unusual: UnusualJobs, watched: WatchedPage
) -> None:
    page = watched.page
    first = (datetime.now(UTC) - timedelta(days=OLD_DAYS + 100)).date().isoformat()
    window = {"created_after": first, "created_before": jobs.last_day}
    stats = jobs.get("/stats", **window)
    page.goto(jobs.url("/stats.html?" + urlencode(window)))
    page.locator("svg#counts").wait_for()
    expect(page.get_by_role("img", name="Billable hours per week")).to_be_visible()
    # About four years of days with jobs: some 215 weeks, each column from a Monday
    counts = drawn_columns(page, "counts")
    assert OLD_DAYS // 7 <= len(counts) <= OLD_DAYS // 7 + 2
    assert all(datetime.fromisoformat(c["day"]).weekday() == 0 for c in counts)  # Mondays
    drawn = {status: sum(c["values"].get(status, 0) for c in counts) for status in stats["counts"]}
    assert drawn == stats["counts"]


def test_a_long_status_is_cut_to_fit_its_label_column(
    jobs: WebJobs, unusual: UnusualJobs, browser: BrowserContext
) -> None:
    for viewport in ({"width": 1280, "height": 900}, PHONE):
        watched = WatchedPage.open(browser)
        page = watched.page
        page.set_viewport_size(viewport)
        page.goto(jobs.url(f"/job.html?name={unusual.long_status}"))
        assert [bar["status"] for bar in bars(page)] == ["Starting", LONG_STATUS, "Failed"]
        # Every label starts inside the chart, the long one cut with an ellipsis
        boxes = page.locator("svg.timeline .row-label").evaluate_all(
            "labels => labels.map(l => [l.getBBox().x, l.textContent])"
        )
        assert all(x >= 0 for x, _ in boxes), boxes
        long_label = boxes[1][1]
        assert long_label.endswith("…") and LONG_STATUS.startswith(long_label[:-1])
        # ... the whole status is in the bar's tooltip and in the table
        expect(
            page.locator(f"svg.timeline rect.bar[data-status='{LONG_STATUS}'] title")
        ).to_contain_text(LONG_STATUS)
        page.close()
        assert watched.console_errors == [] and watched.hosts() <= {"127.0.0.1"}
