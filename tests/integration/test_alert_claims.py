"""The alert claim items under moto: who may publish, and when."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from jobtracker.alert_kinds import AlertKind
from jobtracker.config import TableConfig
from jobtracker.record import JobIdentity, normalise_training_job
from jobtracker.store.alert_claims import AlertClaimRepository, ClaimOutcome
from jobtracker.store.repository import JobRepository
from moto import mock_aws
from pynamodb.connection.base import Connection
from pynamodb.exceptions import CancellationReason, TransactWriteError, VerboseClientError

from synthetic.events import ACCOUNT, BASE_MS, lifecycle
from tests.fixtures.aws import REGION, TABLE_NAME, clients, create_table
from tests.fixtures.table import stored_claim

LEASE = 60_000
NAME = JobIdentity(ACCOUNT, REGION, "job-claims")
# The same name in another account: another job, with claims of its own.
FOREIGN = JobIdentity("210987654321", REGION, "job-claims")


@pytest.fixture
def claims() -> Iterator[AlertClaimRepository]:
    with mock_aws():
        dynamodb, _, _ = clients()
        create_table(dynamodb)
        config = TableConfig(TABLE_NAME, REGION)
        jobs = JobRepository(config)
        jobs.store_snapshot(normalise_training_job(lifecycle(NAME.name, "Failed")[-1]))
        yield AlertClaimRepository(config, jobs.models)


def test_only_the_stored_outcome_can_be_claimed(claims: AlertClaimRepository):
    refused = claims.claim(NAME, AlertKind.MAX_RUNTIME_EXCEEDED, "k", BASE_MS, LEASE)
    assert refused.outcome is ClaimOutcome.NOT_STORED_OUTCOME
    assert stored_claim(claims.models, NAME, AlertKind.MAX_RUNTIME_EXCEEDED) is None
    unknown = JobIdentity(ACCOUNT, REGION, "job-unknown")
    assert claims.claim(unknown, AlertKind.FAILED, "k", BASE_MS, LEASE).outcome is (
        ClaimOutcome.NOT_STORED_OUTCOME
    )


def test_the_same_name_in_another_account_is_claimed_apart(claims: AlertClaimRepository):
    # Given the home job's Failed alert claimed and sent
    home = claims.claim(NAME, AlertKind.FAILED, "k", BASE_MS, LEASE)
    assert claims.mark_sent(home, "message-1", BASE_MS + 1)
    # When the same name in another account is claimed before that job is stored
    early = claims.claim(FOREIGN, AlertKind.FAILED, "k", BASE_MS + 2, LEASE)
    # Then the home job's stored outcome does not count for it
    assert early.outcome is ClaimOutcome.NOT_STORED_OUTCOME
    # And once that account's job is stored Failed, its own claim is free
    detail = lifecycle(NAME.name, "Failed")[-1]
    jobs = JobRepository(TableConfig(TABLE_NAME, REGION), claims.models)
    jobs.store_snapshot(normalise_training_job(detail, (FOREIGN.account, FOREIGN.region)))
    foreign = claims.claim(FOREIGN, AlertKind.FAILED, "k", BASE_MS + 3, LEASE)
    assert foreign.outcome is ClaimOutcome.CLAIMED
    assert stored_claim(claims.models, NAME, AlertKind.FAILED)["message_id"] == "message-1"  # type: ignore[index]


def test_a_claim_is_held_then_sent_for_good(claims: AlertClaimRepository):
    first = claims.claim(NAME, AlertKind.FAILED, "k", BASE_MS, LEASE)
    assert first.outcome is ClaimOutcome.CLAIMED
    assert claims.claim(NAME, AlertKind.FAILED, "k", BASE_MS + 1, LEASE).outcome is (
        ClaimOutcome.IN_FLIGHT
    )
    assert claims.mark_sent(first, "message-1", BASE_MS + 2) is True
    stored = stored_claim(claims.models, NAME, AlertKind.FAILED)
    assert stored is not None
    assert (stored["state"], stored["message_id"]) == ("sent", "message-1")
    # Sent is for good: not even an expired lease frees it.
    later = claims.claim(NAME, AlertKind.FAILED, "k", BASE_MS + 10 * LEASE, LEASE)
    assert later.outcome is ClaimOutcome.ALREADY_SENT
    assert claims.release(first) is False


def test_a_released_claim_can_be_taken_again(claims: AlertClaimRepository):
    first = claims.claim(NAME, AlertKind.FAILED, "k", BASE_MS, LEASE)
    assert claims.release(first) is True
    assert stored_claim(claims.models, NAME, AlertKind.FAILED) is None
    assert claims.claim(NAME, AlertKind.FAILED, "k", BASE_MS + 1, LEASE).outcome is (
        ClaimOutcome.CLAIMED
    )


def test_an_expired_lease_is_taken_over_and_the_old_holder_is_locked_out(
    claims: AlertClaimRepository,
):
    old = claims.claim(NAME, AlertKind.FAILED, "k", BASE_MS, LEASE)
    new = claims.claim(NAME, AlertKind.FAILED, "k", BASE_MS + LEASE + 1, LEASE)
    assert new.outcome is ClaimOutcome.CLAIMED
    assert claims.mark_sent(old, "late", BASE_MS + LEASE + 2) is False
    assert claims.release(old) is False
    assert claims.mark_sent(new, "message-2", BASE_MS + LEASE + 3) is True


def conflicting_transactions(monkeypatch: pytest.MonkeyPatch, times: int) -> list[str]:
    """Make the next `times` TransactWriteItems fail as DynamoDB does on a conflict
    (as PynamoDB's connection reports it)."""
    calls: list[str] = []
    original = Connection._make_api_call

    def conflicting(self: Connection, operation_name: str, kwargs: dict[str, Any]) -> Any:
        if operation_name == "TransactWriteItems" and len(calls) < times:
            calls.append(operation_name)
            raise VerboseClientError(
                {"Error": {"Code": "TransactionCanceledException", "Message": "conflict"}},
                operation_name,
                cancellation_reasons=[CancellationReason(code="TransactionConflict"), None],
            )
        return original(self, operation_name, kwargs)

    monkeypatch.setattr(Connection, "_make_api_call", conflicting)
    return calls


def test_a_transaction_conflict_is_tried_again(
    claims: AlertClaimRepository, monkeypatch: pytest.MonkeyPatch
):
    conflicts = conflicting_transactions(monkeypatch, times=2)
    assert claims.claim(NAME, AlertKind.FAILED, "k", BASE_MS, LEASE).outcome is ClaimOutcome.CLAIMED
    assert len(conflicts) == 2


def test_a_lasting_conflict_fails_the_record(
    claims: AlertClaimRepository, monkeypatch: pytest.MonkeyPatch
):
    conflicting_transactions(monkeypatch, times=10)
    with pytest.raises(TransactWriteError):
        claims.claim(NAME, AlertKind.FAILED, "k", BASE_MS, LEASE)
    assert stored_claim(claims.models, NAME, AlertKind.FAILED) is None
