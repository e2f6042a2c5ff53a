"""CloudFormation models that moto (5.2.5) lacks for the resource types jobtracker deploys.

moto's services implement these resources' APIs but its CloudFormation has no model for
them, so a stack silently goes without them, and anything that refers to one (the api
function's policy names the secret) fails. `RESOURCES` says, per resource type, which
call to moto's backend creates it (as the resource's API would) and which deletes it;
`_model` makes each row the model class moto looks for. Importing this module registers
them (moto finds models as the direct subclasses of CloudFormationModel);
local/deploy_fixes.py does.

Still without a model, and so not created by the emulator: CDK's own AWS::CDK::Metadata
(no AWS resource); local/rehearsal.py says so and checks it in the template.
"""

from __future__ import annotations

import json
import secrets
import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from moto.apigatewayv2.exceptions import ApiNotFound
from moto.apigatewayv2.models import apigatewayv2_backends
from moto.cloudformation import parsing
from moto.cloudwatch.models import cloudwatch_backends
from moto.core.common_models import CloudFormationModel
from moto.events.models import events_backends
from moto.secretsmanager.models import secretsmanager_backends
from moto.sns.models import sns_backends
from moto.sqs.models import sqs_backends


@dataclass(frozen=True)
class Made:
    """One resource as created: what CloudFormation knows it by, and where it lives."""

    physical_id: str
    properties: Mapping[str, Any]
    account: str
    region: str


@dataclass(frozen=True)
class Resource:
    """How the emulator creates and deletes one resource type.

    `create(logical name, properties, account, region)` returns the physical id;
    `delete(made)` undoes it; `attributes` answer Fn::GetAtt; `name_property` is the
    property that names the resource, if it has one.
    """

    type: str
    create: Callable[[str, Mapping[str, Any], str, str], str]
    delete: Callable[[Made], None]
    attributes: Mapping[str, Callable[[Made], str]] = field(default_factory=dict)
    name_property: str = ""


class _TableModel:
    """The model of one row of RESOURCES (`resource`), as moto's CloudFormation uses it."""

    resource: Resource

    def __init__(self, made: Made) -> None:
        self.made = made
        self.physical_resource_id = made.physical_id

    @classmethod
    def cloudformation_type(cls) -> str:
        return cls.resource.type

    @classmethod
    def cloudformation_name_type(cls) -> str:
        return cls.resource.name_property

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr in cls.resource.attributes

    def get_cfn_attribute(self, attribute_name: str) -> str:
        return self.resource.attributes[attribute_name](self.made)

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: Any,
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> _TableModel:
        properties = cloudformation_json.get("Properties", {})
        physical_id = cls.resource.create(resource_name, properties, account_id, region_name)
        return cls(Made(physical_id, properties, account_id, region_name))

    @classmethod
    def update_from_cloudformation_json(
        cls,
        original_resource: Any,
        new_resource_name: str,
        cloudformation_json: Any,
        account_id: str,
        region_name: str,
    ) -> _TableModel:
        original_resource.delete(account_id, region_name)
        return cls.create_from_cloudformation_json(
            new_resource_name, cloudformation_json, account_id, region_name
        )

    def delete(self, account_id: str, region_name: str) -> None:
        self.resource.delete(self.made)


def _model(resource: Resource) -> type[CloudFormationModel]:
    # A direct subclass of CloudFormationModel, which is how moto finds a model.
    name = resource.type.replace("AWS::", "").replace("::", "") + "Model"
    return type(name, (_TableModel, CloudFormationModel), {"resource": resource})


# -- Secrets Manager --------------------------------------------------------------------


def _create_secret(name: str, p: Mapping[str, Any], account: str, region: str) -> str:
    generate = p.get("GenerateSecretString", {})
    alphabet = string.ascii_letters + string.digits
    if not generate.get("ExcludePunctuation"):
        alphabet += string.punctuation
    value = p.get("SecretString") or "".join(
        secrets.choice(alphabet) for _ in range(int(generate.get("PasswordLength", 32)))
    )
    secret = secretsmanager_backends[account][region].create_secret(
        name=name,
        secret_string=value,
        secret_binary=None,
        description=p.get("Description"),
        tags=None,
        kms_key_id=p.get("KmsKeyId"),
        client_request_token=None,
        replica_regions=[],
        force_overwrite=False,
    )
    return str(json.loads(secret)["ARN"])


