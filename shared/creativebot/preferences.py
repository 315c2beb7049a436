"""What a person chose in /settings: their language, a daily spending cap, and quiet "result ready" notices.

The three live on the users row (migration 0006). A language picked here sets ``language_chosen``, so the
update's UPSERT (``users.UPSERT_CTE``) keeps it instead of Telegram's ``language_code``.

The cap counts money a person spent on generations in one day of ``FREE_DAY_TZ`` (the free quota's day):
the price of every wallet-paid job created that day whose hold was not released (a failure, a timeout) and
whose charge was not refunded (an operator's /refund, an undeliverable result). A running job counts: its
money is on hold. Free daily runs and granted runs cost nothing and never count; neither do top-ups,
operators' adjustments or holds that are not a job's (a Stars refund in progress). A job counts on the day it
was launched, whenever it finishes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from creativebot.db import Connection, Pool
from creativebot.texts import EN, RU
from creativebot.users import User

LANGUAGES = (RU.lang, EN.lang)  # what /settings offers, Russian first
MIN_CAP_RUB = 1
MAX_CAP_RUB = 1_000_000  # telegram.callbacks.CapRub has the same bound
CAP_PRESETS_RUB = (300, 1_000, 3_000)


@dataclass(frozen=True)
class Preferences:
    language: str
    language_chosen: bool  # picked in /settings: Telegram's language no longer replaces it
    daily_cap_kopecks: int | None  # None: no cap
    quiet_results: bool  # "result ready" messages arrive without a sound

    @classmethod
    def of(cls, user: User) -> Preferences:
        """The preferences as the update's users row has them (no query)."""
        return cls(user.language, user.language_chosen, user.daily_cap_kopecks, user.quiet_results)


_RETURNING = "RETURNING language, language_chosen, daily_cap_kopecks, quiet_results"


def _preferences(row: Any) -> Preferences:
    return Preferences(
        row["language"], row["language_chosen"], row["daily_cap_kopecks"], row["quiet_results"]
    )


async def get(db: Pool | Connection, user_id: int) -> Preferences | None:
    """The person's preferences; None when there is no such person."""
    row = await db.fetchrow(
        "SELECT language, language_chosen, daily_cap_kopecks, quiet_results FROM users WHERE id = $1", user_id
    )
    return _preferences(row) if row else None


async def _update(db: Pool | Connection, user_id: int, assignment: str, value: object) -> Preferences:
    row = await db.fetchrow(f"UPDATE users SET {assignment} WHERE id = $1 {_RETURNING}", user_id, value)
    if row is None:
        raise LookupError(f"user {user_id} does not exist")
    return _preferences(row)


async def set_language(db: Pool | Connection, user_id: int, language: str) -> Preferences:
    """Speak ``language`` (one of LANGUAGES) from now on, whatever Telegram's language is."""
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}")
    return await _update(db, user_id, "language = $2, language_chosen = true", language)


def valid_cap(kopecks: int | None) -> bool:
    """None (no cap) or whole roubles from MIN_CAP_RUB to MAX_CAP_RUB."""
    if kopecks is None:
        return True
    return (
        isinstance(kopecks, int)
        and not isinstance(kopecks, bool)
        and kopecks % 100 == 0
        and MIN_CAP_RUB * 100 <= kopecks <= MAX_CAP_RUB * 100
    )


class CapProblem(StrEnum):
    NOT_NUMBER = "not_number"
    OUT_OF_RANGE = "out_of_range"


_GROUP_SPACES = str.maketrans("", "", " \u00a0\u202f")  # "1 000" as people (and format_rub) write it


def parse_cap(text: str) -> int | CapProblem:
    """Kopecks of a daily cap a person typed in roubles: ASCII digits only (spaces between groups allowed),
    MIN_CAP_RUB..MAX_CAP_RUB; otherwise what is wrong with it."""
    digits = text.strip().translate(_GROUP_SPACES)
    if not digits or not digits.isascii() or not digits.isdigit():
        return CapProblem.NOT_NUMBER
    if len(digits.lstrip("0")) > len(str(MAX_CAP_RUB)):
        return CapProblem.OUT_OF_RANGE
    rub = int(digits)
    if not MIN_CAP_RUB <= rub <= MAX_CAP_RUB:
        return CapProblem.OUT_OF_RANGE
    return rub * 100


async def set_daily_cap(db: Pool | Connection, user_id: int, kopecks: int | None) -> Preferences:
    """Spend at most ``kopecks`` a day on generations (whole roubles, 1 ₽ .. 1 000 000 ₽); None: no cap."""
    if not valid_cap(kopecks):
        raise ValueError(
            f"a daily cap is None or whole roubles {MIN_CAP_RUB}..{MAX_CAP_RUB}, got {kopecks!r}"
        )
    return await _update(db, user_id, "daily_cap_kopecks = $2", kopecks)


async def set_quiet_results(db: Pool | Connection, user_id: int, quiet: bool) -> Preferences:
    """Send "result ready" messages without a sound (``disable_notification``) or with one."""
    return await _update(db, user_id, "quiet_results = $2", quiet)


def day_bounds(tz: str, now: datetime | None = None) -> tuple[datetime, datetime]:
    """[start, end) of the day in ``tz`` that ``now`` (default: this moment) falls on."""
    zone = ZoneInfo(tz)
    today = (now or datetime.now(UTC)).astimezone(zone).date()
    start = datetime.combine(today, time(0), tzinfo=zone)
    end = datetime.combine(today + timedelta(days=1), time(0), tzinfo=zone)
    return start, end


async def spent_today(db: Pool | Connection, user_id: int, tz: str, *, now: datetime | None = None) -> int:
    """Kopecks the person has charged or has on hold for generations launched today in ``tz``: wallet-paid
    jobs created today, less those released (failed) or refunded. Free and granted runs do not count."""
    start, end = day_bounds(tz, now)
    # A wallet job's hold, charge, release and refund share the ref 'job:<id>' (jobs.Job.hold_ref).
    spent = await db.fetchval(
        """
        SELECT coalesce(sum(j.price), 0) FROM jobs j
         WHERE j.user_id = $1 AND j.payment = 'wallet' AND j.created_at >= $2 AND j.created_at < $3
           AND NOT EXISTS (SELECT 1 FROM ledger l
                            WHERE l.kind IN ('release', 'refund') AND l.ref = 'job:' || j.id)
        """,
        user_id,
        start,
        end,
    )
    return int(spent)


async def cap_room(db: Pool | Connection, user: User, tz: str, *, now: datetime | None = None) -> int | None:
    """Kopecks the person may still spend today under their daily cap (0 when it is reached or passed);
    None when they set no cap (then no query is made). ``tz`` is the free quota's (settings.wallet.free_day_tz).

    The cap is read from ``user`` (the row the update loaded), the spending from the database. The wizard
    checks it before creating the job: one person's updates come one at a time (the FIFO queue groups them
    by chat), so no launch of theirs runs alongside."""
    if user.daily_cap_kopecks is None:
        return None
    return max(0, user.daily_cap_kopecks - await spent_today(db, user.id, tz, now=now))
