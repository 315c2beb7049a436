"""Invoice payloads: what the bot writes into an invoice, and what a payment is checked against.

Telegram hands an invoice's payload back unchanged in ``pre_checkout_query`` and ``successful_payment``
(only the bot itself can create invoices, so a payload is never forged; it can be stale or belong to
another user, currency or amount). Two formats, both ASCII, at most 128 bytes as Telegram requires:

``topup:<user_id>:<stars>:<kopecks>``
    The first format, Stars only, still accepted: invoices sent with it stay in users' chats. Only the
    packs that were ever offered are valid.
``pay1:<method>:<user_id>:<units>:<kopecks>:<payment_ref>``
    The second format, still accepted for the same reason. ``method`` is ``s`` for Telegram Stars
    (currency XTR, ``units`` = stars = the invoice's total_amount) or ``r`` for roubles through a payment
    provider (currency RUB, ``units`` = kopecks charged = the invoice's total_amount). ``kopecks`` is what
    the wallet is credited. ``payment_ref`` is an opaque id of 1-32 characters ``[A-Za-z0-9_-]`` that
    names the payment in the bot's own records (the ``payments`` table).
``pay2:<method>:<user_id>:<units>:<kopecks>:<issued>:<payment_ref>``
    For new invoices: ``pay1`` plus the Unix time the invoice was issued. Its payment expires after
    ``INVOICE_TTL_SEC`` (cron tells the payer so), and from then on the pre-checkout declines it, so an
    expired invoice can no longer be paid. The first two formats carry no time and never expire.

Three routes share these invoices' credit path; a fourth, the manual transfer, needs no invoice: the payer
writes a short code (``new_transfer_code``, ``CB`` and six letters or digits that cannot be misread) in the
transfer's comment, and an operator matches it.

Numbers are canonical decimals: ASCII digits, no sign, no leading zero, from 1 to 2**63 - 1, so one
invoice has exactly one payload. Anything else parses as None.

Pure Python on purpose (no aiogram, asyncpg or boto3): the webhook answers pre-checkout queries with it.
"""

from __future__ import annotations

import re
import secrets
import time
from dataclasses import dataclass
from typing import Final, Literal

MAX_PAYLOAD_BYTES: Final = 128  # Telegram: invoice payload 1-128 bytes
MAX_ID: Final = 2**63 - 1
MAX_REF_CHARS: Final = 32
# A payment that is still pending this long after its invoice was issued expires (cron), and its
# invoice is declined from then on; a little clock difference between functions is tolerated.
INVOICE_TTL_SEC: Final = 24 * 3600
CLOCK_SKEW_SEC: Final = 300

STARS: Final = "s"
ROUBLES: Final = "r"
Method = Literal["s", "r"]
CURRENCY_STARS: Final = "XTR"
CURRENCY_ROUBLES: Final = "RUB"
CURRENCIES: Final[dict[str, str]] = {STARS: CURRENCY_STARS, ROUBLES: CURRENCY_ROUBLES}

# The Stars packs that legacy (``topup:``) invoices were issued for; frozen, whatever is offered now.
LEGACY_STAR_PACKS: Final = (50, 100, 250, 500, 1000)

_NUMBER = r"([1-9][0-9]{0,18})"
_LEGACY: Final = re.compile(rf"topup:{_NUMBER}:{_NUMBER}:{_NUMBER}", re.ASCII)
_V1: Final = re.compile(
    rf"pay1:([sr]):{_NUMBER}:{_NUMBER}:{_NUMBER}:([A-Za-z0-9_-]{{1,{MAX_REF_CHARS}}})", re.ASCII
)
_V2: Final = re.compile(
    rf"pay2:([sr]):{_NUMBER}:{_NUMBER}:{_NUMBER}:{_NUMBER}:([A-Za-z0-9_-]{{1,{MAX_REF_CHARS}}})", re.ASCII
)
_REF: Final = re.compile(rf"[A-Za-z0-9_-]{{1,{MAX_REF_CHARS}}}", re.ASCII)
# Manual transfers: "CB" and six characters without 0/O, 1/I, which people misread and mistype.
TRANSFER_ALPHABET: Final = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
TRANSFER_PREFIX: Final = "CB"

# The longest payload either format can produce fits Telegram's limit.
_LONGEST_V1 = f"pay1:s:{MAX_ID}:{MAX_ID}:{MAX_ID}:{'x' * MAX_REF_CHARS}"
assert len(_LONGEST_V1.encode()) <= MAX_PAYLOAD_BYTES, len(_LONGEST_V1)
_LONGEST_V2 = f"pay2:s:{MAX_ID}:{MAX_ID}:{MAX_ID}:{MAX_ID}:{'x' * MAX_REF_CHARS}"
assert len(_LONGEST_V2.encode()) <= MAX_PAYLOAD_BYTES, len(_LONGEST_V2)
assert len(f"topup:{MAX_ID}:{MAX_ID}:{MAX_ID}".encode()) <= MAX_PAYLOAD_BYTES


