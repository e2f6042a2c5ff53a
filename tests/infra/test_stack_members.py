"""The tracker's side of member accounts: whom the member role trusts, what may assume it.

The trust is checked across the two templates: the tracker's function role ARNs, as
IAM will form them from each role's path, must match the member role's condition, and
no other role of the tracker may.
"""

from __future__ import annotations

import fnmatch
import json
from typing import Any

import pytest
from aws_cdk import App, Environment
from aws_cdk.assertions import Annotations, Match, Template

from infra.config import MemberConfig, StackConfig
from infra.member_stack import MemberStack
from infra.stack import JobTrackerStack
from tests.infra.conftest import DEFAULT_CONTEXT, EVERY_OPTION

pytestmark = pytest.mark.infra

TRACKER = "123456789012"
MEMBERS = ("111111111111", "222222222222")


def role_of(synthesized: Any, package: str) -> dict[str, Any]:
    role_id = synthesized.function(package)[1]["Role"]["Fn::GetAtt"][0]
    return synthesized.resources("AWS::IAM::Role")[role_id]["Properties"]


def assume_targets(synthesized: Any, package: str) -> list[str]:
    return sorted(
        json.dumps(resource)
        for statement in synthesized.statements(package)
        if "sts:AssumeRole" in statement["Action"]
        for resource in (
            statement["Resource"]
            if isinstance(statement["Resource"], list)
            else [statement["Resource"]]
        )
    )


def member_role_arn(account: str) -> str:
    return json.dumps(
        {
            "Fn::Join": [
                "",
                ["arn:", {"Ref": "AWS::Partition"}, f":iam::{account}:role/jobtracker-reader"],
            ]
        }
    )


@pytest.mark.parametrize("package", ["ingest", "reconcile"])
def test_writers_may_assume_the_member_role_of_each_source_account_only(every_option, package):
    assert assume_targets(every_option, package) == sorted(map(member_role_arn, MEMBERS))


def test_the_api_assumes_nothing_and_nothing_is_assumed_without_members(synthesized, every_option):
    assert assume_targets(every_option, "api") == []
    for package in ("ingest", "reconcile", "api"):
        assert assume_targets(synthesized, package) == []


def test_only_the_writers_roles_are_on_the_path_member_roles_trust(every_option):
    assert role_of(every_option, "ingest")["Path"] == "/jobtracker/JobTracker/"
    assert role_of(every_option, "reconcile")["Path"] == "/jobtracker/JobTracker/"
    assert "Path" not in role_of(every_option, "api")
    on_path = [
        role
        for role in every_option.resources("AWS::IAM::Role").values()
        if role["Properties"].get("Path") == "/jobtracker/JobTracker/"
    ]
    assert len(on_path) == 2


def test_the_member_roles_condition_admits_the_writers_roles_and_no_other(every_option):
    # Given the member stack for this tracker
    app = App(
        context={**DEFAULT_CONTEXT, "tracker_account": TRACKER, "tracker_region": "eu-west-1"}
    )
    member = MemberStack(app, "JobTrackerMember", config=MemberConfig.from_context(app.node))
    trust = Template.from_stack(member).to_json()["Resources"]
    (role,) = [r for r in trust.values() if "RoleName" in r.get("Properties", {})]
    (statement,) = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    parts = statement["Condition"]["ArnLike"]["aws:PrincipalArn"]["Fn::Join"][1]
    pattern = "".join("aws" if part == {"Ref": "AWS::Partition"} else part for part in parts)
    # When IAM forms the ARN of each tracker role: path, then a generated name
    arns = {
        package: f"arn:aws:iam::{TRACKER}:role{role_of(every_option, package).get('Path', '/')}"
        f"JobTracker-{package.title()}Role-ABC123"
        for package in ("ingest", "reconcile", "api")
    }
    # Then the writers' roles match the condition, the api's does not, nor another account's
    assert fnmatch.fnmatchcase(arns["ingest"], pattern)
    assert fnmatch.fnmatchcase(arns["reconcile"], pattern)
    assert not fnmatch.fnmatchcase(arns["api"], pattern)
    assert not fnmatch.fnmatchcase(arns["ingest"].replace(TRACKER, MEMBERS[0]), pattern)


def test_writers_know_how_to_reach_members_and_the_reconciler_where_to_walk(every_option):
    for package in ("ingest", "reconcile"):
        environment = every_option.function(package)[1]["Environment"]["Variables"]
        assert environment["MEMBER_ACCESS"] == "assume-role"
        assert environment["MEMBER_ROLE_NAME"] == "jobtracker-reader"
    places = every_option.function("reconcile")[1]["Environment"]["Variables"]["MEMBER_PLACES"]
    joined = "".join(p if isinstance(p, str) else "<account>" for p in places["Fn::Join"][1])
    assert sorted(joined.split(",")) == sorted(
        [f"{a}:{r}" for a in MEMBERS for r in ("eu-west-1", "us-east-1")]
        + [f"<account>:{r}" for r in ("eu-west-1", "us-east-1")]
    )


def test_own_jobs_are_read_in_every_source_region(every_option, synthesized):
    def job_resources(synthesized: Any) -> set[str]:
        return {
            json.dumps(statement["Resource"])
            for statement in synthesized.statements("reconcile")
            if "sagemaker:DescribeTrainingJob" in statement["Action"]
        }

    (everywhere,) = job_resources(every_option)
    assert ":sagemaker:*:" in everywhere
    (home_only,) = job_resources(synthesized)
    assert ":sagemaker:*:" not in home_only and "AWS::Region" in home_only


def test_a_concrete_account_and_region_synthesize_nag_clean(tmp_path):
    # The deployed case: CDK_DEFAULT_ACCOUNT/REGION make ARNs literal, not pseudo
    # parameters; every suppression must match those too.
    app = App(outdir=str(tmp_path), context={**DEFAULT_CONTEXT, **EVERY_OPTION})
    stack = JobTrackerStack(
        app,
        "JobTracker",
        config=StackConfig.from_context(app.node),
        env=Environment(account=TRACKER, region="eu-west-1"),
    )
    app.synth()
    finding = Match.string_like_regexp("AwsSolutions-.*")
    annotations = Annotations.from_stack(stack)
    assert annotations.find_error("*", finding) == []
    assert annotations.find_warning("*", finding) == []
    bus_policies = Template.from_stack(stack).find_resources("AWS::Events::EventBusPolicy")
    for policy in bus_policies.values():
        resource = json.dumps(policy["Properties"]["Statement"]["Resource"])
        assert f":events:eu-west-1:{TRACKER}:event-bus/default" in resource
