"""The reconciler's walk over every account and region it tracks, each on its own.

Each place (the tracker's own account and region, then every configured member account
and region) has its own reconciler run: its own watermark, window, retries and pending
enrichments, its own SageMaker client (a member's through its member role). A place
whose SageMaker fails (denied, throttled, unreachable) stops only its own run, which
saves its progress as any stopped run does; the walk goes on with the next place and the
next run retries it. Only the function's deadline ends the walk, and the places most
behind (the oldest watermark, none at all first) go first, so a deadline cannot keep
starving the same place.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from jobtracker.reconcile import ReconcileReport
from jobtracker.record import Place

DEADLINE = "deadline"
NOT_REACHED = "not reached: deadline"
# What a run that stopped on its SageMaker says (reconcile._reason): the place's own
# failure, retried next run; anything else (deadline, a store that failed, a concurrent
# run) is not the member's doing.
SAGEMAKER_FAILURES = frozenset({"throttled", "SageMaker unavailable"})


class PlaceReconciler(Protocol):
    """One place's reconciler (jobtracker.reconcile.Reconciler for that place)."""

    def run(self, remaining_ms: Callable[[], int]) -> ReconcileReport: ...

    def saved_watermark_ms(self) -> int | None: ...


@dataclass
class WalkReport:
    """Every place's report, and the totals (the shape of one place's report)."""

    home: Place
    places: dict[Place, ReconcileReport] = field(default_factory=dict)

    @property
    def total(self) -> ReconcileReport:
        total = ReconcileReport(finished=bool(self.places))
        stopped = []
        for place, report in self.places.items():
            for name in _COUNTS:
                setattr(total, name, getattr(total, name) + getattr(report, name))
            total.finished = total.finished and report.finished
            if report.stopped:
                stopped.append(f"{label(place)}: {report.stopped}")
        total.stopped = "; ".join(stopped) or None
        total.watermark = self.places[self.home].watermark if self.home in self.places else None
        return total

    @property
    def failed_members(self) -> list[Place]:
        """Members whose SageMaker could not be read this run (their jobs wait)."""
        return [
            place
            for place, report in self.places.items()
            if place != self.home and report.stopped in SAGEMAKER_FAILURES
        ]

    def as_dict(self) -> dict[str, Any]:
        return {
            **self.total.as_dict(),
            "places": {
                label(place): report.stopped or "done" for place, report in self.places.items()
            },
            "member_failures": len(self.failed_members),
        }


_COUNTS = tuple(f.name for f in dataclasses.fields(ReconcileReport) if f.type in ("int", int))


def walk(
    home: Place,
    reconcilers: Sequence[tuple[Place, PlaceReconciler]],
    remaining_ms: Callable[[], int],
) -> WalkReport:
    """Run each place's reconciler, the most behind first, until done or the deadline."""
    report = WalkReport(home=home)
    ordered = sorted(reconcilers, key=lambda item: _behind(item[1]))
    deadline = False
    for place, reconciler in ordered:
        if deadline:
            report.places[place] = ReconcileReport(stopped=NOT_REACHED)
            continue
        place_report = reconciler.run(remaining_ms)
        report.places[place] = place_report
        deadline = place_report.stopped == DEADLINE
    return report


def label(place: Place) -> str:
    return f"{place.account}/{place.region}"


def _behind(reconciler: PlaceReconciler) -> int:
    watermark = reconciler.saved_watermark_ms()
    return -1 if watermark is None else watermark


def places_to_walk(home: Place, members: Sequence[Place]) -> list[Place]:
    """Home first, then each member once (a member equal to home is home)."""
    places = [home]
    for place in members:
        if place not in places:
            places.append(place)
    return places
