"""Telegram's sending limits, and a log of what was sent for tests to measure.

Bots FAQ, "Broadcasting to Users" (https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this):
in a single chat avoid more than one message per second, short bursts over that are tolerated before 429s;
bulk notifications are limited to about 30 messages per second. Telegram publishes no burst size and
no exact algorithm, so the emulator enforces, as settings: for the bot as a whole, at most
``global_per_second`` messages within any one second (a sliding window); for each chat, a token bucket
of ``chat_burst`` messages refilled at ``chat_per_second``. A refused call gets the Bot API's 429
envelope, "Too Many Requests: retry after N" with ``parameters.retry_after`` (the shape the Bot API
server builds in Query.cpp), N being the whole seconds until the message would be allowed.

What counts: every message a sending method creates (send*, copyMessage, forwardMessage; an album counts
each of its messages). Edits do not count unless ``count_edits`` is set: Telegram limits edits too, but
more loosely and without a published number; chat actions and callback answers never count.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class RateLimits:
    """The emulator's sending limits; the defaults let a bot answer a person with an album, a caption and
    a few more messages at once (a burst), and refuse a broadcast faster than about 30 messages a second."""

    enabled: bool = True
    global_per_second: int = 30  # FAQ: "about 30 messages per second" for bulk notifications
    chat_per_second: float = 1.0  # FAQ: "avoid sending more than one message per second" in a chat
    chat_burst: int = 20  # FAQ: "short bursts" are tolerated; their size is not published
    count_edits: bool = False

    def as_dict(self) -> dict[str, float | int | bool]:
        return {
            "enabled": self.enabled,
            "global_per_second": self.global_per_second,
            "chat_per_second": self.chat_per_second,
            "chat_burst": self.chat_burst,
            "count_edits": self.count_edits,
        }


class _Bucket:
    def __init__(self, rate: float, capacity: int, now: float) -> None:
        self.rate = rate
        self.capacity = float(max(1, capacity))
        self.tokens = self.capacity
        self.updated = now

    def refill(self, now: float) -> None:
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now

    def wait_for(self, count: int) -> float:
        """Seconds until ``count`` tokens are there (a request larger than the bucket waits for a full one)."""
        needed = min(float(count), self.capacity)
        if self.tokens >= needed:
            return 0.0
        return (needed - self.tokens) / self.rate if self.rate > 0 else math.inf


class _Window:
    """At most ``limit`` messages within any ``span`` seconds."""

    def __init__(self, limit: int, span: float = 1.0) -> None:
        self.limit = max(1, limit)
        self.span = span
        self.events: deque[tuple[float, int]] = deque()

    def prune(self, now: float) -> None:
        while self.events and now - self.events[0][0] >= self.span:
            self.events.popleft()

    def wait_for(self, count: int, now: float) -> float:
        needed = min(count, self.limit)
        used = sum(n for _, n in self.events)
        if used + needed <= self.limit:
            return 0.0
        for at, n in self.events:  # the oldest leave the window first
            used -= n
            if used + needed <= self.limit:
                return at + self.span - now
        return self.span

    def give_back(self, at: float, count: int) -> None:
        for index, event in enumerate(self.events):
            if event == (at, count):
                del self.events[index]
                return


class SendLimiter:
    """The bot's window and the chats' buckets; ``reserve`` takes, ``release`` gives back."""

    def __init__(self, limits: RateLimits, clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits
        self.clock = clock
        self._lock = threading.Lock()
        self._global = _Window(limits.global_per_second)
        self._chats: dict[object, _Bucket] = {}

    def configure(self, limits: RateLimits) -> None:
        with self._lock:
            self.limits = limits
            self._global = _Window(limits.global_per_second)
            self._chats.clear()

    def reserve(self, chat: object, count: int = 1, *, at: float | None = None) -> int | None:
        """Take ``count`` messages' worth for ``chat`` at time ``at`` (now by default); None when
        allowed, else the whole seconds to wait (Telegram's retry_after)."""
        if not self.limits.enabled or count <= 0:
            return None
        now = self.clock() if at is None else at
        with self._lock:
            self._global.prune(now)
            bucket = self._chats.get(chat)
            if bucket is None:
                bucket = self._chats[chat] = _Bucket(self.limits.chat_per_second, self.limits.chat_burst, now)
            bucket.refill(now)
            wait = max(self._global.wait_for(count, now), bucket.wait_for(count))
            if wait > 0:
                return max(1, math.ceil(wait)) if math.isfinite(wait) else 3600
            self._global.events.append((now, min(count, self._global.limit)))
            bucket.tokens -= min(float(count), bucket.capacity)
            return None

    def release(self, chat: object, count: int = 1, *, at: float | None = None) -> None:
        """Give back what ``reserve`` took (at time ``at``) for a call that then failed: nothing was sent."""
        if not self.limits.enabled or count <= 0:
            return
        with self._lock:
            if at is not None:
                self._global.give_back(at, min(count, self._global.limit))
            bucket = self._chats.get(chat)
            if bucket is not None:
                bucket.tokens = min(bucket.capacity, bucket.tokens + count)


@dataclass(frozen=True)
class SendRecord:
    """One message the bot sent (or, with count_edits, an edit): when (monotonic seconds) and where."""

    at: float  # when Telegram accepted the call (time.monotonic())
    chat_id: int
    message_id: int
    method: str
    silent: bool = False
    media_source: str | None = None  # "upload", "url" or "file_id" for media; None for text and others


@dataclass(frozen=True)
class Refusal:
    at: float
    chat_id: object
    method: str
    retry_after: int


@dataclass
class SendLog:
    """Every successful send, in order, for measuring rates afterwards."""

    records: list[SendRecord] = field(default_factory=list)
    refusals: list[Refusal] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, record: SendRecord) -> None:
        with self._lock:
            self.records.append(record)

    def refuse(self, refusal: Refusal) -> None:
        with self._lock:
            self.refusals.append(refusal)

    def clear(self) -> None:
        with self._lock:
            self.records.clear()
            self.refusals.clear()

    def of(self, chat_id: int | None = None, *, since: float | None = None) -> list[SendRecord]:
        with self._lock:
            return [
                r
                for r in self.records
                if (chat_id is None or r.chat_id == chat_id) and (since is None or r.at >= since)
            ]

    def max_in_window(
        self, chat_id: int | None = None, *, window: float = 1.0, since: float | None = None
    ) -> int:
        """The largest number of messages sent within any ``window`` seconds (overall, or to one chat)."""
        times = sorted(r.at for r in self.of(chat_id, since=since))
        best, start = 0, 0
        for end, moment in enumerate(times):
            while moment - times[start] >= window:
                start += 1
            best = max(best, end - start + 1)
        return best

    def max_in_window_per_chat(self, *, window: float = 1.0, since: float | None = None) -> int:
        """The largest per-second count in any single chat."""
        chats = {r.chat_id for r in self.of(since=since)}
        return max((self.max_in_window(chat, window=window, since=since) for chat in chats), default=0)
