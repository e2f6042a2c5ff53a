"""The one helper that builds every jobtracker function."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Duration, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct
from jobtracker.names import METRICS_NAMESPACE, SERVICE_NAME

from infra.bundling import ARCHITECTURE, PYTHON_VERSION, RUNTIME, function_code
from infra.config import StackConfig
from infra.members import grant_assume_member_roles, tracker_role_path
from infra.nag import suppress

# Powertools adds the service (SERVICE_NAME) as a metric dimension: the dashboard and
# alarms use it too.


@dataclass(frozen=True)
class FunctionSettings:
    """What differs between functions: the entry package and its sizing."""

    package: str  # functions/<package>/handler.py defines `handler`
    memory_size: int
    timeout: Duration

    @property
    def handler(self) -> str:
        return f"{self.package}.handler.handler"


class TrackerFunction(Construct):
    """A function with its own role, log group with retention, tracing and Powertools setup.

    The role starts empty: it can write to its own log group and nothing else until a
    construct grants it what that function needs. A function that `reads_members` may
    assume the member role of each source account, and its role is one they trust.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: FunctionSettings,
        config: StackConfig,
        environment: dict[str, str],
        reads_members: bool = False,
        reserved_concurrency: int | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.log_group = logs.LogGroup(self, "Logs", retention=config.log_retention)
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            # Member roles trust the roles under this path, and only those (infra/members.py).
            path=tracker_role_path(Stack.of(self).stack_name) if reads_members else None,
        )
        if reads_members:
            grant_assume_member_roles(self.role, config.source_accounts, config.member_role_name)
        self.log_group.grant_write(self.role)
        self.function = lambda_.Function(
            self,
            "Function",
            runtime=RUNTIME,
            architecture=ARCHITECTURE,
            handler=settings.handler,
            code=function_code(settings.package),
            memory_size=settings.memory_size,
            timeout=settings.timeout,
            role=self.role,
            log_group=self.log_group,
            tracing=lambda_.Tracing.ACTIVE,
            reserved_concurrent_executions=reserved_concurrency,
            environment={
                "POWERTOOLS_SERVICE_NAME": SERVICE_NAME,
                "POWERTOOLS_METRICS_NAMESPACE": METRICS_NAMESPACE,
                "LOG_LEVEL": config.log_level,
                # The tracker's own account and region: a job name alone means a job
                # there, and the function's own credentials read SageMaker there.
                "HOME_ACCOUNT": Stack.of(self).account,
                "HOME_REGION": Stack.of(self).region,
                **environment,
            },
        )
        suppress(
            self.role,
            "AwsSolutions-IAM5",
            "Active tracing: xray:PutTraceSegments and xray:PutTelemetryRecords support no "
            "resource-level permissions, so X-Ray requires '*'.",
            "Resource::*",
        )
        suppress(
            self.function,
            "AwsSolutions-L1",
            f"Python {PYTHON_VERSION} is a supported Lambda runtime; the dependency wheels are "
            "built and the code is tested for it (infra/bundling.py). Moving to a newer "
            "runtime is one setting there, made together with the tests.",
        )
