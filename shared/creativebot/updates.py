"""Exactly-once handling of Telegram updates over an at-least-once queue.

The mark in ``processed_updates`` is written in two steps around the handler:

1. **claim** before handling: a row in state ``processing`` whose ``claimed_at`` is a lease;
2. **done** after the handler returned.

So a crash (or Lambda timeout) mid-handling leaves a ``processing`` row whose lease runs out before SQS
hands the message out again (visibility timeout 360 s > lease), and the retry handles it; an
infrastructure failure releases the lease at once. A finished update is ``done`` and every later
delivery of it is skipped. The one window where work can repeat is a crash after the handler's last
side effect and before ``done``: everything that moves money or starts a job inside a handler is
idempotent by its own key, so that window can at worst repeat a chat message.
"""

from __future__ import annotations

import enum
from datetime import timedelta

from creativebot.db import Connection, Pool

LEASE = timedelta(seconds=90)  # longer than the worker's 60 s timeout


class Claim(enum.Enum):
    FIRST = "first"  # never seen: handle it
    RETRY = "retry"  # a previous attempt died or failed: handle it again
    DUPLICATE = "duplicate"  # already handled: skip
    BUSY = "busy"  # another worker holds a live lease: try later


async def claim(pool: Pool, update_id: int, lease: timedelta = LEASE) -> Claim:
    attempts = await pool.fetchval(
        """
        INSERT INTO processed_updates AS p (update_id, status) VALUES ($1, 'processing')
        ON CONFLICT (update_id) DO UPDATE
           SET claimed_at = now(), attempts = p.attempts + 1
         WHERE p.status = 'processing' AND p.claimed_at < now() - $2::interval
        RETURNING attempts
        """,
        update_id,
        lease,
    )
    if attempts is not None:
        return Claim.FIRST if attempts == 1 else Claim.RETRY
    status = await pool.fetchval("SELECT status FROM processed_updates WHERE update_id = $1", update_id)
    return Claim.DUPLICATE if status == "done" else Claim.BUSY


async def finish(pool: Pool, update_id: int) -> None:
    await pool.execute(
        "UPDATE processed_updates SET status = 'done', done_at = now() WHERE update_id = $1", update_id
    )


async def release(pool: Pool, update_id: int) -> None:
    """Give the lease up so the queue's retry can claim the update at once."""
    await pool.execute(
        "UPDATE processed_updates SET claimed_at = '-infinity' WHERE update_id = $1 AND status = 'processing'",
        update_id,
    )


async def highest_seen(db: Pool | Connection) -> int:
    """The newest update id on record (0 when none): a test Telegram must number its updates above it."""
    highest: int = await db.fetchval("SELECT coalesce(max(update_id), 0) FROM processed_updates")
    return highest
