"""Each function's configuration, read from the environment once at start-up.

A missing variable is an error that names it, never a silent default.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from typing import NamedTuple

from jobtracker.alert_kinds import DEFAULT_KINDS, AlertKind, parse_kinds
from jobtracker.cost import NO_RATES
from jobtracker.names import MEMBER_ACCESS_ASSUME_ROLE, MEMBER_ACCESS_MODES
from jobtracker.record import ACCOUNT, REGION, Place
from jobtracker.redaction import REDACT, Redaction
from jobtracker.watch import DEFAULT_NEAR_MAX_PERCENT, DEFAULT_STUCK_AFTER_MINUTES, WatchSettings

# The least length of the page-token key, given here or read from its secret (tokens.py).
MIN_KEY_BYTES = 16
# A standard topic: a FIFO one would need a message group and cannot reach email.
_TOPIC_ARN = re.compile(r"^arn:[a-z-]+:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$")


class ConfigError(RuntimeError):
    pass


def _required(env: Mapping[str, str], name: str) -> str:
    value = env.get(name, "").strip()
    if not value:
        raise ConfigError(f"environment variable {name} is required")
    return value


class TableConfig(NamedTuple):
    """Where the jobs table is: its name, and the region and endpoint to reach it by."""

    table_name: str
    region: str | None = None
    endpoint_url: str | None = None


def table_config(env: Mapping[str, str] | None = None) -> TableConfig:
    env = os.environ if env is None else env
    return TableConfig(
        table_name=_required(env, "TABLE_NAME"),
        region=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or None,
        endpoint_url=env.get("AWS_ENDPOINT_URL_DYNAMODB") or env.get("AWS_ENDPOINT_URL") or None,
    )


def home_place(env: Mapping[str, str]) -> Place:
    """HOME_ACCOUNT and HOME_REGION: the tracker's own account and region (the stack's).

    A job name alone means a job there; the tracker's own credentials read SageMaker there.
    """
    account, region = _required(env, "HOME_ACCOUNT"), _required(env, "HOME_REGION")
    if not ACCOUNT.fullmatch(account):
        raise ConfigError(f"environment variable HOME_ACCOUNT: {account!r} is not an account id")
    if not REGION.fullmatch(region):
        raise ConfigError(f"environment variable HOME_REGION: {region!r} is not a region")
    return Place(account, region)


def member_access(env: Mapping[str, str]) -> str:
    """MEMBER_ACCESS: how SageMaker is read in an account that is not the tracker's.

    Unset: it is not (a foreign job is stored from its event, marked pending).
    `emulator-account-header`: the emulator's (moto's) way, on the local stack only.
    """
    value = env.get("MEMBER_ACCESS", "").strip()
    if value not in MEMBER_ACCESS_MODES:
        raise ConfigError(
            f"environment variable MEMBER_ACCESS: {value!r} is not one of "
            f"{', '.join(repr(mode) for mode in MEMBER_ACCESS_MODES)}"
        )
    return value


def member_role_name(env: Mapping[str, str], access: str) -> str:
    """MEMBER_ROLE_NAME: the member role's name, required to assume it."""
    name = env.get("MEMBER_ROLE_NAME", "").strip()
    if access == MEMBER_ACCESS_ASSUME_ROLE and not name:
        raise ConfigError(
            "environment variable MEMBER_ROLE_NAME is required to assume member roles"
        )
    return name


def member_places(env: Mapping[str, str]) -> tuple[Place, ...]:
    """MEMBER_PLACES: `account:region,...`, where the reconciler walks besides home."""
    places = []
    for item in env.get("MEMBER_PLACES", "").split(","):
        if not item.strip():
            continue
        account, _, region = item.strip().partition(":")
        if not ACCOUNT.fullmatch(account) or not REGION.fullmatch(region):
            raise ConfigError(
                f"environment variable MEMBER_PLACES: {item.strip()!r} is not account:region"
            )
        places.append(Place(account, region))
    return tuple(places)


class AlertConfig(NamedTuple):
    topic_arn: str
    kinds: frozenset[AlertKind]


def alert_config(env: Mapping[str, str] | None = None) -> AlertConfig | None:
    """ALERT_KINDS (default: the kinds of `DEFAULT_KINDS`; set but empty: no alerts) and
    ALERT_TOPIC_ARN, required whenever there are kinds to alert on."""
    env = os.environ if env is None else env
    raw_kinds = env.get("ALERT_KINDS")
    try:
        kinds = frozenset(DEFAULT_KINDS) if raw_kinds is None else parse_kinds(raw_kinds)
    except ValueError as error:
        raise ConfigError(f"environment variable ALERT_KINDS: {error}") from None
    if not kinds:
        return None
    return AlertConfig(topic_arn=_topic_arn(env), kinds=kinds)


