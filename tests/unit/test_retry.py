"""The store's one retry loop: attempts, which failures retry, sleeps; never a real wait."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from jobtracker.store.retry import doubling_jitter, linear_jitter, with_retries


class Busy(Exception):
    """A failure worth another attempt (as a transaction conflict is)."""


class Refused(Busy):
    """The same kind of failure, but one that another attempt cannot change."""


class Broken(Exception):
    """Another kind of failure altogether."""


def failing(*errors: Exception, result: str = "done") -> tuple[Callable[[], str], list[int]]:
    """A request that raises `errors` one per call, then returns `result`; and its calls."""
    calls: list[int] = []

    def request() -> str:
        calls.append(len(calls) + 1)
        if len(calls) <= len(errors):
            raise errors[len(calls) - 1]
        return result

    return request, calls


def run(request: Callable[[], str], sleeps: list[float], attempts: int = 4) -> str:
    return with_retries(
        request,
        attempts=attempts,
        failure=Busy,
        retryable=lambda error: not isinstance(error, Refused),
        backoff=lambda attempt: attempt / 10,
        sleep=sleeps.append,
    )


def test_a_request_that_succeeds_is_made_once_without_sleeping() -> None:
    request, calls = failing()
    sleeps: list[float] = []
    assert run(request, sleeps) == "done"
    assert (calls, sleeps) == ([1], [])


def test_retryable_failures_are_tried_again_after_each_attempts_backoff() -> None:
    # Given a request that is busy twice, then answers
    request, calls = failing(Busy("1"), Busy("2"))
    sleeps: list[float] = []
    # When it is made with retries
    # Then the answer comes back, after a sleep per failed attempt, as the backoff says
    assert run(request, sleeps) == "done"
    assert calls == [1, 2, 3]
    assert sleeps == [0.1, 0.2]


def test_the_last_attempts_failure_is_raised_as_it_is() -> None:
    last = Busy("4")
    request, calls = failing(Busy("1"), Busy("2"), Busy("3"), last)
    sleeps: list[float] = []
    with pytest.raises(Busy) as raised:
        run(request, sleeps, attempts=4)
    assert raised.value is last
    assert calls == [1, 2, 3, 4]
    # No sleep after the last attempt: nothing follows it.
    assert sleeps == [0.1, 0.2, 0.3]


def test_a_failure_that_is_not_retryable_is_raised_at_once() -> None:
    refused = Refused("no")
    request, calls = failing(Busy("1"), refused)
    sleeps: list[float] = []
    with pytest.raises(Refused) as raised:
        run(request, sleeps)
    assert raised.value is refused
    assert (calls, sleeps) == ([1, 2], [0.1])


def test_another_kind_of_error_is_never_retried() -> None:
    request, calls = failing(Broken("down"))
    sleeps: list[float] = []
    with pytest.raises(Broken):
        run(request, sleeps)
    assert (calls, sleeps) == ([1], [])


def test_one_attempt_means_no_retry() -> None:
    request, calls = failing(Busy("1"))
    sleeps: list[float] = []
    with pytest.raises(Busy):
        run(request, sleeps, attempts=1)
    assert (calls, sleeps) == ([1], [])


@pytest.mark.parametrize("attempt", [1, 2, 3])
def test_linear_jitter_stays_within_its_bounds_times_the_attempt(attempt: int) -> None:
    backoff = linear_jitter(0.01, 0.05)
    waits = [backoff(attempt) for _ in range(200)]
    assert all(0.01 * attempt <= wait <= 0.05 * attempt for wait in waits)
    assert len(set(waits)) > 1  # random, so that two writers do not collide again


@pytest.mark.parametrize("attempt", [1, 2, 3, 4])
def test_doubling_jitter_stays_within_its_bounds_times_two_to_the_attempt(attempt: int) -> None:
    backoff = doubling_jitter(0.05, 0.1)
    waits = [backoff(attempt) for _ in range(200)]
    assert all(0.05 * 2**attempt <= wait <= 0.1 * 2**attempt for wait in waits)
    assert len(set(waits)) > 1
