"""Trying a DynamoDB request again after a short random sleep.

Two writers touching one item at once (the store's transaction, an alert claim) make
DynamoDB cancel one of them; trying again a moment later, at a random moment so that
the two do not collide again, is what AWS advises. Each caller says how many attempts,
which errors are worth another one, and how long to wait; `sleep` is a parameter so that
tests need not wait.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

Result = TypeVar("Result")
Failure = TypeVar("Failure", bound=Exception)

# Seconds to wait after the given failed attempt (1 for the first).
Backoff = Callable[[int], float]


def linear_jitter(low: float, high: float) -> Backoff:
    """A random time in [low, high] seconds, times the attempt's number."""
    return lambda attempt: random.uniform(low, high) * attempt


def doubling_jitter(low: float, high: float) -> Backoff:
    """A random time in [low, high] seconds, times 2 to the attempt's number."""
    return lambda attempt: random.uniform(low, high) * 2**attempt


def with_retries(
    request: Callable[[], Result],
    *,
    attempts: int,
    failure: type[Failure],
    retryable: Callable[[Failure], bool],
    backoff: Backoff,
    sleep: Callable[[float], object] = time.sleep,
) -> Result:
    """`request()`'s result, trying up to `attempts` times while it raises a retryable
    `failure`.

    Any other error, a failure that is not retryable, and the last attempt's failure are
    raised as they are.
    """
    for attempt in range(1, attempts):
        try:
            return request()
        except failure as error:
            if not retryable(error):
                raise
        sleep(backoff(attempt))
    return request()
