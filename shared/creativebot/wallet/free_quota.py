"""Free generations: N per user per model per day, the day counted in FREE_DAY_TZ (Moscow by default).

``reserve`` takes a slot for a job (atomically: two concurrent reserves for the last slot, one wins),
``consume`` keeps it when the job succeeds, ``give_back`` returns it when the job fails. All three are
idempotent by job id. A reservation counts on the day it was made, whenever the job finishes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from creativebot.db import Connection, Pool, transaction
from creativebot.observability import log_event


def quota_day(now: datetime, tz: str) -> date:
    return now.astimezone(ZoneInfo(tz)).date()


def next_reset(now: datetime, tz: str) -> datetime:
    """The next midnight in ``tz`` (an aware datetime)."""
    zone = ZoneInfo(tz)
    tomorrow = now.astimezone(zone).date() + timedelta(days=1)
    return datetime.combine(tomorrow, time(0, 0), tzinfo=zone)


@dataclass(frozen=True)
class QuotaStatus:
    limit: int
    used: int
    resets_at: datetime

    @property
    def remaining(self) -> int:
        return max(0, self.limit - self.used)


async def statuses(
    db: Pool | Connection, user_id: int, limits: Mapping[str, int], tz: str, now: datetime | None = None
) -> dict[str, QuotaStatus]:
    """Today's free runs of several models (model id → daily limit) in one query."""
    moment = now or datetime.now(UTC)
    rows = await db.fetch(
        "SELECT model_id, used FROM free_quota WHERE user_id = $1 AND day = $2 AND model_id = ANY($3::text[])",
        user_id,
        quota_day(moment, tz),
        list(limits),
    )
    used = {row["model_id"]: int(row["used"]) for row in rows}
    resets_at = next_reset(moment, tz)
    return {
        model_id: QuotaStatus(limit, used.get(model_id, 0), resets_at) for model_id, limit in limits.items()
    }


async def status(
    db: Pool | Connection, user_id: int, model_id: str, limit: int, tz: str, now: datetime | None = None
) -> QuotaStatus:
    return (await statuses(db, user_id, {model_id: limit}, tz, now))[model_id]


async def reserve(
    db: Pool | Connection,
    *,
    user_id: int,
    model_id: str,
    job_id: int,
    limit: int,
    tz: str,
    now: datetime | None = None,
) -> bool:
    """Take one free slot of today for ``job_id``; False when today's slots are gone."""
    if limit <= 0:
        return False
    day = quota_day(now or datetime.now(UTC), tz)
    async with transaction(db) as conn:
        previous = await conn.fetchval("SELECT status FROM free_uses WHERE job_id = $1", job_id)
        if previous is not None:
            return bool(previous in ("reserved", "consumed"))
        used = await conn.fetchval(
            """
            INSERT INTO free_quota AS q (user_id, model_id, day, used) VALUES ($1, $2, $3, 1)
            ON CONFLICT (user_id, model_id, day) DO UPDATE SET used = q.used + 1 WHERE q.used < $4
            RETURNING used
            """,
            user_id,
            model_id,
            day,
            limit,
        )
        if used is None:
            return False
        await conn.execute(
            "INSERT INTO free_uses (job_id, user_id, model_id, day, status) VALUES ($1, $2, $3, $4, 'reserved')",
            job_id,
            user_id,
            model_id,
            day,
        )
    log_event("FREE_RESERVED", user_id=user_id, model=model_id, job_id=job_id, used=used, limit=limit)
    return True


async def consume(db: Pool | Connection, job_id: int) -> bool:
    """The job succeeded: the slot stays taken. False when there was no open reservation."""
    status_text = await db.execute(
        "UPDATE free_uses SET status = 'consumed', settled_at = now() WHERE job_id = $1 AND status = 'reserved'",
        job_id,
    )
    return status_text.endswith(" 1")


async def give_back(db: Pool | Connection, job_id: int) -> bool:
    """The job failed: the slot is free again (on the day it was taken). Idempotent."""
    async with transaction(db) as conn:
        row = await conn.fetchrow(
            "UPDATE free_uses SET status = 'returned', settled_at = now() WHERE job_id = $1 AND status = 'reserved'"
            " RETURNING user_id, model_id, day",
            job_id,
        )
        if row is None:
            return False
        await conn.execute(
            "UPDATE free_quota SET used = used - 1 WHERE user_id = $1 AND model_id = $2 AND day = $3",
            row["user_id"],
            row["model_id"],
            row["day"],
        )
    log_event("FREE_RETURNED", job_id=job_id)
    return True
