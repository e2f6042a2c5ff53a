"""Alert and ops topics: KMS-encrypted, TLS only, email subscriptions from context."""

import pytest
from aws_cdk.assertions import Annotations, Match

pytestmark = pytest.mark.infra


def test_topics_are_encrypted_with_a_rotated_key(synthesized):
    (key_id, key) = next(iter(synthesized.resources("AWS::KMS::Key").items()))
    assert key["Properties"]["EnableKeyRotation"] is True
    topics = synthesized.resources("AWS::SNS::Topic").values()
    assert len(topics) == 2
    for topic in topics:
        assert topic["Properties"]["KmsMasterKeyId"] == {"Fn::GetAtt": [key_id, "Arn"]}


def test_cloudwatch_may_use_the_key_to_publish_alarms(synthesized):
    (key,) = synthesized.resources("AWS::KMS::Key").values()
    statements = key["Properties"]["KeyPolicy"]["Statement"]
    assert any(
        statement.get("Principal") == {"Service": "cloudwatch.amazonaws.com"}
        and set(statement["Action"]) == {"kms:Decrypt", "kms:GenerateDataKey*"}
        for statement in statements
    )


def test_topics_refuse_requests_without_tls(synthesized):
    denied = synthesized.tls_only("AWS::SNS::TopicPolicy", "Topics")
    assert denied == set(synthesized.resources("AWS::SNS::Topic"))


def test_no_subscriptions_by_default(synthesized):
    assert synthesized.resources("AWS::SNS::Subscription") == {}


def test_emails_from_context_subscribe_to_their_topic(every_option):
    subscriptions = {
        (subscription["Properties"]["TopicArn"]["Ref"], subscription["Properties"]["Endpoint"])
        for subscription in every_option.resources("AWS::SNS::Subscription").values()
        if subscription["Properties"]["Protocol"] == "email"
    }
    topics = {name[: -len("XXXXXXXX")]: name for name in every_option.resources("AWS::SNS::Topic")}
    alert, ops = topics["AlertsAlertTopic"], topics["AlertsOpsTopic"]
    assert subscriptions == {
        (alert, "ml-platform@example.com"),
        (alert, "lead@example.com"),
        (ops, "oncall@example.com"),
    }


def test_synth_warns_when_nobody_is_subscribed(synthesized, every_option):
    def warnings(variant):
        return Annotations.from_stack(variant.stack).find_warning(
            "*", Match.string_like_regexp("Nobody is subscribed")
        )

    assert len(warnings(synthesized)) == 1
    assert warnings(every_option) == []
