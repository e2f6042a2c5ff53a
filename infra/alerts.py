"""The alert topic (job failures, for people and machines) and the ops topic (alarms)."""

from __future__ import annotations

from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

from infra.config import StackConfig
from infra.nag import suppress


class Alerts(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, config: StackConfig) -> None:
        super().__init__(scope, construct_id)
        self.key = kms.Key(
            self,
            "TopicKey",
            description="Encrypts jobtracker's alert and ops topics",
            enable_key_rotation=True,
        )
        # CloudWatch alarms publish to the ops topic, so the service must use the key.
        self.key.grant(
            iam.ServicePrincipal("cloudwatch.amazonaws.com"), "kms:Decrypt", "kms:GenerateDataKey*"
        )
        self.topic = self.encrypted_topic("AlertTopic", "jobtracker alerts", config.alert_emails)
        self.ops_topic = self.encrypted_topic("OpsTopic", "jobtracker ops", config.ops_emails)

    def grant_publish(self, function: lambda_.Function) -> None:
        """Publish to the alert topic, which needs the topic key's data-key actions."""
        self.topic.grant_publish(function)
        assert function.role is not None
        suppress(
            function.role,
            "AwsSolutions-IAM5",
            "Publishing to a KMS-encrypted topic needs kms:GenerateDataKey* on its key; the "
            "resource is that one key.",
            "Action::kms:GenerateDataKey*",
        )

    def encrypted_topic(
        self, construct_id: str, display_name: str, emails: tuple[str, ...]
    ) -> sns.Topic:
        topic = sns.Topic(
            self, construct_id, display_name=display_name, master_key=self.key, enforce_ssl=True
        )
        for email in emails:
            topic.add_subscription(subscriptions.EmailSubscription(email))
        return topic
