"""The emulator's fixes for `cdk deploy`: each one against moto in-process (mock_aws).

The whole path (the CDK CLI against moto's server) is exercised by the rehearsal
(tests/e2e/test_rehearsal_e2e.py); these pin down each fix on its own.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import moto
import pytest
from moto import mock_aws

from local import deploy_fixes

TEMPLATE = {
    "Resources": {
        "Queue": {"Type": "AWS::SQS::Queue"},
        "QueuePolicy": {
            "Type": "AWS::SQS::QueuePolicy",
            "Properties": {
                "Queues": [{"Ref": "Queue"}],
                "PolicyDocument": {"Statement": [{"Effect": "Allow", "Action": "sqs:*"}]},
            },
        },
        "Archive": {
            "Type": "AWS::Events::Archive",
            "Properties": {
                "SourceArn": "arn:aws:events:eu-west-1:123456789012:event-bus/default",
                "EventPattern": {"source": ["aws.sagemaker"]},
            },
        },
    },
    "Outputs": {"QueueUrl": {"Value": {"Ref": "Queue"}}},
}


@pytest.fixture
def aws() -> Iterator[Any]:
    deploy_fixes.install()
    try:
        with mock_aws():
            yield lambda service: boto3.client(
                service,
                region_name="eu-west-1",
                aws_access_key_id="x",
                aws_secret_access_key="x",
            )
    finally:
        deploy_fixes.uninstall()


def deploy_through_a_change_set(client: Any, stack: str, template_url: str) -> None:
    cloudformation = client("cloudformation")
    cloudformation.create_change_set(
        StackName=stack,
        ChangeSetName="cdk-deploy-change-set",
        TemplateURL=template_url,
        ChangeSetType="CREATE",
    )
    cloudformation.execute_change_set(StackName=stack, ChangeSetName="cdk-deploy-change-set")


def test_a_change_set_from_a_template_on_127_0_0_1_creates_what_it_declares(aws):
    # Given the template uploaded as the CDK CLI does, with an endpoint on 127.0.0.1
    s3 = aws("s3")
    s3.create_bucket(Bucket="assets", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    s3.put_object(Bucket="assets", Key="stack.json", Body=json.dumps(TEMPLATE))
    # When a change set from its URL is created and executed
    deploy_through_a_change_set(aws, "Rehearsed", "http://127.0.0.1:4620/assets/stack.json")
    # Then the stack is complete, with its outputs, and lists what was created
    cloudformation = aws("cloudformation")
    (stack,) = cloudformation.describe_stacks(StackName="Rehearsed")["Stacks"]
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    (output,) = stack["Outputs"]
    assert output["OutputKey"] == "QueueUrl"
    resources = cloudformation.list_stack_resources(StackName="Rehearsed")
    types = sorted(r["ResourceType"] for r in resources["StackResourceSummaries"])
    assert types == ["AWS::Events::Archive", "AWS::SQS::Queue", "AWS::SQS::QueuePolicy"]
    # And the queue policy and the archive's name are as AWS would have them
    attributes = aws("sqs").get_queue_attributes(
        QueueUrl=output["OutputValue"], AttributeNames=["Policy"]
    )["Attributes"]
    assert json.loads(attributes["Policy"])["Statement"][0]["Action"] == "sqs:*"
    (archive,) = aws("events").list_archives()["Archives"]
    assert len(archive["ArchiveName"]) <= 48


def test_a_change_set_is_found_in_its_own_stack_only(aws):
    cloudformation = aws("cloudformation")
    cloudformation.create_change_set(
        StackName="Other",
        ChangeSetName="cdk-deploy-change-set",
        TemplateBody=json.dumps(TEMPLATE),
        ChangeSetType="CREATE",
    )
    with pytest.raises(cloudformation.exceptions.ChangeSetNotFoundException):
        cloudformation.describe_change_set(
            StackName="Rehearsed", ChangeSetName="cdk-deploy-change-set"
        )


def test_the_fixes_refuse_a_moto_they_were_not_checked_against(monkeypatch):
    monkeypatch.setattr(moto, "__version__", "9.9.9")
    with pytest.raises(RuntimeError, match=r"written for moto 5\.2\.5"):
        deploy_fixes.install()
