"""The price book a function holds: read once per time-to-live, never once per event."""

from jobtracker.bundled_prices import BUNDLED_BOOK
from jobtracker.cost import PriceBook
from jobtracker.price_cache import RETRY_AFTER_SECONDS, PriceCache, PriceTerms

CACHED = PriceBook({"us-east-1/ml.m5.xlarge": 0.2}, "AWS Price List API", "2026-12-01")


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_book_is_read_once_per_time_to_live() -> None:
    # Given a cache over a table holding a book
    clock = Clock()
    reads: list[int] = []
    cache = PriceCache(lambda: reads.append(1) or CACHED, ttl_seconds=3600, clock=clock)
    # When a thousand events ask within the hour
    for _ in range(1000):
        assert cache.book().list_prices == CACHED.list_prices
    # Then the table was read once; and again only after the hour
    assert (len(reads), cache.lookups) == (1, 1)
    clock.now += 3600
    cache.book()
    assert len(reads) == 2


def test_without_a_cached_book_the_bundled_prices_serve_and_say_so() -> None:
    cache = PriceCache(lambda: None)
    book = cache.book()
    assert book.source == BUNDLED_BOOK.source
    price = book.price("us-east-1", "ml.m5.xlarge")
    assert price is not None and "bundled" in price.source


def test_a_failed_read_serves_the_bundled_prices_and_retries_soon() -> None:
    clock = Clock()
    attempts: list[int] = []

    def failing() -> PriceBook:
        attempts.append(1)
        raise ConnectionError("endpoint unreachable")

    cache = PriceCache(failing, clock=clock)
    assert cache.book().source == BUNDLED_BOOK.source
    assert cache.last_error == "ConnectionError: endpoint unreachable"
    cache.book()
    assert len(attempts) == 1
    clock.now += RETRY_AFTER_SECONDS
    cache.book()
    assert len(attempts) == 2


def test_the_deploys_terms_apply_to_the_cached_book() -> None:
    cache = PriceCache(lambda: CACHED, PriceTerms({"ml.p3.2xlarge": 2.5}, 10))
    book = cache.book()
    listed, override = book.price("us-east-1", "ml.m5.xlarge"), book.price("x", "ml.p3.2xlarge")
    assert listed is not None and round(listed.usd_per_hour, 6) == 0.18
    assert override is not None and override.usd_per_hour == 2.5
