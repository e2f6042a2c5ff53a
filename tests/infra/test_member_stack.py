"""The member stack: a forwarding rule and a read-only role, as one StackSets template.

Synthesized environment-agnostic (as StackSets deploy it) and for one concrete account
and region (as `cdk deploy` per account does), each checked by cdk-nag and cfn-lint.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk import App, Environment
from aws_cdk.assertions import Annotations, Match, Template
from cfnlint.api import lint_all

from infra.config import ConfigError, MemberConfig, is_member
from infra.event_pattern import EVENT_PATTERN
from infra.member_stack import MemberStack
from infra.members import MEMBER_READ_ACTIONS
from tests.infra.conftest import DEFAULT_CONTEXT

pytestmark = pytest.mark.infra

TRACKER = "123456789012"
TRACKER_REGION = "eu-west-1"
MEMBER_CONTEXT = {
    "member": "true",
    "tracker_account": TRACKER,
    "tracker_region": TRACKER_REGION,
}


def synthesize(env: Environment | None = None, **context: Any) -> MemberStack:
    app = App(context={**DEFAULT_CONTEXT, **MEMBER_CONTEXT, **context})
    stack = MemberStack(
        app, "JobTrackerMember", config=MemberConfig.from_context(app.node), env=env
    )
    app.synth()
    return stack


ENVIRONMENTS = {
    # As StackSets deploy it, and as `cdk deploy` synthesizes it (also in another partition).
    "agnostic": None,
    "concrete": Environment(account="111111111111", region="us-east-1"),
    "aws-cn": Environment(account="111111111111", region="cn-north-1"),
}


@pytest.fixture(scope="module", params=list(ENVIRONMENTS))
def member(request) -> MemberStack:
    return synthesize(ENVIRONMENTS[request.param])


def resolved(template: Template) -> dict[str, Any]:
    return template.to_json()


def only(template: Template, kind: str) -> tuple[str, dict[str, Any]]:
    (item,) = template.find_resources(kind).items()
    return item


def roles(template: Template) -> dict[str, dict[str, Any]]:
    return template.find_resources("AWS::IAM::Role")


def member_role(template: Template) -> dict[str, Any]:
    (role,) = [r for r in roles(template).values() if "RoleName" in r["Properties"]]
    return role


def joined(value: Any) -> str:
    """An ARN as CloudFormation joins it, with pseudo parameters as <AWS::Name>."""
    if isinstance(value, str):
        return value
    if "Fn::Join" in value:
        return "".join(joined(part) for part in value["Fn::Join"][1])
    if "Ref" in value:
        return f"<{value['Ref']}>"
    raise AssertionError(f"not an ARN: {value}")


def test_the_rule_forwards_the_trackers_pattern_to_the_trackers_default_bus(member):
    template = Template.from_stack(member)
    _, rule = only(template, "AWS::Events::Rule")
    assert rule["Properties"]["EventPattern"] == EVENT_PATTERN
    assert "EventBusName" not in rule["Properties"]  # the member's default bus
    (target,) = rule["Properties"]["Targets"]
    bus = f"arn:<AWS::Partition>:events:{TRACKER_REGION}:{TRACKER}:event-bus/default"
    assert joined(target["Arn"]) == bus
    # Delivered with a role that may put events on that bus, and nothing else
    role_id = target["RoleArn"]["Fn::GetAtt"][0]
    (policy,) = [
        p
        for p in template.find_resources("AWS::IAM::Policy").values()
        if p["Properties"]["Roles"] == [{"Ref": role_id}]
    ]
    (statement,) = policy["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Action"] == "events:PutEvents"
    assert joined(statement["Resource"]) == bus
    trust = roles(template)[role_id]["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert [s["Principal"] for s in trust] == [{"Service": "events.amazonaws.com"}]


def test_the_member_role_is_trusted_only_by_the_trackers_function_roles(member):
    role = member_role(Template.from_stack(member))["Properties"]
    (statement,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert statement["Action"] == "sts:AssumeRole"
    assert joined(statement["Principal"]["AWS"]) == f"arn:<AWS::Partition>:iam::{TRACKER}:root"
    (condition,) = statement["Condition"].items()
    operator, keys = condition
    assert operator == "ArnLike"
    assert {k: joined(v) for k, v in keys.items()} == {
        "aws:PrincipalArn": f"arn:<AWS::Partition>:iam::{TRACKER}:role/jobtracker/JobTracker/*"
    }
    assert "sts:ExternalId" not in json.dumps(statement)


def test_the_member_role_reads_training_jobs_and_nothing_else(member):
    role = member_role(Template.from_stack(member))["Properties"]
    assert role["RoleName"] == "jobtracker-reader"
    statements = [
        statement
        for policy in role["Policies"]
        for statement in policy["PolicyDocument"]["Statement"]
    ]
    granted = {
        action: statement["Resource"]
        for statement in statements
        for action in (
            statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        )
    }
    assert set(granted) == set(MEMBER_READ_ACTIONS)
    assert all(statement["Effect"] == "Allow" for statement in statements)
    assert granted["sagemaker:ListTrainingJobs"] == "*"  # no resource-level permission exists
    for action in ("sagemaker:DescribeTrainingJob", "sagemaker:ListTags"):
        assert joined(granted[action]).endswith(":training-job/*")
        assert ":sagemaker:*:" in joined(granted[action])  # one role, every region


def test_conditions_make_one_template_fit_every_account_and_region(member):
    template = resolved(Template.from_stack(member))
    conditions = template["Conditions"]
    # The rule everywhere but the tracker's own account and region (it would loop there)
    assert conditions["ForwardsEvents"] == {
        "Fn::Not": [
            {
                "Fn::And": [
                    {"Fn::Equals": [{"Ref": "AWS::AccountId"}, TRACKER]},
                    {"Fn::Equals": [{"Ref": "AWS::Region"}, TRACKER_REGION]},
                ]
            }
        ]
    }
    # The (global) role in one region per account only
    assert conditions["HoldsMemberRole"] == {"Fn::Equals": [{"Ref": "AWS::Region"}, TRACKER_REGION]}
    by_condition: dict[str, set[str]] = {}
    for resource in template["Resources"].values():
        by_condition.setdefault(resource.get("Condition", "none"), set()).add(resource["Type"])
    assert by_condition == {
        "ForwardsEvents": {"AWS::Events::Rule", "AWS::IAM::Role", "AWS::IAM::Policy"},
        "HoldsMemberRole": {"AWS::IAM::Role"},
    }


def test_the_template_needs_no_bootstrap_in_the_member_account(member):
    template = resolved(Template.from_stack(member))
    assert "BootstrapVersion" not in template.get("Parameters", {})
    assert "CheckBootstrapVersion" not in template.get("Rules", {})


def test_no_unsuppressed_finding_and_every_suppression_explained(member):
    annotations = Annotations.from_stack(member)
    finding = Match.string_like_regexp("AwsSolutions-.*")
    assert annotations.find_error("*", finding) == []
    assert annotations.find_warning("*", finding) == []
    suppressions = [
        rule
        for resource in resolved(Template.from_stack(member))["Resources"].values()
        for rule in resource.get("Metadata", {}).get("cdk_nag", {}).get("rules_to_suppress", [])
    ]
    assert {rule["id"] for rule in suppressions} == {"AwsSolutions-IAM5"}
    assert all(len(rule["reason"]) >= 60 for rule in suppressions)


def test_cfn_lint_finds_no_error(member):
    matches = lint_all(json.dumps(resolved(Template.from_stack(member))))
    assert [f"{m.rule.id} {m.message}" for m in matches if m.rule.id.startswith("E")] == []


def test_names_and_regions_are_configurable():
    stack = synthesize(
        tracker_stack_name="JobTrackerStaging",
        member_role_name="jobtracker-staging-reader",
        member_role_region="us-east-1",
    )
    template = Template.from_stack(stack)
    role = member_role(template)["Properties"]
    assert role["RoleName"] == "jobtracker-staging-reader"
    (statement,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert joined(statement["Condition"]["ArnLike"]["aws:PrincipalArn"]).endswith(
        ":role/jobtracker/JobTrackerStaging/*"
    )
    assert resolved(template)["Conditions"]["HoldsMemberRole"] == {
        "Fn::Equals": [{"Ref": "AWS::Region"}, "us-east-1"]
    }


@pytest.mark.parametrize(
    ("context", "message"),
    [
        ({"tracker_account": None}, "-c tracker_account="),
        ({"tracker_region": ""}, "-c tracker_region="),
        ({"tracker_account": "12345"}, "tracker_account"),
        ({"tracker_region": "Ireland"}, "tracker_region"),
        ({"member_role_name": "no spaces allowed"}, "member_role_name"),
        ({"tracker_stack_name": "1starts-with-a-digit"}, "tracker_stack_name"),
        ({"member_role_region": "eu_west_1"}, "member_role_region"),
    ],
)
def test_bad_member_context_stops_synthesis_naming_the_key(context, message):
    with pytest.raises(ConfigError, match=message):
        MemberConfig.from_mapping({**DEFAULT_CONTEXT, **MEMBER_CONTEXT, **context})


@pytest.mark.parametrize(
    ("value", "expected"), [(None, False), ("false", False), ("true", True), (True, True)]
)
def test_member_context_selects_the_stack(value, expected):
    app = App(context={} if value is None else {"member": value})
    assert is_member(app.node) is expected


def test_a_member_value_that_is_not_a_boolean_is_refused():
    with pytest.raises(ConfigError, match="member must be true or false"):
        is_member(App(context={"member": "yes"}).node)


def test_the_member_role_is_the_one_deliberate_physical_name(member):
    named = {
        (resource["Type"], key)
        for resource in resolved(Template.from_stack(member))["Resources"].values()
        for key in resource["Properties"]
        # A policy's name is the role's own business, not an account-wide name.
        if key.endswith("Name")
        and key != "PolicyName"
        and isinstance(resource["Properties"][key], str)
    }
    assert named == {("AWS::IAM::Role", "RoleName")}
