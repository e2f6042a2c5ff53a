"""The alert topic (job failures, for people and machines) and the ops topic (alarms)."""

from __future__ import annotations

from aws_cdk import ArnFormat, Stack
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
        self.topic = self.encrypted_topic("AlertTopic", "jobtracker alerts", config.alert_emails)
        self.ops_topic = self.encrypted_topic("OpsTopic", "jobtracker ops", config.ops_emails)
        self.allow_alarms_to_publish()

    def allow_alarms_to_publish(self) -> None:
        """CloudWatch alarms of this account may publish to the ops topic, through its key.

        The topic's policy (enforce_ssl) replaces SNS's default policy and holds only a Deny:
        without this Allow no alarm would reach anyone. The conditions keep any other
        account's alarms out (the confused-deputy guard AWS recommends for service principals).
        """
        stack = Stack.of(self)
        cloudwatch = iam.ServicePrincipal("cloudwatch.amazonaws.com")
        this_accounts_alarms = {
            "StringEquals": {"aws:SourceAccount": stack.account},
            "ArnLike": {
                "aws:SourceArn": stack.format_arn(
                    service="cloudwatch",
                    resource="alarm",
                    resource_name="*",
                    arn_format=ArnFormat.COLON_RESOURCE_NAME,
                )
            },
        }
        self.ops_topic.add_to_resource_policy(
            iam.PolicyStatement(
                sid="CloudWatchAlarmsPublish",
                principals=[cloudwatch],
                actions=["sns:Publish"],
                resources=[self.ops_topic.topic_arn],
                conditions=this_accounts_alarms,
            )
        )
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="CloudWatchAlarmsUseKey",
                principals=[cloudwatch],
                actions=["kms:Decrypt", "kms:GenerateDataKey*"],
                resources=["*"],
                conditions=this_accounts_alarms,
            )
        )

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
