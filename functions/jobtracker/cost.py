"""What a job cost: a list-price estimate from its record and a price book (docs/cost.md).

cost = billable seconds x sum over the cluster of (instance count x hourly price) / 3600,
plus the warm pool's retained billable seconds at the same rate. Managed spot's billable
seconds are already the discounted ones; what spot saved is the rest of the training
seconds at the same rate. A running job's figure is its cost so far, from its training
start to `now`, and says it is an estimate. A price the book lacks gives no figure and a
reason, never a guess.

Pure: no AWS, no clock (`now` is passed in), so every case is checked by hand in
tests/unit/test_cost.py.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, NamedTuple, TypeGuard

from jobtracker.names import IN_PROGRESS, STOPPING
from jobtracker.timestamps import to_epoch_ms

# A cost is counted in whole micro-dollars wherever it is added up (the day's counters,
# the budgets): integers add up to the same total in any order, floats need not.
MICROS_PER_USD = 1_000_000
_SECONDS_PER_HOUR = 3600
_RUNNING = (IN_PROGRESS, STOPPING)
# The empty map of rates: a default shared by every value that has none (read-only).
NO_RATES: Mapping[str, float] = MappingProxyType({})


class Price(NamedTuple):
    """One instance type's hourly price in one region, and where it came from."""

    usd_per_hour: float
    source: str


