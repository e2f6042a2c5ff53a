"""Prices: on a daily schedule, the AWS Price List API's SageMaker training prices -> the
price book cached in the table, which ingest and reconcile read at most once per
container per hour (jobtracker.price_cache). A refresh that fails raises: the schedule
retries, the function's errors show it, and the previous book stays in use.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.config import Config
from jobtracker.clients import new_client
from jobtracker.config import PriceRefreshConfig
from jobtracker.observability import logger, metrics, tracer
from jobtracker.price_list import PRICING_REGION
from jobtracker.price_refresh import RefreshReport, refresh_price_book
from jobtracker.store.price_book import PriceBookStore

CONFIG = PriceRefreshConfig.from_env()
STORE = PriceBookStore(CONFIG.table)
# Paging through a region's training products is a few dozen small requests; the
# Price List API throttles bursts, so back off as the SDK's standard mode does.
CLIENT_CONFIG = Config(
    connect_timeout=5, read_timeout=20, retries={"max_attempts": 8, "mode": "standard"}
)


def refresh(client: Any = None) -> RefreshReport:
    pricing = client or new_client("pricing", CLIENT_CONFIG, region=PRICING_REGION)
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    report = refresh_price_book(pricing, STORE, CONFIG.regions, now)
    if report.stored:
        logger.info("price book refreshed", extra=report.as_dict())
    else:
        logger.error(
            "the Price List API returned no training price; kept the previous book",
            extra=report.as_dict(),
        )
    return report


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return refresh().as_dict()