@dataclass(frozen=True)
class Invoice:
    """What a payload says: who pays, how, how much Telegram charges (``units``) and what is credited."""

    method: Method
    user_id: int
    units: int
    kopecks: int
    payment_ref: str | None = None  # None: a legacy ``topup:`` invoice
    issued_at: int | None = None  # Unix time (``pay2``); None: an invoice that never expires

    @property
    def currency(self) -> str:
        return CURRENCIES[self.method]

    @property
    def total_amount(self) -> int:
        """The invoice's total in the currency's smallest units, as Telegram reports it."""
        return self.units

    @property
    def legacy(self) -> bool:
        return self.payment_ref is None

    @property
    def payload(self) -> str:
        if self.payment_ref is None:
            return encode_legacy(user_id=self.user_id, stars=self.units, kopecks=self.kopecks)
        return encode(
            self.method,
            user_id=self.user_id,
            units=self.units,
            kopecks=self.kopecks,
            payment_ref=self.payment_ref,
            issued_at=self.issued_at,
        )

    def expired(self, now: float | None = None) -> bool:
        """Past INVOICE_TTL_SEC since it was issued (or issued implausibly far in the future)."""
        if self.issued_at is None:
            return False
        moment = time.time() if now is None else now
        return not moment - INVOICE_TTL_SEC <= self.issued_at <= moment + CLOCK_SKEW_SEC


def _positive(name: str, value: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 < value <= MAX_ID:
        raise ValueError(f"{name} must be an integer from 1 to 2**63 - 1")


def new_payment_ref() -> str:
    """A fresh opaque payment id: 16 URL-safe characters (96 random bits)."""
    return secrets.token_urlsafe(12)


def new_transfer_code() -> str:
    """A fresh code for a manual transfer's comment, e.g. ``CB7K3Q9M`` (32**6, about 10**9, of them)."""
    return TRANSFER_PREFIX + "".join(secrets.choice(TRANSFER_ALPHABET) for _ in range(6))


def encode(
    method: Method,
    *,
    user_id: int,
    units: int,
    kopecks: int,
    payment_ref: str,
    issued_at: int | None = None,
) -> str:
    """The payload of a new invoice: ``pay2`` when it has an issue time, else ``pay1``; ValueError for
    values the format cannot carry."""
    if method not in CURRENCIES:
        raise ValueError("method must be 's' (Stars) or 'r' (roubles)")
    for name, value in (("user_id", user_id), ("units", units), ("kopecks", kopecks)):
        _positive(name, value)
    if not isinstance(payment_ref, str) or not _REF.fullmatch(payment_ref):
        raise ValueError(f"payment_ref must be 1-{MAX_REF_CHARS} characters of A-Z a-z 0-9 _ -")
    if issued_at is None:
        payload = f"pay1:{method}:{user_id}:{units}:{kopecks}:{payment_ref}"
    else:
        _positive("issued_at", issued_at)
        payload = f"pay2:{method}:{user_id}:{units}:{kopecks}:{issued_at}:{payment_ref}"
    assert len(payload.encode()) <= MAX_PAYLOAD_BYTES
    return payload


def encode_legacy(*, user_id: int, stars: int, kopecks: int) -> str:
    """The first format's payload (kept so a parsed legacy invoice prints as it was sent)."""
    for name, value in (("user_id", user_id), ("stars", stars), ("kopecks", kopecks)):
        _positive(name, value)
    payload = f"topup:{user_id}:{stars}:{kopecks}"
    assert len(payload.encode()) <= MAX_PAYLOAD_BYTES
    return payload


def parse(payload: object) -> Invoice | None:
    """The invoice a payload describes; None for anything that is not exactly one of ours."""
    if not isinstance(payload, str) or not 0 < len(payload) <= MAX_PAYLOAD_BYTES:
        return None
    if match := _V2.fullmatch(payload):
        method, *numbers, ref = match.groups()
        user_id, units, kopecks, issued = (int(n) for n in numbers)
        if max(user_id, units, kopecks, issued) > MAX_ID:
            return None
        return Invoice(STARS if method == STARS else ROUBLES, user_id, units, kopecks, ref, issued)
    if match := _V1.fullmatch(payload):
        method, *numbers, ref = match.groups()
        user_id, units, kopecks = (int(n) for n in numbers)
        if max(user_id, units, kopecks) > MAX_ID:
            return None
        return Invoice(STARS if method == STARS else ROUBLES, user_id, units, kopecks, ref)
    if match := _LEGACY.fullmatch(payload):
        user_id, stars, kopecks = (int(n) for n in match.groups())
        if max(user_id, kopecks) > MAX_ID or stars not in LEGACY_STAR_PACKS:
            return None
        return Invoice(STARS, user_id, stars, kopecks)
    return None


def _integer(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check(
    payload: object,
    *,
    user_id: object,
    currency: object,
    total_amount: object,
    now: float | None = None,
) -> bool:
    """True only for our invoice, not expired, for this user, in its currency, for exactly its amount."""
    invoice = parse(payload)
    return (
        invoice is not None
        and not invoice.expired(now)
        and _integer(user_id)
        and user_id == invoice.user_id
        and isinstance(currency, str)
        and currency == invoice.currency
        and _integer(total_amount)
        and total_amount == invoice.total_amount
    )
