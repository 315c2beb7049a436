"""The payments table: one row per top-up attempt, its state machine guarded in SQL (0008_payments.sql).

``pending → paid | failed | expired``, ``expired → paid`` (money that arrived after all), and for Telegram
Stars ``paid | failed → refunded``. A paid payment is credited by exactly one ledger entry (kind
``topup``) whose ref the row keeps (``ledger_ref``), written in the same transaction as the state change.
Lock order when both are touched: payment → wallet (→ the referrer's wallet, for a referral reward).

No aiogram here: cron expires payments with this module.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from typing import Any, Final, Literal, get_args

import asyncpg

from creativebot import checkout
from creativebot.db import Connection, Pool
from creativebot.wallet import ledger, referrals

PaymentMethod = Literal["stars", "rub", "manual"]
PaymentState = Literal["pending", "paid", "failed", "expired", "refunded"]
METHODS: Final[tuple[PaymentMethod, ...]] = get_args(PaymentMethod)
STATES: Final[tuple[PaymentState, ...]] = get_args(PaymentState)
# A payment still pending this long after it was offered expires (a transfer with a screenshot waits).
PENDING_TTL: Final = timedelta(seconds=checkout.INVOICE_TTL_SEC)
METHOD_OF_INVOICE: Final[dict[str, PaymentMethod]] = {checkout.STARS: "stars", checkout.ROUBLES: "rub"}


@dataclass(frozen=True)
class Payment:
    id: int
    user_id: int
    method: PaymentMethod
    state: PaymentState
    ref: str
    currency: str
    units: int  # what the payer pays: stars, or kopecks
    kopecks: int  # what the wallet gets
    telegram_charge_id: str | None
    provider_charge_id: str | None
    ledger_ref: str | None
    order_info: dict[str, Any] | None
    proof_file_id: str | None
    proof_kind: str | None
    proof_at: datetime | None
    reviewed_by: int | None
    reason: str | None
    refund_requested_by: int | None
    refund_requested_at: datetime | None
    refund_debit: int | None
    refunded_by: str | None
    written_off: int | None
    expiry_notified_at: datetime | None
    meta: dict[str, Any]
    created_at: datetime
    updated_at: datetime
    paid_at: datetime | None
    closed_at: datetime | None

    @property
    def target(self) -> str:
        """How the audit log names it."""
        return f"payment:{self.id}"

    @property
    def stars(self) -> int:
        return self.units if self.method == "stars" else 0


COLUMNS: Final = ", ".join(field.name for field in fields(Payment))


def payment_from(row: asyncpg.Record | dict[str, Any]) -> Payment:
    values = {name: row[name] for name in (field.name for field in fields(Payment))}
    return Payment(**values)


@dataclass(frozen=True)
class Credited:
    """A paid payment and its ledger entry; ``referrer`` was rewarded by this call (a first top-up)."""

    payment: Payment
    result: ledger.Result
    referrer: int | None = None

    @property
    def repeated(self) -> bool:
        return self.result.repeated


async def get(db: Pool | Connection, payment_id: int, *, lock: bool = False) -> Payment | None:
    row = await db.fetchrow(
        f"SELECT {COLUMNS} FROM payments WHERE id = $1{' FOR UPDATE' if lock else ''}", payment_id
    )
    return payment_from(row) if row else None


async def by_charge(db: Pool | Connection, charge_id: str, *, lock: bool = False) -> Payment | None:
    row = await db.fetchrow(
        f"SELECT {COLUMNS} FROM payments WHERE telegram_charge_id = $1{' FOR UPDATE' if lock else ''}",
        charge_id,
    )
    return payment_from(row) if row else None


async def by_ref(db: Pool | Connection, ref: str, *, lock: bool = False) -> Payment | None:
    row = await db.fetchrow(
        f"SELECT {COLUMNS} FROM payments WHERE ref = $1{' FOR UPDATE' if lock else ''}", ref
    )
    return payment_from(row) if row else None


async def recent(db: Pool | Connection, user_id: int, limit: int = 5) -> list[Payment]:
    """A person's newest payments."""
    rows = await db.fetch(
        f"SELECT {COLUMNS} FROM payments WHERE user_id = $1 ORDER BY id DESC LIMIT $2", user_id, limit
    )
    return [payment_from(row) for row in rows]


