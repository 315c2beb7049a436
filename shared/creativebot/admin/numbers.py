"""Numbers as operators and people type them, checked before anything reaches the database.

Only ASCII digits count ("²", "١٢" and "１２" are digits to ``str.isdigit`` and ``int``, not to us), ids fit
PostgreSQL's bigint, and amounts stay within a sane maximum, so hostile input gets a clear answer instead
of an asyncpg DataError (an int over 2**63) or an exception.
"""

from __future__ import annotations

import re
from decimal import Decimal

INT64_MAX = 2**63 - 1
MAX_ADJUST_KOPECKS = 100_000_000  # 1 000 000 ₽: more than any honest correction
MAX_PRICE_KOPECKS = 10_000_000  # 100 000 ₽ for one generation
MAX_GIFT_RUNS = 100

_ID = re.compile(r"[0-9]{1,19}", re.ASCII)
_RUB = re.compile(r"([+-]?)([0-9]{1,9})(?:[.,]([0-9]{1,2}))?", re.ASCII)
_COUNT = re.compile(r"[0-9]{1,7}", re.ASCII)
_DECIMAL = re.compile(r"[0-9]{1,4}(?:[.,][0-9]{1,3})?", re.ASCII)


def parse_id(text: str) -> int | None:
    """A positive id (a Telegram user, a job): ASCII digits within bigint, else None."""
    text = text.strip()
    if not _ID.fullmatch(text):
        return None
    value = int(text)
    return value if 1 <= value <= INT64_MAX else None


def parse_kopecks(text: str, *, signed: bool, limit: int) -> int | None:
    """Roubles as typed ("50", "+50", "-20,5", "12.75") in kopecks, non-zero and within ``limit``."""
    match = _RUB.fullmatch(text.strip())
    if match is None or (match.group(1) and not signed):
        return None
    sign, whole, fraction = match.groups()
    kopecks = int(whole) * 100 + int((fraction or "0").ljust(2, "0"))
    if sign == "-":
        kopecks = -kopecks
    return kopecks if kopecks != 0 and abs(kopecks) <= limit else None


def parse_count(text: str, *, low: int, high: int) -> int | None:
    """A whole number between ``low`` and ``high``."""
    text = text.strip()
    if not _COUNT.fullmatch(text):
        return None
    value = int(text)
    return value if low <= value <= high else None


def parse_decimal(text: str, *, low: Decimal, high: Decimal) -> Decimal | None:
    """A number with up to three decimals ("2", "2.5", "1,25") between ``low`` and ``high``."""
    text = text.strip()
    if not _DECIMAL.fullmatch(text):
        return None
    value = Decimal(text.replace(",", "."))
    return value if low <= value <= high else None
