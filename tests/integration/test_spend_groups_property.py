"""The spend groups add up to the total, and end as in-order delivery, under any order.

Several jobs (teams, projects, instance types, spot or not, priced or not, tagged or not)
deliver their snapshots shuffled and duplicated, each priced as the write path prices it;
every dimension's groups must then sum, day by day and counter by counter, to the day's
total, and equal what in-order delivery leaves.
"""

from __future__ import annotations

import os
import uuid
from collections import Counter
from typing import Any

import boto3
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jobtracker.config import TableConfig
from jobtracker.cost import PriceBook
from jobtracker.price_cache import PriceCache
from jobtracker.pricing import SnapshotPricer, group_dimensions
from jobtracker.record import normalise_training_job
from jobtracker.store.models import table_schema
from jobtracker.store.reads import JobReads
from jobtracker.store.repository import JobRepository

from synthetic.events import BASE_MS, ENDINGS, describe_response, lifecycle

BOOK = PriceBook(
    {"us-east-1/ml.g5.2xlarge": 1.515, "us-east-1/ml.p3.2xlarge": 3.825},
    "test prices",
    "2026-12-01",
)
PRICER = SnapshotPricer(PriceCache(lambda: BOOK), cost_tags=("team", "project"))
DIMENSIONS = group_dimensions(PRICER.cost_tags)
DAY_MS = 86_400_000


def _fresh_repository() -> JobRepository:
    name = f"spend-{uuid.uuid4().hex[:8]}"
    boto3.client("dynamodb").create_table(
        TableName=name, BillingMode="PAY_PER_REQUEST", **table_schema()
    )
    return JobRepository(TableConfig(table_name=name, region=os.environ["AWS_REGION"]))


@st.composite
def jobs(draw: st.DrawFn) -> list[list[dict[str, Any]]]:
    """Each job's snapshots in order, its description last when it has ended."""
    lives = []
    for index in range(draw(st.integers(1, 4))):
        ending = draw(st.sampled_from([None, *ENDINGS]))
        tags = draw(
            st.sampled_from(
                [{"team": "vision", "project": "resnet"}, {"team": "nlp"}, {"project": "bert"}, {}]
            )
        )
        snapshots = lifecycle(
            f"spend-job-{index}",
            ending,
            creation_ms=BASE_MS + draw(st.integers(0, 1)) * DAY_MS,
            tags=tags,
            spot=draw(st.booleans()),
            # ml.m5.24xlarge has no price in the book: an unpriced job
            instance_type=draw(
                st.sampled_from(["ml.g5.2xlarge", "ml.p3.2xlarge", "ml.m5.24xlarge"])
            ),
            instance_count=draw(st.integers(1, 3)),
        )
        if ending is not None:
            snapshots.append(describe_response(snapshots[-1]))
        lives.append(snapshots)
    return lives


def _delivery(draw: st.DrawFn, lives: list[list[dict[str, Any]]]) -> list[dict[str, Any]]:
    every = [snapshot for life in lives for snapshot in life]
    again = draw(st.lists(st.sampled_from(every), max_size=len(every)))
    return list(draw(st.permutations(every + again)))


def _store(repository: JobRepository, details: list[dict[str, Any]]) -> None:
    for detail in details:
        repository.store_snapshot(PRICER.price(normalise_training_job(detail)))


def _totals(reads: JobReads) -> dict[str, Counter[str]]:
    return {
        day["day"]: Counter({k: v for k, v in day.items() if k != "day" and v})
        for day in reads.iter_daily_stats("2000-01-01", "2099-12-31")
    }


def _groups(reads: JobReads, dimension: str) -> dict[tuple[str, str | None], Counter[str]]:
    """Each group's counters of each day; a group the jobs have all left (its counters
    back at zero) is no group."""
    groups = {
        (item["day"], item["group"]): Counter(
            {k: v for k, v in item.items() if k not in ("day", "group") and v}
        )
        for item in reads.iter_group_stats(dimension, "2000-01-01", "2099-12-31")
    }
    return {key: counters for key, counters in groups.items() if counters}


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_groups_add_up_to_the_total_under_any_order_with_duplicates(
    aws: None, data: st.DataObject
) -> None:
    # Given jobs whose snapshots arrive in order to one table, shuffled and repeated to another
    lives = data.draw(jobs())
    delivered = data.draw(st.composite(lambda draw: _delivery(draw, lives))())
    reference, candidate = _fresh_repository(), _fresh_repository()
    # When each is stored, priced as the write path prices it
    _store(reference, [snapshot for life in lives for snapshot in life])
    _store(candidate, delivered)
    reads, expected = JobReads(candidate.models), JobReads(reference.models)
    totals = _totals(reads)
    # Then the day totals and every group are as in-order delivery left them
    assert totals == _totals(expected)
    for dimension in DIMENSIONS:
        groups = _groups(reads, dimension)
        assert groups == _groups(expected, dimension)
        # And each day's groups add up to the day's total, counter by counter
        for day, total in totals.items():
            summed: Counter[str] = Counter()
            for (group_day, _value), counters in groups.items():
                if group_day == day:
                    summed.update(counters)
            assert +summed == total, (dimension, day)
