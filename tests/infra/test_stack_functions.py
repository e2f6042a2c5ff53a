"""Every function: one helper's runtime, architecture, tracing, logs and Powertools setup."""

import pytest

from infra.api import API
from infra.ingest import INGEST
from infra.prices import PRICES
from infra.reconcile import RECONCILE
from infra.watch import WATCH

pytestmark = pytest.mark.infra

SETTINGS = {"ingest": INGEST, "api": API, "reconcile": RECONCILE, "watch": WATCH, "prices": PRICES}
# The writers read member accounts through their member role (tests/infra/test_stack_members.py).
MEMBERS = {"MEMBER_ACCESS", "MEMBER_ROLE_NAME"}
# The writers price jobs under the deploy's terms (docs/cost.md).
PRICING = {"PRICE_OVERRIDES", "PRICE_DISCOUNT_PERCENT", "COST_TAGS"}
ENVIRONMENT = {
    "ingest": {
        "TABLE_NAME",
        "ALERT_TOPIC_ARN",
        "ALERT_KINDS",
        "STORE_ENVIRONMENT_VALUES",
        *MEMBERS,
        *PRICING,
    },
    "api": {"TABLE_NAME", "TOKEN_KEY_SECRET_ARN", "COST_TAGS"},
    "reconcile": {
        "TABLE_NAME",
        "ALERT_TOPIC_ARN",
        "ALERT_KINDS",
        "BACKFILL_DAYS",
        "ALERT_LOOKBACK_HOURS",
        "STORE_ENVIRONMENT_VALUES",
        *MEMBERS,
        *PRICING,
    },
    "prices": {"TABLE_NAME", "PRICE_REGIONS"},
    # The watch reads no SageMaker: the table, the topic and its thresholds.
    "watch": {
        "TABLE_NAME",
        "ALERT_TOPIC_ARN",
        "ALERT_KINDS",
        "STUCK_AFTER_MINUTES",
        "NEAR_MAX_PERCENT",
    },
}
POWERTOOLS = {"POWERTOOLS_SERVICE_NAME", "POWERTOOLS_METRICS_NAMESPACE", "LOG_LEVEL"}
# Every function knows the tracker's own account and region: the stack's.
HOME = {"HOME_ACCOUNT", "HOME_REGION"}


@pytest.mark.parametrize("package", sorted(SETTINGS))
def test_function_runtime_and_sizing(synthesized, package):
    _, properties = synthesized.function(package)
    runtime = properties["Runtime"]
    assert runtime.startswith("python3.")
    assert int(runtime.removeprefix("python3.")) >= 12
    assert properties["Architectures"] == ["arm64"]
    assert properties["TracingConfig"] == {"Mode": "Active"}
    assert properties["MemorySize"] == SETTINGS[package].memory_size
    assert properties["Timeout"] == SETTINGS[package].timeout.to_seconds()


@pytest.mark.parametrize("package", sorted(SETTINGS))
def test_function_logs_to_its_own_group_with_retention(synthesized, package):
    _, properties = synthesized.function(package)
    group = properties["LoggingConfig"]["LogGroup"]["Ref"]
    assert (
        synthesized.resources("AWS::Logs::LogGroup")[group]["Properties"]["RetentionInDays"] == 30
    )


@pytest.mark.parametrize("package", sorted(SETTINGS))
def test_function_environment(synthesized, package):
    _, properties = synthesized.function(package)
    variables = properties["Environment"]["Variables"]
    assert set(variables) == POWERTOOLS | HOME | ENVIRONMENT[package]
    assert variables["HOME_ACCOUNT"] == {"Ref": "AWS::AccountId"}
    assert variables["HOME_REGION"] == {"Ref": "AWS::Region"}
    assert variables["POWERTOOLS_SERVICE_NAME"] == "jobtracker"
    assert variables["POWERTOOLS_METRICS_NAMESPACE"] == "jobtracker"
    assert variables["LOG_LEVEL"] == "INFO"


def test_alert_kinds_and_environment_values_come_from_context(synthesized, every_option):
    for package in ("ingest", "reconcile", "watch"):
        default = synthesized.function(package)[1]["Environment"]["Variables"]
        configured = every_option.function(package)[1]["Environment"]["Variables"]
        assert (
            default["ALERT_KINDS"]
            == "Failed,MaxRuntimeExceeded,Stuck,SpotInterrupted,NearMaxRuntime"
        )
        assert configured["ALERT_KINDS"] == "Failed,MaxRuntimeExceeded,Stopped"
    for package in ("ingest", "reconcile"):
        default = synthesized.function(package)[1]["Environment"]["Variables"]
        configured = every_option.function(package)[1]["Environment"]["Variables"]
        # Environment values are stored only when the context asks (names always are).
        assert default["STORE_ENVIRONMENT_VALUES"] == "false"
        assert configured["STORE_ENVIRONMENT_VALUES"] == "true"


def test_reconcile_runs_hourly_with_a_dead_letter_queue(synthesized):
    reconcile = {"Fn::GetAtt": [synthesized.function("reconcile")[0], "Arn"]}
    (schedule,) = [
        rule["Properties"]
        for rule in synthesized.resources("AWS::Events::Rule").values()
        if "ScheduleExpression" in rule["Properties"]
        and rule["Properties"]["Targets"][0]["Arn"] == reconcile
    ]
    assert schedule["ScheduleExpression"] == "rate(1 hour)"
    (target,) = schedule["Targets"]
    assert "Arn" in target["DeadLetterConfig"]
