"""Broadcasts: an operator's message to many people, sent through the queue in slices, at most once each.

Lifecycle: ``draft`` (composed, previewed, audience chosen) → ``running`` → ``done``, with ``paused`` and
``canceled`` on the way. Only one broadcast is running or paused at a time (a unique index): the pace limit
is for the bot as a whole.

Sending (``run_slice``, one queue message of kind ``broadcast``, all of a broadcast's messages in ONE FIFO
group so one worker at a time sends it):

- a recipient row is marked ``sending`` and committed BEFORE its message goes out, and ``sent``,
  ``blocked`` or ``failed`` after; a ``sending`` row that the next slice finds belonged to a worker that died
  in between and is counted failed (``interrupted``): nobody gets the message twice;
- the pace is at most ``per_second`` messages in any second, counted from when Telegram answered, and a
  slice waits a second after the previous slice's last message (even one that died), so the limit holds
  across slices;
- Telegram's 429 puts the recipient back (nothing was sent) and records ``resume_at``, which every slice
  waits for;
- pause and cancel are states: the claim of the next recipient reads them, so a slice stops within one
  message. Every start or resume begins a new run (``gen``); a slice message of an older run does nothing;
- a slice sends while the Lambda's time budget lasts (and at most ``max_seconds``), then queues the next
  slice with a new deduplication id.

This module knows nothing of aiogram: the worker's adapter (``creativebot.admin.sending``) passes the
function that sends one message and says how it went, the one that shows progress, and the one that
queues the next slice.
"""

from __future__ import annotations

import asyncio
import enum
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, get_args

import asyncpg

from creativebot import audit, budget, faults
from creativebot.db import Connection, Pool, transaction
from creativebot.observability import log_event

Audience = Literal["all", "active30", "paid", "lang_ru", "lang_en"]
AUDIENCES: tuple[Audience, ...] = get_args(Audience)
BroadcastStatus = Literal["draft", "running", "paused", "canceled", "done"]
ACTIVE: tuple[BroadcastStatus, ...] = ("running", "paused")

_REACHABLE = (
    "u.blocked_at IS NULL AND NOT EXISTS (SELECT 1 FROM unreachable_users x"
    " WHERE x.user_id = u.id AND x.marked_at >= u.last_seen_at)"
)
_AUDIENCE_SQL: dict[Audience, str] = {
    "all": "true",
    "active30": "u.last_seen_at > now() - interval '30 days'",
    "paid": "EXISTS (SELECT 1 FROM ledger l WHERE l.user_id = u.id AND l.kind = 'topup')",
    "lang_ru": "u.language = 'ru'",
    "lang_en": "u.language = 'en'",
}
_COLUMNS = (
    "id, created_by, admin_chat_id, admin_language, text, photo_file_id, audience, status, total, gen, slice_no,"
    " progress_message_id, resume_at, heartbeat_at, created_at, started_at, finished_at"
)
STALLED_AFTER_SEC = 120  # a running broadcast whose slices went quiet this long may be kicked (resume)
REPORT_EVERY_SEC = 3.0  # progress edits: often enough to watch, rare enough for Telegram
SEND_TIMEOUT_SEC = 10.0  # one message's Bot API call
MAX_SLICE_SEC = 20.0  # a slice leaves room in the worker's batch for people's updates


@dataclass(frozen=True)
class Broadcast:
    id: int
    created_by: int
    admin_chat_id: int
    admin_language: str
    text: str
    photo_file_id: str | None
    audience: Audience | None
    status: BroadcastStatus
    total: int
    gen: int
    slice_no: int
    progress_message_id: int | None
    resume_at: datetime | None
    heartbeat_at: datetime | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


def _broadcast(row: asyncpg.Record) -> Broadcast:
    return Broadcast(**dict(row))


@dataclass(frozen=True)
class Progress:
    broadcast: Broadcast
    sent: int
    blocked: int
    failed: int
    pending: int
    sending: int

    @property
    def handled(self) -> int:
        return self.sent + self.blocked + self.failed


