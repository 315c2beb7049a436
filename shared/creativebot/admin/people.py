"""People, as operators see and change them: a card, balance corrections, blocking, granted free runs.

Every change is one transaction with its audit entry (who, what, before, after), and idempotent by the
``ref`` the caller derives from the Telegram update: a retried update changes nothing twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from creativebot import audit, jobs, users
from creativebot.db import Connection, Pool, transaction
from creativebot.users import User
from creativebot.wallet import (
    Balance,
    Entry,
    Result,
    adjust,
    balance_of,
    gifts,
    recent_entries,
    referrals,
    refund,
)

PAGE = 8


@dataclass(frozen=True)
class JobLine:
    id: int
    model_id: str
    status: str
    price: int
    payment: str
    created_at: datetime


@dataclass(frozen=True)
class PersonCard:
    user: User
    wallet: Balance
    entries: list[Entry]
    jobs: list[JobLine]
    invited: int
    earned: int
    last_seen_at: datetime
    unreachable: str | None  # why Telegram would not let the bot write to them, if it would not


async def get(db: Pool | Connection, user_id: int) -> User | None:
    return await users.find(db, str(user_id))


async def find(db: Pool | Connection, query: str) -> User | None:
    """A person by Telegram id or @username, as an operator types it."""
    return await users.find(db, query)


async def card(db: Pool | Connection, user_id: int) -> PersonCard | None:
    user = await get(db, user_id)
    if user is None:
        return None
    row = await db.fetchrow(
        """
        SELECT u.last_seen_at,
               (SELECT x.reason FROM unreachable_users x WHERE x.user_id = u.id AND x.marked_at >= u.last_seen_at)
                 AS unreachable
          FROM users u WHERE u.id = $1
        """,
        user_id,
    )
    assert row is not None
    job_rows = await db.fetch(
        "SELECT id, model_id, status, price, payment, created_at FROM jobs WHERE user_id = $1"
        " ORDER BY id DESC LIMIT 5",
        user_id,
    )
    invited, earned = await referrals.stats(db, user_id)
    return PersonCard(
        user=user,
        wallet=await balance_of(db, user_id),
        entries=await recent_entries(db, user_id, 5),
        jobs=[JobLine(**dict(job)) for job in job_rows],
        invited=invited,
        earned=earned,
        last_seen_at=row["last_seen_at"],
        unreachable=row["unreachable"],
    )


async def newest(db: Pool | Connection, *, page: int) -> tuple[list[User], int]:
    """One page of people (newest first) and the number of pages."""
    total = int(await db.fetchval("SELECT count(*) FROM users"))
    pages = max(1, -(-total // PAGE))
    page = min(page, pages - 1)
    rows = await db.fetch(
        "SELECT *, false AS is_new FROM users ORDER BY created_at DESC, id DESC LIMIT $1 OFFSET $2",
        PAGE,
        page * PAGE,
    )
    return [users.user_from(row) for row in rows], pages


async def adjust_balance(
    db: Pool | Connection, *, admin_id: int, user_id: int, kopecks: int, reason: str, ref: str
) -> Result:
    """A signed correction with a reason (ledger.adjust refuses one below what is held)."""
    async with transaction(db) as conn:
        before = await balance_of(conn, user_id)
        result = await adjust(conn, user_id, kopecks, ref, reason=reason, admin_id=admin_id)
        if not result.repeated:
            await audit.record(
                conn,
                admin_id,
                "balance.adjust",
                f"user:{user_id}",
                before={"balance": before.balance, "held": before.held},
                after={"balance": result.wallet.balance, "delta": kopecks, "reason": reason},
            )
    return result


async def set_blocked(db: Pool | Connection, *, admin_id: int, user_id: int, blocked: bool) -> bool:
    """Block or unblock; True when that changed anything (a repeat is no action and no audit entry)."""
    async with transaction(db) as conn:
        changed = await users.set_blocked(conn, user_id, blocked)
        if changed:
            await audit.record(
                conn,
                admin_id,
                "user.block" if blocked else "user.unblock",
                f"user:{user_id}",
                before={"blocked": not blocked},
                after={"blocked": blocked},
            )
    return changed


async def grant_runs(
    db: Pool | Connection, *, admin_id: int, user_id: int, runs: int, ref: str
) -> int | None:
    """Give free generations; the person's runs left after it, or None when this ref was already granted."""
    async with transaction(db) as conn:
        before = int(await conn.fetchval("SELECT gift_runs FROM users WHERE id = $1 FOR UPDATE", user_id))
        if not await gifts.grant(conn, user_id, runs, ref):
            return None
        await audit.record(
            conn,
            admin_id,
            "user.grant_runs",
            f"user:{user_id}",
            before={"gift_runs": before},
            after={"gift_runs": before + runs, "granted": runs},
        )
    return before + runs


async def refund_job(db: Pool | Connection, *, admin_id: int, job: jobs.Job) -> Result:
    """Return a charged generation's money, once (a second call finds the first refund)."""
    async with transaction(db) as conn:
        result = await refund(conn, job.user_id, job.hold_ref)
        if not result.repeated:
            await audit.record(
                conn,
                admin_id,
                "job.refund",
                f"job:{job.id}",
                before={"user": job.user_id, "status": job.status},
                after={"refunded": result.entry.amount},
            )
    return result
