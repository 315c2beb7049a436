"""Invoices: Telegram Stars packs (always on) and rouble packs through a payments provider (opt-in).

An invoice's payload (:mod:`creativebot.checkout`) names the user, the amount and the payment's ref; the
row is written (pending) before sendInvoice, and ``successful_payment`` marks it paid and credits the
wallet in one transaction, keyed by Telegram's charge id, so a repeated ``successful_payment`` credits
once. The pre-checkout query is answered by the webhook from the payload alone (no database).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal
from typing import Any, Final

from creativebot import checkout
from creativebot.config import PaymentSettings
from creativebot.db import Connection, Pool, transaction
from creativebot.observability import log_event
from creativebot.payments.core import (
    COLUMNS,
    METHOD_OF_INVOICE,
    Credited,
    Payment,
    by_charge,
    by_ref,
    credit_paid,
    insert,
    payment_from,
    repeat_of,
)

STAR_PACKS: Final = (50, 100, 250, 500, 1000)
CURRENCY: Final = checkout.CURRENCY_STARS


@dataclass(frozen=True)
class Topup:
    """A Stars pack offered to a user."""

    user_id: int
    stars: int
    kopecks: int
    payment_ref: str | None = None  # None: the legacy payload format
    issued_at: int | None = None  # None: a format without an issue time

    @property
    def invoice(self) -> checkout.Invoice:
        return checkout.Invoice(
            checkout.STARS, self.user_id, self.stars, self.kopecks, self.payment_ref, self.issued_at
        )

    @property
    def payload(self) -> str:
        """The invoice payload (Telegram allows 1-128 bytes): who pays, how many stars, what they get."""
        return self.invoice.payload


def pack_kopecks(stars: int, star_price_rub: Decimal) -> int:
    return int((Decimal(stars) * star_price_rub * 100).to_integral_value(rounding=ROUND_FLOOR))


def _now(now: float | None) -> int:
    return int(time.time() if now is None else now)


def offer(user_id: int, stars: int, star_price_rub: Decimal, *, now: float | None = None) -> Topup | None:
    """A top-up for one of the packs, with a fresh payment ref; None for any other number of stars."""
    if stars not in STAR_PACKS:
        return None
    return Topup(user_id, stars, pack_kopecks(stars, star_price_rub), checkout.new_payment_ref(), _now(now))


def offer_roubles(
    user_id: int, rub: int, packs: tuple[int, ...], *, now: float | None = None
) -> checkout.Invoice | None:
    """A rouble invoice for one of the configured packs (credited 1:1); None for any other amount."""
    if rub not in packs:
        return None
    kopecks = rub * 100
    return checkout.Invoice(
        checkout.ROUBLES, user_id, kopecks, kopecks, checkout.new_payment_ref(), _now(now)
    )


def parse_payload(payload: str) -> Topup | None:
    """A Stars top-up's payload (any format); None for anything else, roubles included."""
    invoice = checkout.parse(payload)
    if invoice is None or invoice.method != checkout.STARS:
        return None
    return Topup(invoice.user_id, invoice.units, invoice.kopecks, invoice.payment_ref, invoice.issued_at)


def checkout_valid(payload: str, *, user_id: int, currency: str, total_amount: int) -> bool:
    """Pre-checkout: the invoice is ours, not expired, for this user, in its currency, for its amount."""
    return checkout.check(payload, user_id=user_id, currency=currency, total_amount=total_amount)


def receipt(settings: PaymentSettings, kopecks: int) -> str:
    """provider_data for a rouble invoice: the fiscal receipt (54-FZ) in YooKassa's shape, one item.

    Telegram adds the payer's e-mail or phone (need_email / need_phone_number with send_*_to_provider),
    and the provider registers the receipt and sends it there.
    """
    item: dict[str, Any] = {
        "description": settings.payments_receipt_item,
        "quantity": "1.00",
        "amount": {"value": f"{kopecks // 100}.{kopecks % 100:02d}", "currency": checkout.CURRENCY_ROUBLES},
        "vat_code": settings.payments_vat_code,
        "payment_mode": "full_prepayment",
        "payment_subject": "service",
    }
    body: dict[str, Any] = {"items": [item]}
    if settings.payments_tax_system_code is not None:
        body["tax_system_code"] = settings.payments_tax_system_code
    return json.dumps({"receipt": body}, ensure_ascii=False, separators=(",", ":"))


async def open_invoice(db: Pool | Connection, invoice: checkout.Invoice, *, meta: dict[str, Any]) -> Payment:
    """The pending row of an invoice about to be sent (its ref is the payload's payment ref)."""
    assert invoice.payment_ref is not None
    payment = await insert(
        db,
        user_id=invoice.user_id,
        method=METHOD_OF_INVOICE[invoice.method],
        ref=invoice.payment_ref,
        units=invoice.units,
        kopecks=invoice.kopecks,
        meta=meta,
    )
    if payment is None:  # 96 random bits: a collision means a bug, not bad luck
        raise RuntimeError("payment ref collision")
    return payment


