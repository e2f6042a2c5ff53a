"""CDK entry point: the jobtracker stack, or with `-c member=true` a member account's stack.

Both are configured from context (see cdk.json and docs/deploy.md).
"""

import os

from aws_cdk import App, Environment

from infra.config import MemberConfig, StackConfig, is_member
from infra.member_stack import MemberStack
from infra.stack import JobTrackerStack

app = App()
env = Environment(
    account=os.environ.get("CDK_DEFAULT_ACCOUNT"), region=os.environ.get("CDK_DEFAULT_REGION")
)
if is_member(app.node):
    MemberStack(
        app,
        app.node.try_get_context("stack_name") or "JobTrackerMember",
        config=MemberConfig.from_context(app.node),
        description="jobtracker member: forwards SageMaker training job events, lets it read jobs",
        env=env,
    )
else:
    JobTrackerStack(
        app,
        # Another name (-c stack_name=JobTrackerStaging) deploys a second, independent copy.
        app.node.try_get_context("stack_name") or "JobTracker",
        config=StackConfig.from_context(app.node),
        description="jobtracker: tracks SageMaker training jobs, serves them over an API, alerts",
        env=env,
    )
app.synth()
