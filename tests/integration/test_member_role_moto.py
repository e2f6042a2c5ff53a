"""The member role's clients against moto: each reads its own account's jobs, and only them.

moto keeps one backend per account and picks it by the credentials: its STS AssumeRole
registers the credentials it issues with the role's account (moto 5.2 does not take a
12-digit access key id as an account by itself). moto does not evaluate trust or
permission policies (the member stack's tests check those as templates); what this
checks is that a job is read in its own account, through that account's role.
"""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from jobtracker.member_role import MemberRoleClients

from tests.fixtures.sagemaker import create_plain_job

REGION = "us-east-1"
MEMBER = "111111111111"
OTHER_MEMBER = "222222222222"


def client_of(account: str | None) -> Any:
    """A SageMaker client of `account` (None: the tracker's own, from the environment):
    a member's through a role of its own, as its training teams would have."""
    if account is None:
        return boto3.client("sagemaker", region_name=REGION)
    issued = boto3.client("sts", region_name=REGION).assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/training-team", RoleSessionName="team"
    )["Credentials"]
    return boto3.client(
        "sagemaker",
        region_name=REGION,
        aws_access_key_id=issued["AccessKeyId"],
        aws_secret_access_key=issued["SecretAccessKey"],
        aws_session_token=issued["SessionToken"],
    )


def arn_account(client: Any, name: str) -> str:
    return str(client.describe_training_job(TrainingJobName=name)["TrainingJobArn"].split(":")[4])


@pytest.mark.usefixtures("aws")
def test_each_member_client_reads_its_own_accounts_jobs():
    # Given the same job name in the tracker's account and in two members, and a job
    # only the first member has
    home = client_of(None)
    create_plain_job(home, "same-name", "123456789012")
    for account in (MEMBER, OTHER_MEMBER):
        create_plain_job(client_of(account), "same-name", account)
    create_plain_job(client_of(MEMBER), "member-only", MEMBER)
    # When the tracker reads them through each member's role
    clients = MemberRoleClients("jobtracker-reader", "aws")
    member, other = clients(MEMBER, REGION), clients(OTHER_MEMBER, REGION)
    # Then each member's client describes that member's job, never the tracker's
    assert arn_account(member, "same-name") == MEMBER
    assert arn_account(other, "same-name") == OTHER_MEMBER
    assert arn_account(home, "same-name") == "123456789012"
    assert arn_account(member, "member-only") == MEMBER
    # And lists only that member's jobs
    listed = member.list_training_jobs()["TrainingJobSummaries"]
    assert sorted(job["TrainingJobName"] for job in listed) == ["member-only", "same-name"]
    # And neither the tracker's own client nor another member's knows the member's job
    for client in (home, other):
        with pytest.raises(ClientError):
            client.describe_training_job(TrainingJobName="member-only")
