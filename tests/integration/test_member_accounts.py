"""Member accounts under moto: enrichment and the reconciler read each job in its own
account, through that account's member role, and one member's failure is its own.

moto keeps a backend per account; its STS AssumeRole registers the credentials it issues
with the role's account, so a client made from them reads that account's SageMaker.
moto does not evaluate trust policies (the member stack's tests check the templates).
AccessDenied and throttling of one member are a fake `connect` for that account only.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from jobtracker.enrich import SageMakerEnricher
from jobtracker.names import MEMBER_ACCESS_ASSUME_ROLE
from jobtracker.observability import metrics
from jobtracker.pipeline import Pipeline
from jobtracker.reconcile import Reconciler, ReconcileSettings
from jobtracker.reconcile_walk import walk
from jobtracker.record import JobIdentity, Place
from jobtracker.sagemaker import SageMakerClients, SageMakerThrottled, SageMakerUnavailable
from jobtracker.sagemaker_clients import job_clients
from jobtracker.store.reads import JobReads
from jobtracker.store.reconcile_state import ReconcileStateRepository
from jobtracker.store.repository import JobRepository

from synthetic.events import HOME, event_body
from synthetic.lambda_events import LambdaContext, sqs_event
from tests.fixtures.sagemaker import create_plain_job, event_detail_of

REGION = HOME.region
MEMBER = Place("111111111111", REGION)
DENIED = Place("222222222222", REGION)
THROTTLED = Place("333333333333", REGION)
ROLE = "jobtracker-reader"
FOREVER = 10**9


def sagemaker_of(place: Place) -> Any:
    """A SageMaker client of the place's account, as its own training team would have."""
    if place.account == HOME.account:
        return boto3.client("sagemaker", region_name=place.region)
    issued = boto3.client("sts", region_name=REGION).assume_role(
        RoleArn=f"arn:aws:iam::{place.account}:role/training-team", RoleSessionName="team"
    )["Credentials"]
    return boto3.client(
        "sagemaker",
        region_name=place.region,
        aws_access_key_id=issued["AccessKeyId"],
        aws_secret_access_key=issued["SecretAccessKey"],
        aws_session_token=issued["SessionToken"],
    )


def create_job(place: Place, name: str) -> dict[str, Any]:
    """A Completed job (moto ends them at once) whose artifacts name its account."""
    return create_plain_job(sagemaker_of(place), name, place.account)


def event_of(place: Place, described: dict[str, Any]) -> SQSRecord:
    """The Completed event the member forwarded: its detail, from its account and region."""
    detail = event_detail_of(described)
    detail.pop("ModelArtifacts", None)
    return SQSRecord(sqs_event([event_body(detail, place=place)])["Records"][0])


def failing_for(
    clients: SageMakerClients, failures: dict[str, Exception], calls: list[str]
) -> SageMakerClients:
    """The real clients, but one member's role denied and another's throttled."""

    def connect(account: str, region: str) -> Any:
        calls.append(account)
        if account in failures:
            raise failures[account]
        return clients(account, region)

    return connect


def ingest_module() -> ModuleType:
    return importlib.import_module("ingest.handler")


def artifacts(reads: JobReads, place: Place, name: str) -> str | None:
    record = reads.get_job(JobIdentity(place.account, place.region, name))
    assert record is not None
    value = record.get("model_artifacts", {}).get("s3_model_artifacts")
    return None if value is None else str(value)


@pytest.fixture
def clients(aws: None) -> SageMakerClients:
    return job_clients(HOME, MEMBER_ACCESS_ASSUME_ROLE, ROLE)


def test_enrichment_describes_each_job_in_its_own_account(
    repository: JobRepository, reads: JobReads, clients: SageMakerClients
) -> None:
    # Given the same job name in the tracker's account and in a member's, both Completed
    home_job, member_job = create_job(HOME, "same-name"), create_job(MEMBER, "same-name")
    pipeline = Pipeline(repository=repository, enricher=SageMakerEnricher(connect=clients))
    # When both Completed events are ingested
    for place, described in ((HOME, home_job), (MEMBER, member_job)):
        result = ingest_module().ingest_record(event_of(place, described), pipeline)
        assert not result.snapshot.enrichment_pending
    # Then two records, each completed from its own account's description (the model
    # artifacts, which only DescribeTrainingJob has, are under each account's bucket)
    assert artifacts(reads, HOME, "same-name") == (
        "s3://models-123456789012/same-name/output/model.tar.gz"
    )
    assert artifacts(reads, MEMBER, "same-name") == (
        "s3://models-111111111111/same-name/output/model.tar.gz"
    )


@pytest.mark.parametrize(
    "failure",
    [
        SageMakerUnavailable("AssumeRole arn:aws:iam::222222222222:role/x: AccessDenied"),
        SageMakerThrottled("AssumeRole arn:aws:iam::222222222222:role/x: Throttling"),
    ],
)
def test_a_member_that_cannot_be_read_gets_its_jobs_stored_pending_and_counted(
    repository: JobRepository, reads: JobReads, clients: SageMakerClients, failure: Exception
) -> None:
    # Given a member whose role cannot be assumed, and a member that works
    denied_job, member_job = create_job(DENIED, "train-1"), create_job(MEMBER, "train-1")
    calls: list[str] = []
    connect = failing_for(clients, {DENIED.account: failure}, calls)
    pipeline = Pipeline(repository=repository, enricher=SageMakerEnricher(connect=connect))
    metrics.clear_metrics()
    # When the failing member's event comes first, then the other's
    denied = ingest_module().ingest_record(event_of(DENIED, denied_job), pipeline)
    assert "MemberFailures" in metrics.metric_set
    metrics.clear_metrics()
    working = ingest_module().ingest_record(event_of(MEMBER, member_job), pipeline)
    # Then the failing member's job is stored from its event, pending, and counted...
    assert denied.snapshot.enrichment_pending
    assert artifacts(reads, DENIED, "train-1") is None
    assert [p.job for p in reads.pending_enrichments(DENIED, 10)] == [
        JobIdentity(DENIED.account, REGION, "train-1")
    ]
    # ...and the pause after its failure did not keep the other member from being read
    assert not working.snapshot.enrichment_pending
    assert "MemberFailures" not in metrics.metric_set
    assert artifacts(reads, MEMBER, "train-1") is not None
    assert calls == [DENIED.account, MEMBER.account]
    metrics.clear_metrics()


