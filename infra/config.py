"""The stack's settings, read from CDK context (defaults live in cdk.json).

A missing or malformed value stops synthesis with a message naming the key, so a typo in
`-c alert_kinds=...` never deploys a tracker that silently alerts on nothing.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from aws_cdk import aws_logs as logs
from constructs import Node
from jobtracker.alert_kinds import AlertKind

# Alert kinds the functions understand (docs/design.md, "Alerts").
ALERT_KINDS = frozenset(kind.value for kind in AlertKind)
# CloudWatch Logs accepts only these retention periods; these are the ones offered here.
LOG_RETENTION = {
    7: logs.RetentionDays.ONE_WEEK,
    14: logs.RetentionDays.TWO_WEEKS,
    30: logs.RetentionDays.ONE_MONTH,
    90: logs.RetentionDays.THREE_MONTHS,
    180: logs.RetentionDays.SIX_MONTHS,
    365: logs.RetentionDays.ONE_YEAR,
}
ACCOUNT_ID = re.compile(r"^\d{12}$")
REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d$")
# IAM's own rule for role names.
ROLE_NAME = re.compile(r"^[\w+=,.@-]{1,64}$")
ORGANIZATION_ID = re.compile(r"^o-[a-z0-9]{10,32}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# "<region>/<instance type>" or "<instance type>".
OVERRIDE_KEY = re.compile(r"^([a-z]{2}(-[a-z]+)+-\d/)?ml\.[a-z0-9-]+\.[a-z0-9-]+$")
COST_TAG = re.compile(r"^[\w .:/+\-@]{1,128}$")
BUDGET_KEY = re.compile(r"^(account|region|instance_type|tag:[\w .:/+\-@]{1,128})=.+$")
# Slack workspace and channel IDs (T0123ABCD, C0456EFGH), Teams tenant, team and channel
# IDs (GUIDs, and `19:...@thread.tacv2` for a channel, or that URL-encoded).
CHAT_ID = re.compile(r"^[A-Za-z0-9:@%._-]{1,256}$")
# A secondary status as SageMaker spells it.
SECONDARY_STATUS = re.compile(r"^[A-Za-z]{1,64}$")


class ConfigError(ValueError):
    """A context value that the stack cannot be built from."""


@dataclass(frozen=True)
class StackConfig:
    alert_emails: tuple[str, ...]
    ops_emails: tuple[str, ...]
    alert_kinds: tuple[str, ...]
    source_accounts: tuple[str, ...]
    source_regions: tuple[str, ...]
    organization_id: str
    member_role_name: str
    archive_retention_days: int
    log_retention_days: int
    log_level: str
    ingest_max_concurrency: int
    ingest_reserve_concurrency: bool
    store_environment_values: bool
    api_rate_limit: int
    api_burst_limit: int
    reconcile_schedule: str
    backfill_days: int
    alert_lookback_hours: int
    queue_age_alarm_seconds: int
    # Costs (docs/cost.md): the team's own hourly rates and discount on list prices, the
    # tags spend is grouped by, the monthly budgets, and when prices are refreshed.
    price_overrides: tuple[tuple[str, float], ...]
    price_discount_percent: float
    cost_tags: tuple[str, ...]
    budgets: tuple[tuple[str, float], ...]
    price_refresh_schedule: str
    # The watch over jobs in flight (docs/alerts.md, "Before a job fails").
    watch_interval_minutes: int
    stuck_after_minutes: tuple[tuple[str, int], ...]
    near_max_percent: int
    # Optional chat channels subscribed to the alert topic (infra/chat.py); "" = none.
    slack_workspace_id: str
    slack_channel_id: str
    teams_tenant_id: str
    teams_team_id: str
    teams_channel_id: str

    @property
    def log_retention(self) -> logs.RetentionDays:
        return LOG_RETENTION[self.log_retention_days]

    @classmethod
    def from_context(cls, node: Node) -> StackConfig:
        return cls.from_mapping({key: node.try_get_context(key) for key in cls.context_keys()})

    @classmethod
    def context_keys(cls) -> tuple[str, ...]:
        return tuple(cls.__dataclass_fields__)

    @classmethod
    def from_mapping(cls, context: dict[str, Any]) -> StackConfig:
        missing = [key for key in cls.context_keys() if context.get(key) is None]
        if missing:
            raise ConfigError(f"missing context: {', '.join(missing)} (see cdk.json)")
        config = cls(
            alert_emails=_matching(context, "alert_emails", EMAIL),
            ops_emails=_matching(context, "ops_emails", EMAIL),
            alert_kinds=_kinds(context),
            source_accounts=_matching(context, "source_accounts", ACCOUNT_ID),
            source_regions=_matching(context, "source_regions", REGION),
            organization_id=_optional(context, "organization_id", ORGANIZATION_ID),
            member_role_name=_one(context, "member_role_name", ROLE_NAME),
            archive_retention_days=_positive(context, "archive_retention_days"),
            log_retention_days=_positive(context, "log_retention_days"),
            log_level=str(context["log_level"]).upper(),
            ingest_max_concurrency=_positive(context, "ingest_max_concurrency"),
            ingest_reserve_concurrency=_flag(context, "ingest_reserve_concurrency"),
            store_environment_values=_flag(context, "store_environment_values"),
            api_rate_limit=_positive(context, "api_rate_limit"),
            api_burst_limit=_positive(context, "api_burst_limit"),
            reconcile_schedule=str(context["reconcile_schedule"]),
            backfill_days=_positive(context, "backfill_days"),
            alert_lookback_hours=_positive(context, "alert_lookback_hours"),
            queue_age_alarm_seconds=_positive(context, "queue_age_alarm_seconds"),
            price_overrides=_amounts(context, "price_overrides", OVERRIDE_KEY, allow_zero=True),
            price_discount_percent=_percent(context, "price_discount_percent"),
            cost_tags=_matching(context, "cost_tags", COST_TAG),
            budgets=_amounts(context, "budgets", BUDGET_KEY, allow_zero=False),
            price_refresh_schedule=str(context["price_refresh_schedule"]),
            watch_interval_minutes=_positive(context, "watch_interval_minutes"),
            stuck_after_minutes=_minutes_by_status(context, "stuck_after_minutes"),
            near_max_percent=_positive(context, "near_max_percent"),
            slack_workspace_id=_optional(context, "slack_workspace_id", CHAT_ID),
            slack_channel_id=_optional(context, "slack_channel_id", CHAT_ID),
            teams_tenant_id=_optional(context, "teams_tenant_id", CHAT_ID),
            teams_team_id=_optional(context, "teams_team_id", CHAT_ID),
            teams_channel_id=_optional(context, "teams_channel_id", CHAT_ID),
        )
        _check_budget_groups(config)
        if config.log_retention_days not in LOG_RETENTION:
            raise ConfigError(f"log_retention_days must be one of {sorted(LOG_RETENTION)}")
        if not 2 <= config.ingest_max_concurrency <= 1000:
            raise ConfigError("ingest_max_concurrency must be between 2 and 1000")
        if not 1 <= config.watch_interval_minutes <= 60:
            raise ConfigError("watch_interval_minutes must be between 1 and 60")
        if not 1 <= config.near_max_percent <= 99:
            raise ConfigError("near_max_percent must be between 1 and 99")
        _check_chat(config)
        return config


def _amounts(
    context: dict[str, Any], key: str, pattern: re.Pattern[str], *, allow_zero: bool
) -> tuple[tuple[str, float], ...]:
    """An object of name -> USD from cdk.json, or its JSON from `-c key='{...}'`."""
    value = context[key]
    if isinstance(value, str):
        try:
            value = json.loads(value) if value.strip() else {}
        except ValueError:
            raise ConfigError(f"{key}: not JSON: {value[:60]!r}") from None
    if not isinstance(value, dict):
        raise ConfigError(f"{key}: expected an object of name -> USD")
    amounts = []
    for name, amount in value.items():
        if not pattern.match(str(name)):
            raise ConfigError(f"{key}: {name!r} is not of the form {pattern.pattern}")
        number = amount if isinstance(amount, (int, float)) and not isinstance(amount, bool) else -1
        if number < 0 or (number == 0 and not allow_zero):
            raise ConfigError(
                f"{key}: {name!r} must be a {'' if allow_zero else 'positive '}USD amount"
            )
        amounts.append((str(name), float(number)))
    return tuple(sorted(amounts))


def _percent(context: dict[str, Any], key: str) -> float:
    try:
        number = float(context[key])
    except (TypeError, ValueError):
        raise ConfigError(f"{key} must be a number") from None
    if not 0 <= number < 100:
        raise ConfigError(f"{key} must be 0 to below 100")
    return number


def _check_budget_groups(config: StackConfig) -> None:
    """A budget on a tag must name a cost tag: only those are grouped (and counted)."""
    for group, _amount in config.budgets:
        dimension = group.partition("=")[0]
        if dimension.startswith("tag:") and dimension[4:] not in config.cost_tags:
            raise ConfigError(
                f"budgets: {group!r} names a tag that is not in cost_tags {list(config.cost_tags)}"
            )


def _items(context: dict[str, Any], key: str) -> tuple[str, ...]:
    """A list from cdk.json, or a comma list from `-c key=a,b` on the command line."""
    value = context[key]
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list | tuple):
        raise ConfigError(f"{key} must be a list or a comma-separated string")
    return tuple(str(item).strip() for item in items if str(item).strip())


def _matching(context: dict[str, Any], key: str, pattern: re.Pattern[str]) -> tuple[str, ...]:
    items = _items(context, key)
    wrong = [item for item in items if not pattern.match(item)]
    if wrong:
        raise ConfigError(f"{key}: not valid: {', '.join(wrong)}")
    return items


def _one(context: dict[str, Any], key: str, pattern: re.Pattern[str]) -> str:
    value = str(context[key]).strip()
    if not pattern.match(value):
        raise ConfigError(f"{key}: not valid: {value!r}")
    return value


def _optional(context: dict[str, Any], key: str, pattern: re.Pattern[str]) -> str:
    """A value that may be left empty; when given, it must be valid."""
    return _one(context, key, pattern) if str(context[key]).strip() else ""


def _kinds(context: dict[str, Any]) -> tuple[str, ...]:
    kinds = _items(context, "alert_kinds")
    unknown = sorted(set(kinds) - ALERT_KINDS)
    if unknown:
        raise ConfigError(
            f"alert_kinds: unknown {', '.join(unknown)}; known: {sorted(ALERT_KINDS)}"
        )
    return kinds


def _minutes_by_status(context: dict[str, Any], key: str) -> tuple[tuple[str, int], ...]:
    """A map of secondary status to positive whole minutes, from cdk.json or as JSON text
    from `-c stuck_after_minutes='{"Starting": 20}'`."""
    value = context[key]
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise ConfigError(f"{key} must be a JSON object of status to minutes") from None
    if not isinstance(value, dict):
        raise ConfigError(f"{key} must be a map of secondary status to minutes")
    pairs = []
    for status, minutes in value.items():
        if not SECONDARY_STATUS.match(str(status)):
            raise ConfigError(f"{key}: {status!r} is not a secondary status")
        if isinstance(minutes, bool) or not isinstance(minutes, int) or minutes <= 0:
            raise ConfigError(f"{key}: {status} must be a positive whole number of minutes")
        pairs.append((str(status), minutes))
    return tuple(sorted(pairs))


def _check_chat(config: StackConfig) -> None:
    """A chat channel is named whole or not at all."""
    slack = (config.slack_workspace_id, config.slack_channel_id)
    teams = (config.teams_tenant_id, config.teams_team_id, config.teams_channel_id)
    if any(slack) and not all(slack):
        raise ConfigError("set both slack_workspace_id and slack_channel_id, or neither")
    if any(teams) and not all(teams):
        raise ConfigError("set teams_tenant_id, teams_team_id and teams_channel_id, or none")


def _flag(context: dict[str, Any], key: str) -> bool:
    """true or false, from cdk.json or as text from `-c key=true`."""
    value = context[key]
    if isinstance(value, bool):
        return value
    if str(value).strip().lower() in ("true", "false"):
        return str(value).strip().lower() == "true"
    raise ConfigError(f"{key} must be true or false")


def _positive(context: dict[str, Any], key: str) -> int:
    try:
        number = int(context[key])
    except (TypeError, ValueError):
        raise ConfigError(f"{key} must be a whole number") from None
    if number <= 0:
        raise ConfigError(f"{key} must be positive")
    return number


STACK_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,127}$")
DEFAULT_TRACKER_STACK_NAME = "JobTracker"


@dataclass(frozen=True)
class MemberConfig:
    """A member account's stack (`-c member=true`): where the tracker is, what to name.

    `tracker_stack_name` names the tracker's stack, whose ingest and reconcile roles are
    the only ones the member role trusts; `member_role_region` is the one region per
    account where the (global) IAM role is created, whatever regions the stack goes to.
    """

    tracker_account: str
    tracker_region: str
    tracker_stack_name: str
    member_role_name: str
    member_role_region: str

    @classmethod
    def from_context(cls, node: Node) -> MemberConfig:
        keys = (
            "tracker_account",
            "tracker_region",
            "tracker_stack_name",
            "member_role_name",
            "member_role_region",
        )
        return cls.from_mapping({key: node.try_get_context(key) for key in keys})

    @classmethod
    def from_mapping(cls, context: dict[str, Any]) -> MemberConfig:
        missing = [key for key in ("tracker_account", "tracker_region") if not context.get(key)]
        if missing:
            raise ConfigError(
                "a member stack needs "
                + " and ".join(f"-c {key}=..." for key in missing)
                + " (the tracking account and region)"
            )
        tracker_region = _one(context, "tracker_region", REGION)
        defaults = {
            "tracker_stack_name": DEFAULT_TRACKER_STACK_NAME,
            "member_role_region": tracker_region,
        }
        given = {**context, **{k: context.get(k) or v for k, v in defaults.items()}}
        return cls(
            tracker_account=_one(given, "tracker_account", ACCOUNT_ID),
            tracker_region=tracker_region,
            tracker_stack_name=_one(given, "tracker_stack_name", STACK_NAME),
            member_role_name=_one(given, "member_role_name", ROLE_NAME),
            member_role_region=_one(given, "member_role_region", REGION),
        )


def is_member(node: Node) -> bool:
    """`-c member=true` selects the member stack; anything but true/false is an error."""
    value = node.try_get_context("member")
    if value in (None, False, "false", ""):
        return False
    if value in (True, "true"):
        return True
    raise ConfigError(f"member must be true or false, got {value!r}")
