"""The ledger: every change of a wallet is one entry, written in the same transaction as the change.

Each operation locks the wallet row (``SELECT … FOR UPDATE``), so two taps, two Lambdas or two
callbacks on one wallet take turns and can never both spend the same money. Each is idempotent by
``ref``: the UNIQUE ``(kind, ref)`` key finds the first result, which a repeat returns unchanged.

Holds are two-phase, like a card authorization: ``hold`` reserves (available = balance - held goes
down), then exactly one of ``charge`` (the reserve is spent) or ``release`` (it comes back).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import asyncpg

from creativebot.db import Connection, Pool, transaction
from creativebot.observability import log_event


class WalletError(Exception):
    """An operation that must not happen; nothing was changed."""


class InvalidAmount(WalletError):
    pass


class UnknownUser(WalletError):
    pass


class InsufficientFunds(WalletError):
    def __init__(self, available: int, required: int) -> None:
        super().__init__(f"available {available} < required {required}")
        self.available = available
        self.required = required


class HoldNotActive(WalletError):
    """A charge or release of a hold that does not exist or was already settled the other way."""


class NothingToRefund(WalletError):
    pass


class IdempotencyConflict(WalletError):
    """The ref was already used for a different user or amount."""


@dataclass(frozen=True)
class Balance:
    balance: int
    held: int

    @property
    def available(self) -> int:
        return self.balance - self.held


@dataclass(frozen=True)
class Entry:
    id: int
    user_id: int
    kind: str
    amount: int
    held_delta: int
    ref: str
    job_id: int | None
    payment_id: str | None
    meta: dict[str, Any]
    created_at: datetime


@dataclass(frozen=True)
class Result:
    entry: Entry
    wallet: Balance
    repeated: bool = False  # True when this call found the first result of the same ref


@dataclass(frozen=True)
class Violation:
    user_id: int
    problem: str
    details: dict[str, Any] = field(default_factory=dict)


_ENTRY_COLUMNS = "id, user_id, kind, amount, held_delta, ref, job_id, payment_id, meta, created_at"


def _entry(row: asyncpg.Record) -> Entry:
    return Entry(**dict(row))


async def lock_wallet(conn: Connection, user_id: int) -> Balance:
    """Lock the user's wallet row (creating it) until the caller's transaction ends. In a transaction
    that also touches the user's job and free quota, the order is job → wallet → free quota."""
    return await _lock_wallet(conn, user_id)


async def _lock_wallet(conn: Connection, user_id: int) -> Balance:
    try:
        await conn.execute("INSERT INTO wallets (user_id) VALUES ($1) ON CONFLICT DO NOTHING", user_id)
    except asyncpg.ForeignKeyViolationError:
        raise UnknownUser(f"user {user_id} does not exist") from None
    row = await conn.fetchrow("SELECT balance, held FROM wallets WHERE user_id = $1 FOR UPDATE", user_id)
    assert row is not None
    return Balance(row["balance"], row["held"])


async def _existing(conn: Connection, kind: str, ref: str) -> Entry | None:
    row = await conn.fetchrow(f"SELECT {_ENTRY_COLUMNS} FROM ledger WHERE kind = $1 AND ref = $2", kind, ref)
    return _entry(row) if row else None


def _repeat(existing: Entry, user_id: int, wallet: Balance, amount: int | None = None) -> Result:
    if existing.user_id != user_id or (
        amount is not None and (existing.amount or existing.held_delta) != amount
    ):
        raise IdempotencyConflict(
            f"{existing.kind} {existing.ref!r} was already used for another user or amount"
        )
    return Result(existing, wallet, repeated=True)