def reconcilers(
    repository: JobRepository, connect: SageMakerClients, places: list[Place]
) -> list[tuple[Place, Reconciler]]:
    pipeline = Pipeline(repository=repository)
    settings = ReconcileSettings()
    return [
        (place, Reconciler(connect=connect, pipeline=pipeline, place=place, settings=settings))
        for place in places
    ]


def test_the_reconciler_walks_every_member_and_a_failing_one_blocks_no_other(
    repository: JobRepository,
    reads: JobReads,
    progress: ReconcileStateRepository,
    clients: SageMakerClients,
) -> None:
    # Given jobs only SageMaker knows, in home, a working member, a denied and a
    # throttled one (the same name in all four)
    places = [HOME, MEMBER, DENIED, THROTTLED]
    for place in places:
        create_job(place, "lost-events")
    create_job(MEMBER, "member-only")
    failures: dict[str, Exception] = {
        DENIED.account: SageMakerUnavailable("AssumeRole: AccessDenied"),
        THROTTLED.account: SageMakerThrottled("AssumeRole: Throttling"),
    }
    connect = failing_for(clients, failures, [])
    # When one reconcile run walks them all
    walked = walk(HOME, reconcilers(repository, connect, places), lambda: FOREVER)
    # Then home and the working member are reconciled, with their own watermarks
    for place in (HOME, MEMBER):
        assert artifacts(reads, place, "lost-events") == (
            f"s3://models-{place.account}/lost-events/output/model.tar.gz"
        )
        assert walked.places[place].finished
        assert progress.load(place).watermark_ms is not None
    assert artifacts(reads, MEMBER, "member-only") is not None
    # And the two failing members are counted, their jobs not stored, no watermark moved
    assert sorted(p.account for p in walked.failed_members) == [
        DENIED.account,
        THROTTLED.account,
    ]
    assert walked.as_dict()["member_failures"] == 2
    for place in (DENIED, THROTTLED):
        assert reads.get_job(JobIdentity(place.account, REGION, "lost-events")) is None
        assert progress.load(place).watermark_ms is None
    # When the members' access works again, the next run reconciles them too
    again = walk(HOME, reconcilers(repository, clients, places), lambda: FOREVER)
    assert again.failed_members == []
    for place in (DENIED, THROTTLED):
        assert artifacts(reads, place, "lost-events") == (
            f"s3://models-{place.account}/lost-events/output/model.tar.gz"
        )


def test_a_members_pending_job_is_healed_by_that_members_walk(
    repository: JobRepository, reads: JobReads, clients: SageMakerClients
) -> None:
    # Given a member's job stored pending while its role was denied
    described = create_job(DENIED, "healed-later")
    connect = failing_for(clients, {DENIED.account: SageMakerUnavailable("AccessDenied")}, [])
    pipeline = Pipeline(repository=repository, enricher=SageMakerEnricher(connect=connect))
    assert (
        ingest_module()
        .ingest_record(event_of(DENIED, described), pipeline)
        .snapshot.enrichment_pending
    )
    metrics.clear_metrics()
    # When the reconciler walks home and that member with access restored
    walked = walk(HOME, reconcilers(repository, clients, [HOME, DENIED]), lambda: FOREVER)
    # Then the job is healed in the member's walk, described in the member's account
    assert walked.places[DENIED].healed == 1
    assert walked.places[HOME].healed == 0
    assert reads.pending_enrichments(DENIED, 10) == []
    assert artifacts(reads, DENIED, "healed-later") == (
        "s3://models-222222222222/healed-later/output/model.tar.gz"
    )


def test_the_reconcile_handler_counts_the_members_it_could_not_walk(
    repository: JobRepository, clients: SageMakerClients
) -> None:
    # Given home, a working member and a denied one
    for place in (HOME, MEMBER, DENIED):
        create_job(place, "counted")
    connect = failing_for(clients, {DENIED.account: SageMakerUnavailable("AccessDenied")}, [])
    handler = importlib.import_module("reconcile.handler")
    metrics.clear_metrics()
    # When the handler's reconcile runs over them
    walked = handler.reconcile(
        LambdaContext(remaining_ms=FOREVER),
        reconcilers(repository, connect, [HOME, MEMBER, DENIED]),
    )
    # Then one member failure is emitted, and the other two places were reconciled
    assert metrics.metric_set["MemberFailures"]["Value"] == [1.0]
    assert metrics.metric_set["JobsReconciled"]["Value"] == [2.0]
    assert walked.as_dict()["places"] == {
        "123456789012/us-east-1": "done",
        "111111111111/us-east-1": "done",
        "222222222222/us-east-1": "SageMaker unavailable",
    }
    metrics.clear_metrics()
