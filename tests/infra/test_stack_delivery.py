"""Every hop where an AWS service delivers for the stack is allowed, and only for this account.

A walk of the synthesized template: each alarm action to its topic, to that topic's
policy and to the key that encrypts it; each rule target and dead-letter queue to the
resource policy that lets EventBridge in; each subscription to what its endpoint needs.
A resource policy that holds only Denies (as enforce_ssl writes) silently drops every
delivery, and IAM grants cannot help: a service principal needs the resource's Allow.
"""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.infra

THIS_ACCOUNT = {"Ref": "AWS::AccountId"}
# Protocols whose endpoint SNS reaches without any resource policy of the stack.
DELIVERED_WITHOUT_A_RESOURCE_POLICY = {"email", "email-json", "http", "https", "sms"}


@pytest.fixture(scope="module", params=["synthesized", "every_option"])
def template(request) -> dict[str, Any]:
    resources: dict[str, Any] = request.getfixturevalue(request.param).template.to_json()[
        "Resources"
    ]
    return resources


def logical_id(reference: dict[str, Any]) -> str:
    """The resource that a Ref or a GetAtt of its Arn names."""
    if "Ref" in reference:
        return str(reference["Ref"])
    resource, attribute = reference["Fn::GetAtt"]
    assert attribute == "Arn", reference
    return str(resource)


def of_type(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {name: resource for name, resource in template.items() if resource["Type"] == kind}


def policy_statements(
    template: dict[str, Any], policy_type: str, targets: str, target: str
) -> list[dict[str, Any]]:
    return [
        statement
        for policy in of_type(template, policy_type).values()
        if {"Ref": target} in policy["Properties"][targets]
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]


def allows(statement: dict[str, Any], service: str, *actions: str) -> bool:
    granted = statement["Action"]
    granted = {granted} if isinstance(granted, str) else set(granted)
    return (
        statement["Effect"] == "Allow"
        and statement.get("Principal") == {"Service": service}
        and set(actions) <= granted
    )


def allowing(statements: list[dict[str, Any]], service: str, *actions: str) -> dict[str, Any]:
    matching = [statement for statement in statements if allows(statement, service, *actions)]
    assert len(matching) == 1, f"{len(matching)} statements allow {service} {actions}: {statements}"
    return matching[0]


def text_of(arn: Any) -> list[Any]:
    """An ARN's parts as the template writes it (a plain string or an Fn::Join)."""
    return arn["Fn::Join"][1] if isinstance(arn, dict) and "Fn::Join" in arn else [arn]


def assert_only_this_accounts_alarms(statement: dict[str, Any]) -> None:
    condition = statement["Condition"]
    assert condition["StringEquals"] == {"aws:SourceAccount": THIS_ACCOUNT}
    source_arn = text_of(condition["ArnLike"]["aws:SourceArn"])
    assert THIS_ACCOUNT in source_arn
    joined = "".join(part for part in source_arn if isinstance(part, str))
    assert ":cloudwatch:" in joined and joined.endswith(":alarm:*")


def test_every_alarm_can_reach_its_topic_and_key_from_this_account_only(template):
    # Given every alarm of the stack and the topics its actions name
    alarms = of_type(template, "AWS::CloudWatch::Alarm")
    assert len(alarms) >= 13
    topics = {
        logical_id(action) for a in alarms.values() for action in a["Properties"]["AlarmActions"]
    }
    assert topics
    for topic in topics:
        assert template[topic]["Type"] == "AWS::SNS::Topic"
        # Then the topic's policy lets CloudWatch publish, for this account's alarms only
        statements = policy_statements(template, "AWS::SNS::TopicPolicy", "Topics", topic)
        publish = allowing(statements, "cloudwatch.amazonaws.com", "sns:Publish")
        assert publish["Resource"] == {"Ref": topic}
        assert_only_this_accounts_alarms(publish)
        # And the key that encrypts the topic lets CloudWatch encrypt, on the same terms
        key = logical_id(template[topic]["Properties"]["KmsMasterKeyId"])
        key_statements = template[key]["Properties"]["KeyPolicy"]["Statement"]
        use_key = allowing(
            key_statements, "cloudwatch.amazonaws.com", "kms:GenerateDataKey*", "kms:Decrypt"
        )
        assert_only_this_accounts_alarms(use_key)


def test_every_rule_target_lets_in_that_rule_only(template):
    rules = of_type(template, "AWS::Events::Rule")
    assert rules
    for rule, resource in rules.items():
        this_rule = {"Fn::GetAtt": [rule, "Arn"]}
        for target in resource["Properties"]["Targets"]:
            destinations = [target["Arn"]]
            if "DeadLetterConfig" in target:
                destinations.append(target["DeadLetterConfig"]["Arn"])
            for destination in map(logical_id, destinations):
                kind = template[destination]["Type"]
                if kind == "AWS::SQS::Queue":
                    statements = policy_statements(
                        template, "AWS::SQS::QueuePolicy", "Queues", destination
                    )
                    # One statement per rule that sends to the queue, each for its rule.
                    sending = [
                        s
                        for s in statements
                        if allows(s, "events.amazonaws.com", "sqs:SendMessage")
                        and s["Condition"] == {"ArnEquals": {"aws:SourceArn": this_rule}}
                    ]
                    assert sending, f"{rule} cannot send to {destination}: {statements}"
                else:
                    assert kind == "AWS::Lambda::Function", f"{rule} -> {kind}: not checked"
                    assert any(
                        permission["Properties"]
                        == {
                            "Action": "lambda:InvokeFunction",
                            "FunctionName": {"Fn::GetAtt": [destination, "Arn"]},
                            "Principal": "events.amazonaws.com",
                            "SourceArn": this_rule,
                        }
                        for permission in of_type(template, "AWS::Lambda::Permission").values()
                    ), f"{rule} cannot invoke {destination}"


def test_every_subscription_is_to_a_topic_of_the_stack_and_can_be_delivered(template):
    for subscription in of_type(template, "AWS::SNS::Subscription").values():
        properties = subscription["Properties"]
        topic = logical_id(properties["TopicArn"])
        assert template[topic]["Type"] == "AWS::SNS::Topic"
        # Queue or function endpoints would need the endpoint's Allow for SNS; the stack
        # subscribes none, and a new protocol fails here until it is checked.
        assert properties["Protocol"] in DELIVERED_WITHOUT_A_RESOURCE_POLICY, properties
