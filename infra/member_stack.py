"""The stack of a member account: SageMaker's events forwarded, and a role to read its jobs.

One template serves every account and region of an organization (CloudFormation
StackSets deploy it unchanged), so what differs is decided by CloudFormation conditions,
not at synthesis:

- the forwarding rule, in every region but the tracker's own region of the tracker's
  account (there the tracker's rule already sees the events; a rule sending the default
  bus to itself would be a loop);
- the read-only role, only in `member_role_region`: IAM is global, one role per account
  serves every region, and a second region creating it would fail on its name.
"""

from __future__ import annotations

from typing import Any

from aws_cdk import (
    Aspects,
    Aws,
    BootstraplessSynthesizer,
    CfnCondition,
    CfnOutput,
    CfnResource,
    Fn,
    Stack,
)
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from cdk_nag import AwsSolutionsChecks
from constructs import Construct, IConstruct

from infra.config import MemberConfig
from infra.ingest import event_pattern
from infra.members import (
    LIST_TRAINING_JOBS,
    LIST_TRAINING_JOBS_REASON,
    MEMBER_READ_ACTIONS,
    default_bus_arn,
    tracker_role_arn_pattern,
)
from infra.nag import suppress


class MemberStack(Stack):
    def __init__(
        self, scope: Construct, construct_id: str, *, config: MemberConfig, **kwargs: Any
    ) -> None:
        # StackSets deploy to accounts that were never bootstrapped, and the stack has no
        # assets: no bootstrap version check, no deployment roles (`cdk deploy` of it uses
        # the caller's own credentials).
        kwargs.setdefault("synthesizer", BootstraplessSynthesizer())
        super().__init__(scope, construct_id, **kwargs)
        self.forwards = CfnCondition(
            self,
            "ForwardsEvents",
            expression=Fn.condition_not(
                Fn.condition_and(
                    Fn.condition_equals(Aws.ACCOUNT_ID, config.tracker_account),
                    Fn.condition_equals(Aws.REGION, config.tracker_region),
                )
            ),
        )
        self.holds_role = CfnCondition(
            self,
            "HoldsMemberRole",
            expression=Fn.condition_equals(Aws.REGION, config.member_role_region),
        )
        self.forward_rule = self.forward_events(config)
        self.member_role = self.reader_role(config)
        CfnOutput(self, "ForwardRuleArn", value=self.forward_rule.rule_arn, condition=self.forwards)
        CfnOutput(self, "MemberRoleArn", value=self.member_role.role_arn, condition=self.holds_role)
        # Always on, as on the tracker stack.
        Aspects.of(self).add(AwsSolutionsChecks(verbose=True))

    def forward_events(self, config: MemberConfig) -> events.Rule:
        """The tracker's rule, on this account's default bus, sending to the tracker's bus.

        A bus target in another account or region: EventBridge delivers with the role,
        which may put events on that one bus only; the tracker's bus policy admits this
        account. Events keep their `account` and `region`: the tracker tells them apart.
        """
        tracker_bus = events.EventBus.from_event_bus_arn(
            self,
            "TrackerBus",
            default_bus_arn(config.tracker_account, config.tracker_region),
        )
        role = iam.Role(
            self,
            "ForwardRole",
            assumed_by=iam.ServicePrincipal("events.amazonaws.com"),
            description="Puts this account's SageMaker training job events on the tracker's bus",
        )
        rule = events.Rule(
            self,
            "ForwardRule",
            description="Forwards SageMaker training job state changes to jobtracker",
            event_pattern=event_pattern(),
            targets=[targets.EventBus(tracker_bus, role=role)],
        )
        for construct in (role, rule):
            only_if(construct, self.forwards)
        return rule

    def reader_role(self, config: MemberConfig) -> iam.Role:
        pattern = tracker_role_arn_pattern(config.tracker_account, config.tracker_stack_name)
        job_arns = self.format_arn(
            service="sagemaker", region="*", resource="training-job", resource_name="*"
        )
        role = iam.Role(
            self,
            "MemberRole",
            # The tracker forms this role's ARN from the account id: a known name, by design
            # (infra/members.py).
            role_name=config.member_role_name,
            description="jobtracker reads this account's SageMaker training jobs",
            assumed_by=iam.AccountPrincipal(config.tracker_account).with_conditions(
                {"ArnLike": {"aws:PrincipalArn": pattern}}
            ),
            inline_policies={
                "ReadTrainingJobs": iam.PolicyDocument(
                    statements=[
                        iam.PolicyStatement(
                            actions=[a for a in MEMBER_READ_ACTIONS if a != LIST_TRAINING_JOBS],
                            resources=[job_arns],
                        ),
                        iam.PolicyStatement(actions=[LIST_TRAINING_JOBS], resources=["*"]),
                    ]
                )
            },
        )
        only_if(role, self.holds_role)
        suppress(
            role,
            "AwsSolutions-IAM5",
            "Training job names are not known at deploy time, and one role serves every "
            "region of the account: read-only actions on this account's training jobs.",
            # Tokens, or literals when the stack has a concrete account and region.
            r"/^Resource::arn:(<AWS::Partition>|aws[a-z-]*):sagemaker:\*:(<AWS::AccountId>|\d{12}):"
            r"training-job\/\*$/",
        )
        suppress(role, "AwsSolutions-IAM5", LIST_TRAINING_JOBS_REASON, "Resource::*")
        return role


def only_if(construct: IConstruct, condition: CfnCondition) -> None:
    """Every CloudFormation resource under `construct` exists only where `condition` holds."""
    for child in construct.node.find_all():
        if isinstance(child, CfnResource):
            child.cfn_options.condition = condition
