"""The single table, its keys and indexes taken from the PynamoDB models."""

from __future__ import annotations

from typing import Any

from aws_cdk import RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from constructs import Construct
from jobtracker.store.models import table_schema

from infra.nag import suppress

# What the repository does: GetItem/BatchGetItem/Query to read; conditional UpdateItem,
# transactions of puts, updates and condition checks, batch writes and claim deletes to
# write. Not DescribeTable: PynamoDB 6 takes the table's schema from the models.
READ_ACTIONS = (
    "dynamodb:GetItem",
    "dynamodb:BatchGetItem",
    "dynamodb:Query",
)
# An index is only ever queried (no Scan anywhere); IAM checks a query on the index's ARN.
INDEX_ACTIONS = ("dynamodb:Query",)
WRITE_ACTIONS = (
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:BatchWriteItem",
    "dynamodb:ConditionCheckItem",
)
ATTRIBUTE_TYPES = {
    "S": dynamodb.AttributeType.STRING,
    "N": dynamodb.AttributeType.NUMBER,
    "B": dynamodb.AttributeType.BINARY,
}


class Storage(Construct):
    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        schema = table_schema()
        types = {
            attribute["AttributeName"]: ATTRIBUTE_TYPES[attribute["AttributeType"]]
            for attribute in schema["AttributeDefinitions"]
        }

        def keys(key_schema: list[dict[str, str]]) -> dict[str, dynamodb.Attribute]:
            names = {"HASH": "partition_key", "RANGE": "sort_key"}
            return {
                names[key["KeyType"]]: dynamodb.Attribute(
                    name=key["AttributeName"], type=types[key["AttributeName"]]
                )
                for key in key_schema
            }

        self.table = dynamodb.Table(
            self,
            "Table",
            **keys(schema["KeySchema"]),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            encryption=dynamodb.TableEncryption.AWS_MANAGED,
            deletion_protection=True,
            removal_policy=RemovalPolicy.RETAIN,
        )
        for index in schema["GlobalSecondaryIndexes"]:
            self.table.add_global_secondary_index(
                index_name=index["IndexName"],
                **keys(index["KeySchema"]),
                **projection(index["Projection"]),
            )

    def grant_read(
        self, function: lambda_.Function, table_actions: tuple[str, ...] = READ_ACTIONS
    ) -> None:
        """`table_actions` (those of READ_ACTIONS the function's reads make) on the table,
        if any, and queries of its indexes."""
        # Not table.grant_read_data: that also grants Scan and stream reads, which nothing
        # here uses (docs/design.md: no Scan anywhere).
        table_arn = self.table.table_arn
        if table_actions:
            function.add_to_role_policy(
                iam.PolicyStatement(actions=list(table_actions), resources=[table_arn])
            )
        function.add_to_role_policy(
            iam.PolicyStatement(actions=list(INDEX_ACTIONS), resources=[f"{table_arn}/index/*"])
        )
        assert function.role is not None
        suppress(
            function.role,
            "AwsSolutions-IAM5",
            "<table ARN>/index/* names exactly this table's secondary indexes, which the "
            "listing queries read; no other table is reachable.",
            r"/^Resource::<[A-Za-z0-9]+\.Arn>\/index\/\*$/",
        )

    def grant_get_item(self, function: lambda_.Function) -> None:
        """One item by its key, on the table only (no index)."""
        function.add_to_role_policy(
            iam.PolicyStatement(actions=["dynamodb:GetItem"], resources=[self.table.table_arn])
        )

    def grant_write(
        self, function: lambda_.Function, actions: tuple[str, ...] = WRITE_ACTIONS
    ) -> None:
        """Writes name the table only: an index is written by DynamoDB, not by the caller."""
        function.add_to_role_policy(
            iam.PolicyStatement(actions=list(actions), resources=[self.table.table_arn])
        )


def projection(spec: dict[str, Any]) -> dict[str, Any]:
    props: dict[str, Any] = {"projection_type": dynamodb.ProjectionType[spec["ProjectionType"]]}
    if spec.get("NonKeyAttributes"):
        props["non_key_attributes"] = list(spec["NonKeyAttributes"])
    return props
