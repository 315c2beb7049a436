"""Time budgets: every outbound call ends before the Lambda does, with time left to record the outcome.

A handler sets the invocation's deadline from ``context.get_remaining_time_in_millis()``; code below it
asks ``timeout(preferred)`` for each call (KIE, Telegram, a download) and gets the preferred timeout or
what is left minus ``MARGIN_SEC``, whichever is smaller. Without a deadline (local runs, tests, tools)
the preferred timeout applies.
"""

from __future__ import annotations

import contextvars
import time
from collections.abc import Iterator
from contextlib import contextmanager

# Left for writing down what happened after the last outbound call returned or timed out.
MARGIN_SEC = 5.0
# A call given less than this is not worth starting.
MIN_CALL_SEC = 1.0

_deadline: contextvars.ContextVar[float | None] = contextvars.ContextVar("deadline", default=None)


class OutOfTime(Exception):
    """Too little of the invocation is left to make another outbound call and record its outcome."""


@contextmanager
def invocation(remaining_ms: int | None) -> Iterator[None]:
    """The deadline of one Lambda invocation (or none, when ``remaining_ms`` is None)."""
    token = _deadline.set(None if remaining_ms is None else time.monotonic() + remaining_ms / 1000)
    try:
        yield
    finally:
        _deadline.reset(token)


@contextmanager
def at_most(seconds: float) -> Iterator[None]:
    """Within the current deadline, a shorter one: work that owes someone an answer sooner."""
    current = _deadline.get()
    deadline = time.monotonic() + seconds
    token = _deadline.set(deadline if current is None else min(current, deadline))
    try:
        yield
    finally:
        _deadline.reset(token)


def seconds_left() -> float | None:
    """Time until the invocation's deadline, minus the margin; None without a deadline."""
    deadline = _deadline.get()
    return None if deadline is None else deadline - time.monotonic() - MARGIN_SEC


def timeout(preferred: float) -> float:
    """The timeout for the next outbound call; OutOfTime when it would not fit."""
    left = seconds_left()
    if left is None:
        return preferred
    if left < MIN_CALL_SEC:
        raise OutOfTime(f"{left:.1f} s left before the margin")
    return min(preferred, left)


def has_time_for(seconds: float) -> bool:
    """True when a step needing about ``seconds`` still fits before the margin."""
    left = seconds_left()
    return left is None or left >= seconds
