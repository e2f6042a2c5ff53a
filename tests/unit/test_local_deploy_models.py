"""The CloudFormation models the emulator adds to moto: a stack of every type they cover
is created with each resource in its service, and deleting the stack undoes each one.

moto (in-process, mock_aws) runs the models; the rehearsal deploys the real template.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from local import deploy_fixes
from local.deploy_models import RESOURCES

REGION = "eu-west-1"
POLICY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*"}]}
TEMPLATE = {
    "Resources": {
        "Secret": {
            "Type": "AWS::SecretsManager::Secret",
            "Properties": {"GenerateSecretString": {"PasswordLength": 40}},
        },
        "Topic": {"Type": "AWS::SNS::Topic"},
        "Queue": {"Type": "AWS::SQS::Queue"},
        "Subscription": {
            "Type": "AWS::SNS::Subscription",
            "Properties": {
                "TopicArn": {"Ref": "Topic"},
                "Protocol": "sqs",
                "Endpoint": {"Fn::GetAtt": ["Queue", "Arn"]},
            },
        },
        "TopicPolicy": {
            "Type": "AWS::SNS::TopicPolicy",
            "Properties": {"Topics": [{"Ref": "Topic"}], "PolicyDocument": POLICY},
        },
        "QueuePolicy": {
            "Type": "AWS::SQS::QueuePolicy",
            "Properties": {"Queues": [{"Ref": "Queue"}], "PolicyDocument": POLICY},
        },
        "Alarm": {
            "Type": "AWS::CloudWatch::Alarm",
            "Properties": {
                "AlarmName": "dlq-not-empty",
                "Namespace": "AWS/SQS",
                "MetricName": "ApproximateNumberOfMessagesVisible",
                "ComparisonOperator": "GreaterThanThreshold",
                "EvaluationPeriods": 1,
                "Period": 60,
                "Threshold": 0,
                "Statistic": "Maximum",
            },
        },
        "BusPolicy": {
            "Type": "AWS::Events::EventBusPolicy",
            "Properties": {
                "EventBusName": "default",
                "StatementId": "member-accounts",
                "Statement": {
                    "Sid": "member-accounts",
                    "Effect": "Allow",
                    "Principal": {"AWS": "arn:aws:iam::210987654321:root"},
                    "Action": "events:PutEvents",
                    "Resource": f"arn:aws:events:{REGION}:123456789012:event-bus/default",
                },
            },
        },
        "Api": {"Type": "AWS::ApiGatewayV2::Api", "Properties": {"Name": "jobs"}},
        "Integration": {
            "Type": "AWS::ApiGatewayV2::Integration",
            "Properties": {
                "ApiId": {"Ref": "Api"},
                "IntegrationType": "AWS_PROXY",
                "IntegrationUri": "arn:aws:lambda:eu-west-1:123456789012:function:api",
                "PayloadFormatVersion": "2.0",
            },
        },
        "Route": {
            "Type": "AWS::ApiGatewayV2::Route",
            "Properties": {"ApiId": {"Ref": "Api"}, "RouteKey": "GET /jobs"},
        },
        "Stage": {
            "Type": "AWS::ApiGatewayV2::Stage",
            "Properties": {"ApiId": {"Ref": "Api"}, "StageName": "$default", "AutoDeploy": True},
        },
    },
    "Outputs": {
        "ApiEndpoint": {"Value": {"Fn::GetAtt": ["Api", "ApiEndpoint"]}},
        "ApiId": {"Value": {"Fn::GetAtt": ["Api", "ApiId"]}},
    },
}


@pytest.fixture
def aws() -> Iterator[Any]:
    deploy_fixes.install()
    try:
        with mock_aws():
            yield lambda service: boto3.client(
                service, region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x"
            )
    finally:
        deploy_fixes.uninstall()


def test_the_template_covers_every_model() -> None:
    declared = {resource["Type"] for resource in TEMPLATE["Resources"].values()}
    assert {resource.type for resource in RESOURCES} <= declared


def test_a_stack_of_every_type_is_created_and_deleted(aws: Any) -> None:
    # Given a stack with one resource of each type the models cover
    cloudformation = aws("cloudformation")
    cloudformation.create_stack(StackName="Models", TemplateBody=json.dumps(TEMPLATE))
    (stack,) = cloudformation.describe_stacks(StackName="Models")["Stacks"]
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    outputs = {output["OutputKey"]: output["OutputValue"] for output in stack["Outputs"]}
    # Then each one is in its service, as its own API would have made it
    (secret,) = aws("secretsmanager").list_secrets()["SecretList"]
    value = aws("secretsmanager").get_secret_value(SecretId=secret["ARN"])["SecretString"]
    assert len(value) == 40
    (topic,) = aws("sns").list_topics()["Topics"]
    (subscription,) = aws("sns").list_subscriptions()["Subscriptions"]
    assert subscription["TopicArn"] == topic["TopicArn"]
    assert subscription["Protocol"] == "sqs"
    topic_policy = aws("sns").get_topic_attributes(TopicArn=topic["TopicArn"])["Attributes"]
    assert json.loads(topic_policy["Policy"]) == POLICY
    (queue_url,) = aws("sqs").list_queues()["QueueUrls"]
    queue = aws("sqs").get_queue_attributes(QueueUrl=queue_url, AttributeNames=["Policy"])
    assert json.loads(queue["Attributes"]["Policy"]) == POLICY
    (alarm,) = aws("cloudwatch").describe_alarms()["MetricAlarms"]
    assert alarm["AlarmName"] == "dlq-not-empty"
    bus_policy = json.loads(aws("events").describe_event_bus(Name="default")["Policy"])
    assert [s["Sid"] for s in bus_policy["Statement"]] == ["member-accounts"]
    api = aws("apigatewayv2").get_api(ApiId=outputs["ApiId"])
    assert api["ApiEndpoint"] == outputs["ApiEndpoint"]
    assert len(aws("apigatewayv2").get_integrations(ApiId=api["ApiId"])["Items"]) == 1
    routes = aws("apigatewayv2").get_routes(ApiId=api["ApiId"])["Items"]
    assert [route["RouteKey"] for route in routes] == ["GET /jobs"]
    stages = aws("apigatewayv2").get_stages(ApiId=api["ApiId"])["Items"]
    assert [stage["StageName"] for stage in stages] == ["$default"]

    # When the stack is deleted
    cloudformation.delete_stack(StackName="Models")

    # Then what the models made is gone, and the policies are back to their defaults
    assert aws("apigatewayv2").get_apis()["Items"] == []
    assert aws("cloudwatch").describe_alarms()["MetricAlarms"] == []
    assert "Policy" not in aws("events").describe_event_bus(Name="default")
    assert aws("sns").list_subscriptions()["Subscriptions"] == []
    secrets = aws("secretsmanager").list_secrets()["SecretList"]
    assert all("DeletedDate" in secret for secret in secrets)
