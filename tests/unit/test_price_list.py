"""The Price List API's answer -> training prices, on botocore's Stubber.

moto has no Pricing API. The pages in tests/fixtures/price_list_sagemaker.json follow the
documented GetProducts shape (each product a JSON string: product.attributes with
usagetype and regionCode, terms.OnDemand...pricePerUnit.USD); the Stubber checks both the
requests and these responses against botocore's own model of the service.
"""

import json
from pathlib import Path
from typing import Any

import pytest
from botocore.config import Config
from botocore.stub import Stubber
from jobtracker.clients import new_client
from jobtracker.price_list import (
    PRICE_LIST_SOURCE,
    PRICING_REGION,
    SERVICE_CODE,
    fetch_price_book,
    parse_price_list,
    training_filters,
)

PAGES: list[dict[str, Any]] = json.loads(
    (Path(__file__).parents[1] / "fixtures" / "price_list_sagemaker.json").read_text()
)
CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


@pytest.fixture
def pricing() -> Any:
    return new_client("pricing", Config(), region=PRICING_REGION, credentials=CREDENTIALS)


def test_training_hours_are_read_and_the_rest_left_out() -> None:
    parsed = parse_price_list(item for page in PAGES for item in page["PriceList"])
    assert parsed.prices == {
        "us-east-1/ml.m5.large": 0.115,
        "us-east-1/ml.g5.2xlarge": 1.515,
        "us-east-1/ml.p3.2xlarge": 3.825,
    }
    # hosting, processing, and a zero price
    assert parsed.skipped == 3
    assert parsed.published == "2026-11-05"


@pytest.mark.parametrize(
    "item",
    [
        "not json",
        json.dumps({"product": {}}),
        json.dumps({"product": {"attributes": {"usagetype": "USE1-Train:ml.m5.large"}}}),
        json.dumps(
            {
                "product": {
                    "attributes": {"usagetype": "USE1-Train:ml.m5.large", "regionCode": "us-east-1"}
                },
                "terms": {"OnDemand": {"t": {"priceDimensions": {"r": {"unit": "Hrs"}}}}},
            }
        ),
        json.dumps([1, 2]),
    ],
)
def test_a_malformed_product_is_skipped_not_fatal(item: str) -> None:
    parsed = parse_price_list([item])
    assert (parsed.prices, parsed.skipped) == ({}, 1)


def test_the_book_is_fetched_page_by_page_per_region(pricing: Any) -> None:
    stubber = Stubber(pricing)
    # Regions in order: eu-west-1 (one empty page), then us-east-1 (two pages).
    stubber.add_response(
        "get_products",
        {"FormatVersion": "aws_v1", "PriceList": []},
        {
            "ServiceCode": SERVICE_CODE,
            "Filters": training_filters("eu-west-1"),
            "FormatVersion": "aws_v1",
        },
    )
    first = {"ServiceCode": SERVICE_CODE, "Filters": training_filters("us-east-1")}
    stubber.add_response("get_products", PAGES[0], {**first, "FormatVersion": "aws_v1"})
    stubber.add_response(
        "get_products", PAGES[1], {**first, "FormatVersion": "aws_v1", "NextToken": "page-2"}
    )
    with stubber:
        book, skipped = fetch_price_book(pricing, ["us-east-1", "eu-west-1"], "2026-12-06")
    stubber.assert_no_pending_responses()
    assert book.source == PRICE_LIST_SOURCE
    assert book.as_of == "2026-11-05"
    assert book.list_prices["us-east-1/ml.p3.2xlarge"] == 3.825
    assert skipped == 3


def test_a_throttled_price_list_fails_the_refresh_loudly(pricing: Any) -> None:
    stubber = Stubber(pricing)
    stubber.add_client_error("get_products", "ThrottlingException", "Rate exceeded")
    with stubber, pytest.raises(Exception, match="Rate exceeded"):
        fetch_price_book(pricing, ["us-east-1"], "2026-12-06")
