"""What one job adds to its creation day's statistics, and how a change moves them."""

from __future__ import annotations

import math
from dataclasses import dataclass

from jobtracker.record import JobSnapshot

# A century of seconds: far beyond any training job (SageMaker stops them after 28 days).
_MAX_SECONDS = 100 * 365 * 86_400


@dataclass(frozen=True)
class Contribution:
    status: str
    billable_seconds: int
    training_seconds: int
    managed_spot: bool

    @classmethod
    def of(cls, snapshot: JobSnapshot) -> Contribution:
        record = snapshot.record
        return cls(
            status=snapshot.status,
            billable_seconds=_seconds(record.get("billable_time_in_seconds")),
            training_seconds=_seconds(record.get("training_time_in_seconds")),
            managed_spot=record.get("enable_managed_spot_training") is True,
        )

    def counters(self) -> dict[str, int]:
        spot = self.managed_spot
        return {
            f"count_{self.status}": 1,
            "billable_seconds": self.billable_seconds,
            "training_seconds": self.training_seconds,
            "spot_billable_seconds": self.billable_seconds if spot else 0,
            "spot_training_seconds": self.training_seconds if spot else 0,
        }


def counter_deltas(before: Contribution | None, after: Contribution) -> dict[str, int]:
    """The increments that turn the day's counters from `before` to `after`; zeros left out."""
    deltas = dict(after.counters())
    if before is not None:
        for name, value in before.counters().items():
            deltas[name] = deltas.get(name, 0) - value
    return {name: value for name, value in deltas.items() if value}


def _seconds(value: object) -> int:
    """Whole seconds, or 0 for what cannot be a job's duration: the record keeps the value,
    but a counter shared by every job of the day must never take NaN, infinity or a
    negative or absurd number."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return 0
    return int(value) if math.isfinite(value) and 0 <= value <= _MAX_SECONDS else 0