# --- composing and controlling (the operator's side) -------------------------------------------------


async def draft(
    db: Pool | Connection, *, admin_id: int, chat_id: int, language: str, text: str, photo_file_id: str | None
) -> Broadcast:
    row = await db.fetchrow(
        f"""
        INSERT INTO broadcasts (created_by, admin_chat_id, admin_language, text, photo_file_id)
        VALUES ($1, $2, $3, $4, $5) RETURNING {_COLUMNS}
        """,
        admin_id,
        chat_id,
        language if language in ("ru", "en") else "ru",
        text,
        photo_file_id,
    )
    assert row is not None
    return _broadcast(row)


async def get(db: Pool | Connection, broadcast_id: int) -> Broadcast | None:
    row = await db.fetchrow(f"SELECT {_COLUMNS} FROM broadcasts WHERE id = $1", broadcast_id)
    return _broadcast(row) if row else None


async def active(db: Pool | Connection) -> Broadcast | None:
    """The running or paused broadcast, if there is one."""
    row = await db.fetchrow(f"SELECT {_COLUMNS} FROM broadcasts WHERE status IN ('running', 'paused')")
    return _broadcast(row) if row else None


# A broadcast with its recipients counted by outcome.
_PROGRESS = f"""
SELECT {", ".join("b." + column.strip() for column in _COLUMNS.split(","))},
       c.sent, c.blocked, c.failed, c.pending, c.sending
  FROM broadcasts b CROSS JOIN LATERAL (
       SELECT count(*) FILTER (WHERE r.status = 'sent') AS sent,
              count(*) FILTER (WHERE r.status = 'blocked') AS blocked,
              count(*) FILTER (WHERE r.status = 'failed') AS failed,
              count(*) FILTER (WHERE r.status = 'pending') AS pending,
              count(*) FILTER (WHERE r.status = 'sending') AS sending
         FROM broadcast_recipients r WHERE r.broadcast_id = b.id) c
"""


def _progress(row: asyncpg.Record) -> Progress:
    values = dict(row)
    counts = {name: values.pop(name) for name in ("sent", "blocked", "failed", "pending", "sending")}
    return Progress(broadcast=Broadcast(**values), **counts)


async def recent(db: Pool | Connection, limit: int = 5) -> list[Progress]:
    """The latest started broadcasts, newest first."""
    rows = await db.fetch(f"{_PROGRESS} WHERE b.status <> 'draft' ORDER BY b.id DESC LIMIT $1", limit)
    return [_progress(row) for row in rows]


async def audience_sizes(db: Pool | Connection) -> dict[Audience, int]:
    """How many people each audience reaches now (blocked by an operator, or unreachable, left out)."""
    selects = ", ".join(
        f"count(*) FILTER (WHERE {_AUDIENCE_SQL[audience]}) AS {audience}" for audience in AUDIENCES
    )
    row = await db.fetchrow(f"SELECT {selects} FROM users u WHERE {_REACHABLE}")
    assert row is not None
    return {audience: int(row[audience]) for audience in AUDIENCES}


async def choose_audience(db: Pool | Connection, broadcast_id: int, audience: Audience) -> Broadcast | None:
    row = await db.fetchrow(
        f"UPDATE broadcasts SET audience = $2 WHERE id = $1 AND status = 'draft' RETURNING {_COLUMNS}",
        broadcast_id,
        audience,
    )
    return _broadcast(row) if row else None


class StartRefusal(enum.Enum):
    NOT_A_DRAFT = "not_a_draft"  # started already (a second press), or never composed
    BUSY = "busy"  # another broadcast is running or paused


