"""SNS and the alert claims failing under the ingest handler: the records come back and
each due alert goes out once, on a queue subscribed to the topic.

Faults are the error responses AWS sends (tests/fixtures/faults.py); the handler is the
ingest module configured with a table, a topic and an inbox (tests/fixtures/ingest_stack).
"""

from __future__ import annotations

import functools
import json
import random
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from jobtracker.alert_kinds import DEFAULT_KINDS, kind_of
from jobtracker.alerts.alerter import LEASE_MS

from synthetic.events import ENDINGS, event_body, lifecycle
from synthetic.expected import TableContents, at_list_prices, expected_jobs, mismatches
from tests.fixtures.aws import TABLE_NAME
from tests.fixtures.delivery import Redelivery, batch_handler
from tests.fixtures.faults import Fault, FaultInjector, injecting_faults
from tests.fixtures.ingest_stack import IngestStack

# PynamoDB's client: one attempt and max_retry_attempts (3) retries.
SDK_ATTEMPTS = 4


@pytest.fixture
def faults(monkeypatch: pytest.MonkeyPatch) -> Iterator[FaultInjector]:
    with injecting_faults(monkeypatch) as injector:
        yield injector


def _stream(seed: int) -> tuple[list[dict[str, Any]], list[str]]:
    """Two jobs of every ending, every snapshot once, some twice, shuffled."""
    details = [
        detail
        for index, ending in enumerate(list(ENDINGS) * 2)
        for detail in lifecycle(f"alerting-{index}", ending)
    ]
    rng = random.Random(seed)
    delivered = details + rng.sample(details, len(details) // 3)
    rng.shuffle(delivered)
    return delivered, [event_body(detail) for detail in delivered]


def _due(details: list[dict[str, Any]]) -> Counter[tuple[str, str]]:
    """One alert per job whose final state is of a default kind."""
    return Counter(
        (name, kind.value)
        for name, snapshot in expected_jobs(details, at_list_prices()).items()
        if (kind := kind_of(snapshot.status, snapshot.secondary_status)) in DEFAULT_KINDS
    )


def _published(stack: IngestStack) -> Counter[tuple[str, str]]:
    return Counter(
        (n["Message"]["training_job_name"], n["Message"]["alert_kind"])
        for n in stack.inbox.receive_all()
    )


def _claim_writes(params: dict[str, Any]) -> bool:
    return '"ALERT#' in json.dumps(params)


def _first_attempts_of_each_claim(attempts: int) -> Any:
    """Matches the first `attempts` requests writing each alert claim, then none."""
    seen: Counter[str] = Counter()

    def matches(params: dict[str, Any]) -> bool:
        if not _claim_writes(params):
            return False
        key = json.dumps(params.get("Key"), sort_keys=True)
        seen[key] += 1
        return seen[key] <= attempts

    return matches


def _heal_after_first_round(injector: FaultInjector) -> Any:
    return lambda number: injector.clear() if number == 0 else None


@pytest.mark.parametrize("code", ["Throttling", "InternalError"])
def test_publish_failing_fails_the_records_and_the_redelivery_alerts_once(
    moto_ingest: IngestStack, faults: FaultInjector, code: str
) -> None:
    # Given SNS refusing every publish during the first delivery
    details, bodies = _stream(seed=1)
    faults.add(Fault("sns", "Publish", code))

    report = Redelivery(
        moto_ingest.module.handler, after_round=_heal_after_first_round(faults)
    ).deliver(bodies)

    # Then the alerting records failed and came back; each due alert went out once
    assert report.first_failures and report.dead == []
    assert _published(moto_ingest) == _due(details)
    assert mismatches(TableContents.of(TABLE_NAME), expected_jobs(details, at_list_prices())) == []


@pytest.mark.parametrize("operation", ["TransactWriteItems", "DeleteItem"])
def test_claim_or_release_failing_still_alerts_once(
    moto_ingest: IngestStack, faults: FaultInjector, operation: str
) -> None:
    # Given DynamoDB refusing the alert claims' writes (the claim itself, or the release
    # after a publish that failed too) during the first delivery
    details, bodies = _stream(seed=2)
    faults.add(
        Fault("dynamodb", operation, "ProvisionedThroughputExceededException", _claim_writes)
    )
    if operation == "DeleteItem":
        faults.add(Fault("sns", "Publish", "InternalError"))

    # When SQS redelivers; a claim whose release failed holds its lease until it runs out,
    # so the redeliveries come after it (as SQS's deployed visibility timeout does)
    first = Redelivery(moto_ingest.module.handler, max_receives=1).deliver(bodies)
    faults.clear()
    failed_bodies = [bodies[int(message[2:])] for message in first.dead]
    second = Redelivery(_after_the_leases(moto_ingest)).deliver(failed_bodies)

    # Then each due alert went out once
    assert first.dead and second.dead == []
    assert _published(moto_ingest) == _due(details)


def test_a_lost_publish_response_never_loses_an_alert(
    moto_ingest: IngestStack, faults: FaultInjector
) -> None:
    # Given SNS publishing but the caller never hearing back, during the first delivery
    details, bodies = _stream(seed=3)
    faults.add(Fault("sns", "Publish", "InternalError", lost_response=True))

    Redelivery(moto_ingest.module.handler, after_round=_heal_after_first_round(faults)).deliver(
        bodies
    )

    # Then every due alert went out, nothing else did (SNS standard topics cannot
    # deduplicate: a publish whose response is lost may go out twice, see docs/operations.md)
    published, due = _published(moto_ingest), _due(details)
    assert set(published) == set(due)


def test_marking_an_alert_sent_failing_does_not_send_it_again_later(
    moto_ingest: IngestStack, faults: FaultInjector
) -> None:
    # Given DynamoDB refusing each "sent" mark (an UpdateItem of the claim) more times
    # than the SDK retries it
    details, bodies = _stream(seed=4)
    faults.add(
        Fault(
            "dynamodb",
            "UpdateItem",
            "ProvisionedThroughputExceededException",
            _first_attempts_of_each_claim(SDK_ATTEMPTS + 2),
        )
    )
    first = Redelivery(moto_ingest.module.handler, max_receives=1).deliver(bodies)
    faults.clear()

    # When the failed records come back, and every event once more (a duplicate from
    # SageMaker, a reconcile run, an archive replay), after the claims' leases ran out
    failed_bodies = [bodies[int(message[2:])] for message in first.dead]
    second = Redelivery(_after_the_leases(moto_ingest)).deliver(failed_bodies + bodies)

    # Then nothing is left and no alert went out twice
    assert second.dead == []
    assert _published(moto_ingest) == _due(details)


def _after_the_leases(stack: IngestStack) -> Any:
    """The stack's ingest handler with its alerter's clock past every claim's lease."""
    later = time.time() + 2 * LEASE_MS / 1000
    alerter = stack.module.PIPELINE.alerter._replace(clock=lambda: later)
    pipeline = stack.module.PIPELINE._replace(alerter=alerter)
    return batch_handler(functools.partial(stack.module.ingest_record, pipeline=pipeline))