def _topic_arn(env: Mapping[str, str]) -> str:
    topic_arn = _required(env, "ALERT_TOPIC_ARN")
    if not _TOPIC_ARN.match(topic_arn):
        raise ConfigError(
            f"environment variable ALERT_TOPIC_ARN: {topic_arn!r} is not a standard topic ARN"
        )
    return topic_arn


def redaction_config(env: Mapping[str, str] | None = None) -> Redaction:
    """STORE_ENVIRONMENT_VALUES: `true` keeps the values of Environment in the record;
    absent, empty or `false` keeps only the names (the default)."""
    env = os.environ if env is None else env
    raw = env.get("STORE_ENVIRONMENT_VALUES", "").strip().lower()
    if raw not in ("", "true", "false"):
        raise ConfigError(
            f"environment variable STORE_ENVIRONMENT_VALUES must be true or false, got {raw!r}"
        )
    return Redaction(keep_environment_values=raw == "true")


# The tags /stats can group spend by, and budgets name, unless the deploy says (`cost_tags`).
DEFAULT_COST_TAGS = ("team", "project")
# A cost tag names a dimension `tag:<key>`; "=" separates a group's dimension from its value.
_COST_TAG = re.compile(r"^[\w .:/+\-@]{1,128}$")


class PricingConfig(NamedTuple):
    """How jobs are priced (docs/cost.md): the deploy's own rates and discount, and the
    tags spend is grouped by."""

    overrides: Mapping[str, float] = NO_RATES
    discount_percent: float = 0.0
    cost_tags: tuple[str, ...] = DEFAULT_COST_TAGS


def pricing_config(env: Mapping[str, str] | None = None) -> PricingConfig:
    """PRICE_OVERRIDES (JSON: {"<region>/<type>" or "<type>": USD per hour}),
    PRICE_DISCOUNT_PERCENT (0 to below 100), COST_TAGS (comma-separated tag keys); each
    optional, with the defaults of cdk.json."""
    env = os.environ if env is None else env
    overrides: dict[str, float] = {}
    raw = env.get("PRICE_OVERRIDES", "").strip()
    if raw:
        try:
            document = json.loads(raw)
        except ValueError:
            raise ConfigError("environment variable PRICE_OVERRIDES is not JSON") from None
        if not isinstance(document, dict):
            raise ConfigError("environment variable PRICE_OVERRIDES must be a JSON object")
        for key, value in document.items():
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                raise ConfigError(
                    f"environment variable PRICE_OVERRIDES: {key!r} must be USD per hour, >= 0"
                )
            overrides[str(key)] = float(value)
    discount_text = env.get("PRICE_DISCOUNT_PERCENT", "").strip() or "0"
    try:
        discount = float(discount_text)
    except ValueError:
        discount = -1.0
    if not 0 <= discount < 100:
        raise ConfigError(
            f"environment variable PRICE_DISCOUNT_PERCENT must be 0 to below 100, "
            f"got {discount_text!r}"
        )
    tags_text = env.get("COST_TAGS")
    tags = (
        DEFAULT_COST_TAGS
        if tags_text is None
        else tuple(key.strip() for key in tags_text.split(",") if key.strip())
    )
    for key in tags:
        if not _COST_TAG.fullmatch(key):
            raise ConfigError(f"environment variable COST_TAGS: {key!r} is not a tag key")
    return PricingConfig(overrides, discount, tags)


class IngestConfig(NamedTuple):
    table: TableConfig
    alerts: AlertConfig | None
    home: Place
    member_access: str = ""
    member_role_name: str = ""
    redaction: Redaction = REDACT
    pricing: PricingConfig = PricingConfig()

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> IngestConfig:
        env = os.environ if env is None else env
        access = member_access(env)
        return cls(
            table=table_config(env),
            alerts=alert_config(env),
            home=home_place(env),
            member_access=access,
            member_role_name=member_role_name(env, access),
            redaction=redaction_config(env),
            pricing=pricing_config(env),
        )


class TokenKeyConfig(NamedTuple):
    """Where the page-token HMAC key comes from: exactly one of the two."""

    key: bytes | None = None  # TOKEN_KEY: the key itself (local stack, dev)
    secret_arn: str | None = None  # TOKEN_KEY_SECRET_ARN: a Secrets Manager secret (deployed)

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> TokenKeyConfig:
        key = env.get("TOKEN_KEY", "").strip()
        secret_arn = env.get("TOKEN_KEY_SECRET_ARN", "").strip()
        if key and secret_arn:
            raise ConfigError("set only one of TOKEN_KEY and TOKEN_KEY_SECRET_ARN")
        if secret_arn:
            if not secret_arn.startswith("arn:") or ":secretsmanager:" not in secret_arn:
                raise ConfigError(
                    f"TOKEN_KEY_SECRET_ARN must be a Secrets Manager secret ARN, got {secret_arn!r}"
                )
            return cls(secret_arn=secret_arn)
        if not key:
            raise ConfigError(
                "the page-token key is required: set TOKEN_KEY (the key) or "
                "TOKEN_KEY_SECRET_ARN (a Secrets Manager secret holding it)"
            )
        if len(key.encode()) < MIN_KEY_BYTES:
            raise ConfigError(f"TOKEN_KEY must be at least {MIN_KEY_BYTES} bytes")
        return cls(key=key.encode())


