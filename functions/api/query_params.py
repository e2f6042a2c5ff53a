"""What a request's query string asks: the api's parameters, parsed into typed queries.

One parser for every route (tested with hypothesis) instead of Powertools' validation,
which would import pydantic on every cold start. A parameter the route does not take,
a malformed value, or a combination of filters no index answers is an InvalidQuery (a
400 that says why); what passes is a jobtracker.queries query, which plans the reads.
The OpenAPI document (api.openapi) is written from the same constants.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta

from jobtracker.config import DEFAULT_COST_TAGS
from jobtracker.errors import InvalidQuery
from jobtracker.names import STATUSES
from jobtracker.queries import DEFAULT_LIMIT, JobQuery, StatsQuery, Window
from jobtracker.record import ACCOUNT, REGION, JobIdentity, Place, is_training_job_name

MAX_LIMIT = 100
STATS_DEFAULT_DAYS = 30
LIST_PARAMETERS = (
    "account",
    "region",
    "status",
    "created_after",
    "created_before",
    "tuning_job_arn",
    "name_prefix",
    "limit",
    "next_token",
    "attention",
)
STATS_PARAMETERS = ("account", "created_after", "created_before", "group_by")
# What /stats groups by besides the deploy's cost tags (`tag:<key>`, COST_TAGS).
GROUP_BY_DIMENSIONS = ("account", "region", "instance_type")
JOB_PARAMETERS = ("account", "region")
SUPPORTED_COMBINATIONS = (
    "no filter; created_after/created_before; status with or without created_after/"
    "created_before; tuning_job_arn with or without created_after/created_before; "
    "name_prefix alone; attention=true alone; each of these but name_prefix also with "
    "account, or with account and region (region only with account)"
)
# SageMaker's own pattern for a tuning job ARN (the job name part: 1-32 characters).
TUNING_JOB_ARN = re.compile(
    r"arn:aws[a-z\-]*:sagemaker:[a-z0-9\-]*:[0-9]{12}:hyper-parameter-tuning-job/"
    r"[a-zA-Z0-9](-*[a-zA-Z0-9]){0,31}"
)
NAME_PREFIX = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9-]{0,62}")
_LIMIT = re.compile(r"[0-9]{1,3}")
_MAX_TIME_CHARS = 64


def parse_job_query(params: Mapping[str, str] | None) -> JobQuery:
    params = _known(params, LIST_PARAMETERS)
    status = params.get("status")
    if status is not None and status not in STATUSES:
        raise InvalidQuery(f"status must be one of {', '.join(STATUSES)}; got {status[:40]!r}")
    tuning_job_arn = params.get("tuning_job_arn")
    if tuning_job_arn is not None and not TUNING_JOB_ARN.fullmatch(tuning_job_arn):
        raise InvalidQuery(
            "tuning_job_arn must be a hyperparameter tuning job ARN "
            "(arn:aws:sagemaker:<region>:<account>:hyper-parameter-tuning-job/<name>)"
        )
    name_prefix = params.get("name_prefix")
    if name_prefix is not None and not NAME_PREFIX.fullmatch(name_prefix):
        raise InvalidQuery(
            "name_prefix must be 1-63 letters, digits or hyphens, starting with a letter or digit"
        )
    query = JobQuery(
        window=parse_window(params),
        account=parse_account(params.get("account")),
        region=parse_region(params.get("region")),
        status=status,
        tuning_job_arn=tuning_job_arn,
        name_prefix=name_prefix,
        limit=parse_limit(params.get("limit")),
        next_token=params.get("next_token"),
        attention=parse_flag("attention", params.get("attention")),
    )
    _check_combination(query)
    return query


def parse_flag(name: str, raw: str | None) -> bool:
    """`true` or `false`; absent is false."""
    if raw is None or raw == "false":
        return False
    if raw == "true":
        return True
    raise InvalidQuery(f"{name} must be true or false; got {raw[:40]!r}")


def parse_account(raw: str | None) -> str | None:
    if raw is not None and not ACCOUNT.fullmatch(raw):
        raise InvalidQuery(f"account must be a 12-digit AWS account id; got {raw[:40]!r}")
    return raw


def parse_region(raw: str | None) -> str | None:
    if raw is not None and not REGION.fullmatch(raw):
        raise InvalidQuery(f"region must be an AWS region such as us-east-1; got {raw[:40]!r}")
    return raw


def parse_job_identity(name: str, params: Mapping[str, str] | None, home: Place) -> JobIdentity:
    """The job `name` in the account and region the parameters select, else in `home`.

    Never looked for elsewhere: a name alone means the tracker's own account and region,
    even if another account has a job by that name.
    """
    params = _known(params, JOB_PARAMETERS)
    _check_name(name)
    return JobIdentity(
        account=parse_account(params.get("account")) or home.account,
        region=parse_region(params.get("region")) or home.region,
        name=name,
    )


def parse_limit(raw: str | None) -> int:
    if raw is None:
        return DEFAULT_LIMIT
    if not _LIMIT.fullmatch(raw) or not 1 <= int(raw) <= MAX_LIMIT:
        raise InvalidQuery(f"limit must be an integer from 1 to {MAX_LIMIT}; got {raw[:20]!r}")
    return int(raw)


def parse_window(params: Mapping[str, str]) -> Window:
    after = params.get("created_after")
    before = params.get("created_before")
    window = Window(
        after=None if after is None else parse_instant("created_after", after, end_of_day=False),
        before=None if before is None else parse_instant("created_before", before, end_of_day=True),
    )
    if window.after is not None and window.before is not None and window.after > window.before:
        raise InvalidQuery(
            f"created_after ({window.after}) is later than created_before ({window.before})"
        )
    return window


def parse_instant(name: str, text: str, *, end_of_day: bool) -> str:
    """An ISO 8601 date or date-time, as the record's "YYYY-MM-DDTHH:MM:SS.mmmZ".

    A date alone is a whole day: its first millisecond as a lower bound, its last as an
    upper bound. A time without an offset is UTC. Sub-millisecond parts round inwards,
    so the bound never takes in a millisecond the caller left out.
    """
    problem = f"{name} must be an ISO 8601 date or time, e.g. 2026-11-01 or 2026-11-01T08:30:00Z"
    text = text.strip()
    if not text or len(text) > _MAX_TIME_CHARS:
        raise InvalidQuery(problem)
    try:
        day = date.fromisoformat(text)
    except ValueError:
        day = None
    try:
        if day is not None:
            moment = datetime(day.year, day.month, day.day, tzinfo=UTC)
            if end_of_day:
                moment += timedelta(days=1, milliseconds=-1)
        else:
            moment = datetime.fromisoformat(text)
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=UTC)
            moment = moment.astimezone(UTC)
            extra = moment.microsecond % 1000
            if extra and not end_of_day:
                moment += timedelta(microseconds=1000 - extra)
    except (ValueError, OverflowError):
        raise InvalidQuery(f"{problem}; got {text[:40]!r}") from None
    return _record_time(moment)


def parse_stats_query(
    params: Mapping[str, str] | None,
    today: date,
    cost_tags: tuple[str, ...] = DEFAULT_COST_TAGS,
) -> StatsQuery:
    """Whole UTC days: the days of created_after and created_before, both included.

    Defaults: created_before = today, created_after = 30 days ending with created_before.
    `group_by`: account, region, instance_type, or tag:<key> of one of `cost_tags` (the
    tags the write path keeps groups for); not with account.
    """
    params = _known(params, STATS_PARAMETERS)
    window = parse_window(params)
    last_day = window.before[:10] if window.before else today.isoformat()
    if window.after:
        first_day = window.after[:10]
    else:
        first_day = _default_first_day(date.fromisoformat(last_day))
    if first_day > last_day:
        raise InvalidQuery(
            f"created_after ({first_day}) is later than created_before ({last_day}; default: today)"
        )
    account = parse_account(params.get("account"))
    group_by = params.get("group_by")
    if group_by is not None:
        dimensions = (*GROUP_BY_DIMENSIONS, *(f"tag:{key}" for key in cost_tags))
        if group_by not in dimensions:
            raise InvalidQuery(
                f"group_by {group_by[:60]!r} is not one of {', '.join(dimensions)} "
                "(tags: the deploy's cost_tags)"
            )
        if account is not None:
            raise InvalidQuery(
                "group_by does not combine with account; group_by=account gives each "
                "account's share"
            )
    return StatsQuery(first_day=first_day, last_day=last_day, account=account, group_by=group_by)


def _default_first_day(last: date) -> str:
    # The calendar starts at 0001-01-01: a default window that would begin before it is
    # the caller's to bound (subtracting would overflow, a 500 for any caller to trip).
    if last.toordinal() < STATS_DEFAULT_DAYS:
        raise InvalidQuery(
            f"the default window of {STATS_DEFAULT_DAYS} days ending {last.isoformat()} starts "
            f"before 0001-01-01; give created_after"
        )
    return (last - timedelta(days=STATS_DEFAULT_DAYS - 1)).isoformat()


def _known(params: Mapping[str, str] | None, allowed: tuple[str, ...]) -> Mapping[str, str]:
    params = params or {}
    unknown = sorted(name for name in params if name not in allowed)
    if unknown:
        raise InvalidQuery(
            f"unknown parameter {unknown[0][:40]!r}; this route takes {', '.join(allowed)}"
        )
    return params


def _check_combination(query: JobQuery) -> None:
    windowed = query.window != Window()
    if query.region is not None and query.account is None:
        # A region across every account would need two more indexes, each a write on
        # every change of every job (docs/api.md, "How it reads").
        raise InvalidQuery(
            f"region is supported only together with account; supported: {SUPPORTED_COMBINATIONS}"
        )
    if query.name_prefix is not None and (
        windowed
        or query.status is not None
        or query.tuning_job_arn is not None
        or query.account is not None
    ):
        raise InvalidQuery(
            f"name_prefix cannot be combined with other filters; supported: "
            f"{SUPPORTED_COMBINATIONS}"
        )
    if query.attention and (
        windowed
        or query.status is not None
        or query.tuning_job_arn is not None
        or query.name_prefix is not None
        or query.next_token is not None
    ):
        # The jobs in trouble are the jobs in flight: one answer, no window, no pages.
        raise InvalidQuery(
            "attention=true combines only with account (and region); supported: "
            f"{SUPPORTED_COMBINATIONS}"
        )
    if query.tuning_job_arn is not None and query.status is not None:
        raise InvalidQuery(
            f"tuning_job_arn cannot be combined with status; supported: {SUPPORTED_COMBINATIONS}"
        )


def _record_time(moment: datetime) -> str:
    # Formatted by hand: strftime does not zero-pad years before 1000 on every platform.
    return (
        f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}T{moment.hour:02d}:"
        f"{moment.minute:02d}:{moment.second:02d}.{moment.microsecond // 1000:03d}Z"
    )


def _check_name(name: str) -> None:
    if not is_training_job_name(name):
        raise InvalidQuery(
            f"a training job name is 1-63 letters, digits or inner hyphens; got {name[:80]!r}"
        )
