"""The questions people ask of the store, as typed queries: choose an index, page, total.

The api's parser (api.query_params) makes the queries; this plans their reads. Every
listing reads one index with key conditions only (items read = items returned):

- no filter, or a window: by-month, one month partition after another, newest first;
  created_sk in the window (plus a day item of the STATS partition to find the newest
  month when there is no upper bound, or to skip empty months: see _walk_months).
- status (+ window): by-status, partition = the status; created_sk in the window.
- tuning_job_arn (+ window): by-tuning-job, partition = the ARN; created_sk in the window.
- name_prefix: by-name, partition = the prefix's first character; begins_with(name_sk).
- account (+ status) (+ window): by-account / by-account-status, partition = the account
  (and status); account and region: by-place / by-place-status, partition =
  "<account>#<region>" (and status); created_sk in the window.
- tuning_job_arn with account and/or region: the ARN names its account and region, so
  the by-tuning-job partition is already that account's; a filter that contradicts the
  ARN is answered with no items and no read.
- attention (+ account (+ region)): the jobs in flight, the InProgress and Stopping
  partitions of by-status (or by-account-status, by-place-status), read whole, and of
  them those in trouble now (jobtracker.watch), in one answer. Items read = jobs in
  flight, which SageMaker's quotas on concurrent training jobs keep small; this is the
  one listing that returns fewer than it reads.

Every summary listed, and a job's record, carries `attention`: its troubles now (an
empty list for a job that has none, or has ended).

created_sk is "<creation time>#<account>#<region>#<name>", so a window [after, before] is
the key range [after, before + "$"] ("$" sorts right after "#"). The by-name index orders
by name, not by creation time: a prefix listing is newest first only in so far as names
carry their creation time (SageMaker's generated names do). The parser refuses other
combinations with a 400 that lists the supported ones, rather than have them answered by
discarding items.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple, Protocol

from jobtracker.cost import MICROS_PER_USD, cost_so_far
from jobtracker.errors import InvalidQuery, UnknownJob
from jobtracker.indexes import IndexName, IndexPage, KeyRange
from jobtracker.names import IN_PROGRESS, STATUSES, STOPPING
from jobtracker.record import ACCOUNT, REGION, JobIdentity, is_training_job_name
from jobtracker.tokens import Cursor, PageTokens
from jobtracker.watch import WATCHED_STATUSES, WatchSettings, attention, record_attention

DEFAULT_LIMIT = 50
_MONTH = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])")
_CREATED_SK = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\.[0-9]{3}Z#([^#]+)#([^#]+)#(.+)")
_NAME_SK = re.compile(r"([^#]+)#([^#]+)#([^#]+)")
_TUNING_JOB_PLACE = re.compile(r"arn:[^:]+:sagemaker:([^:]*):([0-9]{12}):")
# Bounds of the STATS partition's day keys: every "yyyy-mm-dd" sorts between them.
_FIRST_DAY, _LAST_DAY = "0000-00-00", "9999-99-99"


class JobReader(Protocol):
    """What the queries need from the store (store.reads.JobReads in production)."""

    def get_job_detail(self, job: JobIdentity) -> dict[str, Any] | None: ...

    def job_exists(self, job: JobIdentity) -> bool: ...

    def list_transitions(self, job: JobIdentity) -> list[dict[str, Any]]: ...

    def read_index(self, key_range: KeyRange, after: str | None, limit: int) -> IndexPage: ...

    def latest_day_with_jobs(self, first_day: str, last_day: str) -> str | None: ...

    def iter_daily_stats(
        self, first_day: str, last_day: str, account: str | None = None
    ) -> Iterable[Mapping[str, Any]]: ...

    def iter_group_stats(
        self, dimension: str, first_day: str, last_day: str
    ) -> Iterable[Mapping[str, Any]]: ...


class Window(NamedTuple):
    """Creation-time bounds, inclusive, as "YYYY-MM-DDTHH:MM:SS.mmmZ" (the record's form)."""

    after: str | None = None
    before: str | None = None

    @property
    def low_key(self) -> str | None:
        return self.after

    @property
    def high_key(self) -> str | None:
        return None if self.before is None else self.before + "$"


class JobQuery(NamedTuple):
    window: Window
    account: str | None = None
    region: str | None = None
    status: str | None = None
    tuning_job_arn: str | None = None
    name_prefix: str | None = None
    limit: int = DEFAULT_LIMIT
    next_token: str | None = None
    # Only the jobs in trouble now (with account, and region).
    attention: bool = False

    @property
    def fingerprint(self) -> str:
        """The filters (not the limit: a client may change page size between pages)."""
        return json.dumps(
            [
                self.account,
                self.region,
                self.status,
                self.window.after,
                self.window.before,
                self.tuning_job_arn,
                self.name_prefix,
            ]
        )


class AttentionView(NamedTuple):
    """What counts as trouble (the watch's thresholds) and when "now" is."""

    settings: WatchSettings
    now_ms: int


# Summaries per page when reading the jobs in flight whole.
IN_FLIGHT_PAGE = 100


class StatsQuery(NamedTuple):
    first_day: str  # whole UTC days, inclusive
    last_day: str
    account: str | None = None  # None: all accounts together
    # A spend dimension (`account`, `region`, `instance_type`, `tag:<key>`): the window's
    # jobs in one group per value, from the dimension's group items instead of the days'.
    group_by: str | None = None


# -- answering -------------------------------------------------------------------------


def job_detail(
    job: JobIdentity,
    reader: JobReader,
    view: AttentionView | None = None,
    now_ms: int | None = None,
) -> dict[str, Any]:
    """The record, with its cost; a running job's brought up to now (`now_ms`, else the
    view's time, else the clock); with `view`, its `attention`."""
    record = reader.get_job_detail(job)
    if record is None:
        raise UnknownJob(_not_found(job))
    if now_ms is None and view is not None:
        now_ms = view.now_ms
    record = _cost_now(record, record.get("training_job_status"), now_ms)
    if view is not None:
        record["attention"] = record_attention(record, view.now_ms, view.settings)
    return record


def _cost_now(job: dict[str, Any], status: object, now_ms: int | None) -> dict[str, Any]:
    """A running job's cost at `now_ms`, from its stored rate and training start (the
    record's and the summary's fields alike); any other job's as stored."""
    if job.get("cost_usd_per_hour") is None or status not in (IN_PROGRESS, STOPPING):
        return job
    now = int(time.time() * 1000) if now_ms is None else now_ms
    # A running job's record says cost_is_estimate already; its summary says so by
    # carrying a rate at all.
    return {**job, "cost_usd": cost_so_far({**job, "status": status}, now)}


def job_transitions(job: JobIdentity, reader: JobReader) -> dict[str, Any]:
    """A job's secondary status transitions, oldest first.

    Transitions are stored after their job, so finding any proves the job exists; only a
    job without transitions costs a second read.
    """
    transitions = reader.list_transitions(job)
    if not transitions and not reader.job_exists(job):
        raise UnknownJob(_not_found(job))
    return {"items": transitions}


def _not_found(job: JobIdentity) -> str:
    return (
        f"training job {job.name!r} not found in account {job.account}, region {job.region} "
        "(pass account and region for a job elsewhere)"
    )


def list_jobs(
    query: JobQuery, reader: JobReader, tokens: PageTokens, view: AttentionView | None = None
) -> dict[str, Any]:
    """A page of summaries; with `view`, each carries its `attention`."""
    if query.attention:
        return {"items": jobs_in_trouble(query, reader, view), "next_token": None}
    listing = _list_jobs(query, reader, tokens)
    if view is not None:
        for summary in listing["items"]:
            summary["attention"] = attention(summary, view.now_ms, view.settings)
    return listing


def jobs_in_trouble(
    query: JobQuery, reader: JobReader, view: AttentionView | None
) -> list[dict[str, Any]]:
    """Every job in flight (of the query's account and region) in trouble now, longest in
    trouble first, each with its `attention`."""
    if view is None:
        raise InvalidQuery("attention is not answered here: no thresholds are configured")
    troubled = []
    for status in WATCHED_STATUSES:
        key_range = _key_range(JobQuery(Window(), query.account, query.region, status))
        after: str | None = None
        while True:
            page = reader.read_index(key_range, after, IN_FLIGHT_PAGE)
            for summary in page.items:
                entries = attention(summary, view.now_ms, view.settings)
                if entries:
                    troubled.append({**summary, "attention": entries})
            after = page.last_key
            if after is None:
                break
    troubled.sort(key=lambda summary: min(entry["since"] for entry in summary["attention"]))
    return troubled


def _list_jobs(query: JobQuery, reader: JobReader, tokens: PageTokens) -> dict[str, Any]:
    cursor = tokens.open(query.next_token, query.fingerprint) if query.next_token else None
    if _contradicts_tuning_job(query):
        # The tuning job's training jobs are all in its own account and region.
        return {"items": [], "next_token": None}
    if (
        query.status is None
        and query.tuning_job_arn is None
        and query.name_prefix is None
        and query.account is None
    ):
        items, cursor = _walk_months(query, reader, cursor)
    else:
        key_range = _key_range(query)
        if cursor is not None and cursor.partition != key_range.partition:
            raise InvalidQuery("next_token belongs to another query")
        _check_after(key_range.index_name, cursor)
        after = cursor.after if cursor else None
        items, after = _page_partition(reader, key_range, after, query.limit)
        cursor = None if after is None else Cursor(key_range.partition, after)
    token = None if cursor is None else tokens.issue(query.fingerprint, cursor)
    # A job stored before jobs were priced has no cost in its summary: null, as unknown. A
    # running job's listed cost is as of its last change (with its rate): a listing
    # answers the same twice; its record brings it up to now.
    priced = [{"cost_usd": None, **item} for item in items]
    return {"items": priced, "next_token": token}


def window_stats(query: StatsQuery, reader: JobReader) -> dict[str, Any]:
    """Counts, seconds and cost of the jobs created in the window's days, in all and day
    by day: one Query, whatever the number of jobs (the daily aggregates are kept by the
    write path). The series lists only the days that have jobs, so a window of years
    stays as small as its data.

    With `group_by`, that one Query reads the dimension's group items instead (one per
    group per day with jobs), and the answer adds `groups`, highest cost first, which add
    up to the total: every job is in exactly one group of each dimension.
    """
    days: list[Mapping[str, Any]]
    if query.group_by is None:
        days = list(reader.iter_daily_stats(query.first_day, query.last_day, query.account))
        groups: dict[str | None, list[Mapping[str, Any]]] = {}
    else:
        items = list(reader.iter_group_stats(query.group_by, query.first_day, query.last_day))
        days = list(_sum_by_day(items))
        groups = {}
        for item in items:
            groups.setdefault(item["group"], []).append(item)
    answer = {
        **_totals(days),
        "created_after": f"{query.first_day}T00:00:00.000Z",
        "created_before": f"{query.last_day}T23:59:59.999Z",
        "account": query.account,
        "days": [_day(day) for day in days],
    }
    if query.group_by is not None:
        answer["group_by"] = query.group_by
        answer["groups"] = _groups(groups)
    return answer


_SECONDS = (
    "billable_seconds",
    "training_seconds",
    "spot_billable_seconds",
    "spot_training_seconds",
)


def _totals(days: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    counters: dict[str, int] = {}
    for day in days:
        for name, value in day.items():
            if name not in ("day", "group"):
                counters[name] = counters.get(name, 0) + int(value)
    spot_training = counters.get("spot_training_seconds", 0)
    savings = (
        round(100 * (1 - counters.get("spot_billable_seconds", 0) / spot_training), 2)
        if spot_training > 0
        else None
    )
    return {
        "counts": {status: counters.get(f"count_{status}", 0) for status in STATUSES},
        "billable_time_in_seconds": counters.get("billable_seconds", 0),
        "training_time_in_seconds": counters.get("training_seconds", 0),
        "spot_savings_percent": savings,
        "cost_usd": _usd(counters.get("cost_micros", 0)),
        "unpriced_jobs": counters.get("unpriced_jobs", 0),
    }


def _day(day: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "day": day["day"],
        "counts": {status: int(day.get(f"count_{status}", 0)) for status in STATUSES},
        "billable_time_in_seconds": int(day.get("billable_seconds", 0)),
        "training_time_in_seconds": int(day.get("training_seconds", 0)),
        "cost_usd": _usd(int(day.get("cost_micros", 0))),
    }


def _sum_by_day(items: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The days' totals from their groups' items (they come in day order)."""
    days: dict[str, dict[str, Any]] = {}
    for item in items:
        day = days.setdefault(item["day"], {"day": item["day"]})
        for name, value in item.items():
            if name not in ("day", "group"):
                day[name] = day.get(name, 0) + int(value)
    return list(days.values())


def _groups(groups: Mapping[str | None, list[Mapping[str, Any]]]) -> list[dict[str, Any]]:
    answered = []
    for key, items in groups.items():
        total = _totals(items)
        jobs = sum(total["counts"].values())
        if jobs == 0:
            continue  # every job of it has moved to another group (a tag added later)
        answered.append(
            {
                "key": key,
                "jobs": jobs,
                "counts": total["counts"],
                "billable_time_in_seconds": total["billable_time_in_seconds"],
                "cost_usd": total["cost_usd"],
                "unpriced_jobs": total["unpriced_jobs"],
                "days": [
                    {"day": item["day"], "cost_usd": _usd(int(item.get("cost_micros", 0)))}
                    for item in items
                    if any(int(item.get(f"count_{status}", 0)) for status in STATUSES)
                ],
            }
        )
    answered.sort(key=lambda group: (-group["cost_usd"], -group["jobs"], str(group["key"])))
    return answered


def _usd(micros: int) -> float:
    return micros / MICROS_PER_USD


def _key_range(query: JobQuery) -> KeyRange:
    window = query.window
    if query.name_prefix is not None:
        return KeyRange(IndexName.NAME, query.name_prefix[0], prefix=query.name_prefix)
    if query.tuning_job_arn is not None:
        return KeyRange(IndexName.TUNING_JOB, query.tuning_job_arn, window.low_key, window.high_key)
    if query.account is None:
        assert query.status is not None
        return KeyRange(IndexName.STATUS, query.status, window.low_key, window.high_key)
    index, partition = IndexName.ACCOUNT, query.account
    if query.region is not None:
        index, partition = IndexName.PLACE, f"{query.account}#{query.region}"
    if query.status is not None:
        index = IndexName.ACCOUNT_STATUS if index is IndexName.ACCOUNT else IndexName.PLACE_STATUS
        partition = f"{partition}#{query.status}"
    return KeyRange(index, partition, window.low_key, window.high_key)


def _contradicts_tuning_job(query: JobQuery) -> bool:
    if query.tuning_job_arn is None:
        return False
    match = _TUNING_JOB_PLACE.match(query.tuning_job_arn)
    assert match is not None  # the parser checked the ARN
    region, account = match.groups()
    return query.account not in (None, account) or query.region not in (None, region)


def _check_after(index: IndexName, cursor: Cursor | None) -> None:
    """The cursor is authenticated; still, only a well-formed key becomes a start key."""
    if cursor is None or cursor.after is None:
        return
    if index is IndexName.NAME:
        match = _NAME_SK.fullmatch(cursor.after)
        parts = None if match is None else (match[2], match[3], match[1])
    else:
        match = _CREATED_SK.fullmatch(cursor.after)
        parts = None if match is None else (match[1], match[2], match[3])
    ok = (
        parts is not None
        and ACCOUNT.fullmatch(parts[0]) is not None
        and REGION.fullmatch(parts[1]) is not None
        and is_training_job_name(parts[2])
    )
    if not ok:
        raise InvalidQuery("next_token is from an incompatible version of this API")


def _page_partition(
    reader: JobReader, key_range: KeyRange, after: str | None, limit: int
) -> tuple[list[dict[str, Any]], str | None]:
    items: list[dict[str, Any]] = []
    while len(items) < limit:
        page = reader.read_index(key_range, after, limit - len(items))
        items.extend(page.items)
        after = page.last_key
        if after is None:
            return items, None
    return items, after


def _walk_months(
    query: JobQuery, reader: JobReader, cursor: Cursor | None
) -> tuple[list[dict[str, Any]], Cursor | None]:
    """Newest first across months: the by-month index, one month partition after another.

    When a month runs out, the walk reads the previous calendar month directly, so months
    that have jobs cost only the items they return. A month whose Query comes back empty
    (0 items read) sends the walk to the STATS partition: one Limit 1 read finds the
    latest earlier day with jobs, so a run of empty months costs one empty Query and one
    day item. The first page starts at created_before's month; without an upper bound
    (jobs may carry any creation time) it reads one day item to find the newest month.
    created_before's month is read only up to the bound, so its coming back empty says
    nothing of the months before it: the walk goes on to the previous month directly.
    """
    window = query.window
    first_day = window.after[:10] if window.after else _FIRST_DAY
    cut_month = window.before[:7] if window.before else None
    if cursor is None:
        if cut_month is not None:
            month: str | None = cut_month
        else:
            month = _month_of(reader.latest_day_with_jobs(first_day, _LAST_DAY))
        if month is None:
            return [], None
        after = None
    else:
        if not _MONTH.fullmatch(cursor.partition):
            raise InvalidQuery("next_token belongs to another query")
        _check_after(IndexName.MONTH, cursor)
        month, after = cursor.partition, cursor.after
    items: list[dict[str, Any]] = []
    while len(items) < query.limit:
        key_range = KeyRange(IndexName.MONTH, month, window.low_key, window.high_key)
        page = reader.read_index(key_range, after, query.limit - len(items))
        gap_found = after is None and not page.items and month != cut_month
        items.extend(page.items)
        after = page.last_key
        if after is None:
            if month <= first_day[:7]:
                return items, None
            if gap_found:
                # Day "00" of a month sorts after every earlier day and before its own.
                month = _month_of(reader.latest_day_with_jobs(first_day, f"{month}-00"))
            else:
                month = _previous_month(month)
            if month is None:
                return items, None
    return items, Cursor(month, after)


def _month_of(day: str | None) -> str | None:
    return None if day is None else day[:7]


def _previous_month(month: str) -> str | None:
    """The calendar month before "yyyy-mm", or None before year 0000."""
    year, number = int(month[:4]), int(month[5:])
    if number > 1:
        return f"{year:04d}-{number - 1:02d}"
    return f"{year - 1:04d}-12" if year > 0 else None
