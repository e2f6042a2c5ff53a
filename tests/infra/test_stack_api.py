"""The HTTP API: IAM on every route, access logs, throttling, and its URL as an output."""

import pytest

from infra.api import ROUTES

pytestmark = pytest.mark.infra


def test_every_query_route_exists_and_requires_iam(synthesized):
    routes = synthesized.resources("AWS::ApiGatewayV2::Route").values()
    assert {route["Properties"]["RouteKey"] for route in routes} == {
        "GET /jobs",
        "GET /jobs/{name}",
        "GET /jobs/{name}/transitions",
        "GET /stats",
        "GET /openapi.json",
        "GET /docs",
    }
    assert len(ROUTES) == len(routes)
    assert {route["Properties"]["AuthorizationType"] for route in routes} == {"AWS_IAM"}


def test_routes_invoke_the_api_function(synthesized):
    (integration,) = synthesized.resources("AWS::ApiGatewayV2::Integration").values()
    assert integration["Properties"]["IntegrationType"] == "AWS_PROXY"
    assert integration["Properties"]["IntegrationUri"] == {
        "Fn::GetAtt": [synthesized.function("api")[0], "Arn"]
    }


def test_the_functions_headers_reach_the_caller_unchanged(synthesized):
    # The security headers (nosniff; /docs' policy) are the api function's: payload 2.0
    # passes a function's headers through, and no response mapping or CORS configuration
    # adds, overrides or drops any. API Gateway's own answers (403 unsigned, 404 unrouted,
    # 429) have none of them: HTTP APIs cannot set headers on those.
    (integration,) = synthesized.resources("AWS::ApiGatewayV2::Integration").values()
    assert integration["Properties"]["PayloadFormatVersion"] == "2.0"
    assert "ResponseParameters" not in integration["Properties"]
    (api,) = synthesized.resources("AWS::ApiGatewayV2::Api").values()
    assert "CorsConfiguration" not in api["Properties"]


def test_stage_logs_access_and_throttles(synthesized):
    (stage,) = synthesized.resources("AWS::ApiGatewayV2::Stage").values()
    properties = stage["Properties"]
    assert properties["StageName"] == "$default"
    assert "$context.requestId" in properties["AccessLogSettings"]["Format"]
    assert "$context.identity.userArn" in properties["AccessLogSettings"]["Format"]
    group = properties["AccessLogSettings"]["DestinationArn"]["Fn::GetAtt"][0]
    assert synthesized.resources("AWS::Logs::LogGroup")[group]["Properties"]["RetentionInDays"]
    assert properties["DefaultRouteSettings"] == {
        "ThrottlingBurstLimit": 100,
        "ThrottlingRateLimit": 50,
    }


def test_page_token_key_is_a_generated_secret(synthesized):
    (secret_id, secret) = next(iter(synthesized.resources("AWS::SecretsManager::Secret").items()))
    assert secret["Properties"]["GenerateSecretString"]["PasswordLength"] >= 32
    variables = synthesized.function("api")[1]["Environment"]["Variables"]
    assert variables["TOKEN_KEY_SECRET_ARN"] == {"Ref": secret_id}


def test_outputs(synthesized):
    outputs = synthesized.template.find_outputs("*")
    assert {
        "ApiUrl",
        "AlertTopicArn",
        "TableName",
        "IngestDeadLetterQueueUrl",
        "EventDeadLetterQueueUrl",
        "ScheduleDeadLetterQueueUrl",
        "DefaultEventArchiveArn",
    } <= set(outputs)
    assert "execute-api" in str(outputs["ApiUrl"]["Value"])


def test_member_accounts_need_no_output_of_their_own(every_option):
    # Members forward to the default bus, whose ARN they form from account and region.
    outputs = every_option.template.find_outputs("*")
    assert not {name for name in outputs if "Member" in name}
