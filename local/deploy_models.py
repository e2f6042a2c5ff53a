"""CloudFormation models that moto (5.2.5) lacks for the resource types jobtracker deploys.

moto's services implement these resources' APIs but its CloudFormation has no model for
them, so a stack silently goes without them, and anything that refers to one (the api
function's policy names the secret) fails. Each model makes the same call to moto's
backend that the resource's API would. Importing this module registers them (moto finds
models as the direct subclasses of CloudFormationModel); local/deploy_fixes.py does.

Still without a model, and so not created by the emulator: CDK's own AWS::CDK::Metadata
(no AWS resource); local/rehearsal.py says so and checks it in the template.
"""

from __future__ import annotations

import json
import secrets
import string
from typing import Any

from moto.apigatewayv2.models import apigatewayv2_backends
from moto.cloudformation import parsing
from moto.cloudwatch.models import cloudwatch_backends
from moto.core.common_models import CloudFormationModel
from moto.events.models import events_backends
from moto.secretsmanager.models import secretsmanager_backends
from moto.sns.models import sns_backends
from moto.sqs.models import sqs_backends


class _Model:
    """What every model here shares: its physical id, and no attributes beyond it."""

    physical_resource_id: str

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return False

    @classmethod
    def update_from_cloudformation_json(  # type: ignore[misc]
        cls,
        original_resource: Any,
        new_resource_name: str,
        cloudformation_json: Any,
        account_id: str,
        region_name: str,
    ) -> Any:
        original_resource.delete(account_id, region_name)
        return cls.create_from_cloudformation_json(  # type: ignore[attr-defined]
            new_resource_name, cloudformation_json, account_id, region_name
        )


class SecretModel(_Model, CloudFormationModel):
    def __init__(self, arn: str) -> None:
        self.physical_resource_id = arn

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::SecretsManager::Secret"

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls,
        resource_name: str,
        cloudformation_json: Any,
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> SecretModel:
        properties = cloudformation_json["Properties"]
        generate = properties.get("GenerateSecretString", {})
        alphabet = string.ascii_letters + string.digits
        if not generate.get("ExcludePunctuation"):
            alphabet += string.punctuation
        value = properties.get("SecretString") or "".join(
            secrets.choice(alphabet) for _ in range(int(generate.get("PasswordLength", 32)))
        )
        backend = secretsmanager_backends[account_id][region_name]
        secret = json.loads(
            backend.create_secret(
                name=resource_name,
                secret_string=value,
                secret_binary=None,
                description=properties.get("Description"),
                tags=None,
                kms_key_id=properties.get("KmsKeyId"),
                client_request_token=None,
                replica_regions=[],
                force_overwrite=False,
            )
        )
        return cls(secret["ARN"])

    def delete(self, account_id: str, region_name: str) -> None:
        secretsmanager_backends[account_id][region_name].delete_secret(
            self.physical_resource_id, None, True
        )


class SubscriptionModel(_Model, CloudFormationModel):
    def __init__(self, arn: str) -> None:
        self.physical_resource_id = arn

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::SNS::Subscription"

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls,
        resource_name: str,
        cloudformation_json: Any,
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> SubscriptionModel:
        properties = cloudformation_json["Properties"]
        subscription = sns_backends[account_id][region_name].subscribe(
            properties["TopicArn"], properties["Endpoint"], properties["Protocol"]
        )
        return cls(subscription.arn)

    def delete(self, account_id: str, region_name: str) -> None:
        sns_backends[account_id][region_name].unsubscribe(self.physical_resource_id)


