"""Putting a cost on a snapshot before it is stored, and naming whose spend it is.

The cost of a running job is taken at the snapshot's own last-modified time, not at the
clock's: the same snapshot always stores the same figure, whichever writer stores it and
whenever (docs/design.md, "Ordering"). The API brings a running job's figure up to now
(`cost.cost_so_far`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

from jobtracker.config import DEFAULT_COST_TAGS
from jobtracker.cost import cluster_of, cost_of
from jobtracker.price_cache import PriceCache
from jobtracker.record import JobSnapshot

# The dimensions /stats groups by besides the deploy's cost tags (`tag:<key>`).
FIXED_DIMENSIONS = ("account", "region", "instance_type")
TAG_PREFIX = "tag:"


def group_dimensions(cost_tags: Iterable[str]) -> tuple[str, ...]:
    return (*FIXED_DIMENSIONS, *(f"{TAG_PREFIX}{key}" for key in cost_tags))


def spend_groups(record: Mapping[str, Any], cost_tags: Iterable[str]) -> tuple[str, ...]:
    """The job's group in each dimension: "<dimension>=<value>", or "<dimension>" alone
    when it has none (a job without the tag; one whose record names no instance type).

    A heterogeneous cluster's instance type is its types joined by "+", so that every
    job is in exactly one group of each dimension and the groups add up to the total.
    """
    tags = record.get("tags")
    by_key = {
        tag["key"]: tag["value"]
        for tag in (tags if isinstance(tags, list) else [])
        if isinstance(tag, Mapping)
    }
    types = "+".join(kind for kind, _count in cluster_of(record))
    values: dict[str, object] = {
        "account": record.get("account"),
        "region": record.get("region"),
        "instance_type": types or None,
        **{f"{TAG_PREFIX}{key}": by_key.get(key) for key in cost_tags},
    }
    return tuple(
        f"{dimension}={value}" if isinstance(value, str) else dimension
        for dimension, value in values.items()
    )


class SnapshotPricer(NamedTuple):
    prices: PriceCache
    cost_tags: tuple[str, ...] = DEFAULT_COST_TAGS

    def price(self, snapshot: JobSnapshot) -> JobSnapshot:
        cost = cost_of(snapshot.record, self.prices.book(), snapshot.last_modified_ms)
        groups = spend_groups(snapshot.record, self.cost_tags)
        return snapshot._replace(cost=cost, spend_groups=groups)
