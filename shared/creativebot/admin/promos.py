"""Promo codes: operators create them (roubles or free generations, a number of uses, an expiry), people
redeem them once each.

Redemption is exact under any concurrency, in one transaction: the person's own row first (the primary key
refuses a second redemption by them), then ``UPDATE … SET used = used + 1 WHERE used < total_uses`` (the
code's row lock makes concurrent redeemers take turns, and a loser's re-check sees the last use gone), then
the credit: a ledger bonus with the ref ``promo:<code id>:<user id>``, or granted free runs with that ref.
Anything refused rolls the whole transaction back.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

import asyncpg

from creativebot import audit
from creativebot.db import Connection, Pool, transaction
from creativebot.observability import log_event
from creativebot.wallet import bonus, gifts

PAGE = 8
_CODE = re.compile(r"[A-Z0-9А-ЯЁ_-]{3,32}")
_COLUMNS = "id, code, kopecks, runs, total_uses, used, expires_at, disabled_at, created_by, created_at"


@dataclass(frozen=True)
class PromoCode:
    id: int
    code: str
    kopecks: int | None
    runs: int | None
    total_uses: int
    used: int
    expires_at: datetime | None
    disabled_at: datetime | None
    created_by: int
    created_at: datetime

    def active(self, now: datetime) -> bool:
        return (
            self.disabled_at is None
            and self.used < self.total_uses
            and (self.expires_at is None or self.expires_at > now)
        )


class Refusal(enum.Enum):
    UNKNOWN = "unknown"  # no such code (or not a code at all)
    ALREADY = "already"  # this person redeemed it before
    EXHAUSTED = "exhausted"  # every use is taken
    EXPIRED = "expired"  # past its expiry, or an operator disabled it


@dataclass(frozen=True)
class Redeemed:
    code: PromoCode
    kopecks: int  # credited to the wallet (0 for free runs)
    runs: int  # free generations granted (0 for money)
    balance: int  # available after the credit, kopecks
    gift_runs: int  # free generations after the grant


def normalize(text: str) -> str | None:
    """The code as stored (upper-case), or None when the text cannot be a code."""
    code = text.strip().upper()
    return code if _CODE.fullmatch(code) else None


class CodeTaken(Exception):
    """A code with this name exists already."""


async def create(
    db: Pool | Connection,
    *,
    admin_id: int,
    code: str,
    kopecks: int | None,
    runs: int | None,
    total_uses: int,
    days: int | None,
) -> PromoCode:
    expires = None if not days else timedelta(days=days)
    async with transaction(db) as conn:
        try:
            row = await conn.fetchrow(
                f"""
                INSERT INTO promo_codes (code, kopecks, runs, total_uses, expires_at, created_by)
                VALUES ($1, $2, $3, $4, now() + $5::interval, $6)
                RETURNING {_COLUMNS}
                """,
                code,
                kopecks,
                runs,
                total_uses,
                expires,
                admin_id,
            )
        except asyncpg.UniqueViolationError:
            raise CodeTaken(code) from None
        assert row is not None
        promo = PromoCode(**dict(row))
        await audit.record(
            conn,
            admin_id,
            "promo.create",
            f"promo:{promo.id}",
            after={
                "code": code,
                "kopecks": kopecks,
                "runs": runs,
                "total_uses": total_uses,
                "expires_at": promo.expires_at.isoformat() if promo.expires_at else None,
            },
        )
    return promo


async def get(db: Pool | Connection, code_id: int) -> PromoCode | None:
    row = await db.fetchrow(f"SELECT {_COLUMNS} FROM promo_codes WHERE id = $1", code_id)
    return PromoCode(**dict(row)) if row else None


async def page_of(db: Pool | Connection, page: int) -> tuple[list[PromoCode], int]:
    """One page of codes (newest first) and the number of pages."""
    total = int(await db.fetchval("SELECT count(*) FROM promo_codes"))
    pages = max(1, -(-total // PAGE))
    page = min(page, pages - 1)
    rows = await db.fetch(
        f"SELECT {_COLUMNS} FROM promo_codes ORDER BY id DESC LIMIT $1 OFFSET $2", PAGE, page * PAGE
    )
    return [PromoCode(**dict(row)) for row in rows], pages


async def disable(db: Pool | Connection, code_id: int, *, admin_id: int) -> bool:
    async with transaction(db) as conn:
        code = await conn.fetchval(
            "UPDATE promo_codes SET disabled_at = now() WHERE id = $1 AND disabled_at IS NULL RETURNING code",
            code_id,
        )
        if code is None:
            return False
        await audit.record(
            conn,
            admin_id,
            "promo.disable",
            f"promo:{code_id}",
            before={"disabled": False},
            after={"disabled": True},
        )
    return True


class _Refused(Exception):
    def __init__(self, refusal: Refusal) -> None:
        super().__init__(refusal.value)
        self.refusal = refusal


async def redeem(db: Pool | Connection, *, user_id: int, text: str) -> Redeemed | Refusal:
    """Redeem the code ``text`` for ``user_id``: the credit, or why not (nothing changed then)."""
    code = normalize(text)
    if code is None:
        return Refusal.UNKNOWN
    code_id = await db.fetchval("SELECT id FROM promo_codes WHERE code = $1", code)
    if code_id is None:
        return Refusal.UNKNOWN
    try:
        async with transaction(db) as conn:
            return await _redeem(conn, code_id, user_id)
    except _Refused as refused:
        log_event("PROMO_REFUSED", code_id=code_id, reason=refused.refusal.value)
        return refused.refusal


async def _redeem(conn: Connection, code_id: int, user_id: int) -> Redeemed:
    mine = await conn.fetchval(
        "INSERT INTO promo_redemptions (code_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING true",
        code_id,
        user_id,
    )
    if not mine:
        raise _Refused(Refusal.ALREADY)
    row = await conn.fetchrow(
        f"""
        UPDATE promo_codes SET used = used + 1
         WHERE id = $1 AND used < total_uses AND disabled_at IS NULL AND (expires_at IS NULL OR expires_at > now())
        RETURNING {_COLUMNS}
        """,
        code_id,
    )
    if row is None:
        state = await conn.fetchrow(
            "SELECT used >= total_uses AS exhausted FROM promo_codes WHERE id = $1", code_id
        )
        raise _Refused(Refusal.EXHAUSTED if state and state["exhausted"] else Refusal.EXPIRED)
    promo = PromoCode(**dict(row))
    ref = f"promo:{promo.id}:{user_id}"
    if promo.kopecks is not None:
        result = await bonus(conn, user_id, promo.kopecks, ref, meta={"reason": "promo", "code": promo.code})
        available = result.wallet.available
    else:
        available = int(
            await conn.fetchval(
                "SELECT coalesce((SELECT balance - held FROM wallets WHERE user_id = $1), 0)", user_id
            )
        )
    if promo.runs is not None:
        await gifts.grant(conn, user_id, promo.runs, ref)
    runs_left = int(await conn.fetchval("SELECT gift_runs FROM users WHERE id = $1", user_id))
    log_event("PROMO_REDEEMED", code_id=promo.id, kopecks=promo.kopecks, runs=promo.runs)
    return Redeemed(
        code=promo,
        kopecks=promo.kopecks or 0,
        runs=promo.runs or 0,
        balance=available,
        gift_runs=runs_left,
    )