def _ledger_meta(invoice: checkout.Invoice) -> dict[str, Any]:
    meta: dict[str, Any] = (
        {"stars": invoice.units} if invoice.method == checkout.STARS else {"rub_kopecks": invoice.units}
    )
    if invoice.payment_ref is not None:
        meta["payment_ref"] = invoice.payment_ref
    return meta


async def credit_invoice(
    db: Pool | Connection,
    *,
    user_id: int,
    payload: str,
    charge_id: str,
    provider_charge_id: str | None = None,
    currency: str | None = None,
    total_amount: int | None = None,
    order_info: dict[str, Any] | None = None,
    referral_reward: int = 0,
) -> Credited | None:
    """Mark the invoice's payment paid and credit it, once per Telegram charge id.

    None for a payload that is not ours or not this user's, and, when the caller passes them, for a
    ``currency`` or ``total_amount`` that differs from the invoice's (None = not checked). An invoice
    issued before the payments table (or in the legacy format) gets its row now; a second payment of one
    invoice (a forwarded copy paid again) is a payment of its own, credited too: the money was taken.
    """
    invoice = checkout.parse(payload)
    if invoice is None or invoice.user_id != user_id:
        return None
    if currency is not None and currency != invoice.currency:
        return None
    if total_amount is not None and total_amount != invoice.total_amount:
        return None
    method = METHOD_OF_INVOICE[invoice.method]
    # The ref keeps the first format's "stars:" prefix: a charge credited before this change stays credited.
    ledger_ref = f"{method}:{charge_id}"
    paid = {
        "telegram_charge_id": charge_id,
        "provider_charge_id": provider_charge_id or None,
        "ledger_ref": ledger_ref,
        "order_info": order_info,
    }
    async with transaction(db) as conn:
        payment = await by_charge(conn, charge_id, lock=True)
        if payment is not None:
            return await repeat_of(conn, payment)
        payment = await _mark_paid(conn, invoice, paid)
        if payment is None:
            payment = await by_charge(conn, charge_id, lock=True)  # the same charge, just credited
            assert payment is not None
            return await repeat_of(conn, payment)
        credited = await credit_paid(
            conn,
            payment,
            ledger_payment_id=charge_id,
            meta=_ledger_meta(invoice),
            referral_reward=referral_reward,
        )
    log_event("PAYMENT_OK", payment_id=payment.id, method=method, amount=payment.kopecks)
    return credited


async def _mark_paid(conn: Connection, invoice: checkout.Invoice, paid: dict[str, Any]) -> Payment | None:
    """The invoice's row, now paid; None when the charge turned out to be credited already."""
    ref = invoice.payment_ref or f"charge:{paid['telegram_charge_id']}"
    method = METHOD_OF_INVOICE[invoice.method]
    row = await by_ref(conn, ref, lock=True)
    if row is not None and row.telegram_charge_id == paid["telegram_charge_id"]:
        return None
    if row is not None and row.state in ("pending", "expired") and row.user_id == invoice.user_id:
        updated = await conn.fetchrow(
            f"""
            UPDATE payments SET state = 'paid', telegram_charge_id = $2, provider_charge_id = $3,
                                ledger_ref = $4, order_info = $5
             WHERE id = $1 RETURNING {COLUMNS}
            """,
            row.id,
            paid["telegram_charge_id"],
            paid["provider_charge_id"],
            paid["ledger_ref"],
            paid["order_info"],
        )
        assert updated is not None
        return payment_from(updated)
    meta: dict[str, Any] = {"payload": invoice.payload}
    if row is not None:
        meta["second_payment_of"] = row.id
        ref = f"charge:{paid['telegram_charge_id']}"
    return await insert(
        conn,
        user_id=invoice.user_id,
        method=method,
        ref=ref,
        units=invoice.units,
        kopecks=invoice.kopecks,
        state="paid",
        meta=meta,
        **paid,
    )


async def record_unmatched(
    db: Pool | Connection,
    *,
    user_id: int,
    charge_id: str,
    currency: str,
    total_amount: int,
    provider_charge_id: str | None,
    payload: str,
) -> Payment | None:
    """A payment Telegram took that matches no invoice of ours: kept (failed, nothing credited), so an
    operator can find it and refund it. None when it is not a currency we take."""
    if currency not in (checkout.CURRENCY_STARS, checkout.CURRENCY_ROUBLES) or total_amount <= 0:
        return None
    ref = f"charge:{charge_id}"
    payment = await insert(
        db,
        user_id=user_id,
        method="stars" if currency == checkout.CURRENCY_STARS else "rub",
        ref=ref,
        units=total_amount,
        kopecks=0,
        state="failed",
        telegram_charge_id=charge_id,
        provider_charge_id=provider_charge_id or None,
        reason="unmatched: the invoice is not ours, another person's, or stale",
        meta={"payload": payload[:128]},
    )
    return payment or await by_ref(db, ref)
