"""How items are keyed and how a record is packed: shared by the reads and the writes.

A job's identity is (account, region, name): every job key carries all three, so the
same name in two accounts or regions is two jobs, with two histories and two alerts.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Mapping
from typing import Any

from jobtracker.names import ENRICHMENT_PENDING, IN_PROGRESS, STOPPING
from jobtracker.record import JobIdentity, JobSnapshot, Transition
from jobtracker.timestamps import iso_from_ms

JOB_SK = "JOB"
TRANSITION_PREFIX = "TRANSITION#"
STATS_PK = "STATS"
DAY_PREFIX = "DAY#"


def job_pk(job: JobIdentity) -> str:
    return f"JOB#{job.account}#{job.region}#{job.name}"


def created_sk(creation: str, job: JobIdentity) -> str:
    """The time-ordered indexes' sort key: "<creation time>#<account>#<region>#<name>".

    Unique, and it names the job, so a page can resume after it (see reads._start_key).
    """
    return f"{creation}#{job.account}#{job.region}#{job.name}"


def identity_of_created_sk(key: str) -> JobIdentity:
    account, region, name = key.split("#", 1)[1].split("#", 2)
    return JobIdentity(account, region, name)


def name_sk(job: JobIdentity) -> str:
    """The by-name index's sort key: "<name>#<account>#<region>". '#' sorts below every
    character of a name, so these sort as the names do, and begins_with(prefix) holds."""
    return f"{job.name}#{job.account}#{job.region}"


def identity_of_name_sk(key: str) -> JobIdentity:
    name, account, region = key.split("#", 2)
    return JobIdentity(account, region, name)


def name_shard(name: str) -> str:
    """The by-name index partition of a job: its first character (names are never empty)."""
    return name[:1]


def stats_pk(account: str | None) -> str:
    """The daily aggregates of one account, or of all accounts together (None)."""
    return STATS_PK if account is None else f"{STATS_PK}#{account}"


def stats_day_sk(day: str) -> str:
    """The daily aggregate item of a creation day (`yyyy-mm-dd`)."""
    return f"{DAY_PREFIX}{day}"


def stats_group_pk(dimension: str) -> str:
    """The daily spend of every group of one dimension (`account`, `tag:team`, ...)."""
    return f"{STATS_PK}#G#{dimension}"


def group_day_sk(day: str, value: str | None) -> str:
    """A group's item of a day: "DAY#<yyyy-mm-dd>#=<value>", or "...#-" for the jobs
    without a value. Sorted by day first, so a window is one key range."""
    return f"{DAY_PREFIX}{day}#{'-' if value is None else '=' + value}"


def group_day_range(first_day: str, last_day: str) -> tuple[str, str]:
    """The sort-key range of every group's items from `first_day` to `last_day`."""
    # "$" sorts just after "#": the last day's items all fall below it.
    return f"{DAY_PREFIX}{first_day}#", f"{DAY_PREFIX}{last_day}$"


def day_and_group_value(sk: str) -> tuple[str, str | None]:
    """The day and the group value of a group's day item (inverse of group_day_sk)."""
    day, _, value = sk.removeprefix(DAY_PREFIX).partition("#")
    return day, None if value == "-" else value[1:]


def transition_sk(transition: Transition) -> str:
    return f"{TRANSITION_PREFIX}{iso_from_ms(transition.start_ms)}#{transition.status}"


def compress_record(record: dict[str, Any]) -> bytes:
    return zlib.compress(json.dumps(record, separators=(",", ":")).encode(), 6)


def decompress_record(blob: bytes) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(zlib.decompress(blob))
    return document


# The API's summary field of each job item attribute (repository.job_attributes).
_SUMMARY_FIELDS = {
    "training_job_name": "job_name",
    "account": "account",
    "region": "region",
    "training_job_arn": "job_arn",
    "training_job_status": "status",
    "secondary_status": "secondary_status",
    "creation_time": "creation_time",
    "training_start_time": "training_start_time",
    "training_end_time": "training_end_time",
    "last_modified_time": "last_modified_time",
    "failure_reason": "failure_reason",
    "instance_type": "instance_type",
    "instance_count": "instance_count",
    "billable_time_in_seconds": "billable_time_in_seconds",
    "training_time_in_seconds": "training_time_in_seconds",
    "tuning_job_arn": "tuning_job_arn",
}


# What the watch needs of a job in flight beyond the summary's own fields (the watch
# reads summaries only: the by-status index projects nothing else). Present on the
# summaries of jobs in flight only, and only when known: an ended job's summary does not
# grow, and an in-flight one by about 100 bytes at most.
IN_FLIGHT_FIELDS = ("secondary_status_since", "max_runtime_in_seconds", "max_wait_time_in_seconds")


def pack_summary(attributes: Mapping[str, Any], in_flight: Mapping[str, Any] | None = None) -> str:
    """A job's summary as the listings return it, from its item's attributes, and for a
    job in flight the fields of `in_flight_fields` that are known."""
    summary = {field: _whole(attributes.get(name)) for field, name in _SUMMARY_FIELDS.items()}
    # Not SageMaker's: whether the job still waits for DescribeTrainingJob.
    summary[ENRICHMENT_PENDING] = attributes.get("pending") is not None
    cost = json.loads(attributes["cost"]) if attributes.get("cost") else {}
    summary["cost_usd"] = cost.get("cost_usd")
    # A running job's rate, from which a listing brings its cost up to now; only while
    # it runs, to keep the summary (projected into every list index) small.
    if cost.get("cost_is_estimate"):
        summary["cost_usd_per_hour"] = cost.get("cost_usd_per_hour")
    for field in IN_FLIGHT_FIELDS:
        value = (in_flight or {}).get(field)
        if value is not None:
            summary[field] = value
    return json.dumps(summary, separators=(",", ":"))


def in_flight_fields(snapshot: JobSnapshot) -> dict[str, Any]:
    """The summary's fields for the watch: when the current secondary status began (its
    transition's start) and SageMaker's two time limits; {} for an ended job."""
    if snapshot.status not in (IN_PROGRESS, STOPPING):
        return {}
    stopping = snapshot.record.get("stopping_condition")
    stopping = stopping if isinstance(stopping, Mapping) else {}
    since = snapshot.transitions[-1].start_ms if snapshot.transitions else None
    return {
        "secondary_status_since": None if since is None else iso_from_ms(since),
        "max_runtime_in_seconds": _limit(stopping.get("max_runtime_in_seconds")),
        "max_wait_time_in_seconds": _limit(stopping.get("max_wait_time_in_seconds")),
    }


def _limit(value: object) -> int | None:
    """A positive whole number of seconds, or None (absent, or not a usable limit)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        return None
    return int(value)


def summary_no_longer_pending(text: str) -> str:
    """The packed summary of a job whose wait for DescribeTrainingJob was given up."""
    summary = unpack_summary(text)
    summary[ENRICHMENT_PENDING] = False
    return json.dumps(summary, separators=(",", ":"))


def _whole(value: object) -> object:
    """1800.0 seconds as 1800, as DynamoDB's numbers read back."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def unpack_summary(text: str) -> dict[str, Any]:
    summary: dict[str, Any] = json.loads(text)
    return summary
