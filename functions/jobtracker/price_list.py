"""SageMaker's on-demand training prices from the AWS Price List API (pricing:GetProducts).

Each product of `PriceList` is a JSON document (a string, as the API sends it):
`product.attributes` names the usage (`usagetype` "USE1-Train:ml.m5.xlarge": the region
prefix, the component, the instance type) and the region (`regionCode`);
`terms.OnDemand.<offer>.priceDimensions.<rate>.pricePerUnit.USD` is the hourly price.
Training is the `-Train:` usage; notebooks, hosting, processing and the rest are other
usages and are left out, as are reserved and savings-plan terms.

The Price List API answers in us-east-1 (and two other regions) for every region's
products; the filters ask for one region's training products at a time.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from jobtracker.cost import PriceBook

SERVICE_CODE = "AmazonSageMaker"
# Where the Price List API answers (it also does in ap-south-1 and eu-central-1).
PRICING_REGION = "us-east-1"
PRICE_LIST_SOURCE = "AWS Price List API"
_TRAINING_USAGE = re.compile(r"^[A-Z0-9]+-Train:(?P<type>ml\.[a-z0-9-]+\.[a-z0-9-]+)$")


@dataclass
class ParsedPrices:
    """Training prices by "<region>/<instance type>", and what could not be read."""

    prices: dict[str, float] = field(default_factory=dict)
    published: str | None = None  # the newest publicationDate seen (yyyy-mm-dd)
    skipped: int = 0  # products that are not training on-demand hours, or malformed

    def add(self, item: str | Mapping[str, Any]) -> None:
        found = _training_price(item)
        if found is None:
            self.skipped += 1
            return
        key, usd, published = found
        # Two products for one type and region: the higher, so the estimate never
        # understates what the list says.
        self.prices[key] = max(usd, self.prices.get(key, 0.0))
        if published and (self.published is None or published > self.published):
            self.published = published


def parse_price_list(items: Iterable[str | Mapping[str, Any]]) -> ParsedPrices:
    parsed = ParsedPrices()
    for item in items:
        parsed.add(item)
    return parsed


def training_filters(region: str) -> list[dict[str, str]]:
    """GetProducts filters for one region's training products."""
    return [
        {"Type": "TERM_MATCH", "Field": "regionCode", "Value": region},
        {"Type": "CONTAINS", "Field": "usagetype", "Value": "-Train:"},
    ]


def fetch_price_book(client: Any, regions: Iterable[str], today: str) -> tuple[PriceBook, int]:
    """Every region's training prices, read page by page (botocore's paginator).

    Returns the book (dated by the newest publication date, else `today`) and the number
    of products skipped.
    """
    parsed = ParsedPrices()
    paginator = client.get_paginator("get_products")
    for region in sorted(set(regions)):
        pages = paginator.paginate(
            ServiceCode=SERVICE_CODE, Filters=training_filters(region), FormatVersion="aws_v1"
        )
        for page in pages:
            for item in page.get("PriceList", []):
                parsed.add(item)
    book = PriceBook(parsed.prices, PRICE_LIST_SOURCE, parsed.published or today)
    return book, parsed.skipped


def _training_price(item: str | Mapping[str, Any]) -> tuple[str, float, str | None] | None:
    try:
        document = json.loads(item) if isinstance(item, str) else item
        attributes = document["product"]["attributes"]
        usage = _TRAINING_USAGE.fullmatch(str(attributes.get("usagetype", "")))
        region = attributes.get("regionCode")
        if usage is None or not isinstance(region, str) or not region:
            return None
        usd = _hourly_usd(document.get("terms", {}).get("OnDemand", {}))
    except (TypeError, ValueError, KeyError, AttributeError):
        return None
    if usd is None:
        return None
    published = document.get("publicationDate")
    day = published[:10] if isinstance(published, str) else None
    return f"{region}/{usage['type']}", usd, day


def _hourly_usd(on_demand: Mapping[str, Any]) -> float | None:
    """The one positive hourly USD price of the on-demand terms, if there is one."""
    for term in on_demand.values():
        for dimension in term.get("priceDimensions", {}).values():
            if str(dimension.get("unit", "")).lower() not in ("hrs", "hours", "hour"):
                continue
            usd = float(dimension.get("pricePerUnit", {}).get("USD", "nan"))
            if math.isfinite(usd) and usd > 0:
                return usd
    return None