class ApiConfig(NamedTuple):
    table: TableConfig
    token_key: TokenKeyConfig
    home: Place
    # Which tags /stats may group by (COST_TAGS).
    cost_tags: tuple[str, ...] = DEFAULT_COST_TAGS
    # What the listings' and records' `attention` counts as trouble: the watch's.
    watch: WatchSettings = WatchSettings()

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> ApiConfig:
        env = os.environ if env is None else env
        return cls(
            table=table_config(env),
            token_key=TokenKeyConfig.from_env(env),
            home=home_place(env),
            cost_tags=pricing_config(env).cost_tags,
            watch=watch_settings(env),
        )


def _positive_int(env: Mapping[str, str], name: str, default: int) -> int:
    """A documented default applies only when the variable is absent or empty."""
    raw = env.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise ConfigError(f"environment variable {name} must be a positive integer, got {raw!r}")
    return int(raw)


class ReconcileConfig(NamedTuple):
    table: TableConfig
    alerts: AlertConfig | None
    backfill_days: int
    alert_lookback_hours: int
    home: Place
    member_access: str = ""
    member_role_name: str = ""
    # Where the reconciler walks besides home (MEMBER_PLACES).
    members: tuple[Place, ...] = ()
    redaction: Redaction = REDACT
    pricing: PricingConfig = PricingConfig()
    # BUDGETS (JSON: {"<dimension>=<value>": USD per month}), checked after each run, and
    # the topic their alerts go to (ALERT_TOPIC_ARN, required when there are budgets).
    budgets: str = ""
    budget_topic_arn: str | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> ReconcileConfig:
        env = os.environ if env is None else env
        access = member_access(env)
        budgets = env.get("BUDGETS", "").strip()
        return cls(
            table=table_config(env),
            alerts=alert_config(env),
            backfill_days=_positive_int(env, "BACKFILL_DAYS", 30),
            alert_lookback_hours=_positive_int(env, "ALERT_LOOKBACK_HOURS", 24),
            home=home_place(env),
            member_access=access,
            member_role_name=member_role_name(env, access),
            members=member_places(env),
            redaction=redaction_config(env),
            pricing=pricing_config(env),
            budgets=budgets,
            budget_topic_arn=_topic_arn(env) if budgets else None,
        )


class PriceRefreshConfig(NamedTuple):
    table: TableConfig
    # PRICE_REGIONS: the regions whose training prices are fetched (the tracker's own and
    # the source regions), comma-separated.
    regions: tuple[str, ...]

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> PriceRefreshConfig:
        env = os.environ if env is None else env
        regions = tuple(
            region.strip()
            for region in _required(env, "PRICE_REGIONS").split(",")
            if region.strip()
        )
        for region in regions:
            if not REGION.fullmatch(region):
                raise ConfigError(f"environment variable PRICE_REGIONS: {region!r} is not a region")
        return cls(table=table_config(env), regions=regions)


def watch_settings(env: Mapping[str, str]) -> WatchSettings:
    """STUCK_AFTER_MINUTES (a JSON object, secondary status -> minutes; absent: the
    defaults) and NEAR_MAX_PERCENT (1-99, default 90): what the watch and the API's
    `attention` count as trouble."""
    raw = env.get("STUCK_AFTER_MINUTES", "").strip()
    stuck: Mapping[str, int] = DEFAULT_STUCK_AFTER_MINUTES
    if raw:
        try:
            parsed = json.loads(raw)
        except ValueError:
            parsed = None
        if not isinstance(parsed, dict) or not all(
            isinstance(minutes, int) and not isinstance(minutes, bool) and minutes > 0
            for minutes in parsed.values()
        ):
            raise ConfigError(
                "environment variable STUCK_AFTER_MINUTES must be a JSON object of secondary "
                f'status to positive whole minutes, e.g. {{"Starting": 30}}, got {raw[:80]!r}'
            )
        stuck = parsed
    percent = _positive_int(env, "NEAR_MAX_PERCENT", DEFAULT_NEAR_MAX_PERCENT)
    if percent > 99:
        raise ConfigError(f"environment variable NEAR_MAX_PERCENT must be 1-99, got {percent}")
    return WatchSettings(stuck_after_minutes=stuck, near_max_percent=percent)


class WatchConfig(NamedTuple):
    table: TableConfig
    alerts: AlertConfig | None
    settings: WatchSettings

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> WatchConfig:
        env = os.environ if env is None else env
        return cls(table=table_config(env), alerts=alert_config(env), settings=watch_settings(env))
