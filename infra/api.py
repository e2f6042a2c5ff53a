"""The query API: an IAM-authorised HTTP API in front of the read-only api function."""

from __future__ import annotations

import json

import jsii
from aws_cdk import Duration
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk.aws_apigatewayv2_authorizers import HttpIamAuthorizer
from aws_cdk.aws_apigatewayv2_integrations import HttpLambdaIntegration
from constructs import Construct

from infra.config import StackConfig
from infra.functions import FunctionSettings, TrackerFunction
from infra.nag import suppress
from infra.storage import Storage

API = FunctionSettings("api", memory_size=512, timeout=Duration.seconds(10))
# A job is one GetItem; its transitions and the stats partitions are queries of the table.
API_TABLE_READS = ("dynamodb:GetItem", "dynamodb:Query")
ROUTES = (
    "/jobs",
    "/jobs/{name}",
    "/jobs/{name}/transitions",
    "/stats",
    "/openapi.json",
    "/docs",
)
# One JSON line per request; userArn says which IAM principal asked.
ACCESS_LOG_FORMAT = {
    "requestId": "$context.requestId",
    "requestTime": "$context.requestTime",
    "caller": "$context.identity.userArn",
    "sourceIp": "$context.identity.sourceIp",
    "routeKey": "$context.routeKey",
    "path": "$context.path",
    "status": "$context.status",
    "responseLength": "$context.responseLength",
    "responseLatency": "$context.responseLatency",
    "integrationLatency": "$context.integrationLatency",
    "integrationError": "$context.integrationErrorMessage",
    "authorizerError": "$context.authorizer.error",
}


@jsii.implements(apigwv2.IAccessLogSettings)
class AccessLogSettings:
    """JSON access logs to a log group (a jsii interface, so a class rather than a dict)."""

    def __init__(self, log_group: logs.ILogGroup) -> None:
        self._destination = apigwv2.LogGroupLogDestination(log_group)

    @property
    def destination(self) -> apigwv2.IAccessLogDestination:
        return self._destination

    @property
    def format(self) -> apigw.AccessLogFormat:
        return apigw.AccessLogFormat.custom(json.dumps(ACCESS_LOG_FORMAT))


class Api(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: StackConfig,
        storage: Storage,
    ) -> None:
        super().__init__(scope, construct_id)
        self.token_key = secretsmanager.Secret(
            self,
            "PageTokenKey",
            description="HMAC key that signs the jobtracker API's page tokens",
            generate_secret_string=secretsmanager.SecretStringGenerator(
                password_length=64, exclude_punctuation=True
            ),
        )
        suppress(
            self.token_key,
            "AwsSolutions-SMG4",
            "The secret only signs the opaque page tokens of a read-only API and guards no "
            "credentials; rotation would only expire the page tokens in use.",
        )
        self.function = TrackerFunction(
            self,
            "Api",
            settings=API,
            config=config,
            environment={
                "TABLE_NAME": storage.table.table_name,
                "TOKEN_KEY_SECRET_ARN": self.token_key.secret_arn,
                # The tags /stats may group by: the ones the writers keep groups for.
                "COST_TAGS": ",".join(config.cost_tags),
            },
        ).function
        storage.grant_read(self.function, API_TABLE_READS)
        # GetSecretValue only: Secret.grant_read adds DescribeSecret, which nothing calls.
        self.function.add_to_role_policy(
            iam.PolicyStatement(
                actions=["secretsmanager:GetSecretValue"], resources=[self.token_key.secret_arn]
            )
        )

        self.http_api = apigwv2.HttpApi(
            self,
            "HttpApi",
            description="jobtracker: SageMaker training jobs, their history and statistics",
            default_authorizer=HttpIamAuthorizer(),
            create_default_stage=False,
        )
        self.access_logs = logs.LogGroup(self, "AccessLogs", retention=config.log_retention)
        self.stage = apigwv2.HttpStage(
            self,
            "DefaultStage",
            http_api=self.http_api,
            stage_name="$default",
            auto_deploy=True,
            throttle=apigwv2.ThrottleSettings(
                rate_limit=config.api_rate_limit, burst_limit=config.api_burst_limit
            ),
            access_log_settings=AccessLogSettings(self.access_logs),
        )
        integration = HttpLambdaIntegration("Query", self.function)
        for path in ROUTES:
            self.http_api.add_routes(
                path=path, methods=[apigwv2.HttpMethod.GET], integration=integration
            )

    @property
    def url(self) -> str:
        return self.stage.url
