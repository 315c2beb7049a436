"""Manual transfers (opt-in: MANUAL_TRANSFER_DETAILS): the payer transfers a pack's amount by the shown
details with a short code in the comment, sends a screenshot, and an operator approves or rejects it.

Approval marks the payment paid and credits it in one transaction, after locking the row: two operators
pressing ✅ at the same moment take turns, and the second finds it paid (its ledger ref is keyed by the
payment too, so even a bypassed check could not credit twice). No Telegram invoice is involved.
"""

from __future__ import annotations

from typing import Any, Final

from creativebot import audit, checkout
from creativebot.db import Connection, Pool, transaction
from creativebot.observability import log_event
from creativebot.payments.core import (
    COLUMNS,
    PENDING_TTL,
    Credited,
    Payment,
    credit_paid,
    get,
    insert,
    payment_from,
)

CODE_ATTEMPTS: Final = 5
# Why an operator rejects a transfer, as the payer reads it (texts.payments.reject_reasons); any other
# reason is the operator's own words.
REJECT_REASONS: Final = ("not_found", "amount", "no_code")


async def start(
    db: Pool | Connection, *, user_id: int, rub: int, packs: tuple[int, ...], meta: dict[str, Any]
) -> Payment | None:
    """A pending transfer for one of the packs, with a fresh code; None for any other amount."""
    if rub not in packs:
        return None
    for _ in range(CODE_ATTEMPTS):
        payment = await insert(
            db,
            user_id=user_id,
            method="manual",
            ref=checkout.new_transfer_code(),
            units=rub * 100,
            kopecks=rub * 100,
            meta=meta,
        )
        if payment is not None:
            log_event("TRANSFER_STARTED", payment_id=payment.id, amount=payment.kopecks)
            return payment
    raise RuntimeError("could not draw a unique transfer code")


async def awaiting_proof(db: Pool | Connection, user_id: int) -> Payment | None:
    """The person's newest transfer that is still pending (a screenshot they send now belongs to it)."""
    row = await db.fetchrow(
        f"""
        SELECT {COLUMNS} FROM payments
         WHERE user_id = $1 AND method = 'manual' AND state = 'pending' AND created_at > now() - $2::interval
         ORDER BY id DESC LIMIT 1
        """,
        user_id,
        PENDING_TTL,
    )
    return payment_from(row) if row else None


async def attach_proof(
    db: Pool | Connection, payment_id: int, *, user_id: int, file_id: str, kind: str
) -> Payment | None:
    """Keep the screenshot (the newest one) of a pending transfer; None when it is no longer pending."""
    row = await db.fetchrow(
        f"""
        UPDATE payments SET proof_file_id = $3, proof_kind = $4, proof_at = now()
         WHERE id = $1 AND user_id = $2 AND method = 'manual' AND state = 'pending'
        RETURNING {COLUMNS}
        """,
        payment_id,
        user_id,
        file_id,
        kind,
    )
    return payment_from(row) if row else None


async def approve(
    db: Pool | Connection, payment_id: int, *, admin_id: int, referral_reward: int
) -> Credited | Payment | None:
    """Credit a transfer the operator saw arrive: Credited when this call did it, the Payment as it is
    when it was decided before (approved, rejected, canceled), None for no such transfer."""
    async with transaction(db) as conn:
        payment = await get(conn, payment_id, lock=True)
        if payment is None or payment.method != "manual":
            return None
        if payment.state not in ("pending", "expired"):
            return payment
        row = await conn.fetchrow(
            f"UPDATE payments SET state = 'paid', reviewed_by = $2, ledger_ref = $3 WHERE id = $1"
            f" RETURNING {COLUMNS}",
            payment.id,
            admin_id,
            f"manual:{payment.id}",
        )
        assert row is not None
        paid = payment_from(row)
        credited = await credit_paid(
            conn,
            paid,
            ledger_payment_id=paid.ref,
            meta={"code": paid.ref, "approved_by": admin_id},
            referral_reward=referral_reward,
        )
        await audit.record(
            conn,
            admin_id,
            "payment.approve",
            paid.target,
            before={"state": payment.state, "balance": credited.result.wallet.balance - paid.kopecks},
            after={"state": "paid", "kopecks": paid.kopecks, "ledger_ref": paid.ledger_ref},
        )
    log_event("PAYMENT_OK", payment_id=paid.id, method="manual", amount=paid.kopecks, admin_id=admin_id)
    return credited


async def reject(
    db: Pool | Connection, payment_id: int, *, admin_id: int, reason: str
) -> tuple[Payment, bool] | None:
    """pending → failed with the reason the payer will read; (payment, True) when this call did it,
    (payment as it is, False) when it was decided before, None for no such transfer."""
    async with transaction(db) as conn:
        payment = await get(conn, payment_id, lock=True)
        if payment is None or payment.method != "manual":
            return None
        if payment.state != "pending":
            return payment, False
        row = await conn.fetchrow(
            f"UPDATE payments SET state = 'failed', reviewed_by = $2, reason = $3 WHERE id = $1"
            f" RETURNING {COLUMNS}",
            payment.id,
            admin_id,
            reason[:500],
        )
        assert row is not None
        await audit.record(
            conn,
            admin_id,
            "payment.reject",
            payment.target,
            before={"state": payment.state},
            after={"state": "failed", "reason": reason[:500]},
        )
    log_event("TRANSFER_REJECTED", payment_id=payment.id, admin_id=admin_id)
    return payment_from(row), True


async def cancel(db: Pool | Connection, payment_id: int, *, user_id: int) -> Payment | None:
    """The payer withdraws their own pending transfer; None when it is not theirs or not pending."""
    row = await db.fetchrow(
        f"""
        UPDATE payments SET state = 'failed', reason = 'canceled by the payer'
         WHERE id = $1 AND user_id = $2 AND method = 'manual' AND state = 'pending'
        RETURNING {COLUMNS}
        """,
        payment_id,
        user_id,
    )
    return payment_from(row) if row else None