def _delete_secret(made: Made) -> None:
    secretsmanager_backends[made.account][made.region].delete_secret(made.physical_id, None, True)


# -- SNS and SQS ------------------------------------------------------------------------


def _subscribe(name: str, p: Mapping[str, Any], account: str, region: str) -> str:
    backend = sns_backends[account][region]
    return str(backend.subscribe(p["TopicArn"], p["Endpoint"], p["Protocol"]).arn)


def _unsubscribe(made: Made) -> None:
    sns_backends[made.account][made.region].unsubscribe(made.physical_id)


def _set_topic_policies(name: str, p: Mapping[str, Any], account: str, region: str) -> str:
    for topic in p["Topics"]:
        # moto's name for the attribute (SetTopicAttributes turns "Policy" into it)
        sns_backends[account][region].set_topic_attribute(
            topic, "policy", json.dumps(p["PolicyDocument"])
        )
    return ",".join(p["Topics"])


def _reset_topic_policies(made: Made) -> None:
    backend = sns_backends[made.account][made.region]
    for topic in made.properties["Topics"]:
        if topic in backend.topics:
            default = backend.topics[topic]._create_default_topic_policy(
                made.region, made.account, topic.rsplit(":", 1)[-1]
            )
            backend.set_topic_attribute(topic, "policy", json.dumps(default))


def _set_queue_policies(name: str, p: Mapping[str, Any], account: str, region: str) -> str:
    for url in p["Queues"]:
        sqs_backends[account][region].set_queue_attributes(
            _queue_name(url), {"Policy": json.dumps(p["PolicyDocument"])}
        )
    return ",".join(p["Queues"])


def _clear_queue_policies(made: Made) -> None:
    backend = sqs_backends[made.account][made.region]
    for url in made.properties["Queues"]:
        if _queue_name(url) in backend.queues:
            backend.set_queue_attributes(_queue_name(url), {"Policy": ""})


