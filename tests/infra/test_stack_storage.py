"""The table: schema from the PynamoDB models, and the protections of a production table."""

import pytest
from jobtracker.store.models import table_schema

pytestmark = pytest.mark.infra

# Properties that would give a resource a physical name and stop two stacks side by side.
PHYSICAL_NAMES = {
    "TableName",
    "FunctionName",
    "QueueName",
    "TopicName",
    "RoleName",
    "LogGroupName",
    "DashboardName",
    "AlarmName",
    "Name",
    "ArchiveName",
}
# An HTTP API's name needs not be unique.
UNIQUE_ENOUGH = {"AWS::ApiGatewayV2::Api", "AWS::ApiGatewayV2::Route"}


def test_table_schema_is_the_models_schema(synthesized):
    # Given the schema the PynamoDB models define
    schema = table_schema()
    # When the stack is synthesized
    (table,) = synthesized.resources("AWS::DynamoDB::Table").values()
    properties = table["Properties"]
    # Then the table has exactly those keys, attribute types and indexes
    assert properties["KeySchema"] == schema["KeySchema"]
    assert sorted(properties["AttributeDefinitions"], key=str) == sorted(
        schema["AttributeDefinitions"], key=str
    )
    indexes = sorted(properties["GlobalSecondaryIndexes"], key=lambda i: i["IndexName"])
    assert indexes == schema["GlobalSecondaryIndexes"]


def test_table_is_on_demand_recoverable_encrypted_and_kept(synthesized):
    (table,) = synthesized.resources("AWS::DynamoDB::Table").values()
    properties = table["Properties"]
    assert properties["BillingMode"] == "PAY_PER_REQUEST"
    assert properties["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert properties["SSESpecification"]["SSEEnabled"] is True
    assert properties["DeletionProtectionEnabled"] is True
    assert table["DeletionPolicy"] == "Retain"
    assert table["UpdateReplacePolicy"] == "Retain"


def test_no_resource_has_a_physical_name(every_option):
    named = {
        (logical_id, name)
        for logical_id, resource in every_option.template.to_json()["Resources"].items()
        for name, value in resource.get("Properties", {}).items()
        # A literal name is a physical one; a Ref to another resource is not.
        if name in PHYSICAL_NAMES
        and isinstance(value, str)
        and resource["Type"] not in UNIQUE_ENOUGH
    }
    assert named == set()
