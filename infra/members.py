"""What the tracker stack and the member stack must agree on, defined once for both.

The tracker assumes a read-only role in each member account. It forms that role's ARN
from the account id and `member_role_name`, so the role has a known name: a deliberate
exception to "no physical names" (one such role per member account, whatever the number
of trackers; `-c member_role_name=...` gives a second tracker its own). The member role
trusts the tracker's ingest and reconcile roles by their IAM path, which carries the
tracker's stack name: the member can be deployed before the tracker and keeps working
when a tracker role is replaced (a role principal in a trust policy would not).
"""

from __future__ import annotations

from aws_cdk import Aws
from aws_cdk import aws_iam as iam

LIST_TRAINING_JOBS = "sagemaker:ListTrainingJobs"
# Why LIST_TRAINING_JOBS is granted on '*', wherever it is (cdk-nag AwsSolutions-IAM5).
LIST_TRAINING_JOBS_REASON = (
    "sagemaker:ListTrainingJobs supports no resource-level permissions; it reads "
    "job names and statuses only."
)
# What the tracker reads in a member account: the enricher describes, the reconciler
# lists, describes and lists tags. Nothing else.
MEMBER_READ_ACTIONS = ("sagemaker:DescribeTrainingJob", LIST_TRAINING_JOBS, "sagemaker:ListTags")


def tracker_role_path(tracker_stack_name: str) -> str:
    """The IAM path of the tracker roles that may assume member roles."""
    return f"/jobtracker/{tracker_stack_name}/"


def tracker_role_arn_pattern(tracker_account: str, tracker_stack_name: str) -> str:
    """Every role under that path in the tracker account (the ingest and reconcile roles)."""
    return (
        f"arn:{Aws.PARTITION}:iam::{tracker_account}:role{tracker_role_path(tracker_stack_name)}*"
    )


def member_role_arn(account: str, role_name: str) -> str:
    return f"arn:{Aws.PARTITION}:iam::{account}:role/{role_name}"


def default_bus_arn(account: str, region: str) -> str:
    return f"arn:{Aws.PARTITION}:events:{region}:{account}:event-bus/default"


def grant_assume_member_roles(role: iam.IRole, accounts: tuple[str, ...], role_name: str) -> None:
    """sts:AssumeRole on the member role of each source account, and on nothing else.

    An account of the organization that is not listed can still forward its events
    (`organization_id`); its jobs are then stored from the events, pending, and counted
    as member failures until the account is added to `source_accounts`.
    """
    if accounts:
        role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["sts:AssumeRole"],
                resources=[member_role_arn(account, role_name) for account in accounts],
            )
        )
