"""Top-ups with Telegram Stars: fixed packs, an invoice whose payload names the user and the amount,
and a credit keyed by Telegram's charge id, so a repeated ``successful_payment`` credits once.

The payload format and the checks against it live in :mod:`creativebot.checkout` (pure Python, so the
webhook can answer pre-checkout queries without the worker); this module adds the packs and the money.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

from creativebot import checkout
from creativebot.db import Connection, Pool
from creativebot.wallet import Result, topup

STAR_PACKS = (50, 100, 250, 500, 1000)
CURRENCY = checkout.CURRENCY_STARS


@dataclass(frozen=True)
class Topup:
    user_id: int
    stars: int
    kopecks: int
    payment_ref: str | None = None  # None: the legacy payload format

    @property
    def payload(self) -> str:
        """The invoice payload (Telegram allows 1-128 bytes): who pays, how many stars, what they get."""
        return checkout.Invoice(
            checkout.STARS, self.user_id, self.stars, self.kopecks, self.payment_ref
        ).payload


def pack_kopecks(stars: int, star_price_rub: Decimal) -> int:
    return int((Decimal(stars) * star_price_rub * 100).to_integral_value(rounding=ROUND_FLOOR))


def offer(user_id: int, stars: int, star_price_rub: Decimal) -> Topup | None:
    """A top-up for one of the packs, with a fresh payment ref; None for any other number of stars."""
    if stars not in STAR_PACKS:
        return None
    return Topup(user_id, stars, pack_kopecks(stars, star_price_rub), checkout.new_payment_ref())


def parse_payload(payload: str) -> Topup | None:
    """A Stars top-up's payload (either format); None for anything else, roubles included."""
    invoice = checkout.parse(payload)
    if invoice is None or invoice.method != checkout.STARS:
        return None
    return Topup(invoice.user_id, invoice.units, invoice.kopecks, invoice.payment_ref)


def checkout_valid(payload: str, *, user_id: int, currency: str, total_amount: int) -> bool:
    """Pre-checkout: the invoice is ours, for this user, in its currency, for exactly its amount."""
    return checkout.check(payload, user_id=user_id, currency=currency, total_amount=total_amount)


async def credit(
    db: Pool | Connection,
    *,
    user_id: int,
    payload: str,
    charge_id: str,
    currency: str | None = None,
    total_amount: int | None = None,
) -> Result | None:
    """Credit a successful payment once per Telegram charge id.

    None for a payload that is not ours or not this user's, and, when the caller passes them, for a
    ``currency`` or ``total_amount`` that differs from the invoice's (None = not checked).
    """
    invoice = checkout.parse(payload)
    if invoice is None or invoice.user_id != user_id:
        return None
    if currency is not None and currency != invoice.currency:
        return None
    if total_amount is not None and total_amount != invoice.total_amount:
        return None
    meta: dict[str, object] = (
        {"stars": invoice.units} if invoice.method == checkout.STARS else {"rub_kopecks": invoice.units}
    )
    if invoice.payment_ref is not None:
        meta["payment_ref"] = invoice.payment_ref
    # The ref keeps the first format's "stars:" prefix: a charge credited before this change stays credited.
    prefix = "stars" if invoice.method == checkout.STARS else "rub"
    return await topup(db, user_id, invoice.kopecks, f"{prefix}:{charge_id}", payment_id=charge_id, meta=meta)
