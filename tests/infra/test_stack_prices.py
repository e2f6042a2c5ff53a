"""The price refresh: its schedule, its one permission on the Price List API, and the
pricing terms and budgets the functions are deployed with."""

import json

import pytest
from aws_cdk import App, Environment
from aws_cdk.assertions import Template

from infra.config import ConfigError, StackConfig
from infra.stack import JobTrackerStack
from tests.infra.conftest import DEFAULT_CONTEXT

pytestmark = pytest.mark.infra


def test_the_refresh_runs_daily_with_a_dead_letter_queue(synthesized):
    function_id, _ = synthesized.function("prices")
    rules = [
        rule["Properties"]
        for rule in synthesized.resources("AWS::Events::Rule").values()
        if any(
            target["Arn"] == {"Fn::GetAtt": [function_id, "Arn"]}
            for target in rule["Properties"].get("Targets", [])
        )
    ]
    assert [rule["ScheduleExpression"] for rule in rules] == ["rate(1 day)"]
    (target,) = rules[0]["Targets"]
    assert "DeadLetterConfig" in target and target["RetryPolicy"]["MaximumRetryAttempts"] == 2


def test_get_products_is_granted_alone_on_its_own_policy(synthesized):
    # The Price List API has no resource-level permissions: '*' is the only resource, and
    # only this function, on a policy of its own that cdk-nag's suppression names.
    holders = [
        policy
        for policy in synthesized.resources("AWS::IAM::Policy").values()
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        if "pricing:GetProducts" in json.dumps(statement["Action"])
    ]
    assert len(holders) == 1
    (statement,) = holders[0]["Properties"]["PolicyDocument"]["Statement"]
    assert statement == {"Action": "pricing:GetProducts", "Effect": "Allow", "Resource": "*"}
    role = synthesized.function("prices")[1]["Role"]["Fn::GetAtt"][0]
    assert holders[0]["Properties"]["Roles"] == [{"Ref": role}]
    reasons = json.dumps(holders[0].get("Metadata", {}))
    assert "no resource-level permissions" in reasons


def synth(**context):
    app = App(context={**DEFAULT_CONTEXT, **context})
    config = StackConfig.from_context(app.node)
    stack = JobTrackerStack(
        app, "Priced", config=config, env=Environment(account="123456789012", region="us-east-1")
    )
    return Template.from_stack(stack)


def test_terms_and_budgets_reach_the_functions():
    template = synth(
        price_overrides='{"ml.p3.2xlarge": 2.5}',
        price_discount_percent=12.5,
        cost_tags="team,cost-center",
        budgets={"tag:team=vision": 5000, "account=210987654321": 20000},
        source_regions="eu-west-1",
    )
    functions = template.find_resources("AWS::Lambda::Function")
    by_package = {
        f["Properties"]["Handler"].split(".")[0]: f["Properties"]["Environment"]["Variables"]
        for f in functions.values()
    }
    for writer in ("ingest", "reconcile"):
        assert json.loads(by_package[writer]["PRICE_OVERRIDES"]) == {"ml.p3.2xlarge": 2.5}
        assert by_package[writer]["PRICE_DISCOUNT_PERCENT"] == "12.5"
        assert by_package[writer]["COST_TAGS"] == "team,cost-center"
    assert by_package["api"]["COST_TAGS"] == "team,cost-center"
    assert json.loads(by_package["reconcile"]["BUDGETS"]) == {
        "account=210987654321": 20000,
        "tag:team=vision": 5000,
    }
    assert "BUDGETS" not in by_package["ingest"]
    # the refresh fetches every region jobs are tracked in: the tracker's and the sources'
    assert by_package["prices"]["PRICE_REGIONS"] == "eu-west-1,us-east-1"
    # and the reconciler, which checks the budgets, may query their groups' items
    assert "dynamodb:Query" in table_actions(template, "reconcile")


def table_actions(template, package):
    """The DynamoDB actions the function's role is granted on the table itself."""
    (role,) = [
        f["Properties"]["Role"]["Fn::GetAtt"][0]
        for f in template.find_resources("AWS::Lambda::Function").values()
        if f["Properties"]["Handler"] == f"{package}.handler.handler"
    ]
    actions = set()
    for policy in template.find_resources("AWS::IAM::Policy").values():
        if {"Ref": role} not in policy["Properties"]["Roles"]:
            continue
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            resources = (
                statement["Resource"]
                if isinstance(statement["Resource"], list)
                else [statement["Resource"]]
            )
            if any("index" not in json.dumps(r) and "Table" in json.dumps(r) for r in resources):
                listed = (
                    statement["Action"]
                    if isinstance(statement["Action"], list)
                    else [statement["Action"]]
                )
                actions |= {a for a in listed if a.startswith("dynamodb:")}
    return actions


@pytest.mark.parametrize(
    ("context", "says"),
    [
        ({"price_discount_percent": 100}, "price_discount_percent must be 0 to below 100"),
        ({"price_overrides": '{"p3": 2}'}, "price_overrides: 'p3' is not of the form"),
        ({"price_overrides": "{nope"}, "price_overrides: not JSON"),
        ({"budgets": {"tag:team=vision": 0}}, "must be a positive USD amount"),
        ({"budgets": {"tag:owner=me": 10}}, "names a tag that is not in cost_tags"),
        ({"budgets": {"team=vision": 10}}, "is not of the form"),
    ],
)
def test_terms_a_deploy_cannot_keep_stop_the_synth(context, says):
    with pytest.raises(ConfigError, match=says):
        StackConfig.from_mapping({**DEFAULT_CONTEXT, **context})
