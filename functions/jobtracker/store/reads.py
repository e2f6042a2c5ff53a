"""Reads: one job, its history, index pages and daily statistics for the API; which jobs
are stored at which version, and which wait for their description, for the reconciler.
GetItem, BatchGetItem and Query only, never a Scan.

Index pages read exactly what they return: the partition and sort-key range are key
conditions, never a filter, and a page resumes after the sort key of the previous page's
last item (an ExclusiveStartKey rebuilt here from that key, never taken from a client).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any, NamedTuple

from pynamodb.exceptions import DoesNotExist

from jobtracker.indexes import IndexName, IndexPage, KeyRange
from jobtracker.names import ENRICHMENT_PENDING
from jobtracker.record import STATUS_RANK, JobIdentity, Place
from jobtracker.store.keys import (
    DAY_PREFIX,
    JOB_SK,
    TRANSITION_PREFIX,
    day_and_group_value,
    decompress_record,
    group_day_range,
    identity_of_created_sk,
    identity_of_name_sk,
    job_pk,
    stats_day_sk,
    stats_group_pk,
    stats_pk,
    unpack_summary,
)
from jobtracker.store.models import Models, define_models, pending_enrichment
from jobtracker.timestamps import to_epoch_ms


class StoredVersion(NamedTuple):
    """What the reconciler needs to know of a stored job to tell whether it changed."""

    last_modified_ms: int
    rank: int
    enrichment_pending: bool


class PendingJob(NamedTuple):
    job: JobIdentity
    order_key: str
    last_modified_ms: int


class JobReads:
    def __init__(self, models: Models) -> None:
        self.models = models

    @classmethod
    def for_table(cls, table_name: str, region: str | None, endpoint_url: str | None) -> JobReads:
        return cls(define_models(table_name, region, endpoint_url))

    def get_job(self, job: JobIdentity) -> dict[str, Any] | None:
        """The stored record, as the write path normalised it."""
        item = self._job_item(job)
        return None if item is None else decompress_record(item.record)

    def get_job_detail(self, job: JobIdentity) -> dict[str, Any] | None:
        """The record as the API serves it: with whether it waits for DescribeTrainingJob."""
        item = self._job_item(job)
        if item is None:
            return None
        return {
            **decompress_record(item.record),
            ENRICHMENT_PENDING: item.pending is not None,
            **cost_fields(item.cost),
        }

    def _job_item(self, job: JobIdentity) -> Any | None:
        try:
            return self.models.job.get(job_pk(job), JOB_SK)
        except DoesNotExist:
            return None

    def job_exists(self, job: JobIdentity) -> bool:
        model = self.models.job
        return model.count(job_pk(job), model.sk == JOB_SK) > 0

    def list_transitions(self, job: JobIdentity) -> list[dict[str, Any]]:
        transition = self.models.transition
        items = transition.query(job_pk(job), transition.sk.startswith(TRANSITION_PREFIX))
        return [
            {
                "status": item.status,
                "start_time": item.start_time,
                "end_time": item.end_time,
                "status_message": item.status_message,
            }
            for item in items
        ]

    def read_index(self, key_range: KeyRange, after: str | None, limit: int) -> IndexPage:
        """Up to `limit` summaries of one index partition, greatest sort key first."""
        index, sort_attribute = self._index(key_range.index_name)
        condition = _sort_condition(sort_attribute, key_range)
        results = index.query(
            key_range.partition,
            range_key_condition=condition,
            scan_index_forward=False,
            limit=limit,
            last_evaluated_key=_start_key(key_range, after) if after is not None else None,
        )
        items = [summary_of(item) for item in results]
        last_key = results.last_evaluated_key
        return IndexPage(
            items=items,
            last_key=None if not last_key else str(last_key[sort_attribute.attr_name]["S"]),
        )

    def latest_day_with_jobs(self, first_day: str, last_day: str) -> str | None:
        """The latest day in [first_day, last_day] that has daily statistics, i.e. jobs."""
        if first_day > last_day:
            return None
        stats = self.models.daily_stats
        for item in stats.query(
            stats_pk(None),
            stats.sk.between(stats_day_sk(first_day), stats_day_sk(last_day)),
            scan_index_forward=False,
            limit=1,
        ):
            return str(item.sk[len(DAY_PREFIX) :])
        return None

    def iter_daily_stats(
        self, first_day: str, last_day: str, account: str | None = None
    ) -> Iterator[dict[str, Any]]:
        """{"day", <counter>: n...} of each day in [first_day, last_day] that has jobs, in
        one account or (None) in all of them.

        One Query, paged by DynamoDB only past 1 MB (thousands of days).
        """
        stats = self.models.daily_stats
        for item in stats.query(
            stats_pk(account), stats.sk.between(stats_day_sk(first_day), stats_day_sk(last_day))
        ):
            counters = item.attribute_values
            yield {
                "day": item.sk[len(DAY_PREFIX) :],
                **{k: int(v) for k, v in counters.items() if k not in ("pk", "sk")},
            }

    def iter_group_stats(
        self, dimension: str, first_day: str, last_day: str
    ) -> Iterator[dict[str, Any]]:
        """{"day", "group": value or None, <counter>: n...} of every group of `dimension`
        (`account`, `region`, `instance_type`, `tag:<key>`) on each day in [first_day,
        last_day] with jobs. One Query: the dimension's items of the window, by day."""
        stats = self.models.daily_stats
        low, high = group_day_range(first_day, last_day)
        for item in stats.query(stats_group_pk(dimension), stats.sk.between(low, high)):
            day, value = day_and_group_value(item.sk)
            counters = item.attribute_values
            yield {
                "day": day,
                "group": value,
                **{k: int(v) for k, v in counters.items() if k not in ("pk", "sk")},
            }

    def stored_versions(self, jobs: Iterable[JobIdentity]) -> dict[JobIdentity, StoredVersion]:
        """The stored version of each job that exists: one BatchGetItem per 100."""
        job = self.models.job
        keys = [(job_pk(identity), JOB_SK) for identity in sorted(set(jobs))]
        found: dict[JobIdentity, StoredVersion] = {}
        if not keys:
            return found
        wanted = ["pk", "sk", "job_name", "account", "region"]
        wanted += ["last_modified_time", "status", "pending"]
        for item in job.batch_get(keys, attributes_to_get=wanted):
            found[JobIdentity(item.account, item.region, item.job_name)] = StoredVersion(
                last_modified_ms=to_epoch_ms(item.last_modified_time, "last_modified_time"),
                rank=STATUS_RANK.get(item.status, 0),
                enrichment_pending=item.pending is not None,
            )
        return found

    def pending_enrichments(self, place: Place, limit: int) -> list[PendingJob]:
        """The jobs of `place` whose terminal snapshot still waits for DescribeTrainingJob
        (the sparse index, that place's partition)."""
        job = self.models.job
        return [
            PendingJob(
                job=JobIdentity(item.account, item.region, item.job_name),
                order_key=item.order_key,
                last_modified_ms=to_epoch_ms(item.last_modified_time, "last_modified_time"),
            )
            for item in job.by_pending.query(
                pending_enrichment(place.account, place.region), limit=limit
            )
        ]

    def _index(self, name: IndexName) -> tuple[Any, Any]:
        job = self.models.job
        if name is IndexName.NAME:
            return job.by_name, job.name_sk
        index = getattr(job, name.value.replace("-", "_"))
        return index, job.created_sk