async def _write(
    conn: Connection,
    wallet: Balance,
    *,
    repeat_amount: int | None,
    user_id: int,
    kind: str,
    amount: int,
    held_delta: int,
    ref: str,
    job_id: int | None,
    payment_id: str | None,
    meta: dict[str, Any] | None,
) -> Result:
    """Append the entry and move the wallet by it; or, when another transaction wrote the same
    ``(kind, ref)`` after our check for it, answer as a repeat of that entry (``_repeat``).

    That race needs two wallets: the caller holds this user's wallet lock, so the other writer is
    another user's operation. Its INSERT waits on the unique index for the first writer to finish;
    ``ON CONFLICT DO NOTHING`` then returns no row if it committed (and inserts if it rolled back),
    so the loser gets the ledger's IdempotencyConflict, not the database's UniqueViolationError,
    and its transaction stays usable.
    """
    row = await conn.fetchrow(
        f"""
        INSERT INTO ledger (user_id, kind, amount, held_delta, ref, job_id, payment_id, meta)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
        ON CONFLICT ON CONSTRAINT ledger_once_per_ref DO NOTHING
        RETURNING {_ENTRY_COLUMNS}
        """,
        user_id,
        kind,
        amount,
        held_delta,
        ref,
        job_id,
        payment_id,
        meta or {},
    )
    if row is None:
        # Read Committed: this new statement sees the entry the other transaction committed.
        winner = await _existing(conn, kind, ref)
        assert winner is not None
        return _repeat(winner, user_id, wallet, repeat_amount)
    after = await conn.fetchrow(
        "UPDATE wallets SET balance = balance + $2, held = held + $3, updated_at = now() WHERE user_id = $1"
        " RETURNING balance, held",
        user_id,
        amount,
        held_delta,
    )
    assert after is not None
    entry = _entry(row)
    log_event(
        f"WALLET_{kind.upper()}",
        user_id=user_id,
        ref=ref,
        amount=amount,
        held_delta=held_delta,
        job_id=job_id,
    )
    return Result(entry, Balance(after["balance"], after["held"]))


def _positive(amount: int) -> None:
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        raise InvalidAmount(f"amount must be a positive number of kopecks, got {amount!r}")


async def _credit(
    db: Pool | Connection,
    kind: str,
    user_id: int,
    amount: int,
    ref: str,
    *,
    payment_id: str | None = None,
    job_id: int | None = None,
    meta: dict[str, Any] | None = None,
) -> Result:
    async with transaction(db) as conn:
        wallet = await _lock_wallet(conn, user_id)
        existing = await _existing(conn, kind, ref)
        if existing is not None:
            return _repeat(existing, user_id, wallet, amount)
        return await _write(
            conn,
            wallet,
            repeat_amount=amount,
            user_id=user_id,
            kind=kind,
            amount=amount,
            held_delta=0,
            ref=ref,
            job_id=job_id,
            payment_id=payment_id,
            meta=meta,
        )


async def topup(
    db: Pool | Connection,
    user_id: int,
    amount: int,
    ref: str,
    *,
    payment_id: str | None = None,
    meta: dict[str, Any] | None = None,
) -> Result:
    """Money paid in (a Stars payment): +amount to the balance."""
    _positive(amount)
    return await _credit(db, "topup", user_id, amount, ref, payment_id=payment_id, meta=meta)


async def bonus(
    db: Pool | Connection, user_id: int, amount: int, ref: str, *, meta: dict[str, Any] | None = None
) -> Result:
    """A gift (welcome, referral): +amount to the balance."""
    _positive(amount)
    return await _credit(db, "bonus", user_id, amount, ref, meta=meta)


async def adjust(
    db: Pool | Connection, user_id: int, delta: int, ref: str, *, reason: str, admin_id: int
) -> Result:
    """An operator's correction: a signed, non-zero delta with a reason; never below what is held."""
    if not isinstance(delta, int) or isinstance(delta, bool) or delta == 0:
        raise InvalidAmount("an adjustment needs a non-zero number of kopecks")
    if not reason.strip():
        raise WalletError("an adjustment needs a reason")
    async with transaction(db) as conn:
        wallet = await _lock_wallet(conn, user_id)
        existing = await _existing(conn, "adjust", ref)
        if existing is not None:
            return _repeat(existing, user_id, wallet, delta)
        if delta < 0 and wallet.available < -delta:
            raise InsufficientFunds(wallet.available, -delta)
        return await _write(
            conn,
            wallet,
            repeat_amount=delta,
            user_id=user_id,
            kind="adjust",
            amount=delta,
            held_delta=0,
            ref=ref,
            job_id=None,
            payment_id=None,
            meta={"reason": reason, "admin_id": admin_id},
        )


