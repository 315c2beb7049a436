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