async def start(db: Pool | Connection, broadcast_id: int, *, admin_id: int) -> Broadcast | StartRefusal:
    """Turn a draft with an audience into a running broadcast with its recipients, in one transaction."""
    try:
        async with transaction(db) as conn:
            row = await conn.fetchrow(
                f"""
                UPDATE broadcasts SET status = 'running', started_at = now(), heartbeat_at = now(), gen = 1, slice_no = 0
                 WHERE id = $1 AND status = 'draft' AND audience IS NOT NULL
                RETURNING {_COLUMNS}
                """,
                broadcast_id,
            )
            if row is None:
                return StartRefusal.NOT_A_DRAFT
            audience: Audience = row["audience"]
            status = await conn.execute(
                f"""
                INSERT INTO broadcast_recipients (broadcast_id, user_id)
                SELECT $1, u.id FROM users u WHERE {_REACHABLE} AND {_AUDIENCE_SQL[audience]}
                """,
                broadcast_id,
            )
            total = int(status.split()[-1])
            row = await conn.fetchrow(
                f"UPDATE broadcasts SET total = $2 WHERE id = $1 RETURNING {_COLUMNS}", broadcast_id, total
            )
            assert row is not None
            await audit.record(
                conn,
                admin_id,
                "broadcast.start",
                f"broadcast:{broadcast_id}",
                before={"status": "draft"},
                after={"status": "running", "audience": audience, "total": total},
            )
    except asyncpg.UniqueViolationError:
        return StartRefusal.BUSY
    log_event("BROADCAST_STARTED", broadcast_id=broadcast_id, total=total)
    return _broadcast(row)


async def attach_progress(db: Pool | Connection, broadcast_id: int, message_id: int) -> None:
    """The progress message is out: the worker edits it; the first slice waits a second after it."""
    await db.execute(
        "UPDATE broadcasts SET progress_message_id = $2, slice_ended_at = clock_timestamp() WHERE id = $1",
        broadcast_id,
        message_id,
    )


async def _control(
    db: Pool | Connection, broadcast_id: int, admin_id: int, action: str, update_sql: str, *args: object
) -> Broadcast | None:
    async with transaction(db) as conn:
        before = await conn.fetchval("SELECT status FROM broadcasts WHERE id = $1 FOR UPDATE", broadcast_id)
        row = await conn.fetchrow(f"{update_sql} RETURNING {_COLUMNS}", broadcast_id, *args)
        if row is None:
            return None
        await audit.record(
            conn,
            admin_id,
            f"broadcast.{action}",
            f"broadcast:{broadcast_id}",
            before={"status": before},
            after={"status": row["status"], "gen": row["gen"]},
        )
    log_event("BROADCAST_CONTROL", broadcast_id=broadcast_id, action=action)
    return _broadcast(row)


async def pause(db: Pool | Connection, broadcast_id: int, *, admin_id: int) -> Broadcast | None:
    return await _control(
        db,
        broadcast_id,
        admin_id,
        "pause",
        "UPDATE broadcasts SET status = 'paused' WHERE id = $1 AND status = 'running'",
    )


async def resume(db: Pool | Connection, broadcast_id: int, *, admin_id: int) -> Broadcast | None:
    """A paused broadcast runs again; so does a running one whose slices went quiet (a lost slice).
    Either way a new run begins: the caller queues its first slice."""
    return await _control(
        db,
        broadcast_id,
        admin_id,
        "resume",
        """
        UPDATE broadcasts SET status = 'running', gen = gen + 1, slice_no = 0, heartbeat_at = now()
         WHERE id = $1 AND (status = 'paused' OR (status = 'running'
               AND (heartbeat_at IS NULL OR heartbeat_at < now() - make_interval(secs => $2::int))))
        """,
        STALLED_AFTER_SEC,
    )


async def cancel(db: Pool | Connection, broadcast_id: int, *, admin_id: int) -> Broadcast | None:
    return await _control(
        db,
        broadcast_id,
        admin_id,
        "cancel",
        "UPDATE broadcasts SET status = 'canceled', finished_at = now()"
        " WHERE id = $1 AND status IN ('running', 'paused')",
    )


def stalled(broadcast: Broadcast, now: datetime) -> bool:
    return broadcast.status == "running" and (
        broadcast.heartbeat_at is None or (now - broadcast.heartbeat_at).total_seconds() > STALLED_AFTER_SEC
    )


