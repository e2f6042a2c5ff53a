"""The stack's settings, read from CDK context (defaults live in cdk.json).

A missing or malformed value stops synthesis with a message naming the key, so a typo in
`-c alert_kinds=...` never deploys a tracker that silently alerts on nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from aws_cdk import aws_logs as logs
from constructs import Node

# Alert kinds the functions understand (docs/design.md, "Alerts").
ALERT_KINDS = frozenset(
    {"Failed", "MaxRuntimeExceeded", "Stopped", "MaxWaitTimeExceeded", "Interrupted", "Completed"}
)
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
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class ConfigError(ValueError):
    """A context value that the stack cannot be built from."""


@dataclass(frozen=True)
class StackConfig:
    alert_emails: tuple[str, ...]
    ops_emails: tuple[str, ...]
    alert_kinds: tuple[str, ...]
    source_accounts: tuple[str, ...]
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
        )
        if config.log_retention_days not in LOG_RETENTION:
            raise ConfigError(f"log_retention_days must be one of {sorted(LOG_RETENTION)}")
        if not 2 <= config.ingest_max_concurrency <= 1000:
            raise ConfigError("ingest_max_concurrency must be between 2 and 1000")
        return config


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


def _kinds(context: dict[str, Any]) -> tuple[str, ...]:
    kinds = _items(context, "alert_kinds")
    unknown = sorted(set(kinds) - ALERT_KINDS)
    if unknown:
        raise ConfigError(
            f"alert_kinds: unknown {', '.join(unknown)}; known: {sorted(ALERT_KINDS)}"
        )
    return kinds


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