class TopicPolicyModel(_Model, CloudFormationModel):
    def __init__(self, topics: list[str]) -> None:
        self.topics = topics
        self.physical_resource_id = ",".join(topics)

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::SNS::TopicPolicy"

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls,
        resource_name: str,
        cloudformation_json: Any,
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> TopicPolicyModel:
        properties = cloudformation_json["Properties"]
        for topic in properties["Topics"]:
            # moto's name for the attribute (SetTopicAttributes turns "Policy" into it)
            sns_backends[account_id][region_name].set_topic_attribute(
                topic, "policy", json.dumps(properties["PolicyDocument"])
            )
        return cls(list(properties["Topics"]))

    def delete(self, account_id: str, region_name: str) -> None:
        backend = sns_backends[account_id][region_name]
        for topic in self.topics:
            if topic in backend.topics:
                default = backend.topics[topic]._create_default_topic_policy(
                    region_name, account_id, topic.rsplit(":", 1)[-1]
                )
                backend.set_topic_attribute(topic, "policy", json.dumps(default))


class QueuePolicyModel(_Model, CloudFormationModel):
    def __init__(self, queue_urls: list[str]) -> None:
        self.queue_urls = queue_urls
        self.physical_resource_id = ",".join(queue_urls)

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::SQS::QueuePolicy"

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls,
        resource_name: str,
        cloudformation_json: Any,
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> QueuePolicyModel:
        properties = cloudformation_json["Properties"]
        for url in properties["Queues"]:
            sqs_backends[account_id][region_name].set_queue_attributes(
                _queue_name(url), {"Policy": json.dumps(properties["PolicyDocument"])}
            )
        return cls(list(properties["Queues"]))

    def delete(self, account_id: str, region_name: str) -> None:
        backend = sqs_backends[account_id][region_name]
        for url in self.queue_urls:
            if _queue_name(url) in backend.queues:
                backend.set_queue_attributes(_queue_name(url), {"Policy": ""})


