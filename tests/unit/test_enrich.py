"""The Enricher: DescribeTrainingJob on terminal snapshots only, never raising."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from jobtracker.enrich import SageMakerEnricher, newest_of
from jobtracker.record import JobSnapshot, normalise_training_job
from jobtracker.sagemaker import CLIENT_CONFIG, SageMakerUnavailable

from synthetic.events import describe_response as described
from synthetic.events import lifecycle

NAME = "resnet-50-train"


def event_snapshot(ending: str = "Completed", steps: int | None = None) -> dict[str, Any]:
    """The `steps`-th event of a job that ends as `ending` (the last one by default)."""
    snapshots = lifecycle(NAME, ending)
    return snapshots[(steps or len(snapshots)) - 1]


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def client() -> Any:
    return boto3.client("sagemaker", region_name="us-east-1", config=CLIENT_CONFIG)


@pytest.fixture
def stub(client: Any) -> Any:
    with Stubber(client) as stubber:
        yield stubber
        stubber.assert_no_pending_responses()


def enricher_for(client: Any, clock: Clock | None = None) -> SageMakerEnricher:
    return SageMakerEnricher(connect=lambda account, region: client, clock=clock or Clock())


def test_a_terminal_snapshot_is_replaced_by_its_description(client: Any, stub: Any) -> None:
    # Given a Completed event and SageMaker describing the same state
    detail = event_snapshot("Completed")
    stub.add_response(
        "describe_training_job", described(detail), expected_params={"TrainingJobName": NAME}
    )
    # When it is enriched
    result = enricher_for(client).enrich(normalise_training_job(detail))
    # Then the description wins, with what only it carries
    assert not result.enrichment_pending
    assert result.record["billable_time_in_seconds"] == 300
    assert result.record["final_metric_data_list"][0]["metric_name"] == "validation:accuracy"
    assert result.record["model_artifacts"] == {
        "s3_model_artifacts": f"s3://models-123456789012/{NAME}/model.tar.gz"
    }
    assert result.order_key > normalise_training_job(detail).order_key
    # and the event's tags, which DescribeTrainingJob does not return
    assert result.record["tags"] == normalise_training_job(detail).record["tags"]


@pytest.mark.parametrize("steps", [1, 5, 6])
def test_no_call_for_a_snapshot_that_is_not_terminal(steps: int) -> None:
    # Given a snapshot before the end (InProgress or Stopping)
    connected: list[bool] = []
    enricher = SageMakerEnricher(connect=lambda account, region: connected.append(True))
    event = normalise_training_job(event_snapshot("Stopped", steps))
    assert not event.is_terminal
    # When it is enriched, Then it is returned as is and SageMaker is not even connected
    assert enricher.enrich(event) is event
    assert connected == []


def test_a_throttled_describe_stores_the_event_marked_pending(client: Any, stub: Any) -> None:
    # Given SageMaker throttling past the client's retries
    stub.add_client_error("describe_training_job", service_error_code="ThrottlingException")
    event = normalise_training_job(event_snapshot("Failed"))
    # When the Failed event is enriched
    result = enricher_for(client).enrich(event)
    # Then the event's own snapshot comes back, marked for the reconciler
    assert result.enrichment_pending
    assert result.record == event.record
    assert result.order_key == event.order_key


def test_after_a_failure_the_next_events_do_not_wait_on_sagemaker(client: Any, stub: Any) -> None:
    # Given a describe that timed out moments ago
    clock = Clock()
    enricher = enricher_for(client, clock)
    stub.add_client_error("describe_training_job", service_error_code="InternalFailure")
    event = normalise_training_job(event_snapshot("Completed"))
    assert enricher.enrich(event).enrichment_pending
    # When another terminal event comes within the pause, Then no call is made
    clock.now += 30
    assert enricher.enrich(event).enrichment_pending
    # When one comes after it, Then SageMaker is asked again
    clock.now += 31
    stub.add_response("describe_training_job", described(event_snapshot("Completed")))
    assert not enricher.enrich(event).enrichment_pending


@pytest.mark.parametrize("code", ["ValidationException", "AccessDeniedException"])
def test_not_found_or_denied_marks_pending(client: Any, stub: Any, code: str) -> None:
    stub.add_client_error("describe_training_job", service_error_code=code)
    result = enricher_for(client).enrich(normalise_training_job(event_snapshot("Completed")))
    assert result.enrichment_pending


def test_a_description_that_cannot_be_normalised_marks_pending(client: Any, stub: Any) -> None:
    # Given a description whose status is unknown to jobtracker
    detail = event_snapshot("Completed")
    stub.add_response(
        "describe_training_job", {**described(detail), "TrainingJobStatus": "Deleting"}
    )
    result = enricher_for(client).enrich(normalise_training_job(detail))
    assert result.enrichment_pending


def test_a_client_that_cannot_be_built_marks_pending() -> None:
    def broken(account: str, region: str) -> Any:
        raise RuntimeError("no region")

    result = SageMakerEnricher(connect=broken).enrich(
        normalise_training_job(event_snapshot("Completed"))
    )
    assert result.enrichment_pending


def test_a_lagging_description_keeps_the_event_and_the_pending_mark(client: Any, stub: Any) -> None:
    # Given SageMaker still describing the job as Training when its Completed event came
    stub.add_response("describe_training_job", described(event_snapshot("Completed", steps=5)))
    event = normalise_training_job(event_snapshot("Completed"))
    # When enriched, Then the newer event is kept, pending: asking later can complete it
    result = enricher_for(client).enrich(event)
    assert result.record == event.record
    assert result.enrichment_pending


def test_an_older_final_description_keeps_the_event_without_pending() -> None:
    # Given a terminal description whose version is older than the event's
    event = normalise_training_job(event_snapshot("Completed"))
    older = described(event_snapshot("Completed"))
    older["LastModifiedTime"] = datetime.fromtimestamp(
        (event.last_modified_ms - 1000) / 1000, tz=UTC
    )
    description = normalise_training_job(older)
    assert description.is_terminal and description.order_key < event.order_key
    # When the two are weighed, Then the event stands, complete as it will get
    result = newest_of(event, description)
    assert result.record == event.record
    assert not result.enrichment_pending


def test_an_equal_description_wins_by_its_attributes() -> None:
    event = normalise_training_job(event_snapshot("Failed"))
    description: JobSnapshot = normalise_training_job(described(event_snapshot("Failed")))
    assert description.version == event.version
    assert newest_of(event, description) is description


FOREIGN = ("210987654321", "eu-west-1")


def test_a_foreign_job_is_described_with_the_client_of_its_own_account_and_region(
    client: Any, stub: Any
) -> None:
    # Given a Completed event from another account and region
    detail = event_snapshot("Completed")
    arn = f"arn:aws:sagemaker:{FOREIGN[1]}:{FOREIGN[0]}:training-job/{NAME}"
    stub.add_response("describe_training_job", {**described(detail), "TrainingJobArn": arn})
    asked: list[tuple[str, str]] = []

    def connect(account: str, region: str) -> Any:
        asked.append((account, region))
        return client

    # When it is enriched
    result = SageMakerEnricher(connect=connect).enrich(normalise_training_job(detail, FOREIGN))
    # Then the client asked for is that account's, in that region, and the description won
    assert asked == [FOREIGN]
    assert not result.enrichment_pending
    assert (result.account, result.region) == FOREIGN
    assert result.record["billable_time_in_seconds"] == 300


def test_a_description_of_the_same_name_in_another_account_is_never_merged(
    client: Any, stub: Any
) -> None:
    # Given a foreign job's event, and a client that answers for the home account's job
    detail = event_snapshot("Completed")
    stub.add_response("describe_training_job", described(detail))
    event = normalise_training_job(detail, FOREIGN)
    # When it is enriched
    result = enricher_for(client).enrich(event)
    # Then the event's own snapshot is kept, marked pending
    assert result.enrichment_pending
    assert result.record == event.record


def test_a_failure_in_one_account_does_not_pause_the_others(client: Any, stub: Any) -> None:
    # Given an account SageMaker cannot be asked in
    def connect(account: str, region: str) -> Any:
        if account == FOREIGN[0]:
            raise SageMakerUnavailable("AccessDenied")
        return client

    enricher = SageMakerEnricher(connect=connect, clock=Clock())
    assert enricher.enrich(
        normalise_training_job(event_snapshot("Completed"), FOREIGN)
    ).enrichment_pending
    # When the tracker's own job ends moments later, Then it is still described
    stub.add_response("describe_training_job", described(event_snapshot("Completed")))
    assert not enricher.enrich(
        normalise_training_job(event_snapshot("Completed"))
    ).enrichment_pending
