"""The rehearsal's least-privilege check (local/least_privilege.py), on moto's IAM.

Each test runs "function code" (plain botocore calls) with the credentials of a role it
created, records the calls, and judges them against that role's policies as read back
from moto: what a grant allows passes, and taking one grant out names the call it denies.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import boto3
import pytest
from jobtracker.sagemaker_clients import in_emulator_account

from local.least_privilege import (
    CallRecorder,
    Emulator,
    Judge,
    policy_document,
    role_grants,
    used,
)

ACCOUNT = "123456789012"
MEMBER = "111111111111"
REGION = "us-east-1"
LAMBDA_TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}


# As CDK writes it for enforce_ssl: a Deny that must not catch a call over TLS.
def tls_only(resource: str) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Deny",
                "Principal": {"AWS": "*"},
                "Action": "sns:*",
                "Resource": resource,
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }
        ],
    }


def client(service: str, account: str | None = None) -> Any:
    made = boto3.client(service, region_name=REGION)
    if account and account != ACCOUNT:
        made.meta.events.register("before-sign", in_emulator_account(account))
    return made


def role(name: str, statements: list[dict[str, Any]], path: str = "/") -> str:
    iam = client("iam")
    arn: str = iam.create_role(
        RoleName=name, Path=path, AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST)
    )["Role"]["Arn"]
    iam.put_role_policy(
        RoleName=name,
        PolicyName="DefaultPolicy",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": statements}),
    )
    return arn


def allow(actions: list[str], resources: list[str]) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": actions, "Resource": resources}


@pytest.fixture
def recorder(aws: None) -> CallRecorder:
    def assume(role_arn: str, session: str) -> dict[str, str]:
        issued: dict[str, str] = client("sts").assume_role(
            RoleArn=role_arn, RoleSessionName=session
        )["Credentials"]
        return issued

    return CallRecorder(assume)


@pytest.fixture
def judge(aws: None) -> Judge:
    return Judge(Emulator(client))


@pytest.fixture
def as_function(recorder: CallRecorder) -> Callable[[str, str], boto3.Session]:
    """`as_function(name, role_arn)`: a boto3 session with that role's credentials, whose
    calls are recorded as the function's (the test's own clients are not)."""

    def session(function: str, role_arn: str) -> boto3.Session:
        credentials = recorder.assume(function, role_arn)
        with recorder.recording():
            return boto3.Session(
                aws_access_key_id=credentials["AWS_ACCESS_KEY_ID"],
                aws_secret_access_key=credentials["AWS_SECRET_ACCESS_KEY"],
                aws_session_token=credentials["AWS_SESSION_TOKEN"],
                region_name=REGION,
            )

    return session


def encrypted_topic() -> tuple[str, str]:
    key = client("kms").create_key()["KeyMetadata"]["Arn"]
    topic = client("sns").create_topic(Name="alerts", Attributes={"KmsMasterKeyId": key})[
        "TopicArn"
    ]
    client("sns").set_topic_attributes(
        TopicArn=topic, AttributeName="Policy", AttributeValue=json.dumps(tls_only(topic))
    )
    return topic, key


def test_a_publish_to_an_encrypted_topic_needs_the_topic_key(recorder, judge, as_function):
    # Given an SSE-KMS topic, and two roles that may publish to it: one with the key's
    # data-key actions too, one without
    topic, key = encrypted_topic()
    publish = allow(["sns:Publish"], [topic])
    full = role("full", [publish, allow(["kms:Decrypt", "kms:GenerateDataKey*"], [key])])
    bare = role("bare", [publish])
    # When each publishes, under its own role
    for function, arn in (("ingest", full), ("reconcile", bare)):
        as_function(function, arn).client("sns").publish(TopicArn=topic, Message="m")
    verdicts = judge.judge(recorder.calls)
    # Then the publish and what it implies on the key are checked for both
    checked = {(v.call.function, v.call.action, v.call.resource) for v in verdicts}
    assert checked == {
        (function, action, resource)
        for function in ("ingest", "reconcile")
        for action, resource in (
            ("sns:Publish", topic),
            ("kms:GenerateDataKey", key),
            ("kms:Decrypt", key),
        )
    }
    # And the TLS-only Deny catches neither: the role with the key is allowed everything
    assert all(v.allowed for v in verdicts if v.call.function == "ingest")
    # And the role without it is denied the key's actions, named with the call they serve
    denied = sorted((v.call.action, v.call.implied_by) for v in verdicts if not v.allowed)
    assert denied == [("kms:Decrypt", "sns:Publish"), ("kms:GenerateDataKey", "sns:Publish")]
    assert not recorder.problems


def test_a_query_on_an_index_is_checked_on_the_index_arn(recorder, judge, as_function):
    # Given a table with an index, and a role granted the table but not its indexes
    dynamodb = client("dynamodb")
    table = dynamodb.create_table(
        TableName="jobs",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "status", "AttributeType": "S"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "by-status",
                "KeySchema": [{"AttributeName": "status", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            }
        ],
        BillingMode="PAY_PER_REQUEST",
    )["TableDescription"]["TableArn"]
    arn = role("api", [allow(["dynamodb:Query", "dynamodb:GetItem"], [table])])
    # When the function reads the table and queries the index
    reader = as_function("api", arn).client("dynamodb")
    reader.get_item(TableName="jobs", Key={"pk": {"S": "a"}})
    reader.query(
        TableName="jobs",
        IndexName="by-status",
        KeyConditionExpression="#s = :s",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":s": {"S": "Failed"}},
    )
    verdicts = judge.judge(recorder.calls)
    # Then the get is allowed, and the query is denied on the index's own ARN
    outcome = {(v.call.action, v.call.resource): v.allowed for v in verdicts}
    assert outcome == {
        ("dynamodb:GetItem", table): True,
        ("dynamodb:Query", f"{table}/index/by-status"): False,
    }
    # And the grant of Query on the table is reported as used by no call
    grants = role_grants("api", arn, judge.emulator.identity_policies(arn))
    assert [g.action for g in grants if not used(g, judge.checked)] == ["dynamodb:Query"]


def test_a_member_role_admits_only_the_roles_on_the_trackers_path(recorder, judge, as_function):
    # Given a member account's reader role that trusts the tracker's roles by their path
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                "Action": "sts:AssumeRole",
                "Condition": {
                    "ArnLike": {"aws:PrincipalArn": f"arn:aws:iam::{ACCOUNT}:role/jobtracker/T/*"}
                },
            }
        ],
    }
    member_role = client("iam", MEMBER).create_role(
        RoleName="jobtracker-reader", AssumeRolePolicyDocument=json.dumps(trust)
    )["Role"]["Arn"]
    client("iam", MEMBER).put_role_policy(
        RoleName="jobtracker-reader",
        PolicyName="ReadTrainingJobs",
        PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [allow(["sagemaker:ListTrainingJobs"], ["*"])]}
        ),
    )
    # And two tracker roles granted AssumeRole on it: one on the path, one not
    grant = [allow(["sts:AssumeRole"], [member_role])]
    on_path = role("reconcile", grant, path="/jobtracker/T/")
    elsewhere = role("other", grant)
    # When each assumes the member role, and the first lists the member's jobs with it
    reconcile = as_function("reconcile", on_path)
    issued = reconcile.client("sts").assume_role(RoleArn=member_role, RoleSessionName="jobtracker")[
        "Credentials"
    ]
    reconcile.client(
        "sagemaker",
        aws_access_key_id=issued["AccessKeyId"],
        aws_secret_access_key=issued["SecretAccessKey"],
        aws_session_token=issued["SessionToken"],
    ).list_training_jobs()
    as_function("other", elsewhere).client("sts").assume_role(
        RoleArn=member_role, RoleSessionName="jobtracker"
    )
    verdicts = {(v.call.function, v.call.action): v for v in judge.judge(recorder.calls)}
    # Then the role on the path may assume it, and its list is the member role's call
    assert verdicts["reconcile", "sts:AssumeRole"].allowed
    listed = verdicts["reconcile", "sagemaker:ListTrainingJobs"]
    assert listed.allowed and listed.call.role_arn == member_role
    # And the trust policy keeps the other role out, though its own policy grants it
    refused = verdicts["other", "sts:AssumeRole"]
    assert not refused.allowed
    assert "does not admit" in refused.reason


def test_a_call_not_under_a_functions_role_is_a_problem(recorder, judge):
    # Given code that makes its own client with other credentials
    with recorder.recording():
        boto3.client(
            "sns", region_name=REGION, aws_access_key_id="AKIDOTHER", aws_secret_access_key="x"
        ).list_topics()
    # Then the call is not judged as any function's: it is named as a problem
    assert recorder.calls == []
    assert recorder.problems == ["sns:ListTopics signed by AKIDOTHER, not a function's role"]


def test_a_policy_kept_as_python_text_reads_as_its_document():
    # Given a role's inline policy as moto's CloudFormation keeps it (Python's text of it)
    document = {"Version": "2012-10-17", "Statement": [allow(["sagemaker:ListTags"], ["*"])]}
    # Then it reads as the same document, as does its JSON
    assert policy_document(str(document)) == document
    assert policy_document(json.dumps(document)) == document
