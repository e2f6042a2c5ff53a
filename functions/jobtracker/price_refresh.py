"""The daily price refresh: the Price List API's training prices -> the cached book.

A refresh that finds no price at all keeps the book it had (a filter the API stopped
honouring must not wipe every job's cost); one that fails raises, so the schedule's
failure shows in the function's errors and the previous book stays.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NamedTuple

from jobtracker.price_list import fetch_price_book
from jobtracker.store.price_book import PriceBookStore


class RefreshReport(NamedTuple):
    prices: int
    skipped: int
    as_of: str
    stored: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "prices": self.prices,
            "skipped": self.skipped,
            "as_of": self.as_of,
            "stored": self.stored,
        }


def refresh_price_book(
    client: Any, store: PriceBookStore, regions: Iterable[str], now_iso: str
) -> RefreshReport:
    book, skipped = fetch_price_book(client, regions, now_iso[:10])
    stored = bool(book.list_prices)
    if stored:
        store.save(book, now_iso)
    return RefreshReport(len(book.list_prices), skipped, book.as_of, stored)
