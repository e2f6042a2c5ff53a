"""What a cold start does not load: each handler imported in a fresh interpreter.

The cold-start figure itself is measured by `make bench` (bench/imports.py); this keeps
the heavy modules that were cut from it from coming back unnoticed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from botocore.config import Config
from jobtracker.clients import new_client

ROOT = Path(__file__).resolve().parents[2]
ENV = {
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "LAMBDA_TASK_ROOT": "/var/task",
    "POWERTOOLS_SERVICE_NAME": "jobtracker",
    "TABLE_NAME": "jobtracker-jobs",
    "HOME_ACCOUNT": "123456789012",
    "HOME_REGION": "us-east-1",
    # As deployed: members read through their role (the STS client is made on first use).
    "MEMBER_ACCESS": "assume-role",
    "MEMBER_ROLE_NAME": "jobtracker-reader",
    "MEMBER_PLACES": "111111111111:us-east-1",
    "ALERT_TOPIC_ARN": "arn:aws:sns:us-east-1:123456789012:jobtracker-alerts",
    "TOKEN_KEY_SECRET_ARN": "arn:aws:secretsmanager:us-east-1:123456789012:secret:key-AbCdEf",
}
# Cut from every cold start: boto3 (the clients are botocore's), pydantic (queries parse
# by hand), Powertools' batch utility and event handler, which load every event source's
# data classes (jobtracker.sqs_batch and api.routes do their work), the OpenAPI document
# and its HTML page (built when their route is hit).
NEVER_AT_IMPORT = (
    "boto3",
    "s3transfer",
    "pydantic",
    "aws_lambda_powertools.utilities.batch",
    "aws_lambda_powertools.event_handler",
    "aws_lambda_powertools.utilities.data_classes",
)


def loaded_modules(module: str, **env: str) -> set[str]:
    code = f"import json, sys, {module}; print(json.dumps(sorted(sys.modules)))"
    return set(json.loads(run_python(code, **env)))


def run_python(code: str, **env: str) -> str:
    """What `code` prints, run in a fresh interpreter with a function's environment."""
    done = subprocess.run(
        [sys.executable, "-c", code],
        env={
            "PATH": os.environ.get("PATH", ""),
            "PYTHONPATH": os.pathsep.join([str(ROOT / "functions"), str(ROOT)]),
            **ENV,
            **env,
        },
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


@pytest.mark.parametrize("package", ["ingest", "api", "reconcile", "watch"])
def test_handler_import_leaves_out_what_a_cold_start_does_not_need(package: str) -> None:
    loaded = loaded_modules(f"{package}.handler")
    assert f"{package}.handler" in loaded
    assert "botocore" in loaded  # PynamoDB's, and the clients'
    assert not {name for name in loaded if name.split(".")[0] in NEVER_AT_IMPORT}
    assert not {name for name in loaded if name.startswith(NEVER_AT_IMPORT)}
    assert not {"api.openapi", "api.reference"} & loaded


@pytest.mark.parametrize("package", ["ingest", "reconcile", "watch"])
def test_the_write_path_leaves_out_the_query_side(package: str) -> None:
    loaded = loaded_modules(f"{package}.handler")
    assert "jobtracker.store.reads" in loaded  # the alerter's and reconciler's reads
    assert not {"jobtracker.queries", "jobtracker.tokens"} & loaded


@pytest.mark.parametrize("package", ["ingest", "reconcile"])
def test_alert_formatting_and_member_roles_wait_for_their_first_use(package: str) -> None:
    # Most invocations publish no alert and read no member account: the alert message's
    # module loads on the first alert, the member role's on the first member job.
    loaded = loaded_modules(f"{package}.handler")
    assert "jobtracker.alerts.alerter" in loaded
    assert not {"jobtracker.alerts.message", "jobtracker.member_role"} & loaded


@pytest.mark.parametrize("package", ["ingest", "reconcile"])
def test_the_watch_and_budgets_stay_with_whoever_runs_them(package: str) -> None:
    # The watch function alone runs the watch; the reconciler alone checks budgets, and
    # loads them only when some are set.
    loaded = loaded_modules(f"{package}.handler")
    assert "jobtracker.pricing" in loaded  # every writer prices what it stores
    assert "jobtracker.alerts.watcher" not in loaded
    budgets = {"jobtracker.budgets", "jobtracker.store.budget_claims"}
    assert not budgets & loaded
    with_budgets = loaded_modules(f"{package}.handler", BUDGETS='{"tag:team=ads": 100}')
    assert budgets & with_budgets == (set() if package == "ingest" else budgets)


def test_clients_are_botocore_clients_with_the_given_settings() -> None:
    config = Config(connect_timeout=2, read_timeout=5, retries={"mode": "standard"})
    client = new_client("sns", config, "eu-west-1")
    assert client.meta.region_name == "eu-west-1"
    assert client.meta.config.read_timeout == 5
    assert client.meta.config.connect_timeout == 2
    assert new_client("sagemaker", config).meta.region_name == "us-east-1"


# Each dataclass compiles its methods by exec when its module is imported: about 1 ms a
# class in the function's interpreter, against 0.1 ms for a NamedTuple (docs/design.md,
# "Cold start"). These few hold state that changes, or check their values on creation.
DATACLASSES_AT_IMPORT = {
    "jobtracker.watch.WatchSettings",
    "jobtracker.reconcile.ReconcileReport",
    "jobtracker.reconcile_walk.WalkReport",
    "jobtracker.alerts.watcher.WatchReport",
}


@pytest.mark.parametrize("package", ["ingest", "api", "reconcile", "watch"])
def test_a_cold_start_defines_no_other_dataclass(package: str) -> None:
    code = (
        f"import dataclasses, inspect, json, sys, {package}.handler\n"
        "found = sorted(\n"
        "    f'{cls.__module__}.{cls.__qualname__}'\n"
        "    for name, module in list(sys.modules.items())\n"
        f"    if name.split('.')[0] in ('jobtracker', {package!r})\n"
        "    for cls in vars(module).values()\n"
        "    if inspect.isclass(cls) and cls.__module__ == name and dataclasses.is_dataclass(cls)\n"
        ")\n"
        "print(json.dumps(found))"
    )
    defined = set(json.loads(run_python(code)))
    assert "jobtracker.watch.WatchSettings" in defined  # the check sees dataclasses
    assert defined <= DATACLASSES_AT_IMPORT, sorted(defined - DATACLASSES_AT_IMPORT)
