"""The API over real HTTP: schemathesis on every route of /openapi.json (positive and
negative data: never a 5xx, always a documented status, body and content type), and the
jobtracker command line against it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from api.openapi import openapi_document
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from tests.fixtures.http_adapter import serve_api
from tests.fixtures.seeded_api import SeededApi, seeded_api

pytestmark = pytest.mark.e2e

JOBTRACKER = Path(sys.executable).with_name("jobtracker")

schema = schemathesis.openapi.from_dict(openapi_document())
schema.config.generation.update(modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE])


@pytest.fixture(scope="module")
def api() -> Iterator[SeededApi]:
    with seeded_api(count=60, seed=21, span_days=60) as seeded:
        yield seeded


@pytest.fixture(scope="module")
def base_url(api: SeededApi) -> Iterator[str]:
    with serve_api(api.handler) as url:
        yield url


@schema.parametrize()
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_every_route_conforms_and_never_fails(case: schemathesis.Case, base_url: str) -> None:
    case.call_and_validate(
        base_url=base_url,
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
            negative_data_rejection,
        ],
    )


def test_the_served_document_is_the_tested_one(base_url: str) -> None:
    with urllib.request.urlopen(f"{base_url}/openapi.json") as response:
        assert json.loads(response.read()) == openapi_document()


def jobtracker(base_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "JOBTRACKER_API_URL": base_url}
    return subprocess.run(
        [str(JOBTRACKER), *args], capture_output=True, text=True, env=env, timeout=120
    )


def test_cli_lists_jobs_as_the_api_does(api: SeededApi, base_url: str) -> None:
    result = jobtracker(base_url, "--json", "jobs", "--status", "Failed", "--limit", "500")
    assert result.returncode == 0, result.stderr
    names = [job["training_job_name"] for job in json.loads(result.stdout)["items"]]
    failed = sorted(
        (job for job in api.jobs if job.snapshot.status == "Failed"),
        key=lambda job: job.created_sk,
        reverse=True,
    )
    assert names == [job.name for job in failed]
    table = jobtracker(base_url, "jobs", "--limit", "7")
    assert table.returncode == 0, table.stderr
    lines = table.stdout.splitlines()
    assert lines[0].startswith("NAME") and len(lines) == 1 + 7 + 1
    assert lines[-1] == "7 job(s) (more: raise --limit)"


def test_cli_shows_a_job_with_its_timeline(api: SeededApi, base_url: str) -> None:
    job = api.jobs[0]
    result = jobtracker(base_url, "job", job.name)
    assert result.returncode == 0, result.stderr
    assert f"name: {job.name}" in result.stdout
    timeline = result.stdout.split("timeline\n")[1].splitlines()
    statuses = [t["status"] for t in job.record["secondary_status_transitions"]]
    assert [line.split()[3] for line in timeline] == statuses


def test_cli_stats_and_errors(base_url: str) -> None:
    stats = jobtracker(base_url, "--json", "stats", "--since", "3650d")
    assert stats.returncode == 0, stats.stderr
    assert sum(json.loads(stats.stdout)["counts"].values()) == 60
    missing = jobtracker(base_url, "job", "no-such-job")
    assert missing.returncode == 1
    assert "HTTP 404: training job 'no-such-job' not found" in missing.stderr
