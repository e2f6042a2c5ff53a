"""Least privilege: each function's role holds exactly what its code needs."""

import pytest

from infra.api import API_TABLE_READS
from infra.reconcile import RECONCILE_TABLE_READS
from infra.storage import INDEX_ACTIONS, WRITE_ACTIONS
from infra.watch import WATCH_TABLE_WRITES

pytestmark = pytest.mark.infra

BASE = {
    "logs:CreateLogStream",
    "logs:PutLogEvents",
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
}
CONSUME_QUEUE = {
    "sqs:ReceiveMessage",
    "sqs:ChangeMessageVisibility",
    "sqs:GetQueueUrl",
    "sqs:DeleteMessage",
    "sqs:GetQueueAttributes",
}
PUBLISH_ALERTS = {"sns:Publish", "kms:Decrypt", "kms:GenerateDataKey*"}
EXPECTED = {
    "ingest": BASE
    | CONSUME_QUEUE
    | set(WRITE_ACTIONS)
    # The stored job, read when a stale snapshot wins an alert's claim.
    | {"dynamodb:GetItem"}
    | PUBLISH_ALERTS
    | {"sagemaker:DescribeTrainingJob"},
    "api": BASE | set(API_TABLE_READS) | set(INDEX_ACTIONS) | {"secretsmanager:GetSecretValue"},
    "reconcile": BASE
    | set(RECONCILE_TABLE_READS)
    | set(INDEX_ACTIONS)
    | set(WRITE_ACTIONS)
    | PUBLISH_ALERTS
    | {"sagemaker:DescribeTrainingJob", "sagemaker:ListTags", "sagemaker:ListTrainingJobs"},
    # The jobs in flight from an index, a troubled job's record, an episode's claim, the
    # alert: no SageMaker.
    "watch": BASE
    | set(INDEX_ACTIONS)
    | {"dynamodb:GetItem"}
    | set(WATCH_TABLE_WRITES)
    | PUBLISH_ALERTS,
    # The price refresh: the Price List API, and the one price book item it puts.
    "prices": BASE | set(WRITE_ACTIONS) | {"pricing:GetProducts"},
}
# The only actions that may have '*' as resource: none of them supports a narrower one.
UNSCOPABLE = {
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "sagemaker:ListTrainingJobs",
    "pricing:GetProducts",
}


def as_list(value):
    return value if isinstance(value, list) else [value]


def grants(synthesized, package):
    """(action, resource) for every Allow of the function's role."""
    return {
        (action, str(resource))
        for statement in synthesized.statements(package)
        if statement["Effect"] == "Allow"
        for action in as_list(statement["Action"])
        for resource in as_list(statement["Resource"])
    }


@pytest.mark.parametrize("package", sorted(EXPECTED))
def test_role_holds_exactly_the_expected_actions(synthesized, package):
    assert {action for action, _ in grants(synthesized, package)} == EXPECTED[package]


def test_api_is_read_only_on_the_table(synthesized):
    actions = {action for action, _ in grants(synthesized, "api")}
    assert not actions & set(WRITE_ACTIONS)
    assert not {a for a in actions if a.startswith(("sns:", "sqs:", "sagemaker:"))}


@pytest.mark.parametrize("package", sorted(EXPECTED))
def test_nothing_scans_the_table(synthesized, package):
    assert "dynamodb:Scan" not in {action for action, _ in grants(synthesized, package)}


@pytest.mark.parametrize("package", sorted(EXPECTED))
def test_wildcard_resources_only_where_no_narrower_one_exists(synthesized, package):
    unscoped = {action for action, resource in grants(synthesized, package) if resource == "*"}
    assert unscoped <= UNSCOPABLE


@pytest.mark.parametrize("package", sorted(EXPECTED))
def test_table_access_is_this_table_and_only_queries_of_its_indexes(synthesized, package):
    (table_id,) = synthesized.resources("AWS::DynamoDB::Table")
    table_arn = {"Fn::GetAtt": [table_id, "Arn"]}
    indexes = str({"Fn::Join": ["", [table_arn, "/index/*"]]})
    table = {(a, r) for a, r in grants(synthesized, package) if a.startswith("dynamodb:")}
    assert {r for _, r in table} <= {str(table_arn), indexes}
    # Ingest writes (conditionally) and gets one item, the price refresh puts one; a query
    # is the one action an index takes.
    expected = set() if package in ("ingest", "prices") else set(INDEX_ACTIONS)
    assert {a for a, r in table if r == indexes} == expected


@pytest.mark.parametrize("package", ["ingest", "reconcile"])
def test_job_reads_are_limited_to_training_jobs(synthesized, package):
    reads = {"sagemaker:DescribeTrainingJob", "sagemaker:ListTags"}
    resources = {r for a, r in grants(synthesized, package) if a in reads}
    (resource,) = resources
    assert ":training-job/*" in resource


@pytest.mark.parametrize("package", ["ingest", "reconcile", "watch"])
def test_publish_is_limited_to_the_alert_topic_and_its_key(synthesized, package):
    (topic_id,) = [
        logical_id
        for logical_id in synthesized.resources("AWS::SNS::Topic")
        if logical_id.startswith("AlertsAlertTopic")
    ]
    (key_id,) = synthesized.resources("AWS::KMS::Key")
    publish = {r for a, r in grants(synthesized, package) if a == "sns:Publish"}
    assert publish == {str({"Ref": topic_id})}
    keys = {r for a, r in grants(synthesized, package) if a.startswith("kms:")}
    assert keys == {str({"Fn::GetAtt": [key_id, "Arn"]})}


def test_function_roles_have_no_managed_policies(synthesized):
    for role in synthesized.resources("AWS::IAM::Role").values():
        assert "ManagedPolicyArns" not in role["Properties"]
