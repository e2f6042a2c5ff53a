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
    default_api_url,
    is_loopback,
    region_for,
    signed_headers,
)
from jobtracker_cli.main import (
    WATCH_SECONDS,
    build_parser,
    parse_moment,
    parse_since,
    parse_since_days,
    run,
)
from jobtracker_cli.redrive import local_endpoint_url

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
    monkeypatch.delenv("API_PORT", raising=False)
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


def cli_watching(argv: list[str], api: StubApi, rounds: int) -> tuple[int, str, list[float]]:
    """Run a --watch command whose `rounds`-th sleep is interrupted, as Ctrl-C does."""
    out = io.StringIO()
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        if len(slept) == rounds:
            raise KeyboardInterrupt

    code = run(argv, out=out, client_for=lambda url, region: api, sleep=sleep)
    return code, out.getvalue(), slept


@pytest.mark.parametrize("spelling", ["failed", "FAILED", "Failed", " fAiLeD "])
def test_status_is_taken_in_any_case_and_sent_as_the_api_spells_it(spelling: str) -> None:
    api = StubApi({"/jobs": paged_jobs(1)})
    code, _ = cli(["jobs", "--status", spelling], api)
    assert code == 0
    assert api.requests[0][1]["status"] == "Failed"


def test_an_unknown_status_names_the_accepted_ones(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli(["jobs", "--status", "broken"], StubApi({}))
    assert "use one of InProgress, Completed, Failed, Stopping, Stopped" in capsys.readouterr().err


def test_until_pairs_with_since_as_a_window() -> None:
    api = StubApi({"/jobs": paged_jobs(1)})
    code, _ = cli(["jobs", "--since", "2026-11-01", "--until", "2026-11-07T12:00Z"], api)
    assert code == 0
    params = api.requests[0][1]
    assert (params["created_after"], params["created_before"]) == (
        "2026-11-01",
        "2026-11-07T12:00Z",
    )
    assert parse_moment("1d", NOW) == "2026-11-27T06:00:00.000Z"
    with pytest.raises(Exception, match="ISO 8601"):
        parse_moment("last tuesday", NOW)


def test_watch_lists_again_until_interrupted() -> None:
    # Given a listing that changes between two requests
    answers = iter([paged_jobs(1), paged_jobs(2), paged_jobs(3)])
    api = StubApi({"/jobs": lambda params: next(answers)(params)})
    # When it is watched every 2 s and Ctrl-C comes during the third wait
    code, out, slept = cli_watching(["jobs", "--watch", "2"], api, rounds=3)
    # Then it listed three times, waited 2 s between, and ended cleanly
    assert code == 0
    assert slept == [2.0, 2.0, 2.0]
    assert [line for line in out.splitlines() if line.endswith("job(s)")] == [
        "1 job(s)",
        "2 job(s)",
        "3 job(s)",
    ]
    assert out.count("(Ctrl-C stops)") == 3


def test_watch_without_seconds_takes_the_default() -> None:
    api = StubApi({"/jobs": paged_jobs(1)})
    code, _, slept = cli_watching(["jobs", "--watch"], api, rounds=1)
    assert (code, slept) == (0, [WATCH_SECONDS])


def test_a_pending_job_is_marked_in_the_listing() -> None:
    pending = {**summary(1), "enrichment_pending": True}
    api = StubApi({"/jobs": {"items": [summary(0), pending], "next_token": None}})
    code, out = cli(["jobs"], api)
    lines = out.splitlines()
    assert code == 0
    status = lines[0].split().index("STATUS")
    assert lines[1].split()[status] == "Failed" and lines[2].split()[status] == "Failed*"
    assert lines[-1].startswith("* enrichment pending")


def test_job_shows_what_users_look_for() -> None:
    name = "resnet50-2026-11-27-10-00-00-000"
    record = {
        "training_job_name": name,
        "training_job_arn": f"arn:aws:sagemaker:eu-west-1:123456789012:training-job/{name}",
        "training_job_status": "Completed",
        "secondary_status": "Completed",
        "creation_time": "2026-11-27T10:00:00.000Z",
        "final_metric_data_list": [
            {"metric_name": "val:top1_accuracy", "value": 0.76, "timestamp": "..."},
            {"metric_name": "train:loss", "value": 0.94, "timestamp": "..."},
        ],
        "hyper_parameters": {"lr": "0.1", "epochs": "30"},
        "tags": [{"key": "team", "value": "vision"}],
        "model_artifacts": {"s3_model_artifacts": "s3://models/resnet50/output/model.tar.gz"},
        "enrichment_pending": False,
    }
    api = StubApi({f"/jobs/{name}": record, f"/jobs/{name}/transitions": {"items": []}})
    code, out = cli(["job", name], api)
    assert code == 0
    assert "model: s3://models/resnet50/output/model.tar.gz" in out
    assert "pending" not in out
    assert out.split("final metrics\n")[1].splitlines()[:2] == [
        "  val:top1_accuracy  0.76",
        "  train:loss         0.94",
    ]
    assert out.split("hyperparameters\n")[1].splitlines()[:2] == ["  epochs  30", "  lr      0.1"]
    assert out.split("tags\n")[1].splitlines()[0] == "  team  vision"
    console = (
        f"https://eu-west-1.console.aws.amazon.com/sagemaker/home?region=eu-west-1#/jobs/{name}"
    )
    assert f"console: {console}" in out
    assert "logs: https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#" in out


def test_a_pending_record_says_so() -> None:
    record = {
        "training_job_name": "vanished",
        "training_job_status": "Failed",
        "creation_time": "2026-11-27T10:00:00.000Z",
        "enrichment_pending": True,
    }
    api = StubApi({"/jobs/vanished": record, "/jobs/vanished/transitions": {"items": []}})
    code, out = cli(["job", "vanished"], api)
    assert code == 0
    assert "pending: enrichment pending" in out
    assert "final metrics\n  (none)" in out


def test_the_local_stack_is_found_on_its_ports() -> None:
    assert default_api_url({"API_PORT": "8050"}) == "http://127.0.0.1:8050"
    assert default_api_url({"API_PORT": "0"}) == "http://127.0.0.1:8000"
    assert default_api_url({}) == "http://127.0.0.1:8000"
    assert local_endpoint_url({"AWS_PORT": "4650"}) == "http://127.0.0.1:4650"
    assert local_endpoint_url({}) == "http://127.0.0.1:4566"


def test_watch_with_json_prints_only_json_documents() -> None:
    api = StubApi({"/jobs": paged_jobs(2)})
    code, out, _ = cli_watching(["--json", "jobs", "--watch", "1"], api, rounds=2)
    decoder = json.JSONDecoder()
    documents, rest = [], out.strip()
    while rest:
        document, end = decoder.raw_decode(rest)
        documents.append(document)
        rest = rest[end:].strip()
    assert code == 0
    assert [len(d["items"]) for d in documents] == [2, 2]


def test_jobs_show_what_each_cost_and_mark_a_running_ones_so_far() -> None:
    ended = {**summary(1), "cost_usd": 0.4759}
    running = {**summary(2), "training_job_status": "InProgress", "cost_usd": 12.3456}
    running["cost_usd_per_hour"] = 0.46
    unpriced = {**summary(3), "cost_usd": None}
    api = StubApi({"/jobs": {"items": [ended, running, unpriced], "next_token": None}})
    code, out = cli(["jobs"], api)
    lines = out.splitlines()
    column = lines[0].index("COST")
    assert code == 0
    assert lines[0].split()[7:9] == ["BILLABLE", "COST"]
    assert [line[column:].split()[0] for line in lines[1:4]] == ["$0.48", "~$12.35", "-"]


def test_job_says_what_it_cost_what_that_includes_and_whose_prices() -> None:
    record = {
        "training_job_name": "resnet-spot",
        "training_job_status": "Completed",
        "cost_usd": 3.825,
        "cost_is_estimate": False,
        "spot_savings_usd": 5.1,
        "warm_pool_cost_usd": 1.275,
        "cost_usd_per_hour": 7.65,
        "price_usd_per_hour": {"ml.p3.2xlarge": 3.825},
        "price_source": "AWS Price List API, 2026-11-05",
    }
    api = StubApi({"/jobs/resnet-spot": record, "/jobs/resnet-spot/transitions": {"items": []}})
    code, out = cli(["job", "resnet-spot"], api)
    assert code == 0
    assert "       cost: $3.83\n" in out
    assert "  warm pool: $1.27 (included)\n" in out or "  warm pool: $1.28 (included)\n" in out
    assert " spot saved: $5.10\n" in out
    assert "     prices: ml.p3.2xlarge $3.83/h (AWS Price List API, 2026-11-05)\n" in out
    unpriced = {**record, "cost_usd": None, "cost_reason": "no price for ml.zz.1xlarge in x"}
    api.routes["/jobs/resnet-spot"] = unpriced
    assert (
        "       cost: - (no price for ml.zz.1xlarge in x)\n" in cli(["job", "resnet-spot"], api)[1]
    )


def test_stats_by_team_asks_for_the_tags_groups_and_prints_each_share() -> None:
    stats = {
        "counts": {"Completed": 3, "Failed": 1},
        "billable_time_in_seconds": 7200,
        "training_time_in_seconds": 7200,
        "spot_savings_percent": None,
        "cost_usd": 40.0,
        "unpriced_jobs": 1,
        "created_after": "2026-10-30T00:00:00.000Z",
        "created_before": "2026-11-28T23:59:59.999Z",
        "group_by": "tag:team",
        "groups": [
            {
                "key": "vision",
                "jobs": 3,
                "counts": {"Completed": 2, "Failed": 1},
                "billable_time_in_seconds": 5400,
                "cost_usd": 30.0,
            },
            {
                "key": None,
                "jobs": 1,
                "counts": {"Completed": 1},
                "billable_time_in_seconds": 1800,
                "cost_usd": 10.0,
            },
        ],
    }
    api = StubApi({"/stats": stats})
    code, out = cli(["stats", "--by", "team"], api)
    assert code == 0
    assert api.requests[0][1]["group_by"] == "tag:team"
    assert "cost:           $40.00 (1 ended job(s) without a price left out)" in out
    rows = out.split("by tag:team\n")[1].splitlines()
    assert rows[1].split() == ["vision", "3", "2", "1", "1h30m", "$30.00", "75.0%"]
    assert rows[2].split() == ["(none)", "1", "1", "0", "30m00s", "$10.00", "25.0%"]
    cli(["stats", "--by", "instance_type"], api)
    assert api.requests[-1][1]["group_by"] == "instance_type"


def test_jobs_attention_asks_for_jobs_in_trouble_and_says_why() -> None:
    stuck = {
        **summary(7),
        "training_job_status": "InProgress",
        "secondary_status": "Starting",
        "failure_reason": None,
        "attention": [
            {
                "kind": "Stuck",
                "secondary_status": "Starting",
                "since": "2026-11-28T05:00:00.000Z",
                "for_seconds": 2700,
                "threshold_seconds": 1800,
                "limit_seconds": None,
            }
        ],
    }
    api = StubApi({"/jobs": {"items": [stuck], "next_token": None}})
    code, out = cli(["jobs", "--attention", "--account", "210987654321"], api)
    assert code == 0
    assert api.requests == [
        ("/jobs", {"account": "210987654321", "attention": "true", "limit": "50"})
    ]
    header, row = out.splitlines()[:2]
    assert "ATTENTION" in header.split()
    assert "Stuck in Starting 45m00s (over 30m00s)" in row


def test_the_attention_column_shows_only_when_a_job_needs_it() -> None:
    api = StubApi({"/jobs": paged_jobs(2)})
    _, out = cli(["jobs"], api)
    assert "ATTENTION" not in out
    assert all("attention" not in params for _, params in api.requests)
