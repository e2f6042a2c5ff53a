"""Each function's configuration, read from the environment once at start-up.

A missing variable is an error that names it, never a silent default.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from jobtracker.store.repository import TableConfig


class ConfigError(RuntimeError):
    pass


def _required(env: Mapping[str, str], name: str) -> str:
    value = env.get(name, "").strip()
    if not value:
        raise ConfigError(f"environment variable {name} is required")
    return value


def table_config(env: Mapping[str, str] | None = None) -> TableConfig:
    env = os.environ if env is None else env
    return TableConfig(
        table_name=_required(env, "TABLE_NAME"),
        region=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or None,
        endpoint_url=env.get("AWS_ENDPOINT_URL_DYNAMODB") or env.get("AWS_ENDPOINT_URL") or None,
    )


@dataclass(frozen=True)
class IngestConfig:
    table: TableConfig

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> IngestConfig:
        return cls(table=table_config(env))


@dataclass(frozen=True)
class ApiConfig:
    table: TableConfig

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> ApiConfig:
        return cls(table=table_config(env))


def _positive_int(env: Mapping[str, str], name: str, default: int) -> int:
    """A documented default applies only when the variable is absent or empty."""
    raw = env.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise ConfigError(f"environment variable {name} must be a positive integer, got {raw!r}")
    return int(raw)


@dataclass(frozen=True)
class ReconcileConfig:
    table: TableConfig
    backfill_days: int
    alert_lookback_hours: int

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> ReconcileConfig:
        env = os.environ if env is None else env
        return cls(
            table=table_config(env),
            backfill_days=_positive_int(env, "BACKFILL_DAYS", 30),
            alert_lookback_hours=_positive_int(env, "ALERT_LOOKBACK_HOURS", 24),
        )