async def hold(
    db: Pool | Connection,
    user_id: int,
    amount: int,
    ref: str,
    *,
    job_id: int | None = None,
    meta: dict[str, Any] | None = None,
) -> Result:
    """Reserve ``amount`` of the available money; InsufficientFunds when it is short."""
    _positive(amount)
    async with transaction(db) as conn:
        wallet = await _lock_wallet(conn, user_id)
        existing = await _existing(conn, "hold", ref)
        if existing is not None:
            return _repeat(existing, user_id, wallet, amount)
        if wallet.available < amount:
            raise InsufficientFunds(wallet.available, amount)
        return await _write(
            conn,
            wallet,
            repeat_amount=amount,
            user_id=user_id,
            kind="hold",
            amount=0,
            held_delta=amount,
            ref=ref,
            job_id=job_id,
            payment_id=None,
            meta=meta,
        )


async def _active_hold(conn: Connection, user_id: int, ref: str, settling: str) -> Entry:
    held = await _existing(conn, "hold", ref)
    if held is None or held.user_id != user_id:
        raise HoldNotActive(f"no hold {ref!r} for user {user_id}")
    other = "release" if settling == "charge" else "charge"
    if await _existing(conn, other, ref) is not None:
        raise HoldNotActive(f"hold {ref!r} was already settled by {other}")
    return held


async def _settle_hold(db: Pool | Connection, user_id: int, ref: str, kind: str) -> Result:
    async with transaction(db) as conn:
        wallet = await _lock_wallet(conn, user_id)
        existing = await _existing(conn, kind, ref)
        if existing is not None:
            return _repeat(existing, user_id, wallet)
        held = await _active_hold(conn, user_id, ref, kind)
        return await _write(
            conn,
            wallet,
            repeat_amount=None,
            user_id=user_id,
            kind=kind,
            amount=-held.held_delta if kind == "charge" else 0,
            held_delta=-held.held_delta,
            ref=ref,
            job_id=held.job_id,
            payment_id=None,
            meta=held.meta,
        )


async def charge(db: Pool | Connection, user_id: int, ref: str) -> Result:
    """Spend the hold ``ref`` (all of it): balance and held go down together."""
    return await _settle_hold(db, user_id, ref, "charge")


async def release(db: Pool | Connection, user_id: int, ref: str) -> Result:
    """Give the hold ``ref`` back to the available money."""
    return await _settle_hold(db, user_id, ref, "release")


async def refund(db: Pool | Connection, user_id: int, ref: str) -> Result:
    """Return the charge ``ref`` to the balance, once."""
    async with transaction(db) as conn:
        wallet = await _lock_wallet(conn, user_id)
        existing = await _existing(conn, "refund", ref)
        if existing is not None:
            return _repeat(existing, user_id, wallet)
        charged = await _existing(conn, "charge", ref)
        if charged is None or charged.user_id != user_id:
            raise NothingToRefund(f"no charge {ref!r} for user {user_id}")
        return await _write(
            conn,
            wallet,
            repeat_amount=None,
            user_id=user_id,
            kind="refund",
            amount=-charged.amount,
            held_delta=0,
            ref=ref,
            job_id=charged.job_id,
            payment_id=None,
            meta=charged.meta,
        )


async def reverse_topup(
    db: Pool | Connection,
    user_id: int,
    amount: int,
    ref: str,
    *,
    payment_id: str | None = None,
    meta: dict[str, Any] | None = None,
) -> Result:
    """Take back what a payment credited when the payment itself goes back to the payer (a Stars
    refund): -amount, never more than is available (InsufficientFunds), once per ``ref``."""
    _positive(amount)
    async with transaction(db) as conn:
        wallet = await _lock_wallet(conn, user_id)
        existing = await _existing(conn, "reversal", ref)
        if existing is not None:
            return _repeat(existing, user_id, wallet, -amount)
        if wallet.available < amount:
            raise InsufficientFunds(wallet.available, amount)
        return await _write(
            conn,
            wallet,
            repeat_amount=-amount,
            user_id=user_id,
            kind="reversal",
            amount=-amount,
            held_delta=0,
            ref=ref,
            job_id=None,
            payment_id=payment_id,
            meta=meta,
        )


