"""Granted free runs: an operator (or a promo code) gives a person N generations on any model up to a
price cap. ``grant`` is idempotent by ref; a job ``reserve``s a run at launch, ``consume``s it when it
succeeds and ``give_back``s it when it fails, each at most once per job (like the free daily quota).
"""

from __future__ import annotations

from creativebot.db import Connection, Pool, transaction
from creativebot.observability import log_event


async def grant(db: Pool | Connection, user_id: int, runs: int, ref: str) -> bool:
    """Add ``runs`` free runs; False when this ref was already granted (nothing changes)."""
    if runs <= 0:
        raise ValueError("a grant needs at least one run")
    async with transaction(db) as conn:
        inserted = await conn.fetchval(
            "INSERT INTO gift_grants (ref, user_id, runs) VALUES ($1, $2, $3) ON CONFLICT (ref) DO NOTHING"
            " RETURNING true",
            ref,
            user_id,
            runs,
        )
        if not inserted:
            return False
        await conn.execute("UPDATE users SET gift_runs = gift_runs + $2 WHERE id = $1", user_id, runs)
    log_event("GIFT_GRANTED", user_id=user_id, runs=runs, ref=ref)
    return True


async def reserve(conn: Connection, user_id: int, job_id: int) -> bool:
    """Take one granted run for the job; False when the person has none left."""
    taken = await conn.fetchval(
        "UPDATE users SET gift_runs = gift_runs - 1 WHERE id = $1 AND gift_runs > 0 RETURNING true", user_id
    )
    if not taken:
        return False
    await conn.execute(
        "INSERT INTO gift_uses (job_id, user_id, status) VALUES ($1, $2, 'reserved')", job_id, user_id
    )
    return True


async def consume(conn: Connection, job_id: int) -> bool:
    status = await conn.execute(
        "UPDATE gift_uses SET status = 'consumed', settled_at = now() WHERE job_id = $1 AND status = 'reserved'",
        job_id,
    )
    return status.endswith(" 1")


async def give_back(conn: Connection, job_id: int) -> bool:
    user_id = await conn.fetchval(
        "UPDATE gift_uses SET status = 'returned', settled_at = now() WHERE job_id = $1 AND status = 'reserved'"
        " RETURNING user_id",
        job_id,
    )
    if user_id is None:
        return False
    await conn.execute("UPDATE users SET gift_runs = gift_runs + 1 WHERE id = $1", user_id)
    return True