def _queue_name(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[-1]


# -- CloudWatch and EventBridge ---------------------------------------------------------


def _put_alarm(name: str, properties: Mapping[str, Any], account: str, region: str) -> str:
    # Any: moto annotates the optional parameters str, yet its own PutMetricAlarm passes
    # None for an absent one, as this does.
    p: Any = properties
    cloudwatch_backends[account][region].put_metric_alarm(
        name=name,
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
    return name


def _delete_alarm(made: Made) -> None:
    cloudwatch_backends[made.account][made.region].delete_alarms([made.physical_id])


def _put_bus_permission(name: str, p: Mapping[str, Any], account: str, region: str) -> str:
    # The bus's policy as PutPermission's Policy parameter sets it: one statement here.
    policy = {"Version": "2012-10-17", "Statement": [p["Statement"]]}
    # moto annotates action, principal and condition str, yet its own PutPermission passes
    # None for those a Policy replaces.
    events_backends[account][region].put_permission(
        p["EventBusName"],
        None,  # type: ignore[arg-type]
        None,  # type: ignore[arg-type]
        p["StatementId"],
        None,  # type: ignore[arg-type]
        json.dumps(policy),
    )
    return str(p["StatementId"])


def _remove_bus_permission(made: Made) -> None:
    backend = events_backends[made.account][made.region]
    if made.properties["EventBusName"] in backend.event_buses:
        backend.remove_permission(made.properties["EventBusName"], made.physical_id, False)


# -- API Gateway HTTP API ---------------------------------------------------------------


def _http_api(account: str, region: str, api_id: str) -> Any:
    return apigatewayv2_backends[account][region].get_api(api_id)


def _create_http_api(name: str, properties: Mapping[str, Any], account: str, region: str) -> str:
    # Any: moto annotates the optional parameters str, yet its own CreateApi passes None
    # for an absent one, as this does.
    p: Any = properties
    api = apigatewayv2_backends[account][region].create_api(
        api_key_selection_expression=p.get("ApiKeySelectionExpression"),
        cors_configuration=p.get("CorsConfiguration"),
        description=p.get("Description"),
        disable_schema_validation=p.get("DisableSchemaValidation"),
        disable_execute_api_endpoint=p.get("DisableExecuteApiEndpoint"),
        name=p.get("Name", name),
        protocol_type=p.get("ProtocolType", "HTTP"),
        route_selection_expression=p.get("RouteSelectionExpression"),
        tags=p.get("Tags", {}),
        version=p.get("Version"),
    )
    return str(api.api_id)


def _delete_http_api(made: Made) -> None:
    apigatewayv2_backends[made.account][made.region].delete_api(made.physical_id)


def _create_integration(name: str, p: Mapping[str, Any], account: str, region: str) -> str:
    integration = _http_api(account, region, p["ApiId"]).create_integration(
        connection_type=p.get("ConnectionType"),
        description=p.get("Description"),
        integration_method=p.get("IntegrationMethod"),
        integration_type=p["IntegrationType"],
        integration_uri=p.get("IntegrationUri"),
        payload_format_version=p.get("PayloadFormatVersion"),
    )
    return str(integration.id)


def _create_route(name: str, p: Mapping[str, Any], account: str, region: str) -> str:
    route = _http_api(account, region, p["ApiId"]).create_route(
        api_key_required=p.get("ApiKeyRequired", False),
        authorization_scopes=p.get("AuthorizationScopes", []),
        route_key=p["RouteKey"],
        target=p.get("Target"),
        authorization_type=p.get("AuthorizationType"),
    )
    return str(route.route_id)


def _create_stage(name: str, p: Mapping[str, Any], account: str, region: str) -> str:
    # The API's own names for the properties: camelCase.
    config = {key[0].lower() + key[1:]: value for key, value in p.items() if key != "ApiId"}
    return str(_http_api(account, region, p["ApiId"]).create_stage(config).name)


def _delete_from_api(method: str) -> Callable[[Made], None]:
    """Delete a part of an HTTP API by its id (nothing to do once the API is gone)."""

    def delete(made: Made) -> None:
        try:
            api = _http_api(made.account, made.region, made.properties["ApiId"])
        except ApiNotFound:
            return
        getattr(api, method)(made.physical_id)

    return delete


RESOURCES = (
    Resource("AWS::SecretsManager::Secret", _create_secret, _delete_secret),
    Resource("AWS::SNS::Subscription", _subscribe, _unsubscribe),
    Resource("AWS::SNS::TopicPolicy", _set_topic_policies, _reset_topic_policies),
    Resource("AWS::SQS::QueuePolicy", _set_queue_policies, _clear_queue_policies),
    Resource("AWS::CloudWatch::Alarm", _put_alarm, _delete_alarm, name_property="AlarmName"),
    Resource("AWS::Events::EventBusPolicy", _put_bus_permission, _remove_bus_permission),
    Resource(
        "AWS::ApiGatewayV2::Api",
        _create_http_api,
        _delete_http_api,
        attributes={
            "ApiId": lambda made: made.physical_id,
            "ApiEndpoint": lambda made: str(
                _http_api(made.account, made.region, made.physical_id).api_endpoint
            ),
        },
    ),
    Resource(
        "AWS::ApiGatewayV2::Integration",
        _create_integration,
        _delete_from_api("delete_integration"),
    ),
    Resource("AWS::ApiGatewayV2::Route", _create_route, _delete_from_api("delete_route")),
    Resource("AWS::ApiGatewayV2::Stage", _create_stage, _delete_from_api("delete_stage")),
)
MODELS = tuple(_model(resource) for resource in RESOURCES)

# moto caches its list of models on first use.
parsing.get_model_list.cache_clear()
parsing.get_model_map.cache_clear()
parsing.get_name_type_map.cache_clear()
