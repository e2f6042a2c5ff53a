"""The cached price book: one item, written by the daily price refresh, read by the
functions that put a cost on jobs (at most once per container per time-to-live, see
jobtracker.price_cache).

PK=PRICES, SK=BOOK: the list prices (zlib JSON, `PriceBook.to_json`) and when they were
fetched. About 40 bytes a price before compression: a few hundred training instance
types in each of a dozen regions stay far within an item.
"""

from __future__ import annotations

import zlib
from typing import Any

from pynamodb.attributes import BinaryAttribute, UnicodeAttribute
from pynamodb.exceptions import DoesNotExist
from pynamodb.models import Model

from jobtracker.config import TableConfig
from jobtracker.cost import PriceBook
from jobtracker.store.models import table_meta

PRICES_PK = "PRICES"
BOOK_SK = "BOOK"


def _price_book_model(config: TableConfig) -> type[Any]:
    class PriceBookItem(Model):
        Meta = table_meta(config.table_name, config.region, config.endpoint_url)  # type: ignore[assignment]
        pk = UnicodeAttribute(hash_key=True)
        sk = UnicodeAttribute(range_key=True)
        book = BinaryAttribute(legacy_encoding=False)  # zlib-compressed PriceBook.to_json()
        fetched_at = UnicodeAttribute()

    return PriceBookItem


class PriceBookStore:
    """Saves and loads the one cached price book."""

    def __init__(self, config: TableConfig) -> None:
        self._item = _price_book_model(config)

    def save(self, book: PriceBook, fetched_at: str) -> None:
        blob = zlib.compress(book.to_json().encode(), 6)
        self._item(PRICES_PK, BOOK_SK, book=blob, fetched_at=fetched_at).save()

    def load(self) -> PriceBook | None:
        """The cached book, or None if the refresh has not stored one yet."""
        try:
            item = self._item.get(PRICES_PK, BOOK_SK)
        except DoesNotExist:
            return None
        return PriceBook.from_json(zlib.decompress(item.book).decode())
