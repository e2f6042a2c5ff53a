"""The jobtracker command line: arguments, paging, output, and who signs."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from jobtracker_cli.client import (
    DEFAULT_API_URL,
    ApiClient,
    ApiError,
    is_loopback,
    region_for,
    signed_headers,
)
from jobtracker_cli.main import build_parser, parse_since, parse_since_days, run

NOW = datetime(2026, 11, 28, 6, 0, 0, tzinfo=UTC)


class StubApi(ApiClient):
    """Answers from a dict of path -> handler(params) and records the requests."""

    def __init__(self, routes: dict[str, Any]) -> None:
        super().__init__("http://127.0.0.1:8000", sign=False)
        self.routes = routes
        self.requests: list[tuple[str, dict[str, str]]] = []

    def get(self, path: str, params: dict[str, str] | None = None) -> Any:
        self.requests.append((path, dict(params or {})))
        answer = self.routes[path]
        return answer(params or {}) if callable(answer) else answer


def summary(number: int) -> dict[str, Any]:
    return {
        "training_job_name": f"xgboost-{number:03d}",
        "account": "210987654321",
        "region": "eu-west-1",
        "training_job_status": "Failed",
        "secondary_status": "Failed",
        "creation_time": "2026-11-27T10:00:00.000Z",
        "billable_time_in_seconds": 3725,
        "instance_type": "ml.m5.xlarge",
        "instance_count": 2,
        "failure_reason": "AlgorithmError: ExecuteUserScriptError:\nExitCode 1",
    }


def paged_jobs(total: int) -> Any:
    def answer(params: dict[str, str]) -> dict[str, Any]:
        start = int(params.get("next_token", "0"))
        end = min(total, start + int(params["limit"]))
        return {
            "items": [summary(n) for n in range(start, end)],
            "next_token": str(end) if end < total else None,
        }

    return answer


def cli(argv: list[str], api: StubApi) -> tuple[int, str]:
    out = io.StringIO()
    code = run(argv, out=out, client_for=lambda url, region: api)
    return code, out.getvalue()


def test_since_is_a_duration_back_from_now() -> None:
    assert parse_since("7d", NOW) == "2026-11-21T06:00:00.000Z"
    assert parse_since("90m", NOW) == "2026-11-28T04:30:00.000Z"
    with pytest.raises(Exception, match=r"e\.g\. 7d"):
        parse_since("a week", NOW)


def test_stats_since_counts_whole_days_including_today() -> None:
    assert parse_since_days("30d", NOW) == "2026-10-30"
    assert parse_since_days("1w", NOW) == "2026-11-22"
    with pytest.raises(Exception, match="whole days"):
        parse_since_days("12h", NOW)


def test_jobs_follows_tokens_until_the_limit_and_prints_a_table() -> None:
    api = StubApi({"/jobs": paged_jobs(250)})
    code, out = cli(["jobs", "--status", "Failed", "--limit", "120"], api)
    assert code == 0
    assert [p["limit"] for _, p in api.requests] == ["100", "20"]
    assert all(p["status"] == "Failed" for _, p in api.requests)
    lines = out.splitlines()
    assert lines[0].split()[:5] == ["NAME", "ACCOUNT", "REGION", "STATUS", "SECONDARY"]
    assert lines[1].split()[:8] == [
        "xgboost-000", "210987654321", "eu-west-1", "Failed", "Failed", "2026-11-27", "10:00:00",
        "1h02m",
    ]  # fmt: skip
    assert lines[1].endswith("2x ml.m5.xlarge  AlgorithmError: ExecuteUserScriptError: ExitCode 1")
    assert len(lines) == 1 + 120 + 1  # a multi-line failure reason stays on its row
    assert lines[-1] == "120 job(s) (more: raise --limit)"


def test_jobs_json_is_the_items_and_the_token_to_continue() -> None:
    api = StubApi({"/jobs": paged_jobs(3)})
    for argv in (["--json", "jobs"], ["jobs", "--json"]):
        code, out = cli(argv, api)
        document = json.loads(out)
        assert (code, len(document["items"]), document["next_token"]) == (0, 3, None)


def test_job_prints_a_timeline() -> None:
    api = StubApi(
        {
            "/jobs/xgboost-001": {
                "training_job_name": "xgboost-001",
                "training_job_status": "Completed",
                "secondary_status": "Completed",
                "creation_time": "2026-11-27T10:00:00.000Z",
                "resource_config": {"instance_type": "ml.p3.2xlarge", "instance_count": 1},
            },
            "/jobs/xgboost-001/transitions": {
                "items": [
                    {
                        "status": "Starting",
                        "start_time": "2026-11-27T10:00:00.000Z",
                        "end_time": "2026-11-27T10:03:00.000Z",
                        "status_message": "Preparing the instances for training",
                    },
                    {
                        "status": "DownloadingTrainingImage",
                        "start_time": "2026-11-27T10:03:00.000Z",
                        "end_time": None,
                        "status_message": None,
                    },
                ]
            },
        }
    )
    code, out = cli(["job", "xgboost-001"], api)
    assert code == 0
    assert "instance: 1x ml.p3.2xlarge" in out
    timeline = out.split("timeline\n")[1].splitlines()
    assert timeline[0].split()[:5] == ["2026-11-27", "10:00:00", "+0m00s", "Starting", "3m00s"]
    assert timeline[0].index("3m00s") == timeline[1].index("(current)")  # aligned columns
    assert timeline[1].split()[2:5] == ["+3m00s", "DownloadingTrainingImage", "(current)"]


def test_stats_prints_counts_and_savings() -> None:
    api = StubApi(
        {
            "/stats": {
                "counts": {"InProgress": 1, "Completed": 5, "Failed": 2},
                "billable_time_in_seconds": 7200,
                "training_time_in_seconds": 9000,
                "spot_savings_percent": 37.5,
                "created_after": "2026-10-30T00:00:00.000Z",
                "created_before": "2026-11-28T23:59:59.999Z",
            }
        }
    )
    code, out = cli(["stats", "--since", "30d"], api)
    assert code == 0
    assert "created_after" in api.requests[0][1]
    assert "total       8" in out.splitlines()
    assert "spot savings:   37.5%" in out


def test_an_api_error_is_reported_with_its_message(capsys: pytest.CaptureFixture[str]) -> None:
    class Refusing(StubApi):
        def get(self, path: str, params: dict[str, str] | None = None) -> Any:
            raise ApiError(404, "training job 'nope' not found")

    code, _ = cli(["job", "nope"], Refusing({}))
    assert code == 1
    assert "HTTP 404: training job 'nope' not found" in capsys.readouterr().err


def test_only_remote_endpoints_are_signed() -> None:
    assert is_loopback("http://127.0.0.1:8000") and is_loopback("http://localhost:8000")
    remote = "https://abc123.execute-api.eu-west-1.amazonaws.com"
    assert not is_loopback(remote)
    client = ApiClient.for_url(remote)
    assert (client.sign, client.region) == (True, "eu-west-1")
    assert ApiClient.for_url("http://127.0.0.1:8000").sign is False
    assert region_for("https://api.example.com", {"AWS_REGION": "us-west-2"}) == "us-west-2"


def test_signing_uses_sigv4_for_execute_api(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    url = "https://abc123.execute-api.eu-west-1.amazonaws.com/jobs?limit=5"
    headers = signed_headers(url, {"accept": "application/json"}, "eu-west-1")
    assert headers["Authorization"].startswith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/")
    assert "/eu-west-1/execute-api/aws4_request" in headers["Authorization"]
    assert "X-Amz-Date" in headers


@pytest.mark.parametrize(
    "argv",
    [
        ["--api-url", "https://a.execute-api.eu-west-1.amazonaws.com", "ui", "--port", "9001"],
        ["ui", "--api-url", "https://a.execute-api.eu-west-1.amazonaws.com", "--port", "9001"],
    ],
)
def test_ui_takes_the_api_url_before_or_after_the_command(argv: list[str]) -> None:
    args = build_parser().parse_args(argv)
    assert (args.command, args.port) == ("ui", 9001)
    assert args.api_url == "https://a.execute-api.eu-west-1.amazonaws.com"


def test_ui_defaults_to_the_local_stack_on_port_8765(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JOBTRACKER_API_URL", raising=False)
    args = build_parser().parse_args(["ui"])
    assert (args.api_url, args.port) == (DEFAULT_API_URL, 8765)


def test_account_and_region_filter_jobs_and_select_a_job_apart_from_signing() -> None:
    # Given an API that answers every route
    job = {"training_job_name": "xgboost-001", "account": "210987654321", "region": "eu-west-1"}
    api = StubApi(
        {
            "/jobs": paged_jobs(1),
            "/jobs/xgboost-001": job,
            "/jobs/xgboost-001/transitions": {"items": []},
            "/stats": {
                "counts": {"Failed": 1},
                "billable_time_in_seconds": 0,
                "training_time_in_seconds": 0,
                "spot_savings_percent": None,
                "created_after": "2026-10-30T00:00:00.000Z",
                "created_before": "2026-11-28T23:59:59.999Z",
                "account": "210987654321",
            },
        }
    )
    signed_for: list[str | None] = []

    def client_for(url: str, region: str | None) -> ApiClient:
        signed_for.append(region)
        return api

    # When jobs, one job and stats are asked for another account and region
    argv = ["--region", "us-east-1", "jobs", "--account", "210987654321", "--region", "eu-west-1"]
    assert run(argv, out=io.StringIO(), client_for=client_for) == 0
    out = io.StringIO()
    argv = ["job", "xgboost-001", "--account", "210987654321", "--region", "eu-west-1"]
    assert run(argv, out=out, client_for=client_for) == 0
    stats_out = io.StringIO()
    assert run(["stats", "--account", "210987654321"], out=stats_out, client_for=client_for) == 0
    # Then the filters go to the API, the signing region stays the top-level one
    assert api.requests[0][1]["account"] == "210987654321"
    assert api.requests[0][1]["region"] == "eu-west-1"
    place = {"account": "210987654321", "region": "eu-west-1"}
    assert api.requests[1:3] == [
        ("/jobs/xgboost-001", place),
        ("/jobs/xgboost-001/transitions", place),
    ]
    assert api.requests[3] == ("/stats", {"account": "210987654321"})
    assert signed_for == ["us-east-1", None, None]
    assert "account: 210987654321 (eu-west-1)" in out.getvalue()
    assert "account 210987654321" in stats_out.getvalue().splitlines()[0]
