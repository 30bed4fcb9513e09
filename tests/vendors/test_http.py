"""vendors/base/http.py's call_with_retries: the first attempt runs outside stamina, and a call
that fails is retried exactly as when stamina ran the whole call (attempts, waits, Retry-After,
timeout, stamina's retry hooks, one observation per attempt)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest
from stamina.instrumentation import RetryDetails, get_on_retry_hooks, set_on_retry_hooks

from vendors.base.errors import AuthenticationError, RateLimitedError, UnavailableError
from vendors.base.http import RetryPolicy, call_with_retries
from vendors.base.observe import CallObservation, set_call_observer

FAST = RetryPolicy(attempts=4, wait_initial=0.0, wait_max=0.0, wait_jitter=0.0)


@pytest.fixture
def retries() -> Iterator[list[RetryDetails]]:
    seen: list[RetryDetails] = []
    before = get_on_retry_hooks()
    set_on_retry_hooks([seen.append])
    yield seen
    set_on_retry_hooks(before)


@pytest.fixture
def observations() -> Iterator[list[CallObservation]]:
    seen: list[CallObservation] = []
    set_call_observer(seen.append)
    yield seen
    set_call_observer(None)


def failing(*errors: Exception, then: str = "ok") -> tuple[Callable[[], str], list[int]]:
    """An attempt that raises `errors` one per call, then returns `then`; and its call count."""
    calls = [0]
    pending = list(errors)

    def attempt() -> str:
        calls[0] += 1
        if pending:
            raise pending.pop(0)
        return then

    return attempt, calls


def run(attempt: Callable[[], str], policy: RetryPolicy = FAST, *, idempotent: bool = True) -> str:
    return call_with_retries(attempt, policy=policy, idempotent=idempotent, vendor="toy", action="Read")


def test_a_first_success_runs_once_and_schedules_no_retry(retries, observations):
    attempt, calls = failing()
    assert run(attempt) == "ok"
    assert calls == [1] and retries == []
    assert [(o.action, o.error) for o in observations] == [("Read", "")]


def test_transient_failures_are_retried_with_stamina_hooks_numbered_from_the_first(retries, observations):
    first, second = UnavailableError("busy"), UnavailableError("still busy")
    attempt, calls = failing(first, second)
    assert run(attempt) == "ok"
    assert calls == [3]
    assert [(r.retry_num, r.caused_by) for r in retries] == [(1, first), (2, second)]
    assert [o.error for o in observations] == ["UnavailableError", "UnavailableError", ""]


def test_the_last_error_is_raised_after_all_attempts(retries):
    errors = [UnavailableError(f"busy {n}") for n in range(FAST.attempts)]
    attempt, calls = failing(*errors)
    with pytest.raises(UnavailableError) as info:
        run(attempt)
    assert info.value is errors[-1]
    assert calls == [FAST.attempts] and len(retries) == FAST.attempts - 1


def test_permanent_errors_and_writes_are_tried_once(retries):
    attempt, calls = failing(AuthenticationError("wrong key"))
    with pytest.raises(AuthenticationError):
        run(attempt)
    attempt, write_calls = failing(UnavailableError("busy"))
    with pytest.raises(UnavailableError):
        run(attempt, idempotent=False)
    assert calls == [1] and write_calls == [1] and retries == []


def test_retry_after_sets_the_wait(retries):
    attempt, calls = failing(RateLimitedError("slow down", retry_after=0.02))
    started = time.monotonic()
    assert run(attempt, RetryPolicy(attempts=2, wait_initial=0.0, wait_max=5.0, wait_jitter=0.0)) == "ok"
    assert time.monotonic() - started >= 0.02
    assert calls == [2] and [r.wait_for for r in retries] == [0.02]


def test_the_timeout_counts_from_the_first_attempt():
    def slow_failure() -> str:
        time.sleep(0.1)
        raise UnavailableError("busy")

    calls = [0]

    def attempt() -> str:
        calls[0] += 1
        return slow_failure()

    with pytest.raises(UnavailableError):
        run(attempt, RetryPolicy(attempts=10, total_timeout=0.25, wait_initial=0.0, wait_max=0.0, wait_jitter=0.0))
    # 0.1 s an attempt: the third ends past 0.25 s since the first began, and is the last.
    assert calls == [3]
    calls[0] = 0
    with pytest.raises(UnavailableError):
        run(attempt, RetryPolicy(attempts=10, total_timeout=0.08, wait_initial=0.0, wait_max=0.0, wait_jitter=0.0))
    assert calls == [1]
