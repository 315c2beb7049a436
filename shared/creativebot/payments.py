"""Top-ups with Telegram Stars: fixed packs, an invoice whose payload names the user and the amount,
and a credit keyed by Telegram's charge id, so a repeated ``successful_payment`` credits once."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

from creativebot.db import Connection, Pool
from creativebot.wallet import Result, topup

STAR_PACKS = (50, 100, 250, 500, 1000)
CURRENCY = "XTR"
_PAYLOAD = re.compile(r"topup:(\d+):(\d+):(\d+)")


@dataclass(frozen=True)
class Topup:
    user_id: int
    stars: int
    kopecks: int

    @property
    def payload(self) -> str:
        """The invoice payload (Telegram allows 1-128 bytes): who pays, how many stars, what they get."""
        return f"topup:{self.user_id}:{self.stars}:{self.kopecks}"


def pack_kopecks(stars: int, star_price_rub: Decimal) -> int:
    return int((Decimal(stars) * star_price_rub * 100).to_integral_value(rounding=ROUND_FLOOR))


def offer(user_id: int, stars: int, star_price_rub: Decimal) -> Topup | None:
    """A top-up for one of the packs; None for any other number of stars."""
    if stars not in STAR_PACKS:
        return None
    return Topup(user_id, stars, pack_kopecks(stars, star_price_rub))


def parse_payload(payload: str) -> Topup | None:
    match = _PAYLOAD.fullmatch(payload or "")
    if not match:
        return None
    user_id, stars, kopecks = (int(part) for part in match.groups())
    return Topup(user_id, stars, kopecks) if stars in STAR_PACKS and kopecks > 0 else None


def checkout_valid(payload: str, *, user_id: int, currency: str, total_amount: int) -> bool:
    """Pre-checkout: the invoice is ours, for this user, in Stars, for the pack's number of stars."""
    parsed = parse_payload(payload)
    return (
        parsed is not None
        and parsed.user_id == user_id
        and currency == CURRENCY
        and total_amount == parsed.stars
    )


async def credit(db: Pool | Connection, *, user_id: int, payload: str, charge_id: str) -> Result | None:
    """Credit a successful payment once per Telegram charge id; None for a payload that is not ours."""
    parsed = parse_payload(payload)
    if parsed is None or parsed.user_id != user_id:
        return None
    return await topup(
        db, user_id, parsed.kopecks, f"stars:{charge_id}", payment_id=charge_id, meta={"stars": parsed.stars}
    )
