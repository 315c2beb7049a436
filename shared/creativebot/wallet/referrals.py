"""Referrals: a personal ``t.me/<bot>?start=ref_<code>`` link, bound once, rewarded once.

A referrer is bound only on the referee's very first /start (``users.started_at`` is still empty),
never to oneself, never in a cycle; an unknown code is ignored. The referrer's reward is paid when the
referee first tops up (any route), in the same transaction as that credit: it goes through the ledger
with ``ref = referral:<referee>``, so it is paid at most once per referee.
"""

from __future__ import annotations

import enum
import re
import secrets
import string

import asyncpg

from creativebot.db import Connection, Pool, transaction
from creativebot.observability import log_event
from creativebot.wallet import ledger

PAYLOAD_PREFIX = "ref_"
_CODE_ALPHABET = string.ascii_letters + string.digits
_CODE_LENGTH = 8
# Telegram's deep-link payload: up to 64 characters from A-Z a-z 0-9 _ -
_PAYLOAD = re.compile(r"ref_([A-Za-z0-9]{6,16})")
_MAX_CHAIN = 64


class Binding(enum.Enum):
    BOUND = "bound"
    NOT_FIRST_START = "not_first_start"
    ALREADY_BOUND = "already_bound"
    UNKNOWN_CODE = "unknown_code"
    SELF = "self"
    CYCLE = "cycle"


def code_from_payload(payload: str | None) -> str | None:
    """The referral code of a /start payload, or None for anything else."""
    match = _PAYLOAD.fullmatch((payload or "").strip())
    return match.group(1) if match else None


def deep_link(bot_username: str, code: str) -> str:
    return f"https://t.me/{bot_username}?start={PAYLOAD_PREFIX}{code}"


async def ensure_code(db: Pool | Connection, user_id: int) -> str:
    """The user's referral code, created on first use."""
    existing: str | None = await db.fetchval("SELECT ref_code FROM users WHERE id = $1", user_id)
    if existing:
        return existing
    for _ in range(5):
        code = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(_CODE_LENGTH))
        try:
            stored: str | None = await db.fetchval(
                "UPDATE users SET ref_code = coalesce(ref_code, $2) WHERE id = $1 RETURNING ref_code",
                user_id,
                code,
            )
        except asyncpg.UniqueViolationError:
            continue  # another user has this code; draw again
        if stored is None:
            raise LookupError(f"user {user_id} does not exist")
        return stored
    raise RuntimeError("could not draw a unique referral code")


async def mark_first_start(db: Pool | Connection, user_id: int) -> bool:
    """True exactly once per user: the first /start that got this far."""
    status = await db.execute(
        "UPDATE users SET started_at = now() WHERE id = $1 AND started_at IS NULL", user_id
    )
    return status.endswith(" 1")


async def _creates_cycle(conn: Connection, referee_id: int, referrer_id: int) -> bool:
    current: int | None = referrer_id
    for _ in range(_MAX_CHAIN):
        if current is None:
            return False
        if current == referee_id:
            return True
        current = await conn.fetchval("SELECT referrer_id FROM users WHERE id = $1", current)
    return True  # a chain this long is suspicious enough to refuse


async def bind(db: Pool | Connection, *, referee_id: int, code: str, first_start: bool) -> Binding:
    """Bind the referee to the code's owner (the reward waits for the referee's first top-up)."""
    if not first_start:
        return Binding.NOT_FIRST_START
    async with transaction(db) as conn:
        referrer_id: int | None = await conn.fetchval("SELECT id FROM users WHERE ref_code = $1", code)
        if referrer_id is None:
            outcome = Binding.UNKNOWN_CODE
        elif referrer_id == referee_id:
            outcome = Binding.SELF
        elif await _creates_cycle(conn, referee_id, referrer_id):
            outcome = Binding.CYCLE
        else:
            updated = await conn.execute(
                "UPDATE users SET referrer_id = $2 WHERE id = $1 AND referrer_id IS NULL",
                referee_id,
                referrer_id,
            )
            outcome = Binding.BOUND if updated.endswith(" 1") else Binding.ALREADY_BOUND
    log_event("REFERRAL_" + outcome.name, referee=referee_id)
    return outcome


async def reward_first_topup(conn: Connection, referee_id: int, reward_kopecks: int) -> int | None:
    """Pay the referee's referrer on the referee's first top-up; the referrer when this call paid them.

    Call it inside the transaction that credits the top-up (after the referee's wallet): the ledger's
    ``referral:<referee>`` ref makes every later top-up a no-op.
    """
    if reward_kopecks <= 0:
        return None
    referrer_id: int | None = await conn.fetchval("SELECT referrer_id FROM users WHERE id = $1", referee_id)
    if referrer_id is None:
        return None
    result = await ledger.bonus(
        conn,
        referrer_id,
        reward_kopecks,
        f"referral:{referee_id}",
        meta={"reason": "referral", "referee": referee_id},
    )
    if result.repeated:
        return None
    log_event("REFERRAL_REWARDED", referee=referee_id, amount=reward_kopecks)
    return referrer_id


async def stats(db: Pool | Connection, user_id: int) -> tuple[int, int]:
    """(people invited, kopecks earned from referrals)."""
    invited = await db.fetchval("SELECT count(*) FROM users WHERE referrer_id = $1", user_id)
    earned = await db.fetchval(
        "SELECT coalesce(sum(amount), 0) FROM ledger WHERE user_id = $1 AND kind = 'bonus' AND ref LIKE 'referral:%'",
        user_id,
    )
    return int(invited), int(earned)
