"""Exactly-once handling of Telegram updates over an at-least-once queue.

The mark in ``processed_updates`` is written in two steps around the handler:

1. **claim** before handling: a row in state ``processing`` whose ``claimed_at`` is a lease;
2. **done** after the handler returned, in the same statement that saves the conversation state
   (the FSM changes the handler made), so an update's state changes land together with its done mark.

So a crash (or Lambda timeout) mid-handling leaves a ``processing`` row whose lease runs out before SQS
hands the message out again (visibility timeout 360 s > lease), and the retry handles it with the
conversation state as it was before; an infrastructure failure releases the lease at once. A finished
update is ``done`` and every later delivery of it is skipped. The one window where work can repeat is a
crash after the handler's last side effect and before ``done``: everything that moves money or starts a
job inside a handler is idempotent by its own key, so that window can at worst repeat a chat message.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from creativebot.db import RELAXED_COMMIT, Connection, Pool

LEASE = timedelta(seconds=90)  # longer than the worker's 60 s timeout


class Claim(enum.Enum):
    FIRST = "first"  # never seen: handle it
    RETRY = "retry"  # a previous attempt died or failed: handle it again
    DUPLICATE = "duplicate"  # already handled: skip
    BUSY = "busy"  # another worker holds a live lease: try later


async def claim(db: Pool | Connection, update_id: int, lease: timedelta = LEASE) -> Claim:
    """Take the update in one round trip. The outer SELECT runs on the statement's snapshot, so it sees
    the row as it was before the INSERT: absent for a first claim, the old status otherwise."""
    row = await db.fetchrow(
        f"""
        WITH taken AS (
            INSERT INTO processed_updates AS p (update_id, status) VALUES ($1, 'processing')
            ON CONFLICT (update_id) DO UPDATE
               SET claimed_at = now(), attempts = p.attempts + 1
             WHERE p.status = 'processing' AND p.claimed_at < now() - $2::interval
            RETURNING attempts
        )
        SELECT (SELECT attempts FROM taken) AS attempts,
               (SELECT status FROM processed_updates WHERE update_id = $1) AS status,
               {RELAXED_COMMIT} AS relaxed
        """,
        update_id,
        lease,
    )
    assert row is not None
    if row["attempts"] is not None:
        return Claim.FIRST if row["attempts"] == 1 else Claim.RETRY
    return Claim.DUPLICATE if row["status"] == "done" else Claim.BUSY


# One row per conversation the update changed: (storage key, state, data, state TTL, data TTL).
FsmWrite = tuple[str, str | None, dict[str, Any], timedelta | None, timedelta | None]

_FINISH = f"""
UPDATE processed_updates SET status = 'done', done_at = now() WHERE update_id = $1 AND {RELAXED_COMMIT} IS NOT NULL
"""

# Data-modifying CTEs run whether or not the outer statement reads them: the conversation rows are
# saved (or deleted when empty) in the round trip that marks the update done.
_FINISH_WITH_FSM = (
    """
WITH changes AS (
    SELECT c.key, c.state, c.data, c.state_ttl, c.data_ttl
      FROM unnest($2::text[], $3::text[], $4::jsonb[], $5::interval[], $6::interval[])
           AS c(key, state, data, state_ttl, data_ttl)
), gone AS (
    DELETE FROM fsm_storage f USING changes c
     WHERE f.key = c.key AND c.state IS NULL AND c.data = '{}'::jsonb
), kept AS (
    INSERT INTO fsm_storage (key, state, state_expires_at, data, data_expires_at)
    SELECT key, state, CASE WHEN state IS NOT NULL THEN now() + state_ttl END,
           data, CASE WHEN data <> '{}'::jsonb THEN now() + data_ttl END
      FROM changes WHERE NOT (state IS NULL AND data = '{}'::jsonb)
    ON CONFLICT (key) DO UPDATE
       SET state = EXCLUDED.state, state_expires_at = EXCLUDED.state_expires_at,
           data = EXCLUDED.data, data_expires_at = EXCLUDED.data_expires_at, updated_at = now()
)
"""
    + _FINISH
)


async def finish(db: Pool | Connection, update_id: int, fsm_writes: Sequence[FsmWrite] = ()) -> None:
    """Mark the update done and save the conversation state it changed, in one statement."""
    if not fsm_writes:
        await db.execute(_FINISH, update_id)
        return
    keys, states, datas, state_ttls, data_ttls = (list(column) for column in zip(*fsm_writes, strict=True))
    await db.execute(_FINISH_WITH_FSM, update_id, keys, states, datas, state_ttls, data_ttls)


async def release(db: Pool | Connection, update_id: int) -> None:
    """Give the lease up so the queue's retry can claim the update at once."""
    await db.execute(
        "UPDATE processed_updates SET claimed_at = '-infinity' WHERE update_id = $1 AND status = 'processing'",
        update_id,
    )


async def highest_seen(db: Pool | Connection) -> int:
    """The newest update id on record (0 when none): a test Telegram must number its updates above it."""
    highest: int = await db.fetchval("SELECT coalesce(max(update_id), 0) FROM processed_updates")
    return highest