def _queue_name(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[-1]


class AlarmModel(_Model, CloudFormationModel):
    def __init__(self, name: str) -> None:
        self.physical_resource_id = name

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::CloudWatch::Alarm"

    @staticmethod
    def cloudformation_name_type() -> str:
        return "AlarmName"

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls,
        resource_name: str,
        cloudformation_json: Any,
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> AlarmModel:
        p = cloudformation_json["Properties"]
        cloudwatch_backends[account_id][region_name].put_metric_alarm(
            name=resource_name,
            namespace=p.get("Namespace"),
            metric_name=p.get("MetricName"),
            comparison_operator=p["ComparisonOperator"],
            evaluation_periods=int(p["EvaluationPeriods"]),
            period=int(p.get("Period", 60)),
            threshold=float(p["Threshold"]),
            statistic=p.get("Statistic"),
            description=p.get("AlarmDescription"),
            dimensions=p.get("Dimensions", []),
            alarm_actions=p.get("AlarmActions", []),
            treat_missing_data=p.get("TreatMissingData"),
        )
        return cls(resource_name)

    def delete(self, account_id: str, region_name: str) -> None:
        cloudwatch_backends[account_id][region_name].delete_alarms([self.physical_resource_id])


class EventBusPolicyModel(_Model, CloudFormationModel):
    def __init__(self, bus: str, statement_id: str) -> None:
        self.bus = bus
        self.physical_resource_id = statement_id

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::Events::EventBusPolicy"

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls,
        resource_name: str,
        cloudformation_json: Any,
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> EventBusPolicyModel:
        p = cloudformation_json["Properties"]
        # The bus's policy as PutPermission's Policy parameter sets it: one statement here.
        policy = {"Version": "2012-10-17", "Statement": [p["Statement"]]}
        events_backends[account_id][region_name].put_permission(
            p["EventBusName"], None, None, p["StatementId"], None, json.dumps(policy)
        )
        return cls(p["EventBusName"], p["StatementId"])

    def delete(self, account_id: str, region_name: str) -> None:
        backend = events_backends[account_id][region_name]
        if self.bus in backend.event_buses:
            backend.remove_permission(self.bus, self.physical_resource_id, False)


def _http_api(account_id: str, region_name: str, api_id: str) -> Any:
    return apigatewayv2_backends[account_id][region_name].get_api(api_id)


class HttpApiModel(_Model, CloudFormationModel):
    def __init__(self, api: Any) -> None:
        self.api = api
        self.physical_resource_id = api.api_id

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::ApiGatewayV2::Api"

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr in ("ApiId", "ApiEndpoint")

    def get_cfn_attribute(self, attribute_name: str) -> str:
        return str(self.api.api_endpoint if attribute_name == "ApiEndpoint" else self.api.api_id)

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls,
        resource_name: str,
        cloudformation_json: Any,
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> HttpApiModel:
        p = cloudformation_json["Properties"]
        api = apigatewayv2_backends[account_id][region_name].create_api(
            api_key_selection_expression=p.get("ApiKeySelectionExpression"),
            cors_configuration=p.get("CorsConfiguration"),
            description=p.get("Description"),
            disable_schema_validation=p.get("DisableSchemaValidation"),
            disable_execute_api_endpoint=p.get("DisableExecuteApiEndpoint"),
            name=p.get("Name", resource_name),
            protocol_type=p.get("ProtocolType", "HTTP"),
            route_selection_expression=p.get("RouteSelectionExpression"),
            tags=p.get("Tags", {}),
            version=p.get("Version"),
        )
        return cls(api)

    def delete(self, account_id: str, region_name: str) -> None:
        apigatewayv2_backends[account_id][region_name].delete_api(self.physical_resource_id)


class HttpIntegrationModel(_Model, CloudFormationModel):
    def __init__(self, api: Any, integration_id: str) -> None:
        self.api = api
        self.physical_resource_id = integration_id

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::ApiGatewayV2::Integration"

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls,
        resource_name: str,
        cloudformation_json: Any,
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> HttpIntegrationModel:
        p = cloudformation_json["Properties"]
        api = _http_api(account_id, region_name, p["ApiId"])
        integration = api.create_integration(
            connection_type=p.get("ConnectionType"),
            description=p.get("Description"),
            integration_method=p.get("IntegrationMethod"),
            integration_type=p["IntegrationType"],
            integration_uri=p.get("IntegrationUri"),
            payload_format_version=p.get("PayloadFormatVersion"),
        )
        return cls(api, integration.id)

    def delete(self, account_id: str, region_name: str) -> None:
        self.api.delete_integration(self.physical_resource_id)


class HttpRouteModel(_Model, CloudFormationModel):
    def __init__(self, api: Any, route_id: str) -> None:
        self.api = api
        self.physical_resource_id = route_id

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::ApiGatewayV2::Route"

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls,
        resource_name: str,
        cloudformation_json: Any,
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> HttpRouteModel:
        p = cloudformation_json["Properties"]
        api = _http_api(account_id, region_name, p["ApiId"])
        route = api.create_route(
            api_key_required=p.get("ApiKeyRequired", False),
            authorization_scopes=p.get("AuthorizationScopes", []),
            route_key=p["RouteKey"],
            target=p.get("Target"),
            authorization_type=p.get("AuthorizationType"),
        )
        return cls(api, route.route_id)

    def delete(self, account_id: str, region_name: str) -> None:
        self.api.delete_route(self.physical_resource_id)


class HttpStageModel(_Model, CloudFormationModel):
    def __init__(self, api: Any, name: str) -> None:
        self.api = api
        self.physical_resource_id = name

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::ApiGatewayV2::Stage"

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls,
        resource_name: str,
        cloudformation_json: Any,
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> HttpStageModel:
        p = cloudformation_json["Properties"]
        api = _http_api(account_id, region_name, p["ApiId"])
        # The API's own names for the properties: camelCase.
        config = {key[0].lower() + key[1:]: value for key, value in p.items() if key != "ApiId"}
        stage = api.create_stage(config)
        return cls(api, stage.name)

    def delete(self, account_id: str, region_name: str) -> None:
        self.api.delete_stage(self.physical_resource_id)


# moto caches its list of models on first use.
parsing.get_model_list.cache_clear()
parsing.get_model_map.cache_clear()
parsing.get_name_type_map.cache_clear()
