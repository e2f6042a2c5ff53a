"""Budget alert claims: the items that make each (group, month, threshold) alert go out once.

The same discipline as a job's alert claims (store/alert_claims.py): a conditional put
takes the claim as `pending` with a lease if there is none or only an expired pending
one; its holder publishes, then marks it `sent`, or releases it when publishing failed.
No job to check the claim against: a month's spend only grows within the month, so a
threshold crossed stays crossed.

PK=BUDGET#<group> (e.g. `BUDGET#tag:team=vision`), SK=ALERT#BudgetThreshold#<yyyy-mm>#<percent>.
"""

from __future__ import annotations

import uuid
from enum import Enum
from typing import Any, NamedTuple

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DeleteError, PutError, UpdateError
from pynamodb.models import Model

from jobtracker.alert_kinds import BUDGET_THRESHOLD
from jobtracker.config import TableConfig
from jobtracker.store.models import table_meta
from jobtracker.store.retry import doubling_jitter, with_retries
from jobtracker.timestamps import iso_from_ms

BUDGET_PREFIX = "BUDGET#"
BUDGET_ALERT_PREFIX = f"ALERT#{BUDGET_THRESHOLD}#"
PENDING = "pending"
SENT = "sent"
_MARK_ATTEMPTS = 5
_MARK_BACKOFF = doubling_jitter(0.05, 0.1)


class BudgetClaimOutcome(Enum):
    CLAIMED = "claimed"
    ALREADY_SENT = "already sent"
    IN_FLIGHT = "in flight"


class BudgetClaim(NamedTuple):
    outcome: BudgetClaimOutcome
    group: str
    month: str
    threshold: int
    token: str


def budget_pk(group: str) -> str:
    return f"{BUDGET_PREFIX}{group}"


def budget_alert_sk(month: str, threshold: int) -> str:
    return f"{BUDGET_ALERT_PREFIX}{month}#{threshold}"


def _budget_claim_model(config: TableConfig) -> type[Any]:
    class BudgetClaimItem(Model):
        Meta = table_meta(config.table_name, config.region, config.endpoint_url)  # type: ignore[assignment]
        pk = UnicodeAttribute(hash_key=True)
        sk = UnicodeAttribute(range_key=True)
        state = UnicodeAttribute()
        claim_token = UnicodeAttribute()
        lease_until_ms = NumberAttribute()
        claimed_at = UnicodeAttribute()
        sent_at = UnicodeAttribute(null=True)
        message_id = UnicodeAttribute(null=True)

    return BudgetClaimItem


class BudgetClaimRepository:
    def __init__(self, config: TableConfig) -> None:
        self._item = _budget_claim_model(config)

    def claim(
        self, group: str, month: str, threshold: int, now_ms: int, lease_ms: int
    ) -> BudgetClaim:
        model = self._item
        token = uuid.uuid4().hex
        item = model(
            budget_pk(group),
            budget_alert_sk(month, threshold),
            state=PENDING,
            claim_token=token,
            lease_until_ms=now_ms + lease_ms,
            claimed_at=iso_from_ms(now_ms),
        )
        free = model.pk.does_not_exist() | (
            (model.state == PENDING) & (model.lease_until_ms < now_ms)
        )
        try:
            item.save(condition=free)
        except PutError as error:
            if error.cause_response_code != "ConditionalCheckFailedException":
                raise
            held = model.get(item.pk, item.sk, consistent_read=True)
            outcome = (
                BudgetClaimOutcome.IN_FLIGHT
                if held.state == PENDING
                else BudgetClaimOutcome.ALREADY_SENT
            )
            return BudgetClaim(outcome, group, month, threshold, token)
        return BudgetClaim(BudgetClaimOutcome.CLAIMED, group, month, threshold, token)

    def mark_sent(self, claim: BudgetClaim, message_id: str, now_ms: int) -> bool:
        """Make the claim permanent, tried again beyond the SDK's retries (a claim left
        pending would be taken over after its lease and published twice)."""
        model = self._item
        item = model(budget_pk(claim.group), budget_alert_sk(claim.month, claim.threshold))
        try:
            with_retries(
                lambda: item.update(
                    actions=[
                        model.state.set(SENT),
                        model.sent_at.set(iso_from_ms(now_ms)),
                        model.message_id.set(message_id),
                    ],
                    condition=model.claim_token == claim.token,
                ),
                attempts=_MARK_ATTEMPTS,
                failure=UpdateError,
                retryable=lambda error: (
                    error.cause_response_code != "ConditionalCheckFailedException"
                ),
                backoff=_MARK_BACKOFF,
            )
        except UpdateError:
            return False
        return True

    def release(self, claim: BudgetClaim) -> bool:
        model = self._item
        item = model(budget_pk(claim.group), budget_alert_sk(claim.month, claim.threshold))
        try:
            item.delete(condition=(model.claim_token == claim.token) & (model.state == PENDING))
        except DeleteError:
            return False
        return True

    def stored(self, group: str, month: str, threshold: int) -> dict[str, Any] | None:
        """The claim as stored (what an operator would see), or None."""
        model = self._item
        for item in model.query(
            budget_pk(group), model.sk == budget_alert_sk(month, threshold), consistent_read=True
        ):
            return dict(item.attribute_values)
        return None
