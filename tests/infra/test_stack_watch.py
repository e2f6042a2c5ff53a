"""The watch: its schedule, what it may do, and the optional chat channels."""

import json

import pytest

from tests.infra.conftest import DEFAULT_CONTEXT

pytestmark = pytest.mark.infra


def watch_rule(stack):
    target = {"Fn::GetAtt": [stack.function("watch")[0], "Arn"]}
    (rule,) = [
        resource["Properties"]
        for resource in stack.resources("AWS::Events::Rule").values()
        if resource["Properties"].get("Targets", [{}])[0].get("Arn") == target
    ]
    return rule


def test_the_watch_runs_every_interval_with_a_dead_letter_queue(synthesized, every_option):
    assert watch_rule(synthesized)["ScheduleExpression"] == "rate(5 minutes)"
    assert watch_rule(every_option)["ScheduleExpression"] == "rate(10 minutes)"
    (target,) = watch_rule(synthesized)["Targets"]
    assert "Arn" in target["DeadLetterConfig"]
    # A run that could not start is not started late: the next one looks again.
    assert target["RetryPolicy"]["MaximumEventAgeInSeconds"] == 300


def test_the_thresholds_reach_the_function(synthesized, every_option):
    default = synthesized.function("watch")[1]["Environment"]["Variables"]
    assert json.loads(default["STUCK_AFTER_MINUTES"]) == DEFAULT_CONTEXT["stuck_after_minutes"]
    assert default["NEAR_MAX_PERCENT"] == "90"
    configured = every_option.function("watch")[1]["Environment"]["Variables"]
    assert json.loads(configured["STUCK_AFTER_MINUTES"]) == {"Starting": 20, "Training": 720}


def test_the_watch_reads_the_table_publishes_alerts_and_reads_no_sagemaker(synthesized):
    actions = {
        action
        for statement in synthesized.statements("watch")
        for action in (
            statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        )
    }
    # A claim is a transaction of a condition check and a put; marking it sent an update,
    # releasing it a delete.
    claims = {"dynamodb:ConditionCheckItem", "dynamodb:PutItem", "dynamodb:UpdateItem"}
    assert {"dynamodb:Query", "dynamodb:GetItem", "dynamodb:DeleteItem"} | claims <= actions
    assert "sns:Publish" in actions
    assert not [action for action in actions if action.startswith("sagemaker:")]
    assert not [action for action in actions if action in ("dynamodb:Scan", "sts:AssumeRole")]


def test_no_chat_resource_unless_a_channel_is_named(synthesized):
    assert synthesized.resources("AWS::Chatbot::SlackChannelConfiguration") == {}
    assert synthesized.resources("AWS::Chatbot::MicrosoftTeamsChannelConfiguration") == {}


def test_named_channels_subscribe_to_the_alert_topic_read_only(every_option):
    topic = {
        "Ref": every_option.stack.get_logical_id(every_option.stack.alerts.topic.node.default_child)
    }
    read_only = {
        "Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":iam::aws:policy/ReadOnlyAccess"]]
    }
    (slack,) = every_option.resources("AWS::Chatbot::SlackChannelConfiguration").values()
    (teams,) = every_option.resources("AWS::Chatbot::MicrosoftTeamsChannelConfiguration").values()
    for channel in (slack["Properties"], teams["Properties"]):
        assert channel["SnsTopicArns"] == [topic]
        assert channel["GuardrailPolicies"] == [read_only]
    assert slack["Properties"]["SlackWorkspaceId"] == "T0123ABCD"
    assert slack["Properties"]["SlackChannelId"] == "C0456EFGH"
    # As Teams shows it on the command line, URL-encoded as the chat service takes it.
    assert teams["Properties"]["TeamsChannelId"] == "19%3Aabc123%40thread.tacv2"
    # The channel's role: assumed by the chat service, read-only CloudWatch, nothing else.
    role_id = slack["Properties"]["IamRoleArn"]["Fn::GetAtt"][0]
    role = every_option.resources("AWS::IAM::Role")[role_id]["Properties"]
    principal = role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]
    assert principal == {"Service": "chatbot.amazonaws.com"}
    assert [arn["Fn::Join"][1][-1] for arn in role["ManagedPolicyArns"]] == [
        ":iam::aws:policy/CloudWatchReadOnlyAccess"
    ]
    attached = [
        policy
        for policy in every_option.resources("AWS::IAM::Policy").values()
        if {"Ref": role_id} in policy["Properties"]["Roles"]
    ]
    assert attached == []
