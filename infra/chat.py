"""Optional: a Slack or Microsoft Teams channel of Amazon Q Developer in chat applications
subscribed to the alert topic (docs/alerts.md, "In chat").

Made only when the context names a channel. The workspace (Slack) or team (Teams) must
have been authorised once in the console; CloudFormation cannot do that step.
"""

from __future__ import annotations

from urllib.parse import quote

from aws_cdk import Stack
from aws_cdk import aws_chatbot as chatbot
from aws_cdk import aws_iam as iam
from constructs import Construct

from infra.alerts import Alerts
from infra.config import StackConfig
from infra.nag import suppress

# What anyone in the channel may do through it: read, never change.
GUARDRAIL_POLICY = "ReadOnlyAccess"
# What the channel's own role may read to render notifications and answer questions.
CHANNEL_ROLE_POLICY = "CloudWatchReadOnlyAccess"
MANAGED_POLICY_REASON = (
    "AWS's own read-only policies are what the chat service documents for a channel's "
    "role and guardrail; they are kept current by AWS as services are added, which a "
    "hand-written copy would not be."
)


def teams_channel_id(channel: str) -> str:
    """The channel ID as the chat service takes it, URL-encoded (`19%3a...%40thread.tacv2`),
    whether given as Teams shows it (`19:...@thread.tacv2`) or already encoded."""
    return channel if "%" in channel else quote(channel, safe="")


class ChatChannels(Construct):
    def __init__(
        self, scope: Construct, construct_id: str, *, config: StackConfig, alerts: Alerts
    ) -> None:
        super().__init__(scope, construct_id)
        guardrail = iam.ManagedPolicy.from_aws_managed_policy_name(GUARDRAIL_POLICY)
        self.role = iam.Role(
            self,
            "ChannelRole",
            assumed_by=iam.ServicePrincipal("chatbot.amazonaws.com"),
            managed_policies=[iam.ManagedPolicy.from_aws_managed_policy_name(CHANNEL_ROLE_POLICY)],
        )
        suppress(self.role, "AwsSolutions-IAM4", MANAGED_POLICY_REASON)
        # The configuration's name is its identity in the chat service: the stack's name
        # keeps two stacks in one account apart.
        name = f"{Stack.of(self).stack_name}-alerts"[:128]
        self.slack: chatbot.SlackChannelConfiguration | None = None
        self.teams: chatbot.CfnMicrosoftTeamsChannelConfiguration | None = None
        if config.slack_workspace_id:
            self.slack = chatbot.SlackChannelConfiguration(
                self,
                "Slack",
                slack_channel_configuration_name=name,
                slack_workspace_id=config.slack_workspace_id,
                slack_channel_id=config.slack_channel_id,
                notification_topics=[alerts.topic],
                guardrail_policies=[guardrail],
                role=self.role,
                logging_level=chatbot.LoggingLevel.ERROR,
            )
        if config.teams_team_id:
            self.teams = chatbot.CfnMicrosoftTeamsChannelConfiguration(
                self,
                "Teams",
                configuration_name=name,
                iam_role_arn=self.role.role_arn,
                team_id=config.teams_team_id,
                teams_channel_id=teams_channel_id(config.teams_channel_id),
                teams_tenant_id=config.teams_tenant_id,
                sns_topic_arns=[alerts.topic.topic_arn],
                guardrail_policies=[guardrail.managed_policy_arn],
                logging_level="ERROR",
            )
