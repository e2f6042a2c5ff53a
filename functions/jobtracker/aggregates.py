"""What one job adds to its creation day's statistics, and how a change moves them.

The day's counters are kept for all accounts, for the job's account and, for its spend,
for each group the job belongs to (`spend_groups`: its account, region, instance type and
the deploy's cost tags), so that /stats answers a window, grouped or not, from one Query.
"""

from __future__ import annotations

import math
from typing import NamedTuple

from jobtracker.record import JobSnapshot

# A century of seconds: far beyond any training job (SageMaker stops them after 28 days).
_MAX_SECONDS = 100 * 365 * 86_400


class Contribution(NamedTuple):
    status: str
    billable_seconds: int
    training_seconds: int
    managed_spot: bool
    # The job's final cost in micro-dollars: 0 while it runs (its figure is an estimate
    # that grows) and when it has none.
    cost_micros: int = 0
    # An ended job without a cost (no price, or no billable time yet): counted, so a
    # total can say how many jobs it leaves out.
    unpriced: bool = False
    # "<dimension>=<value>", or "<dimension>" alone for a job without one (no such tag).
    groups: tuple[str, ...] = ()

    @classmethod
    def of(cls, snapshot: JobSnapshot) -> Contribution:
        record = snapshot.record
        cost = snapshot.cost
        final = cost is not None and not cost.cost_is_estimate
        return cls(
            status=snapshot.status,
            billable_seconds=_seconds(record.get("billable_time_in_seconds")),
            training_seconds=_seconds(record.get("training_time_in_seconds")),
            managed_spot=record.get("enable_managed_spot_training") is True,
            cost_micros=cost.micros if cost is not None and final else 0,
            unpriced=final and cost is not None and cost.cost_usd is None,
            groups=snapshot.spend_groups,
        )

    def counters(self) -> dict[str, int]:
        spot = self.managed_spot
        return {
            f"count_{self.status}": 1,
            "billable_seconds": self.billable_seconds,
            "training_seconds": self.training_seconds,
            "spot_billable_seconds": self.billable_seconds if spot else 0,
            "spot_training_seconds": self.training_seconds if spot else 0,
            **self._spend(),
        }

    def _spend(self) -> dict[str, int]:
        # Left out when zero: a day of jobs without prices holds no cost counters at all.
        spend = {"cost_micros": self.cost_micros, "unpriced_jobs": int(self.unpriced)}
        return {name: value for name, value in spend.items() if value}


def counter_deltas(before: Contribution | None, after: Contribution) -> dict[str, int]:
    """The increments that turn the day's counters from `before` to `after`; zeros left out."""
    deltas = dict(after.counters())
    if before is not None:
        for name, value in before.counters().items():
            deltas[name] = deltas.get(name, 0) - value
    return {name: value for name, value in deltas.items() if value}


def group_deltas(before: Contribution | None, after: Contribution) -> dict[str, dict[str, int]]:
    """The increments of each group's day counters (the same counters as the day's own,
    so that a grouped /stats is answered from the group items alone), by group; groups
    left unchanged are left out. A job that changes group (a tag added after its
    creation) moves from one to the other."""
    deltas: dict[str, dict[str, int]] = {}
    for group in after.groups:
        deltas[group] = dict(after.counters())
    if before is not None:
        for group in before.groups:
            moved = deltas.setdefault(group, {})
            for name, value in before.counters().items():
                moved[name] = moved.get(name, 0) - value
    return {
        group: changed
        for group, counters in deltas.items()
        if (changed := {name: value for name, value in counters.items() if value})
    }


def split_group(group: str) -> tuple[str, str | None]:
    """(dimension, value) of a spend group; value None for the jobs without one."""
    dimension, equals, value = group.partition("=")
    return dimension, value if equals else None


def _seconds(value: object) -> int:
    """Whole seconds, or 0 for what cannot be a job's duration: the record keeps the value,
    but a counter shared by every job of the day must never take NaN, infinity or a
    negative or absurd number."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return 0
    return int(value) if math.isfinite(value) and 0 <= value <= _MAX_SECONDS else 0