async def write_off(
    db: Pool | Connection,
    user_id: int,
    amount: int,
    ref: str,
    *,
    reason: str,
    payment_id: str | None = None,
    meta: dict[str, Any] | None = None,
) -> Result:
    """Record, once per ``ref``, money a payer got back that their wallet no longer held: it moves no
    money (amount 0, so a balance never goes below zero); the kopecks and the reason are in meta."""
    _positive(amount)
    if not reason.strip():
        raise WalletError("a write-off needs a reason")
    async with transaction(db) as conn:
        wallet = await _lock_wallet(conn, user_id)
        existing = await _existing(conn, "writeoff", ref)
        if existing is not None:
            if existing.meta.get("kopecks") != amount:
                raise IdempotencyConflict(f"writeoff {ref!r} was already used for another amount")
            return _repeat(existing, user_id, wallet)
        return await _write(
            conn,
            wallet,
            repeat_amount=None,
            user_id=user_id,
            kind="writeoff",
            amount=0,
            held_delta=0,
            ref=ref,
            job_id=None,
            payment_id=payment_id,
            meta={**(meta or {}), "kopecks": amount, "reason": reason},
        )


async def balance_of(db: Pool | Connection, user_id: int) -> Balance:
    row = await db.fetchrow("SELECT balance, held FROM wallets WHERE user_id = $1", user_id)
    return Balance(row["balance"], row["held"]) if row else Balance(0, 0)


async def recent_entries(db: Pool | Connection, user_id: int, limit: int = 10) -> list[Entry]:
    """The newest operations as a person reads them: a settled hold is told by its charge or release,
    so one generation shows one line, not "reserved 4 ₽" next to "charged 4 ₽"."""
    rows = await db.fetch(
        f"""
        SELECT {_ENTRY_COLUMNS} FROM ledger l
         WHERE l.user_id = $1
           AND NOT (l.kind = 'hold' AND EXISTS (
                 SELECT 1 FROM ledger s WHERE s.kind IN ('charge', 'release') AND s.ref = l.ref))
         ORDER BY l.id DESC LIMIT $2
        """,
        user_id,
        limit,
    )
    return [_entry(row) for row in rows]


async def verify_wallet_invariants(db: Pool | Connection) -> list[Violation]:
    """Every wallet whose balance or held differs from its ledger, and every hold settled twice."""
    violations = [
        Violation(
            row["user_id"],
            "wallet differs from its ledger",
            {
                "balance": row["balance"],
                "ledger_balance": row["ledger_balance"],
                "held": row["held"],
                "ledger_held": row["ledger_held"],
            },
        )
        for row in await db.fetch(
            """
            SELECT w.user_id, w.balance, w.held,
                   coalesce(sum(l.amount), 0) AS ledger_balance, coalesce(sum(l.held_delta), 0) AS ledger_held
              FROM wallets w LEFT JOIN ledger l ON l.user_id = w.user_id
             GROUP BY w.user_id, w.balance, w.held
            HAVING w.balance <> coalesce(sum(l.amount), 0) OR w.held <> coalesce(sum(l.held_delta), 0)
            """
        )
    ]
    violations += [
        Violation(
            row["user_id"], "hold settled twice or without a hold", {"ref": row["ref"], "kinds": row["kinds"]}
        )
        for row in await db.fetch(
            """
            SELECT min(user_id) AS user_id, ref, array_agg(kind ORDER BY kind) AS kinds
              FROM ledger WHERE kind IN ('hold', 'charge', 'release')
             GROUP BY ref
            HAVING count(*) FILTER (WHERE kind IN ('charge', 'release')) > 1
                OR count(*) FILTER (WHERE kind = 'hold') = 0
            """
        )
    ]
    if violations:
        log_event(
            "WALLET_INVARIANT_VIOLATION",
            level="error",
            count=len(violations),
            violations=json.dumps([v.__dict__ for v in violations[:20]], default=str),
        )
    return violations
