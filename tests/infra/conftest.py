"""Synthesize the stack once per session, with cdk.json's defaults and with every option."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, Environment
from aws_cdk.assertions import Template

from infra.config import StackConfig
from infra.stack import JobTrackerStack

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CONTEXT: dict[str, Any] = json.loads((ROOT / "cdk.json").read_text())["context"]
EVERY_OPTION = {
    "alert_emails": ["ml-platform@example.com", "lead@example.com"],
    "ops_emails": "oncall@example.com",
    "source_accounts": "111111111111,222222222222",
    "source_regions": "eu-west-1,us-east-1",
    "organization_id": "o-a1b2c3d4e5",
    "alert_kinds": "Failed,MaxRuntimeExceeded,Stopped",
    "archive_retention_days": 90,
    "store_environment_values": "true",
    "ingest_max_concurrency": 20,
    "ingest_reserve_concurrency": "false",
    "watch_interval_minutes": 10,
    "stuck_after_minutes": '{"Starting": 20, "Training": 720}',
    "slack_workspace_id": "T0123ABCD",
    "slack_channel_id": "C0456EFGH",
    "teams_tenant_id": "11111111-2222-3333-4444-555555555555",
    "teams_team_id": "66666666-7777-8888-9999-000000000000",
    "teams_channel_id": "19:abc123@thread.tacv2",
}


@dataclass(frozen=True)
class Synthesized:
    stack: JobTrackerStack
    template: Template
    outdir: Path

    def resources(self, kind: str) -> dict[str, dict[str, Any]]:
        return self.template.find_resources(kind)

    def function(self, package: str) -> tuple[str, dict[str, Any]]:
        """The logical id and properties of the function of functions/<package>/."""
        for logical_id, resource in self.resources("AWS::Lambda::Function").items():
            if resource["Properties"]["Handler"] == f"{package}.handler.handler":
                return logical_id, resource["Properties"]
        raise AssertionError(f"no {package} function")

    def statements(self, package: str) -> list[dict[str, Any]]:
        """Every IAM statement of the function's role, from all policies attached to it."""
        role = self.function(package)[1]["Role"]["Fn::GetAtt"][0]
        return [
            statement
            for policy in self.resources("AWS::IAM::Policy").values()
            if {"Ref": role} in policy["Properties"]["Roles"]
            for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        ]

    def tls_only(self, policy_type: str, targets: str) -> set[str]:
        """Logical ids that a policy of `policy_type` denies any request without TLS."""
        denied = set()
        for policy in self.resources(policy_type).values():
            for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
                if statement["Effect"] == "Deny" and statement.get("Condition") == {
                    "Bool": {"aws:SecureTransport": "false"}
                }:
                    denied |= {target["Ref"] for target in policy["Properties"][targets]}
        return denied


def synthesize(outdir: Path, env: Environment | None = None, **context: Any) -> Synthesized:
    """`env` as app.py passes it when the CDK CLI knows the account and region."""
    app = App(outdir=str(outdir), context={**DEFAULT_CONTEXT, **context})
    stack = JobTrackerStack(app, "JobTracker", config=StackConfig.from_context(app.node), env=env)
    app.synth()
    return Synthesized(stack=stack, template=Template.from_stack(stack), outdir=outdir)


@pytest.fixture(scope="session")
def synthesized(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    return synthesize(tmp_path_factory.mktemp("default"))


@pytest.fixture(scope="session")
def every_option(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    return synthesize(tmp_path_factory.mktemp("every-option"), **EVERY_OPTION)