async def progress(db: Pool | Connection, broadcast_id: int) -> Progress | None:
    row = await db.fetchrow(f"{_PROGRESS} WHERE b.id = $1", broadcast_id)
    return _progress(row) if row else None


async def active_progress(db: Pool | Connection) -> Progress | None:
    """The running or paused broadcast with its counts, if there is one."""
    row = await db.fetchrow(f"{_PROGRESS} WHERE b.status IN ('running', 'paused')")
    return _progress(row) if row else None


# --- sending (the worker's side) ------------------------------------------------------------------------


class Outcome(enum.Enum):
    SENT = "sent"
    BLOCKED = "blocked"  # the person blocked the bot
    GONE = "gone"  # the account is deleted or the chat does not exist
    FAILED = "failed"  # Telegram refused this message
    UNKNOWN = "unknown"  # no answer (a timeout, a network or server error): it may have arrived
    RETRY = "retry"  # Telegram's 429, or no time left to call: not sent, the recipient goes back


@dataclass(frozen=True)
class Delivery:
    outcome: Outcome
    retry_after: float = 0.0
    error: str | None = None
    gone: Literal["deactivated", "not_found"] = "not_found"


Deliver = Callable[[Broadcast, int], Awaitable[Delivery]]
Report = Callable[[Progress], Awaitable[None]]
Enqueue = Callable[[int, int], None]  # (gen, slice number)


@dataclass(frozen=True)
class SliceResult:
    sent: int  # messages this slice handed to Telegram successfully
    finished: bool  # the broadcast is done
    queued_next: bool
    reason: str  # why the slice ended