_PARTITION_ATTRIBUTE = {
    IndexName.STATUS: "status",
    IndexName.MONTH: "creation_month",
    IndexName.TUNING_JOB: "tuning_job_arn",
    IndexName.NAME: "name_shard",
    IndexName.ACCOUNT: "account",
    IndexName.ACCOUNT_STATUS: "account_status",
    IndexName.PLACE: "place",
    IndexName.PLACE_STATUS: "place_status",
}


def _sort_condition(attribute: Any, key_range: KeyRange) -> Any:
    if key_range.prefix is not None:
        return attribute.startswith(key_range.prefix)
    low, high = key_range.low, key_range.high
    if low is not None and high is not None:
        return attribute.between(low, high)
    if low is not None:
        return attribute >= low
    if high is not None:
        return attribute <= high
    return None


def _start_key(key_range: KeyRange, after: str) -> dict[str, dict[str, str]]:
    """The ExclusiveStartKey of the item whose index sort key is `after`."""
    if key_range.index_name is IndexName.NAME:
        job, sort_attribute = identity_of_name_sk(after), "name_sk"
    else:
        job, sort_attribute = identity_of_created_sk(after), "created_sk"
    return {
        "pk": {"S": job_pk(job)},
        "sk": {"S": JOB_SK},
        _PARTITION_ATTRIBUTE[key_range.index_name]: {"S": key_range.partition},
        sort_attribute: {"S": after},
    }


# A job stored before jobtracker priced jobs has no cost fields; it says so.
_UNPRICED: dict[str, Any] = {
    "cost_usd": None,
    "cost_is_estimate": False,
    "cost_reason": "not priced: stored before jobtracker priced jobs",
    "spot_savings_usd": None,
    "warm_pool_cost_usd": None,
    "cost_usd_per_hour": None,
    "price_usd_per_hour": {},
    "price_source": None,
}


def cost_fields(text: str | None) -> dict[str, Any]:
    """The job item's cost attribute as the record's fields (jobtracker.cost.JobCost)."""
    if not text:
        return dict(_UNPRICED)
    fields: dict[str, Any] = json.loads(text)
    return fields


def summary_of(item: Any) -> dict[str, Any]:
    """A job's summary, from the one attribute every list index projects."""
    return unpack_summary(item.summary)
