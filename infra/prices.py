"""The price refresh: on a schedule, the AWS Price List API's SageMaker training prices
into the table, where the writers read them (docs/cost.md)."""

from __future__ import annotations

from aws_cdk import Duration, Stack
from aws_cdk import aws_iam as iam
from constructs import Construct

from infra.config import StackConfig
from infra.functions import FunctionSettings, TrackerFunction
from infra.nag import suppress
from infra.schedules import run_on_schedule
from infra.storage import Storage

PRICES = FunctionSettings("prices", memory_size=256, timeout=Duration.minutes(5))
GET_PRODUCTS = "pricing:GetProducts"
GET_PRODUCTS_REASON = (
    "The AWS Price List API (pricing:GetProducts) supports no resource-level permissions: "
    "IAM requires '*'. It reads public list prices only."
)
# A refresh that misses its day is retried twice, then waits for the next day.
INVOKE_RETRIES = 2
INVOKE_MAX_AGE = Duration.hours(6)


def price_regions(config: StackConfig, home_region: str) -> str:
    """PRICE_REGIONS: where the tracked jobs run: the tracker's region and the sources'."""
    return ",".join(sorted({home_region, *config.source_regions}))


class Prices(Construct):
    def __init__(
        self, scope: Construct, construct_id: str, *, config: StackConfig, storage: Storage
    ) -> None:
        super().__init__(scope, construct_id)
        function = TrackerFunction(
            self,
            "Prices",
            settings=PRICES,
            config=config,
            environment={
                "TABLE_NAME": storage.table.table_name,
                "PRICE_REGIONS": price_regions(config, Stack.of(self).region),
            },
        )
        self.function = function.function
        # It puts one item (the price book) and reads nothing of the table.
        storage.grant_write(self.function)
        # Kept apart from the role's other statements so its '*' is reviewed on its own.
        get_products = iam.Policy(
            self,
            "GetProducts",
            statements=[iam.PolicyStatement(actions=[GET_PRODUCTS], resources=["*"])],
            roles=[function.role],
        )
        suppress(get_products, "AwsSolutions-IAM5", GET_PRODUCTS_REASON, "Resource::*")
        scheduled = run_on_schedule(
            self,
            self.function,
            expression=config.price_refresh_schedule,
            description="Refreshes jobtracker's SageMaker training prices",
            holds="price refreshes that could not be started",
            retries=INVOKE_RETRIES,
            max_age=INVOKE_MAX_AGE,
        )
        self.dead_letter_queue = scheduled.dead_letter_queue
        self.schedule = scheduled.rule
