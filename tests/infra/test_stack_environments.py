"""Synthesis as `cdk deploy` runs it: the CLI puts the account and region in the env.

The other infra tests synthesize without an account (every ARN a token). A real deploy
synthesizes with a concrete account and region, and in China or GovCloud with another
partition: every cdk-nag check must pass in each of these, not only in the first.
"""

from __future__ import annotations

import json

import pytest
from aws_cdk import Environment
from aws_cdk.assertions import Annotations, Match

from tests.infra.conftest import Synthesized, synthesize

pytestmark = pytest.mark.infra

ACCOUNT = "123456789012"
ENVIRONMENTS = {
    "token": None,
    "eu-west-1": Environment(account=ACCOUNT, region="eu-west-1"),
    "aws-cn": Environment(account=ACCOUNT, region="cn-north-1"),
}


@pytest.fixture(scope="module", params=list(ENVIRONMENTS))
def deployed_env(request, tmp_path_factory) -> tuple[str, Synthesized]:
    outdir = tmp_path_factory.mktemp(f"env-{request.param}")
    return request.param, synthesize(outdir, env=ENVIRONMENTS[request.param])


def test_every_nag_check_passes_in_every_environment(deployed_env):
    _, synthesized = deployed_env
    annotations = Annotations.from_stack(synthesized.stack)
    finding = Match.string_like_regexp("AwsSolutions-.*")
    assert annotations.find_error("*", finding) == []
    assert annotations.find_warning("*", finding) == []


def test_the_job_arns_hold_the_environment_that_was_synthesized(deployed_env):
    # Proves each variant really synthesized the ARN form that the suppression must match.
    name, synthesized = deployed_env
    (resource,) = {
        json.dumps(statement["Resource"])
        for statement in synthesized.statements("ingest")
        if "sagemaker:DescribeTrainingJob" in statement["Action"]
    }
    if name == "token":
        assert '{"Ref": "AWS::AccountId"}' in resource
        assert ACCOUNT not in resource
    else:
        assert f":sagemaker:{ENVIRONMENTS[name].region}:{ACCOUNT}:training-job/*" in resource
