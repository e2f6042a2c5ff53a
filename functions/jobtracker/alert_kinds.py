"""Alert kinds: the terminal outcomes a team can be alerted about, and the troubles of
jobs in flight (stuck, interrupted, near a limit).

A leaf that imports only `names`: the functions' configuration, the store's alert claims,
the alerter and the stack's config check read the kinds without loading the alerts
package (which itself uses the store).

Each terminal state has at most one kind, so that "once per (job, kind)" is also "once per
outcome": Failed and Completed by the primary status; a Stopped job by its secondary
status, which says why it stopped. A Stopped job whose secondary status is not final yet
(`Stopping`) has no kind: the snapshot that carries the final one alerts.

The kinds of jobs in flight have no rule here: the watch (jobtracker.watch) finds
`Stuck`, `NearMaxRuntime` and `NearMaxWait`, the ingest alerter `SpotInterrupted`
(jobtracker.spot), each once per episode of the job.
"""

from __future__ import annotations

from enum import Enum
from typing import NamedTuple

from jobtracker.names import COMPLETED, FAILED, STOPPED


class KindRule(NamedTuple):
    status: str
    # Secondary statuses that make this kind; None in the set: the attribute is absent.
    # An empty set: any secondary status.
    secondary_statuses: frozenset[str | None] = frozenset()


class AlertKind(Enum):
    FAILED = "Failed"
    MAX_RUNTIME_EXCEEDED = "MaxRuntimeExceeded"
    STOPPED = "Stopped"
    MAX_WAIT_TIME_EXCEEDED = "MaxWaitTimeExceeded"
    INTERRUPTED = "Interrupted"
    COMPLETED = "Completed"
    # Jobs in flight: once per (job, kind, episode).
    STUCK = "Stuck"
    SPOT_INTERRUPTED = "SpotInterrupted"
    NEAR_MAX_RUNTIME = "NearMaxRuntime"
    NEAR_MAX_WAIT = "NearMaxWait"

    @property
    def rule(self) -> KindRule:
        return _RULES[self]


_RULES = {
    AlertKind.FAILED: KindRule(FAILED),
    AlertKind.COMPLETED: KindRule(COMPLETED),
    AlertKind.MAX_RUNTIME_EXCEEDED: KindRule(STOPPED, frozenset({"MaxRuntimeExceeded"})),
    AlertKind.MAX_WAIT_TIME_EXCEEDED: KindRule(STOPPED, frozenset({"MaxWaitTimeExceeded"})),
    AlertKind.INTERRUPTED: KindRule(STOPPED, frozenset({"Interrupted"})),
    AlertKind.STOPPED: KindRule(STOPPED, frozenset({"Stopped", None})),
}

DEFAULT_KINDS = (
    AlertKind.FAILED,
    AlertKind.MAX_RUNTIME_EXCEEDED,
    AlertKind.STUCK,
    AlertKind.SPOT_INTERRUPTED,
    AlertKind.NEAR_MAX_RUNTIME,
)


def kind_of(status: str, secondary_status: str | None) -> AlertKind | None:
    """The kind of a job in this state, or None if the state cannot alert."""
    for kind, rule in _RULES.items():
        if status == rule.status and (
            not rule.secondary_statuses or secondary_status in rule.secondary_statuses
        ):
            return kind
    return None


def parse_kinds(text: str) -> frozenset[AlertKind]:
    """`"Failed, MaxRuntimeExceeded"` -> the kinds; an unknown name raises ValueError."""
    names = [part.strip() for part in text.split(",") if part.strip()]
    known = {kind.value: kind for kind in AlertKind}
    unknown = [name for name in names if name not in known]
    if unknown:
        raise ValueError(
            f"unknown alert kind {', '.join(map(repr, unknown))}; valid kinds: {', '.join(known)}"
        )
    return frozenset(known[name] for name in names)


# Not a job's kind: the alert of a spend group's month crossing 80 % or 100 % of its budget
# (jobtracker.budgets), once per group, month and threshold. Its `alert_kind` is this.
BUDGET_THRESHOLD = "BudgetThreshold"