async def insert(
    db: Pool | Connection,
    *,
    user_id: int,
    method: PaymentMethod,
    ref: str,
    units: int,
    kopecks: int,
    state: PaymentState = "pending",
    telegram_charge_id: str | None = None,
    provider_charge_id: str | None = None,
    ledger_ref: str | None = None,
    order_info: dict[str, Any] | None = None,
    reason: str | None = None,
    meta: dict[str, Any] | None = None,
) -> Payment | None:
    """A new row; None when its ref or charge id is taken (the caller reads the winner)."""
    currency = checkout.CURRENCY_STARS if method == "stars" else checkout.CURRENCY_ROUBLES
    row = await db.fetchrow(
        f"""
        INSERT INTO payments (user_id, method, state, ref, currency, units, kopecks, telegram_charge_id,
                              provider_charge_id, ledger_ref, order_info, reason, meta, paid_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13,
                CASE WHEN $3 = 'paid' THEN now() END)
        ON CONFLICT DO NOTHING
        RETURNING {COLUMNS}
        """,
        user_id,
        method,
        state,
        ref,
        currency,
        units,
        kopecks,
        telegram_charge_id,
        provider_charge_id,
        ledger_ref,
        order_info,
        reason,
        meta or {},
    )
    return payment_from(row) if row else None


async def fail(db: Pool | Connection, payment_id: int, reason: str) -> Payment | None:
    """pending → failed (an invoice Telegram refused to send, a transfer canceled or rejected)."""
    row = await db.fetchrow(
        f"UPDATE payments SET state = 'failed', reason = $2 WHERE id = $1 AND state = 'pending'"
        f" RETURNING {COLUMNS}",
        payment_id,
        reason[:500],
    )
    return payment_from(row) if row else None


async def credit_paid(
    conn: Connection,
    payment: Payment,
    *,
    ledger_payment_id: str | None,
    meta: dict[str, Any],
    referral_reward: int,
) -> Credited:
    """The ledger entry of a payment just marked paid (its ``ledger_ref``), and the referrer's reward
    when this is the payer's first top-up. Runs inside the caller's transaction, after the row lock."""
    assert payment.ledger_ref is not None and payment.state == "paid"
    result = await ledger.topup(
        conn,
        payment.user_id,
        payment.kopecks,
        payment.ledger_ref,
        payment_id=ledger_payment_id,
        meta={**meta, "payment": payment.id},
    )
    referrer = None
    if not result.repeated:
        referrer = await referrals.reward_first_topup(conn, payment.user_id, referral_reward)
    return Credited(payment, result, referrer)


async def repeat_of(conn: Connection, payment: Payment) -> Credited:
    """A payment credited before (a repeated successful_payment, a second approval): its first entry."""
    assert payment.ledger_ref is not None
    result = await ledger.topup(conn, payment.user_id, payment.kopecks, payment.ledger_ref)
    return Credited(payment, result)


@dataclass(frozen=True)
class Person:
    id: int
    username: str | None
    first_name: str | None


@dataclass(frozen=True)
class OperatorPage:
    """A page of the operators' list: transfers awaiting review first, then other pending, then newest."""

    rows: list[tuple[Payment, Person]]
    waiting: int  # manual transfers with a screenshot, awaiting an operator
    pending: int  # every pending payment
    has_more: bool


async def operator_page(db: Pool | Connection, number: int, size: int) -> OperatorPage:
    rows = await db.fetch(
        f"""
        SELECT {", ".join(f"p.{name}" for name in (field.name for field in fields(Payment)))},
               u.username, u.first_name,
               count(*) FILTER (WHERE p.state = 'pending' AND p.method = 'manual' AND p.proof_at IS NOT NULL)
                   OVER () AS waiting,
               count(*) FILTER (WHERE p.state = 'pending') OVER () AS pending
          FROM payments p JOIN users u ON u.id = p.user_id
         ORDER BY (p.state = 'pending' AND p.method = 'manual' AND p.proof_at IS NOT NULL) DESC,
                  (p.state = 'pending' AND p.method = 'manual') DESC,
                  p.id DESC
         LIMIT $1 OFFSET $2
        """,
        size + 1,
        max(0, number) * size,
    )
    if not rows:
        counts = await db.fetchrow(
            "SELECT count(*) FILTER (WHERE state = 'pending' AND method = 'manual' AND proof_at IS NOT NULL)"
            " AS waiting, count(*) FILTER (WHERE state = 'pending') AS pending FROM payments"
        )
        assert counts is not None
        return OperatorPage([], counts["waiting"], counts["pending"], False)
    found = [(payment_from(row), Person(row["user_id"], row["username"], row["first_name"])) for row in rows]
    return OperatorPage(found[:size], rows[0]["waiting"], rows[0]["pending"], len(rows) > size)


async def people(db: Pool | Connection, ids: list[int]) -> dict[int, Person]:
    rows = await db.fetch("SELECT id, username, first_name FROM users WHERE id = ANY($1::bigint[])", ids)
    return {row["id"]: Person(row["id"], row["username"], row["first_name"]) for row in rows}
