"""The price refresh stores the Price List API's book in the table; the functions read it.

The Price List API is stubbed (botocore's Stubber: moto has none); the table is moto's.
"""

import json
from pathlib import Path
from typing import Any

from botocore.config import Config
from botocore.stub import Stubber
from jobtracker.clients import new_client
from jobtracker.config import TableConfig
from jobtracker.price_cache import PriceCache
from jobtracker.price_list import PRICE_LIST_SOURCE, PRICING_REGION, SERVICE_CODE, training_filters
from jobtracker.price_refresh import refresh_price_book
from jobtracker.store.price_book import PriceBookStore

PAGES: list[dict[str, Any]] = json.loads(
    (Path(__file__).parents[1] / "fixtures" / "price_list_sagemaker.json").read_text()
)


def pricing_stub(pages: list[dict[str, Any]]) -> tuple[Any, Stubber]:
    client = new_client(
        "pricing",
        Config(),
        region=PRICING_REGION,
        credentials={"aws_access_key_id": "testing", "aws_secret_access_key": "testing"},
    )
    stubber = Stubber(client)
    params = {
        "ServiceCode": SERVICE_CODE,
        "Filters": training_filters("us-east-1"),
        "FormatVersion": "aws_v1",
    }
    for index, page in enumerate(pages):
        token = {"NextToken": pages[index - 1]["NextToken"]} if index else {}
        stubber.add_response("get_products", page, {**params, **token})
    return client, stubber


def test_a_refresh_stores_the_book_the_functions_then_read(table: str) -> None:
    # Given the table and the Price List API's two pages
    store = PriceBookStore(TableConfig(table_name=table, region="us-east-1"))
    client, stubber = pricing_stub(PAGES)
    # When the refresh runs
    with stubber:
        report = refresh_price_book(client, store, ["us-east-1"], "2026-12-06T04:00:00.000Z")
    # Then the book is in the table, and a function's cache reads it from there
    assert report.as_dict() == {"prices": 3, "skipped": 3, "as_of": "2026-11-05", "stored": True}
    book = PriceCache(store.load).book()
    assert book.source == PRICE_LIST_SOURCE
    price = book.price("us-east-1", "ml.g5.2xlarge")
    assert price is not None and price.usd_per_hour == 1.515
    assert price.source == f"{PRICE_LIST_SOURCE}, 2026-11-05"


def test_a_refresh_that_finds_no_price_keeps_the_previous_book(table: str) -> None:
    store = PriceBookStore(TableConfig(table_name=table, region="us-east-1"))
    client, stubber = pricing_stub(PAGES)
    with stubber:
        refresh_price_book(client, store, ["us-east-1"], "2026-12-06T04:00:00.000Z")
    empty_client, empty = pricing_stub([{"FormatVersion": "aws_v1", "PriceList": []}])
    with empty:
        report = refresh_price_book(empty_client, store, ["us-east-1"], "2026-12-07T04:00:00Z")
    assert report.stored is False
    kept = store.load()
    assert kept is not None and kept.list_prices["us-east-1/ml.p3.2xlarge"] == 3.825
