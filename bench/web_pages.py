"""The web view's first paint, measured in headless Chromium on a running `make local`.

    make local                                  # with the demo data (DEMO=1, the default)
    .venv/bin/python -m bench.web_pages [--url http://127.0.0.1:8000] [--runs 15]
                                        [--screenshots docs/]

Loads the jobs page `runs` times, each in a new page of a fresh profile's browser, and
reads the Performance API's paint entries (first-paint, first-contentful-paint) and the
time the first page of jobs was on screen. Prints the medians. With --screenshots, also
writes the jobs, job and stats pages as PNG into that folder (the README shows them).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

from local.browser import LAPTOP, chromium

PAINT = """() => Object.fromEntries(performance.getEntriesByType('paint')
    .map(entry => [entry.name, entry.startTime]))"""


def first_paints(url: str, runs: int) -> dict[str, float]:
    samples: dict[str, list[float]] = {}
    with chromium() as browser:
        for _ in range(runs):
            page = browser.new_page()
            page.goto(f"{url}/")
            page.locator("#jobs tbody tr").first.wait_for()
            timings: dict[str, float] = page.evaluate(PAINT)
            timings["jobs-listed"] = page.evaluate("performance.now()")
            for name, value in timings.items():
                samples.setdefault(name, []).append(value)
            page.close()
    return {name: round(statistics.median(values), 1) for name, values in samples.items()}


def screenshots(url: str, folder: Path) -> list[Path]:
    failed = _get(f"{url}/jobs?status=Failed&limit=1")["items"]
    job = failed[0] if failed else _get(f"{url}/jobs?limit=1")["items"][0]
    # A job is its account, region and name: a member's job is not found by name alone.
    place = urllib.parse.urlencode(
        {"name": job["training_job_name"], "account": job["account"], "region": job["region"]}
    )
    written = []
    with chromium(LAPTOP) as browser:
        page = browser.new_page()
        for file, path, ready, full in (
            ("web-jobs.png", "/", "#jobs tbody tr", False),
            ("web-job.png", f"/job.html?{place}", "svg.timeline", True),
            ("web-stats.png", "/stats.html", "svg#hours", True),
        ):
            page.goto(f"{url}{path}")
            page.locator(ready).first.wait_for()
            target = folder / file
            page.screenshot(path=str(target), full_page=full)
            written.append(target)
    return written


def _get(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=30) as response:
        return json.loads(response.read())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.web_pages", description=__doc__)
    parser.add_argument("--url", default="http://127.0.0.1:8000", help="the local stack's API")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--screenshots", type=Path, help="folder to write the PNGs into")
    args = parser.parse_args(argv)
    medians = first_paints(args.url.rstrip("/"), args.runs)
    print(json.dumps({"runs": args.runs, "median_ms": medians}, indent=2))
    if args.screenshots:
        for path in screenshots(args.url.rstrip("/"), args.screenshots):
            print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
