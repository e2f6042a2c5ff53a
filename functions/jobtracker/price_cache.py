"""The price book a function holds: loaded at most once per time-to-live, never per event.

The daily refresh (functions/prices) stores the Price List API's book in the table; each
container reads it on its first cost and again only once the time-to-live has passed, so
ingest's requests per event stay within budget (docs/design.md, "Performance budget").
Until a refresh has stored one, and if the read fails, the bundled list prices serve,
and `price_source` says so.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import NamedTuple

from jobtracker.bundled_prices import BUNDLED_BOOK
from jobtracker.cost import NO_RATES, PriceBook

# A refresh runs daily; an hour's delay in seeing it costs nothing that matters.
DEFAULT_TTL_SECONDS = 3600
# After a failed read: the bundled prices serve meanwhile, and the read is tried again
# this much later rather than on every event.
RETRY_AFTER_SECONDS = 60


class PriceTerms(NamedTuple):
    """The deploy's own rates (`price_overrides`) and discount (`price_discount_percent`)."""

    overrides: Mapping[str, float] = NO_RATES
    discount_percent: float = 0.0


# The list prices as published: no override, no discount.
AS_LISTED = PriceTerms()


class PriceCache:
    """The book, read through `load` at most once per `ttl_seconds` of `clock`.

    A plain class: it holds state that changes, and the Lambda's cold start pays for
    each dataclass it defines (docs/design.md, "Cold start").
    """

    def __init__(
        self,
        load: Callable[[], PriceBook | None],
        terms: PriceTerms = AS_LISTED,
        ttl_seconds: float = DEFAULT_TTL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        fallback: PriceBook = BUNDLED_BOOK,
    ) -> None:
        self.load = load
        self.terms = terms
        self.ttl_seconds = ttl_seconds
        self.clock = clock
        self.fallback = fallback
        # How many times the cached book was read: the bench reports it per event.
        self.lookups = 0
        # Why the last read failed, for the handler to log; None after a good read.
        self.last_error: str | None = None
        self._book: PriceBook | None = None
        self._expires_at = 0.0

    def book(self) -> PriceBook:
        now = self.clock()
        if self._book is None or now >= self._expires_at:
            self.lookups += 1
            lifetime = self.ttl_seconds
            try:
                loaded = self.load()
                self.last_error = None
            except Exception as error:  # a cost must never cost a job its write
                loaded, lifetime = None, RETRY_AFTER_SECONDS
                self.last_error = f"{type(error).__name__}: {str(error)[:200]}"
            self._book = (loaded or self.fallback).with_terms(
                self.terms.overrides, self.terms.discount_percent
            )
            self._expires_at = now + lifetime
        return self._book
