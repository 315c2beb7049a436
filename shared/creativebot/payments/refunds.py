"""Telegram Stars refunds: an operator's (refundStarPayment) and Telegram's own (a refunded_payment update).

Telegram refunds a Stars payment only whole, so the wallet gives back what that payment credited:

1. **claim** (one transaction): lock the payment, then the wallet; the debit is what the payment
   credited, or, when the wallet no longer holds that much and the operator confirmed "refund anyway",
   what is available. The debit is put on hold (so it cannot be spent while Telegram is asked), and the
   claim is written on the payment with an audit entry. Without the confirmation a short wallet is
   refused, with how much is missing; nothing changes.
2. **refundStarPayment**, outside any transaction. CHARGE_ALREADY_REFUNDED counts as done. A refusal
   gives the hold back (**abandon**); a network error leaves the claim, and the retried update (or the
   operator's next press) calls Telegram again, which answers CHARGE_ALREADY_REFUNDED if it had worked.
3. **finish** (one transaction): the hold is released and the same amount reversed (kind ``reversal``),
   the rest is written off with a reason (kind ``writeoff``, moving no money: a balance never goes below
   zero), and the payment becomes ``refunded``; an audit entry records it. Telegram's refunded_payment
   update, which also follows our own refund, runs the same step: whichever comes first does it.

A refund Telegram made without the bot (support, a store chargeback) has no claim: its finish debits what
is available and writes off the rest.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final, Literal

from creativebot import audit
from creativebot.db import Connection, Pool, transaction
from creativebot.observability import log_event
from creativebot.payments.core import COLUMNS, Payment, by_charge, get, insert, payment_from
from creativebot.wallet import ledger

# Another operator's claim younger than this is a refund in progress; an older one is retried.
CLAIM_FRESH: Final = timedelta(minutes=2)
TELEGRAM: Final = 0  # the audit log's admin id for what Telegram did without an operator
ALREADY_REFUNDED: Final = "CHARGE_ALREADY_REFUNDED"

Why = Literal["not_found", "not_stars", "not_paid", "in_progress"]
# Asks Telegram to refund (user id, charge id): None when the Stars went back (or already had), else
# Telegram's refusal. A network failure raises.
RefundCall = Callable[[int, str], Awaitable[str | None]]


@dataclass(frozen=True)
class Claimed:
    payment: Payment
    debit: int  # taken from the wallet (held until Telegram answers)
    written_off: int  # what the wallet no longer held


@dataclass(frozen=True)
class Short:
    """The wallet holds less than the payment credited; the operator may confirm "refund anyway"."""

    payment: Payment
    available: int
    missing: int


@dataclass(frozen=True)
class Refused:
    payment: Payment | None
    why: Why


@dataclass(frozen=True)
class Refunded:
    payment: Payment
    newly: bool  # this call finished it (False: it was refunded before)
    debited: int
    written_off: int
    balance: ledger.Balance


@dataclass(frozen=True)
class TelegramRefused:
    payment: Payment
    error: str


Outcome = Refunded | Short | Refused | TelegramRefused


def hold_ref(payment_id: int, claimed_at: datetime) -> str:
    """The hold of one refund attempt: a new claim after Telegram refused one holds afresh (the ledger
    would take the same ref as the old, released hold and reserve nothing)."""
    return f"stars-refund:{payment_id}:{claimed_at.timestamp():.6f}"


def _claim_ref(payment: Payment) -> str:
    assert payment.refund_requested_at is not None
    return hold_ref(payment.id, payment.refund_requested_at)


def _fresh(moment: datetime | None) -> bool:
    return moment is not None and datetime.now(UTC) - moment < CLAIM_FRESH


async def adopt_charge(db: Pool | Connection, charge_id: str) -> Payment | None:
    """The payment of a Telegram charge; a Stars top-up credited before the payments table existed gets
    its row now, from its ledger entry. None when the bot knows no such charge."""
    payment = await by_charge(db, charge_id)
    if payment is not None:
        return payment
    entry = await db.fetchrow(
        "SELECT user_id, amount, ref, meta FROM ledger WHERE kind = 'topup' AND ref = $1",
        f"stars:{charge_id}",
    )
    stars = entry["meta"].get("stars") if entry else None
    if entry is None or not isinstance(stars, int) or stars <= 0:
        return None
    adopted = await insert(
        db,
        user_id=entry["user_id"],
        method="stars",
        ref=f"charge:{charge_id}",
        units=stars,
        kopecks=entry["amount"],
        state="paid",
        telegram_charge_id=charge_id,
        ledger_ref=entry["ref"],
        meta={"adopted": True},
    )
    return adopted or await by_charge(db, charge_id)


async def claim(db: Pool | Connection, payment_id: int, *, admin_id: int, force: bool) -> Claimed | Outcome:
    """Step 1: check, hold the debit and record the claim (see the module's docstring)."""
    async with transaction(db) as conn:
        payment = await get(conn, payment_id, lock=True)
        if payment is None:
            return Refused(None, "not_found")
        if payment.method != "stars" or payment.telegram_charge_id is None:
            return Refused(payment, "not_stars")
        if payment.state == "refunded":
            return await _refunded(conn, payment, newly=False)
        if payment.state not in ("paid", "failed"):
            return Refused(payment, "not_paid")
        if payment.refund_requested_at is not None and payment.refund_debit is not None:
            if _fresh(payment.refund_requested_at) and payment.refund_requested_by != admin_id:
                return Refused(payment, "in_progress")
            # a claim whose Telegram call never finished: ask again, with the same debit
            return Claimed(payment, payment.refund_debit, payment.kopecks - payment.refund_debit)
        wallet = await ledger.lock_wallet(conn, payment.user_id)
        debit = min(payment.kopecks, max(wallet.available, 0))
        missing = payment.kopecks - debit
        if missing and not force:
            return Short(payment, wallet.available, missing)
        claimed_at: datetime = await conn.fetchval("SELECT now()")
        if debit:
            await ledger.hold(
                conn,
                payment.user_id,
                debit,
                hold_ref(payment.id, claimed_at),
                meta={"payment": payment.id, "stars_refund": True},
            )
        row = await conn.fetchrow(
            f"""
            UPDATE payments SET refund_requested_by = $2, refund_requested_at = $4, refund_debit = $3
             WHERE id = $1 RETURNING {COLUMNS}
            """,
            payment.id,
            admin_id,
            debit,
            claimed_at,
        )
        assert row is not None
        await audit.record(
            conn,
            admin_id,
            "payment.refund_requested",
            payment.target,
            before={"state": payment.state, "available": wallet.available},
            after={"debit": debit, "written_off": missing, "forced": force},
        )
    return Claimed(payment_from(row), debit, missing)


async def abandon(db: Pool | Connection, payment_id: int, *, admin_id: int, error: str) -> None:
    """Telegram refused the refund: the hold goes back and the claim is cleared."""
    async with transaction(db) as conn:
        payment = await get(conn, payment_id, lock=True)
        if payment is None or payment.state == "refunded" or payment.refund_requested_at is None:
            return
        if payment.refund_debit:
            await ledger.release(conn, payment.user_id, _claim_ref(payment))
        await conn.execute(
            "UPDATE payments SET refund_requested_by = NULL, refund_requested_at = NULL, refund_debit = NULL"
            " WHERE id = $1",
            payment.id,
        )
        await audit.record(
            conn, admin_id, "payment.refund_failed", payment.target, after={"error": error[:300]}
        )
    log_event("STARS_REFUND_REFUSED", level="warning", payment_id=payment_id, error=error[:300])


async def finish(db: Pool | Connection, payment_id: int, *, by: str) -> Refunded | Refused:
    """Step 3: Telegram has refunded; take the money back once (see the module's docstring).

    ``by`` is "bot" (our refundStarPayment) or "telegram" (a refund made outside the bot).
    """
    async with transaction(db) as conn:
        payment = await get(conn, payment_id, lock=True)
        if payment is None:
            return Refused(None, "not_found")
        if payment.state == "refunded":
            return await _refunded(conn, payment, newly=False)
        if payment.method != "stars" or payment.state not in ("paid", "failed"):
            return Refused(payment, "not_paid")
        claimed = payment.refund_requested_at is not None and payment.refund_debit is not None
        if claimed:
            assert payment.refund_debit is not None
            debit = payment.refund_debit
            if debit:
                await ledger.release(conn, payment.user_id, _claim_ref(payment))
            admin_id = payment.refund_requested_by or TELEGRAM
        else:
            wallet = await ledger.lock_wallet(conn, payment.user_id)
            debit = min(payment.kopecks, max(wallet.available, 0))
            admin_id = TELEGRAM
        missing = payment.kopecks - debit
        meta: dict[str, Any] = {"payment": payment.id, "stars": payment.units}
        charge = payment.telegram_charge_id
        if debit:
            await ledger.reverse_topup(
                conn, payment.user_id, debit, payment.target, payment_id=charge, meta=meta
            )
        if missing:
            reason = (
                "Stars refunded by an operator; the wallet held less than the payment credited"
                if claimed
                else "Stars refunded by Telegram outside the bot; the wallet held less than the payment credited"
            )
            await ledger.write_off(
                conn, payment.user_id, missing, payment.target, reason=reason, payment_id=charge, meta=meta
            )
        row = await conn.fetchrow(
            f"""
            UPDATE payments SET state = 'refunded', refunded_by = $2, refund_debit = $3, written_off = $4
             WHERE id = $1 RETURNING {COLUMNS}
            """,
            payment.id,
            by,
            debit,
            missing,
        )
        assert row is not None
        refunded = payment_from(row)
        await audit.record(
            conn,
            admin_id,
            "payment.refunded",
            payment.target,
            before={"state": payment.state},
            after={"state": "refunded", "by": by, "debited": debit, "written_off": missing},
        )
        outcome = await _refunded(conn, refunded, newly=True)
    log_event("STARS_REFUNDED", payment_id=payment.id, by=by, debited=debit, written_off=missing)
    return outcome


async def _refunded(conn: Connection, payment: Payment, *, newly: bool) -> Refunded:
    return Refunded(
        payment,
        newly,
        payment.refund_debit or 0,
        payment.written_off or 0,
        await ledger.balance_of(conn, payment.user_id),
    )


async def refund_stars(
    db: Pool | Connection, payment_id: int, *, admin_id: int, force: bool, call: RefundCall
) -> Outcome:
    """An operator's refund, all three steps: refundStarPayment is called only for a payment this claim
    holds, so a refunded payment is never sent to Telegram again."""
    claimed = await claim(db, payment_id, admin_id=admin_id, force=force)
    if not isinstance(claimed, Claimed):
        return claimed
    payment = claimed.payment
    assert payment.telegram_charge_id is not None
    error = await call(payment.user_id, payment.telegram_charge_id)
    if error is not None and ALREADY_REFUNDED not in error:
        await abandon(db, payment.id, admin_id=admin_id, error=error)
        return TelegramRefused(payment, error)
    return await finish(db, payment.id, by="bot")
