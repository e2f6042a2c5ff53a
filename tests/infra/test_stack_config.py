"""Context parsing: lists from cdk.json or from -c, and clear errors for bad values."""

import pytest

from infra.config import ConfigError, StackConfig
from tests.infra.conftest import DEFAULT_CONTEXT

pytestmark = pytest.mark.infra


def config(**overrides):
    return StackConfig.from_mapping({**DEFAULT_CONTEXT, **overrides})


def test_defaults_from_cdk_json():
    defaults = config()
    assert defaults.alert_kinds == (
        "Failed",
        "MaxRuntimeExceeded",
        "Stuck",
        "SpotInterrupted",
        "NearMaxRuntime",
    )
    assert defaults.watch_interval_minutes == 5 and defaults.near_max_percent == 90
    assert dict(defaults.stuck_after_minutes)["Starting"] == 30
    assert "Training" not in dict(defaults.stuck_after_minutes)
    assert (defaults.slack_workspace_id, defaults.teams_team_id) == ("", "")
    assert defaults.alert_emails == ()
    assert defaults.source_accounts == ()
    assert defaults.source_regions == ()
    assert defaults.organization_id == ""
    assert defaults.member_role_name == "jobtracker-reader"
    assert defaults.reconcile_schedule == "rate(1 hour)"
    assert (defaults.store_environment_values, defaults.ingest_reserve_concurrency) == (
        False,
        True,
    )
    assert config(store_environment_values="TRUE").store_environment_values is True


def test_command_line_lists_are_comma_separated():
    parsed = config(alert_emails="a@example.com, b@example.com", source_accounts="123456789012")
    assert parsed.alert_emails == ("a@example.com", "b@example.com")
    assert parsed.source_accounts == ("123456789012",)
    assert config(alert_emails="").alert_emails == ()
    assert config(alert_kinds="").alert_kinds == ()  # no alerts at all


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("source_accounts", "12345", "source_accounts"),
        ("source_regions", "eu-west-1,Frankfurt", "source_regions"),
        ("organization_id", "my-org", "organization_id"),
        ("member_role_name", "a role", "member_role_name"),
        ("alert_emails", "not-an-address", "alert_emails"),
        ("alert_kinds", "Failed,Exploded", "Exploded"),
        ("log_retention_days", 31, "log_retention_days"),
        ("ingest_max_concurrency", 1, "ingest_max_concurrency"),
        ("backfill_days", "seven", "backfill_days"),
        ("api_rate_limit", 0, "api_rate_limit"),
        ("store_environment_values", "yes", "store_environment_values"),
        ("ingest_reserve_concurrency", 1, "ingest_reserve_concurrency"),
        ("watch_interval_minutes", 0, "watch_interval_minutes"),
        ("watch_interval_minutes", 90, "watch_interval_minutes"),
        ("near_max_percent", 100, "near_max_percent"),
        ("stuck_after_minutes", '{"Starting": 0}', "stuck_after_minutes"),
        ("stuck_after_minutes", '{"Not a status!": 5}', "stuck_after_minutes"),
        ("stuck_after_minutes", "Starting=30", "stuck_after_minutes"),
        ("slack_workspace_id", "T0123ABCD", "slack_channel_id"),
        ("teams_team_id", "team", "teams_tenant_id"),
        ("slack_channel_id", "C01 23", "slack_channel_id"),
    ],
)
def test_bad_values_stop_synthesis_naming_the_key(key, value, message):
    with pytest.raises(ConfigError, match=message):
        config(**{key: value})


def test_missing_context_is_named():
    context = dict(DEFAULT_CONTEXT)
    del context["alert_kinds"]
    with pytest.raises(ConfigError, match="alert_kinds"):
        StackConfig.from_mapping(context)


def test_stuck_thresholds_from_the_command_line_replace_the_map():
    parsed = config(stuck_after_minutes='{"Training": 720, "Starting": 20}')
    assert parsed.stuck_after_minutes == (("Starting", 20), ("Training", 720))
