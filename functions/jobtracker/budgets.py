"""Budgets: USD per calendar month (UTC) for a spend group, and their alerts at 80 % and
100 %, each exactly once per group, month and threshold (docs/cost.md, "Budgets").

A budget names one group of a /stats dimension: `tag:team=vision`, `account=210987654321`,
`instance_type=ml.p4d.24xlarge`. Its month to date is the cost of the jobs created in the
month (the spend groups' day counters, by creation day, as /stats counts them): one
Query per budgeted dimension per check. The check runs on a schedule, not per event, so
ingest's requests per event do not grow with budgets.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple, Protocol, cast

from jobtracker.aggregates import split_group
from jobtracker.alert_kinds import BUDGET_THRESHOLD
from jobtracker.cost import MICROS_PER_USD
from jobtracker.store.budget_claims import BudgetClaim, BudgetClaimOutcome

THRESHOLDS = (80, 100)
# A publish is one request with short timeouts: a holder is never overtaken within this.
LEASE_MS = 60_000
# Protocols that receive the JSON body of a MessageStructure=json publish (as job alerts).
_MACHINE_PROTOCOLS = ("sqs", "lambda", "http", "https")


class BudgetError(ValueError):
    pass


class BudgetPublishFailed(RuntimeError):
    """The budget alert could not be published; its claim was released for the next check."""


class Budget(NamedTuple):
    group: str  # "<dimension>=<value>"
    usd_per_month: float

    @property
    def dimension(self) -> str:
        return split_group(self.group)[0]


def parse_budgets(raw: str | Mapping[str, Any], dimensions: Iterable[str]) -> tuple[Budget, ...]:
    """`{"tag:team=vision": 5000, ...}` (JSON text or a mapping) -> the budgets.

    Each key must be a group of a dimension /stats groups by (`dimensions`: the fixed
    ones and the deploy's cost tags), each amount a positive number of USD.
    """
    document = json.loads(raw) if isinstance(raw, str) else raw
    if not isinstance(document, Mapping):
        raise BudgetError("budgets: expected an object of group -> USD per month")
    known = tuple(dimensions)
    budgets = []
    for group, amount in document.items():
        dimension, value = split_group(str(group))
        if dimension not in known or not value:
            raise BudgetError(
                f"budgets: {group!r} is not <dimension>=<value> of one of {', '.join(known)}"
            )
        if isinstance(amount, bool) or not isinstance(amount, (int, float)) or amount <= 0:
            raise BudgetError(f"budgets: {group!r} must be a positive number of USD")
        budgets.append(Budget(str(group), float(amount)))
    return tuple(sorted(budgets, key=lambda budget: budget.group))


class Crossing(NamedTuple):
    budget: Budget
    month: str  # yyyy-mm
    threshold: int  # percent
    spent_micros: int

    @property
    def spent_usd(self) -> float:
        return self.spent_micros / MICROS_PER_USD

    def message(self) -> BudgetMessage:
        spent, limit = self.spent_usd, self.budget.usd_per_month
        dimension, value = split_group(self.budget.group)
        body = {
            "alert_kind": BUDGET_THRESHOLD,
            "group": self.budget.group,
            "dimension": dimension,
            "value": value,
            "month": self.month,
            "threshold_percent": self.threshold,
            "budget_usd": limit,
            "month_to_date_usd": round(spent, 2),
            "percent_used": round(100 * spent / limit, 1),
        }
        subject = f"jobtracker: {self.budget.group} at {self.threshold}% of its {self.month} budget"
        text = (
            f"{self.budget.group} has spent ${spent:,.2f} on training jobs created in "
            f"{self.month} (UTC): {body['percent_used']}% of its ${limit:,.2f} budget, past "
            f"the {self.threshold}% threshold.\n\nList prices of the instances, warm pools "
            "included; storage and data transfer not (see docs/cost.md)."
        )
        return BudgetMessage(subject[:99], text, body)


class BudgetMessage(NamedTuple):
    subject: str
    text: str
    body: dict[str, Any]

    def sns_message(self) -> str:
        machine = json.dumps(self.body, separators=(",", ":"))
        document = {"default": self.text, **dict.fromkeys(_MACHINE_PROTOCOLS, machine)}
        return json.dumps(document, separators=(",", ":"))

    def sns_attributes(self) -> dict[str, dict[str, str]]:
        return {
            "alert_kind": {"DataType": "String", "StringValue": BUDGET_THRESHOLD},
            "group": {"DataType": "String", "StringValue": self.body["group"][:256]},
        }


def crossings(
    budgets: Iterable[Budget], spent: Mapping[str, int], month: str
) -> Iterator[Crossing]:
    """Every threshold each budget's month to date has reached, lowest first."""
    for budget in budgets:
        micros = spent.get(budget.group, 0)
        for threshold in THRESHOLDS:
            if micros * 100 >= threshold * budget.usd_per_month * MICROS_PER_USD:
                yield Crossing(budget, month, threshold, micros)


class GroupStats(Protocol):
    def iter_group_stats(
        self, dimension: str, first_day: str, last_day: str
    ) -> Iterator[dict[str, Any]]: ...


def month_to_date(reads: GroupStats, budgets: Iterable[Budget], today: str) -> dict[str, int]:
    """Each budgeted group's cost (micro-dollars) of the jobs created this month so far."""
    wanted = {budget.group for budget in budgets}
    spent: dict[str, int] = {}
    for dimension in sorted({split_group(group)[0] for group in wanted}):
        for item in reads.iter_group_stats(dimension, f"{today[:7]}-01", today):
            group = f"{dimension}={item['group']}" if item["group"] is not None else dimension
            if group in wanted:
                spent[group] = spent.get(group, 0) + int(item.get("cost_micros", 0))
    return spent


class BudgetClaims(Protocol):
    def claim(
        self, group: str, month: str, threshold: int, now_ms: int, lease_ms: int
    ) -> BudgetClaim: ...

    def mark_sent(self, claim: BudgetClaim, message_id: str, now_ms: int) -> bool: ...

    def release(self, claim: BudgetClaim) -> bool: ...


class BudgetPublisher(Protocol):
    def publish(self, message: BudgetMessage) -> str: ...


@dataclass
class BudgetReport:
    checked: int = 0
    sent: list[str] = field(default_factory=list)
    in_flight: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "budgets_checked": self.checked,
            "budget_alerts": self.sent,
            "budget_alerts_in_flight": self.in_flight,
            "budget_alert_failures": self.failed,
        }