class PriceBook(NamedTuple):
    """On-demand training prices by (region, instance type), with the deploy's terms.

    `list_prices` are as published (`source`, `as_of`); `overrides` are the team's own
    rates, by "<region>/<instance type>" or by instance type in every region, taken as
    they are; `discount_percent` lowers every list price (not the overrides: they are
    already what the team pays).
    """

    list_prices: Mapping[str, float]
    source: str
    as_of: str
    overrides: Mapping[str, float] = NO_RATES
    discount_percent: float = 0.0

    def price(self, region: str, instance_type: str) -> Price | None:
        for key in (f"{region}/{instance_type}", instance_type):
            if key in self.overrides:
                return Price(float(self.overrides[key]), f"override {key} (price_overrides)")
        listed = self.list_prices.get(f"{region}/{instance_type}")
        if listed is None:
            return None
        label = f"{self.source}, {self.as_of}"
        if not self.discount_percent:
            return Price(float(listed), label)
        factor = 1 - self.discount_percent / 100
        return Price(listed * factor, f"{label}, less {self.discount_percent:g}% discount")

    def with_terms(self, overrides: Mapping[str, float], discount_percent: float) -> PriceBook:
        """The same list prices under the deploy's overrides and discount."""
        return PriceBook(self.list_prices, self.source, self.as_of, overrides, discount_percent)

    def to_json(self) -> str:
        """The list prices as the table caches them (the terms come from configuration)."""
        document = {"source": self.source, "as_of": self.as_of, "prices": self.list_prices}
        return json.dumps(document, sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> PriceBook:
        document = json.loads(text)
        prices = {str(key): float(value) for key, value in document["prices"].items()}
        return cls(prices, str(document["source"]), str(document["as_of"]))


EMPTY_BOOK = PriceBook({}, "no price book", "never")


class JobCost(NamedTuple):
    """A job's cost fields, as the record and the API show them."""

    cost_usd: float | None
    cost_is_estimate: bool
    cost_reason: str | None = None
    spot_savings_usd: float | None = None
    warm_pool_cost_usd: float | None = None
    # The cluster's rate: what a running job's figure grows by per hour.
    cost_usd_per_hour: float | None = None
    price_usd_per_hour: Mapping[str, float] = NO_RATES
    price_source: str | None = None

    @property
    def micros(self) -> int:
        """The figure in whole micro-dollars; 0 when there is none."""
        return 0 if self.cost_usd is None else round(self.cost_usd * MICROS_PER_USD)

    def fields(self) -> dict[str, Any]:
        return {
            "cost_usd": self.cost_usd,
            "cost_is_estimate": self.cost_is_estimate,
            "cost_reason": self.cost_reason,
            "spot_savings_usd": self.spot_savings_usd,
            "warm_pool_cost_usd": self.warm_pool_cost_usd,
            "cost_usd_per_hour": self.cost_usd_per_hour,
            "price_usd_per_hour": dict(self.price_usd_per_hour),
            "price_source": self.price_source,
        }


def cluster_of(record: Mapping[str, Any]) -> list[tuple[str, int]]:
    """(instance type, count) of every instance group of the job's cluster.

    `resource_config.instance_groups` (a heterogeneous cluster) when present, else the
    one `instance_type` x `instance_count`. Entries without a type or a positive count
    are left out; an empty list means the record does not say.
    """
    resources = record.get("resource_config")
    if not isinstance(resources, Mapping):
        return []
    groups = resources.get("instance_groups")
    entries = groups if isinstance(groups, list) and groups else [resources]
    cluster: dict[str, int] = {}
    for entry in entries:
        if not isinstance(entry, Mapping):
            continue
        kind, count = entry.get("instance_type"), entry.get("instance_count")
        if isinstance(kind, str) and kind and _is_count(count):
            cluster[kind] = cluster.get(kind, 0) + int(count)
    return sorted(cluster.items())


def cost_of(record: Mapping[str, Any], book: PriceBook, now_ms: int) -> JobCost:
    """The cost of the job `record` describes (a normalised record, `jobtracker.record`)."""
    cluster = cluster_of(record)
    if not cluster:
        return JobCost(None, False, "the record names no instance type and count")
    region = str(record.get("region"))
    prices: dict[str, Price] = {}
    for kind, _count in cluster:
        price = book.price(region, kind)
        if price is None:
            return JobCost(
                None, False, f"no price for {kind} in {region} ({book.source}, {book.as_of})"
            )
        prices[kind] = price
    rate = sum(count * prices[kind].usd_per_hour for kind, count in cluster)
    priced = functools.partial(
        JobCost,
        cost_usd_per_hour=_usd(rate),
        price_usd_per_hour={kind: _usd(price.usd_per_hour) for kind, price in prices.items()},
        price_source="; ".join(sorted({price.source for price in prices.values()})),
    )
    if record.get("training_job_status") in _RUNNING:
        start = record.get("training_start_time")
        # Not training yet: SageMaker bills from the training start.
        elapsed = 0.0 if start is None else _elapsed(start, now_ms)
        return priced(_at(rate, elapsed), True)
    billable = record.get("billable_time_in_seconds")
    if not _is_seconds(billable):
        return priced(None, False, "billable time not known yet (the job's description is pending)")
    warm = _seconds_of(record.get("warm_pool_status"), "resource_retained_billable_time_in_seconds")
    spot = None
    if record.get("enable_managed_spot_training") is True:
        training = record.get("training_time_in_seconds")
        spot = _at(rate, max(0.0, training - billable) if _is_seconds(training) else 0.0)
    return priced(
        _at(rate, billable + (warm or 0.0)),
        False,
        spot_savings_usd=spot,
        warm_pool_cost_usd=_at(rate, warm) if warm else None,
    )


def cost_so_far(summary: Mapping[str, Any], now_ms: int) -> float | None:
    """A running job's cost at `now`, from a listing's summary (its rate and training
    start); the stored figure for any other job."""
    rate, start = summary.get("cost_usd_per_hour"), summary.get("training_start_time")
    if summary.get("status") not in _RUNNING or not isinstance(rate, (int, float)):
        stored = summary.get("cost_usd")
        return float(stored) if isinstance(stored, (int, float)) else None
    if not isinstance(start, str):
        return 0.0
    return _at(float(rate), _elapsed(start, now_ms))


def _elapsed(start: object, now_ms: int) -> float:
    """Seconds from `start` (a record's time) to `now_ms`; never negative."""
    return max(0, now_ms - to_epoch_ms(start, "training_start_time")) / 1000


def _at(rate: float, seconds: float) -> float:
    return _usd(rate * seconds / _SECONDS_PER_HOUR)


def _usd(amount: float) -> float:
    """Dollars to the micro-dollar: what the counters add up, shown as it is added."""
    return round(amount * MICROS_PER_USD) / MICROS_PER_USD


def _is_count(value: object) -> TypeGuard[int | float]:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 1


def _is_seconds(value: object) -> TypeGuard[int | float]:
    return (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and math.isfinite(value)
        and value >= 0
    )


def _seconds_of(container: object, key: str) -> float | None:
    value = container.get(key) if isinstance(container, Mapping) else None
    return float(value) if _is_seconds(value) else None
