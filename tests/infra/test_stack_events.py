"""Events in: rule, archive, ingest queue with its DLQ, and what member accounts may put."""

import pytest

from infra.event_pattern import EVENT_PATTERN
from infra.ingest import BATCH_SIZE, INGEST, MAX_RECEIVES

pytestmark = pytest.mark.infra

FOURTEEN_DAYS = 14 * 24 * 3600


def queue_id(synthesized, name):
    (logical_id,) = [
        logical_id
        for logical_id in synthesized.resources("AWS::SQS::Queue")
        if logical_id.startswith(name)
    ]
    return logical_id


def rules_on(synthesized, bus):
    return [
        rule["Properties"]
        for rule in synthesized.resources("AWS::Events::Rule").values()
        if rule["Properties"].get("EventBusName") == bus
    ]


def test_rule_on_the_default_bus_sends_state_changes_to_the_ingest_queue(synthesized):
    (rule,) = rules_on(synthesized, "default")
    assert rule["EventPattern"] == EVENT_PATTERN
    (target,) = rule["Targets"]
    assert target["Arn"] == {"Fn::GetAtt": [queue_id(synthesized, "IngestQueue"), "Arn"]}
    dead_letters = queue_id(synthesized, "IngestEventsDeadLetterQueue")
    assert target["DeadLetterConfig"]["Arn"] == {"Fn::GetAtt": [dead_letters, "Arn"]}
    assert target["RetryPolicy"]["MaximumRetryAttempts"] > 0
    assert target["RetryPolicy"]["MaximumEventAgeInSeconds"] > 0


def test_archive_keeps_the_events_for_the_configured_days(synthesized, every_option):
    (archive,) = synthesized.resources("AWS::Events::Archive").values()
    assert archive["Properties"]["EventPattern"] == EVENT_PATTERN
    assert archive["Properties"]["RetentionDays"] == 30
    assert "event-bus/default" in str(archive["Properties"]["SourceArn"])
    retention = {
        archive["Properties"]["RetentionDays"]
        for archive in every_option.resources("AWS::Events::Archive").values()
    }
    assert retention == {90}


def test_ingest_queue_is_encrypted_and_redrives_after_five_receives(synthesized):
    queue = synthesized.resources("AWS::SQS::Queue")[queue_id(synthesized, "IngestQueue")]
    properties = queue["Properties"]
    assert properties["SqsManagedSseEnabled"] is True
    assert properties["VisibilityTimeout"] >= 6 * INGEST.timeout.to_seconds()
    assert properties["RedrivePolicy"] == {
        "deadLetterTargetArn": {
            "Fn::GetAtt": [queue_id(synthesized, "IngestDeadLetterQueue"), "Arn"]
        },
        "maxReceiveCount": MAX_RECEIVES,
    }


def test_every_queue_is_encrypted_and_every_dead_letter_queue_keeps_14_days(synthesized):
    queues = synthesized.resources("AWS::SQS::Queue")
    # ingest's queue and two dead-letter queues; one per schedule (reconcile, watch, prices)
    assert len(queues) == 6
    for logical_id, queue in queues.items():
        assert queue["Properties"]["SqsManagedSseEnabled"] is True
        if "DeadLetterQueue" in logical_id:
            assert queue["Properties"]["MessageRetentionPeriod"] == FOURTEEN_DAYS


def test_every_queue_refuses_requests_without_tls(synthesized):
    denied = synthesized.tls_only("AWS::SQS::QueuePolicy", "Queues")
    assert denied == set(synthesized.resources("AWS::SQS::Queue"))


def test_ingest_reads_the_queue_in_batches_with_partial_failures(synthesized):
    (mapping,) = synthesized.resources("AWS::Lambda::EventSourceMapping").values()
    properties = mapping["Properties"]
    assert properties["FunctionName"] == {"Ref": synthesized.function("ingest")[0]}
    assert properties["BatchSize"] == BATCH_SIZE == 10
    assert properties["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert properties["ScalingConfig"]["MaximumConcurrency"] == 5


def test_ingest_reserves_as_much_concurrency_as_its_queue_may_start(synthesized, every_option):
    # Equal: less would throttle what the queue starts (into the DLQ, after 5 receives),
    # more would take from the account's pool what the queue never uses.
    (mapping,) = synthesized.resources("AWS::Lambda::EventSourceMapping").values()
    maximum = mapping["Properties"]["ScalingConfig"]["MaximumConcurrency"]
    assert synthesized.function("ingest")[1]["ReservedConcurrentExecutions"] == maximum == 5
    # Only ingest reserves; and not at all where the context turns it off.
    for package in ("api", "reconcile"):
        assert "ReservedConcurrentExecutions" not in synthesized.function(package)[1]
    assert "ReservedConcurrentExecutions" not in every_option.function("ingest")[1]
    (mapping,) = every_option.resources("AWS::Lambda::EventSourceMapping").values()
    assert mapping["Properties"]["ScalingConfig"]["MaximumConcurrency"] == 20


def test_without_members_the_default_bus_keeps_its_policy(synthesized):
    assert synthesized.resources("AWS::Events::EventBusPolicy") == {}
    assert synthesized.resources("AWS::Events::EventBus") == {}


def test_members_may_put_only_sagemaker_state_changes_on_the_default_bus(every_option):
    # Given source accounts and an organization
    policies = {
        policy["Properties"]["StatementId"]: policy["Properties"]
        for policy in every_option.resources("AWS::Events::EventBusPolicy").values()
    }
    # Then the default bus gets a statement for each, named after the stack
    assert set(policies) == {"JobTracker-MembersAccounts", "JobTracker-MembersOrganization"}
    assert {p["EventBusName"] for p in policies.values()} == {"default"}
    accounts = policies["JobTracker-MembersAccounts"]["Statement"]
    organization = policies["JobTracker-MembersOrganization"]["Statement"]
    assert {str(p) for p in accounts["Principal"]["AWS"]} == {
        str({"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, f":iam::{a}:root"]]})
        for a in ("111111111111", "222222222222")
    }
    assert organization["Principal"] == "*"
    assert organization["Condition"]["StringEquals"]["aws:PrincipalOrgID"] == "o-a1b2c3d4e5"
    for statement in (accounts, organization):
        assert statement["Effect"] == "Allow"
        assert statement["Action"] == "events:PutEvents"
        assert "event-bus/default" in str(statement["Resource"])
        only = statement["Condition"]["StringEquals"]
        assert only["events:source"] == EVENT_PATTERN["source"]
        assert only["events:detail-type"] == EVENT_PATTERN["detail-type"]


def test_the_one_rule_and_archive_take_members_events_too(every_option):
    # Members forward to the default bus; nothing there filters on the event's account
    (rule,) = rules_on(every_option, "default")
    assert rule["EventPattern"] == EVENT_PATTERN
    assert "account" not in rule["EventPattern"]
    (archive,) = every_option.resources("AWS::Events::Archive").values()
    assert "account" not in archive["Properties"]["EventPattern"]
    assert every_option.resources("AWS::Events::EventBus") == {}
