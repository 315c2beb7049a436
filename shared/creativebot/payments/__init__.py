"""Top-ups: every attempt is a row of ``payments`` (core), whatever its route:

- Telegram Stars invoices (always on) and rouble invoices through a Telegram payments provider
  (opt-in: PAYMENTS_PROVIDER_TOKEN) — :mod:`creativebot.payments.invoices`;
- manual transfers approved by an operator (opt-in: MANUAL_TRANSFER_DETAILS) — ``transfers``;
- Stars refunds, the operator's and Telegram's own — ``refunds``;
- cron: stuck pending payments expire after 24 hours and their payers are told — ``expiry``;
- the balance screen's history — ``history``; the payments against ledger and audit — ``verify``.

The invoice payload format and the checks against it live in :mod:`creativebot.checkout` (pure Python,
so the webhook can answer pre-checkout queries without the worker). Nothing here imports aiogram.
"""

from __future__ import annotations

from creativebot.db import Connection, Pool
from creativebot.payments.core import (
    METHODS,
    PENDING_TTL,
    STATES,
    Credited,
    Payment,
    PaymentMethod,
    PaymentState,
    by_charge,
    get,
    recent,
)
from creativebot.payments.invoices import (
    CURRENCY,
    STAR_PACKS,
    Topup,
    checkout_valid,
    credit_invoice,
    offer,
    offer_roubles,
    open_invoice,
    pack_kopecks,
    parse_payload,
    receipt,
    record_unmatched,
)
from creativebot.wallet import Result


async def credit(
    db: Pool | Connection,
    *,
    user_id: int,
    payload: str,
    charge_id: str,
    currency: str | None = None,
    total_amount: int | None = None,
) -> Result | None:
    """Credit a successful payment once per Telegram charge id (``credit_invoice`` without the rest)."""
    credited = await credit_invoice(
        db,
        user_id=user_id,
        payload=payload,
        charge_id=charge_id,
        currency=currency,
        total_amount=total_amount,
    )
    return credited.result if credited is not None else None


__all__ = [
    "CURRENCY",
    "METHODS",
    "PENDING_TTL",
    "STAR_PACKS",
    "STATES",
    "Credited",
    "Payment",
    "PaymentMethod",
    "PaymentState",
    "Topup",
    "by_charge",
    "checkout_valid",
    "credit",
    "credit_invoice",
    "get",
    "offer",
    "offer_roubles",
    "open_invoice",
    "pack_kopecks",
    "parse_payload",
    "receipt",
    "recent",
    "record_unmatched",
]
