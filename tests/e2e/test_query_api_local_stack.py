"""The query API on `make local`'s stack: jobs put on the bus as SageMaker events, read
back over HTTP by schemathesis (every route of /openapi.json, positive and negative data),
by plain requests and by the jobtracker command line."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
import schemathesis
from api.openapi import openapi_document
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from local.demo import put_events
from synthetic.events import lifecycle
from tests.fixtures.hostile import calendar_edge_times
from tests.fixtures.http_events import strict_loads

from .conftest import LocalStack

pytestmark = pytest.mark.e2e

JOBTRACKER = Path(sys.executable).with_name("jobtracker")
HOUR_MS = 3_600_000
NAN = float("nan")
ENDINGS = ("Completed", "Failed", "Completed", None, "Stopped", "Failed")
TUNING_JOB = "arn:aws:sagemaker:us-east-1:123456789012:hyper-parameter-tuning-job/edge"
JOBS = 12

schema = schemathesis.openapi.from_dict(openapi_document())
schema.config.generation.update(modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
# The methods the local adapter passes to the api handler, and TRACE, which the adapter
# itself answers with a JSON 405 (API Gateway answers unrouted methods with a 404).
schema.config.phases.coverage.unexpected_methods = {
    "post",
    "put",
    "patch",
    "delete",
    "options",
    "trace",
}


@schemathesis.check
def strict_json(ctx: Any, response: schemathesis.Response, case: schemathesis.Case) -> None:
    """Every body that says it is JSON parses without NaN or Infinity."""
    if "json" in (response.headers.get("content-type") or [""])[0]:
        strict_loads(response.content)


@dataclass(frozen=True)
class Seeded:
    stack: LocalStack
    prefix: str
    jobs: dict[str, dict[str, Any]]  # name -> the newest snapshot put on the bus

    def get(self, path: str, **params: str) -> tuple[int, Any]:
        url = f"{self.stack.api_url}{path}" + (f"?{urlencode(params)}" if params else "")
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                return response.status, strict_loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, strict_loads(error.read())

    def names_newest_first(self, status: str | None = None) -> list[str]:
        chosen = [d for d in self.jobs.values() if status in (None, d["TrainingJobStatus"])]
        chosen.sort(key=lambda d: (d["CreationTime"], d["TrainingJobName"]), reverse=True)
        return [d["TrainingJobName"] for d in chosen]


@pytest.fixture(scope="module")
def seeded(local_stack: LocalStack) -> Iterator[Seeded]:
    """Twelve jobs with a name prefix of their own, put on the bus and stored by the stack."""
    prefix = f"qapi-{uuid.uuid4().hex[:8]}"
    now_ms = int(datetime.now(UTC).timestamp() * 1000)
    jobs, details = {}, []
    for number in range(JOBS):
        name = f"{prefix}-{number:02d}"
        snapshots = lifecycle(
            name,
            ENDINGS[number % len(ENDINGS)],
            creation_ms=now_ms - (number + 2) * HOUR_MS,
            spot=number % 3 == 0,
        )
        jobs[name] = snapshots[-1]
        details.extend(snapshots)
    # One job's final metric is NaN, as a producer's json.dumps writes it: no response
    # may carry it on (every body here is parsed strictly).
    details[-1] = {**details[-1], "FinalMetricDataList": [{"MetricName": "loss", "Value": NAN}]}
    put_events(local_stack.client("events"), details)
    seeded = Seeded(local_stack, prefix, jobs)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        _, body = seeded.get("/jobs", name_prefix=prefix, limit="100")
        stored = {job["training_job_name"]: job for job in body.get("items", [])}
        if all(
            name in stored
            and stored[name]["training_job_status"] == snapshot["TrainingJobStatus"]
            and stored[name]["secondary_status"] == snapshot["SecondaryStatus"]
            for name, snapshot in jobs.items()
        ):
            yield seeded
            return
        time.sleep(0.5)
    raise AssertionError(f"the stack did not store the jobs:\n{local_stack.log()}")


@schema.parametrize()
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_every_route_conforms_and_never_fails(case: schemathesis.Case, seeded: Seeded) -> None:
    case.call_and_validate(
        base_url=seeded.stack.api_url,
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
            negative_data_rejection,
            strict_json,
        ],
    )


ROUTES = ["/stats", "/jobs", "/jobs?status=Failed", "/jobs?tuning_job_arn=" + TUNING_JOB]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    route=st.sampled_from(ROUTES),
    bounds=st.dictionaries(
        st.sampled_from(["created_after", "created_before"]), calendar_edge_times(), min_size=1
    ),
)
def test_times_at_the_edges_of_the_calendar_are_a_200_or_a_json_400(
    local_stack: LocalStack, route: str, bounds: dict[str, str]
) -> None:
    separator = "&" if "?" in route else "?"
    url = f"{local_stack.api_url}{route}{separator}{urlencode(bounds)}"
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            status, body = response.status, strict_loads(response.read())
    except urllib.error.HTTPError as error:
        status, body = error.code, strict_loads(error.read())
    assert status == 200 or (status == 400 and "created_" in body["message"]), (url, body)


def test_the_served_document_is_the_tested_one(seeded: Seeded) -> None:
    assert seeded.get("/openapi.json") == (200, openapi_document())


def test_a_nan_metric_is_served_as_null(seeded: Seeded) -> None:
    name = max(seeded.jobs)
    status, record = seeded.get(f"/jobs/{name}")
    assert status == 200
    assert record["final_metric_data_list"] == [{"metric_name": "loss", "value": None}]


def test_paging_a_prefix_gives_each_job_once(seeded: Seeded) -> None:
    names: list[str] = []
    params = {"name_prefix": seeded.prefix, "limit": "5"}
    for _ in range(10):
        status, body = seeded.get("/jobs", **params)
        assert status == 200 and len(body["items"]) <= 5
        names += [job["training_job_name"] for job in body["items"]]
        if body["next_token"] is None:
            break
        params["next_token"] = body["next_token"]
    assert names == sorted(seeded.jobs, reverse=True)


def test_status_in_a_window_lists_the_failed_jobs_newest_first(seeded: Seeded) -> None:
    created = sorted(d["CreationTime"] for d in seeded.jobs.values())
    window = {
        "created_after": datetime.fromtimestamp(created[0] / 1000, UTC).isoformat(),
        "created_before": datetime.fromtimestamp(created[-1] / 1000, UTC).isoformat(),
    }
    status, body = seeded.get("/jobs", status="Failed", limit="100", **window)
    assert status == 200
    listed = [job["training_job_name"] for job in body["items"]]
    ours = [name for name in listed if name.startswith(seeded.prefix)]
    assert ours == seeded.names_newest_first("Failed") and len(ours) == 4
    assert {job["training_job_status"] for job in body["items"]} == {"Failed"}


def test_tampered_and_foreign_tokens_are_refused(seeded: Seeded) -> None:
    _, first = seeded.get("/jobs", name_prefix=seeded.prefix, limit="2")
    token = first["next_token"]
    blob = bytearray(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    blob[-3] ^= 1
    tampered = base64.urlsafe_b64encode(bytes(blob)).decode().rstrip("=")
    assert seeded.get("/jobs", name_prefix=seeded.prefix, limit="2", next_token=tampered) == (
        400,
        {"message": "next_token was not issued by this API, or was altered"},
    )
    status, body = seeded.get("/jobs", status="Failed", next_token=token)
    assert status == 400 and "belongs to another query" in body["message"]


def jobtracker(seeded: Seeded, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "JOBTRACKER_API_URL": seeded.stack.api_url}
    return subprocess.run(
        [str(JOBTRACKER), *args], capture_output=True, text=True, env=env, timeout=60
    )


def test_the_cli_lists_as_the_api_does(seeded: Seeded) -> None:
    listing = jobtracker(seeded, "jobs", "--name-prefix", seeded.prefix, "--json")
    assert listing.returncode == 0, listing.stderr
    names = [job["training_job_name"] for job in json.loads(listing.stdout)["items"]]
    assert names == sorted(seeded.jobs, reverse=True)
    table = jobtracker(seeded, "jobs", "--status", "Failed", "--since", "1d", "--limit", "100")
    assert table.returncode == 0, table.stderr
    rows = [line.split()[0] for line in table.stdout.splitlines()[1:-1]]
    assert [r for r in rows if r.startswith(seeded.prefix)] == seeded.names_newest_first("Failed")


def test_the_cli_shows_a_job_as_a_timeline(seeded: Seeded) -> None:
    name = seeded.names_newest_first("Failed")[0]
    result = jobtracker(seeded, "job", name)
    assert result.returncode == 0, result.stderr
    assert f"name: {name}" in result.stdout
    timeline = result.stdout.split("timeline\n")[1].splitlines()
    expected = [t["Status"] for t in seeded.jobs[name]["SecondaryStatusTransitions"]]
    assert [line.split()[3] for line in timeline] == expected


def test_the_cli_stats_and_errors(seeded: Seeded) -> None:
    stats = jobtracker(seeded, "stats", "--json", "--since", "2d")
    assert stats.returncode == 0, stats.stderr
    counts = json.loads(stats.stdout)["counts"]
    assert counts["Failed"] >= 4 and counts["Completed"] >= 4 and counts["Stopped"] >= 2
    missing = jobtracker(seeded, "job", f"{seeded.prefix}-missing")
    assert missing.returncode == 1
    assert f"HTTP 404: training job '{seeded.prefix}-missing' not found" in missing.stderr
