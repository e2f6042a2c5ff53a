"""CDK entry point: one jobtracker stack, configured from context (see cdk.json)."""

import os

from aws_cdk import App, Environment

from infra.config import StackConfig
from infra.stack import JobTrackerStack

app = App()
JobTrackerStack(
    app,
    # Another name (-c stack_name=JobTrackerStaging) deploys a second, independent copy.
    app.node.try_get_context("stack_name") or "JobTracker",
    config=StackConfig.from_context(app.node),
    description="jobtracker: tracks SageMaker training jobs, serves them over an API, alerts",
    env=Environment(
        account=os.environ.get("CDK_DEFAULT_ACCOUNT"), region=os.environ.get("CDK_DEFAULT_REGION")
    ),
)
app.synth()