class BudgetWatch(NamedTuple):
    budgets: tuple[Budget, ...]
    reads: GroupStats
    claims: BudgetClaims
    publisher: BudgetPublisher
    clock: Callable[[], float] = time.time

    def check(self) -> BudgetReport:
        """Alert each threshold crossed this month that has not alerted yet.

        A publish that fails releases its claim, and the next check publishes it; one in
        flight elsewhere is left to its holder.
        """
        report = BudgetReport(checked=len(self.budgets))
        if not self.budgets:
            return report
        now_ms = int(self.clock() * 1000)
        today = time.strftime("%Y-%m-%d", time.gmtime(now_ms / 1000))
        spent = month_to_date(self.reads, self.budgets, today)
        for crossing in crossings(self.budgets, spent, today[:7]):
            name = f"{crossing.budget.group}@{crossing.threshold}%"
            claim = self.claims.claim(
                crossing.budget.group, crossing.month, crossing.threshold, now_ms, LEASE_MS
            )
            if claim.outcome is BudgetClaimOutcome.IN_FLIGHT:
                report.in_flight.append(name)
            if claim.outcome is not BudgetClaimOutcome.CLAIMED:
                continue
            try:
                message_id = self.publisher.publish(crossing.message())
            except BudgetPublishFailed:
                self.claims.release(claim)
                report.failed.append(name)
                continue
            self.claims.mark_sent(claim, message_id, int(self.clock() * 1000))
            report.sent.append(name)
        return report


class SnsBudgetPublisher:
    """The alert topic's publisher, for budget alerts: the same publish as a job's."""

    def __init__(self, topic_arn: str, client: Any) -> None:
        from jobtracker.alerts.sns import SnsPublisher

        self._publisher = SnsPublisher(topic_arn, client)

    def publish(self, message: BudgetMessage) -> str:
        from jobtracker.alerts.alerter import AlertPublishFailed

        try:
            # Duck-typed: a BudgetMessage has the subject, message and attributes an
            # AlertMessage gives the publish.
            return self._publisher.publish(cast(Any, message))
        except AlertPublishFailed as error:
            raise BudgetPublishFailed(str(error)) from error
