"""Cron: pending payments older than 24 hours expire, and their payers are told.

Two idempotent passes, each safe to run twice at once:

1. expire: ``pending → expired`` for rows past PENDING_TTL (``FOR UPDATE SKIP LOCKED``, a batch per run).
   A manual transfer whose screenshot waits for an operator does not expire: the payer did their part.
   The invoice of an expired Stars or rouble payment is declined at pre-checkout from then on
   (``checkout.INVOICE_TTL_SEC``).
2. tell: one notice per expired payment, in the payer's language, through the queue (cron has no Bot;
   the worker sends it), then ``expiry_notified_at`` is set. A notice whose queueing fails is tried again
   next run; SQS deduplicates the key for five minutes, so two crons at once send one.

Then every payment is checked against the ledger and the audit log (``verify``): a disagreement is logged
as PAYMENT_INVARIANT_VIOLATION, an error to alarm on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from creativebot import queue
from creativebot.observability import log_event
from creativebot.payments.core import COLUMNS, PENDING_TTL, Payment, payment_from
from creativebot.payments.verify import verify_payments
from creativebot.texts import format_rub
from creativebot.texts.payments import payments_copy

if TYPE_CHECKING:
    from creativebot.maintenance import CronContext

BATCH: Final = 200
EXPIRED_REASON: Final = "not paid within 24 hours"


def expiry_notice(payment: Payment, language: str | None) -> str:
    """What the payer reads, in their language."""
    copy = payments_copy(language)
    amount = format_rub(payment.kopecks, copy.lang)
    if payment.method == "manual":
        return copy.expired_transfer.format(code=payment.ref, amount=amount)
    return copy.expired_invoice.format(amount=amount)


async def expire_payments(ctx: CronContext) -> int:
    """Expire stuck pending payments and tell their payers; returns how many expired in this run."""
    status = await ctx.pool.execute(
        """
        WITH due AS (
            SELECT id FROM payments
             WHERE state = 'pending' AND created_at < now() - $1::interval
               AND NOT (method = 'manual' AND proof_at IS NOT NULL)
             ORDER BY created_at LIMIT $2
               FOR UPDATE SKIP LOCKED
        )
        UPDATE payments p SET state = 'expired', reason = $3 FROM due WHERE p.id = due.id
        """,
        PENDING_TTL,
        BATCH,
        EXPIRED_REASON,
    )
    expired = int(status.split()[-1])
    if expired:
        log_event("PAYMENTS_EXPIRED", count=expired)
    await _tell(ctx)
    await verify_payments(ctx.pool)
    return expired


async def _tell(ctx: CronContext) -> None:
    rows = await ctx.pool.fetch(
        f"""
        SELECT {", ".join(f"p.{column.strip()}" for column in COLUMNS.split(","))}, u.language
          FROM payments p JOIN users u ON u.id = p.user_id
         WHERE p.state = 'expired' AND p.expiry_notified_at IS NULL
         ORDER BY p.id LIMIT $1
        """,
        BATCH,
    )
    for row in rows:
        payment = payment_from(row)
        cid = str(payment.meta.get("cid") or f"payment-{payment.id}")
        try:
            queue.send_notice(
                ctx.settings.queue,
                chat_id=payment.user_id,
                text=expiry_notice(payment, row["language"]),
                key=f"payment-expired-{payment.id}",
                cid=cid,
            )
        except queue.QUEUE_ERRORS as exc:
            log_event(
                "PAYMENT_EXPIRY_NOTICE_FAIL", level="warning", payment_id=payment.id, error=type(exc).__name__
            )
            return  # the queue is down: the next run tries again
        await ctx.pool.execute(
            "UPDATE payments SET expiry_notified_at = now() WHERE id = $1 AND expiry_notified_at IS NULL",
            payment.id,
        )