class Pacer:
    """At most ``per_second`` messages in any second. A call may start only a second (plus a hair) after the
    call ``per_second`` calls back was answered; since calls run one after another, Telegram receives at
    most ``per_second`` of them within any one-second window, whatever each call's latency."""

    MARGIN_SEC = 0.005

    def __init__(
        self,
        per_second: int,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._answered: deque[float] = deque(maxlen=max(1, per_second))
        self._clock = clock
        self._sleep = sleep

    async def wait(self) -> None:
        if len(self._answered) == self._answered.maxlen:
            delay = self._answered[0] + 1.0 + self.MARGIN_SEC - self._clock()
            if delay > 0:
                await self._sleep(delay)

    def answered(self) -> None:
        self._answered.append(self._clock())


def _room(started: float, max_seconds: float, send_timeout: float) -> float:
    """Seconds during which this slice may still start a send: its own cap, and the invocation's budget less
    what one more send and its record need."""
    room = max_seconds - (time.monotonic() - started)
    budget_left = budget.seconds_left()
    return room if budget_left is None else min(room, budget_left - send_timeout - 1)


async def _begin(pool: Pool, broadcast_id: int, gen: int, slice_no: int) -> Broadcast | None:
    """Take the slice: the broadcast is running, in this run, and this slice is not older than one taken."""
    row = await pool.fetchrow(
        f"""
        UPDATE broadcasts SET slice_no = $3, heartbeat_at = now()
         WHERE id = $1 AND status = 'running' AND gen = $2 AND slice_no <= $3
        RETURNING {_COLUMNS}
        """,
        broadcast_id,
        gen,
        slice_no,
    )
    return _broadcast(row) if row else None


async def _recover(pool: Pool, broadcast_id: int) -> int:
    """Rows a dead worker left 'sending': the message may or may not have gone out, so never again."""
    status = await pool.execute(
        """
        UPDATE broadcast_recipients SET status = 'failed', error = 'interrupted', finished_at = now()
         WHERE broadcast_id = $1 AND status = 'sending'
        """,
        broadcast_id,
    )
    interrupted = int(status.split()[-1])
    if interrupted:
        log_event("BROADCAST_INTERRUPTED", level="warning", broadcast_id=broadcast_id, count=interrupted)
    return interrupted


async def _wait_before_sending(pool: Pool, broadcast_id: int) -> float:
    """Seconds until Telegram's retry_after has passed and a second has gone by since the last message any
    earlier slice sent: since its slice ended, and since its last recipient was recorded (a slice that died
    never ended; the rows it left 'sending' were just recorded as interrupted, which counts as now)."""
    wait = await pool.fetchval(
        """
        SELECT greatest(0, extract(epoch FROM greatest(
                   b.resume_at,
                   b.slice_ended_at + interval '1 second',
                   (SELECT max(r.finished_at) FROM broadcast_recipients r WHERE r.broadcast_id = b.id)
                       + interval '1 second')
               - clock_timestamp()))::float8
          FROM broadcasts b WHERE b.id = $1
        """,
        broadcast_id,
    )
    return float(wait or 0.0)


async def _claim(pool: Pool, broadcast_id: int, gen: int) -> int | None:
    """Mark the next recipient 'sending' (committed at once) while the broadcast runs in this run."""
    user_id: int | None = await pool.fetchval(
        """
        UPDATE broadcast_recipients r SET status = 'sending', attempted_at = now()
          FROM (SELECT broadcast_id, user_id FROM broadcast_recipients
                 WHERE broadcast_id = $1 AND status = 'pending'
                   AND EXISTS (SELECT 1 FROM broadcasts b WHERE b.id = $1 AND b.status = 'running' AND b.gen = $2)
                 ORDER BY user_id LIMIT 1 FOR UPDATE SKIP LOCKED) next
         WHERE r.broadcast_id = next.broadcast_id AND r.user_id = next.user_id
        RETURNING r.user_id
        """,
        broadcast_id,
        gen,
    )
    return user_id


async def _finish_if_done(pool: Pool, broadcast_id: int, gen: int) -> bool:
    """Nobody left to send to: the broadcast is done (if it still runs in this run)."""
    done = await pool.fetchval(
        """
        UPDATE broadcasts SET status = 'done', finished_at = now()
         WHERE id = $1 AND status = 'running' AND gen = $2
           AND NOT EXISTS (SELECT 1 FROM broadcast_recipients
                            WHERE broadcast_id = $1 AND status IN ('pending', 'sending'))
        RETURNING true
        """,
        broadcast_id,
        gen,
    )
    return bool(done)


async def _record(pool: Pool, broadcast_id: int, user_id: int, delivery: Delivery) -> None:
    outcome = delivery.outcome
    if outcome is Outcome.RETRY:
        async with transaction(pool) as conn:
            await conn.execute(
                "UPDATE broadcast_recipients SET status = 'pending' WHERE broadcast_id = $1 AND user_id = $2"
                " AND status = 'sending'",
                broadcast_id,
                user_id,
            )
            await conn.execute(
                "UPDATE broadcasts SET resume_at = greatest(resume_at, clock_timestamp() + make_interval(secs => $2))"
                " WHERE id = $1",
                broadcast_id,
                delivery.retry_after,
            )
        return
    status = {Outcome.SENT: "sent", Outcome.BLOCKED: "blocked"}.get(outcome, "failed")
    error = None if outcome is Outcome.SENT else (delivery.error or outcome.value)[:300]
    unreachable = {Outcome.BLOCKED: "blocked", Outcome.GONE: delivery.gone}.get(outcome)
    async with transaction(pool) as conn:
        await conn.execute(
            """
            UPDATE broadcast_recipients SET status = $3, error = $4, finished_at = now()
             WHERE broadcast_id = $1 AND user_id = $2 AND status = 'sending'
            """,
            broadcast_id,
            user_id,
            status,
            error,
        )
        if unreachable is not None:
            await conn.execute(
                """
                INSERT INTO unreachable_users (user_id, reason) VALUES ($1, $2)
                ON CONFLICT (user_id) DO UPDATE SET reason = EXCLUDED.reason, marked_at = now()
                """,
                user_id,
                unreachable,
            )


async def _end_slice(pool: Pool, broadcast_id: int) -> None:
    await pool.execute(
        "UPDATE broadcasts SET slice_ended_at = clock_timestamp(), heartbeat_at = clock_timestamp() WHERE id = $1",
        broadcast_id,
    )


@dataclass
class _Slice:
    """One slice's sending loop: claim, pace, send, record, report, until done, stopped or out of time."""

    pool: Pool
    broadcast: Broadcast
    gen: int
    deliver: Deliver
    report: Report
    pacer: Pacer
    max_seconds: float
    send_timeout: float
    started: float = field(default_factory=time.monotonic)
    sent: int = 0
    finished: bool = False

    async def report_progress(self) -> None:
        current = await progress(self.pool, self.broadcast.id)
        if current is not None:
            await self.pacer.wait()
            await self.report(current)
            self.pacer.answered()

    async def _one(self, user_id: int) -> float:
        """Send to one claimed recipient; the seconds to wait before the next (Telegram's 429)."""
        faults.point("broadcast.after_claim")
        await self.pacer.wait()
        delivery = await self.deliver(self.broadcast, user_id)
        self.pacer.answered()
        faults.point("broadcast.after_send")
        await _record(self.pool, self.broadcast.id, user_id, delivery)
        if delivery.outcome is Outcome.SENT:
            self.sent += 1
        elif delivery.outcome is Outcome.RETRY:
            log_event(
                "BROADCAST_RATE_LIMITED",
                level="warning",
                broadcast_id=self.broadcast.id,
                wait=delivery.retry_after,
            )
            return max(delivery.retry_after, 0.05)
        return 0.0

    async def run(self, wait: float) -> str:
        """Why it ended: "done", "stopped" (paused, canceled or a newer run) or "out of time"."""
        last_report = time.monotonic()
        while True:
            room = _room(self.started, self.max_seconds, self.send_timeout)
            if room <= 0:
                return "out of time"
            if wait > 0:
                await asyncio.sleep(min(wait, room))
                if wait > room:
                    return "out of time"
                wait = 0.0
                continue
            user_id = await _claim(self.pool, self.broadcast.id, self.gen)
            if user_id is None:
                self.finished = await _finish_if_done(self.pool, self.broadcast.id, self.gen)
                return "done" if self.finished else "stopped"
            wait = await self._one(user_id)
            if time.monotonic() - last_report >= REPORT_EVERY_SEC:
                await self.report_progress()
                last_report = time.monotonic()


async def run_slice(
    pool: Pool,
    broadcast_id: int,
    gen: int,
    slice_no: int,
    *,
    deliver: Deliver,
    report: Report,
    enqueue: Enqueue,
    per_second: int,
    max_seconds: float = MAX_SLICE_SEC,
    send_timeout: float = SEND_TIMEOUT_SEC,
) -> SliceResult:
    """Send one slice of the broadcast (see the module's description)."""
    broadcast = await _begin(pool, broadcast_id, gen, slice_no)
    if broadcast is None:
        current = await progress(pool, broadcast_id)
        if current is not None and current.broadcast.gen == gen and current.broadcast.status != "running":
            await report(current)  # paused or canceled while this slice waited in the queue
        log_event("BROADCAST_SLICE_SKIPPED", broadcast_id=broadcast_id, gen=gen, slice=slice_no)
        return SliceResult(0, False, False, "not running in this run")
    await _recover(pool, broadcast_id)
    work = _Slice(pool, broadcast, gen, deliver, report, Pacer(per_second), max_seconds, send_timeout)
    reason = await work.run(await _wait_before_sending(pool, broadcast_id))
    await _end_slice(pool, broadcast_id)
    queued = reason == "out of time"
    if queued:
        enqueue(gen, slice_no + 1)
    await work.report_progress()
    log_event(
        "BROADCAST_SLICE_DONE",
        broadcast_id=broadcast_id,
        gen=gen,
        slice=slice_no,
        sent=work.sent,
        reason=reason,
        seconds=round(time.monotonic() - work.started, 2),
    )
    return SliceResult(work.sent, work.finished, queued, reason)
