"""The users table: who talks to the bot, in which language, invited by whom."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from creativebot.db import Connection, Pool
from creativebot.texts import language_for


@dataclass(frozen=True)
class User:
    id: int
    username: str | None
    first_name: str | None
    language: str
    referrer_id: int | None
    created_at: datetime
    started_at: datetime | None  # the first /start was handled (welcome bonus, referral binding)
    is_new: bool  # this call created the row: the user's very first update
    blocked_at: datetime | None = None  # an operator blocked the person
    gift_runs: int = 0  # granted free runs left
    language_chosen: bool = False  # the language was picked in /settings (Telegram's is ignored then)
    daily_cap_kopecks: int | None = None  # /settings: at most this much spent per day
    quiet_results: bool = False  # /settings: "result ready" messages without a sound
    rate_tokens: float = 1.0  # the update bucket after this update took its token; below 0: limited
    rate_warned_at: datetime | None = None

    @property
    def blocked(self) -> bool:
        return self.blocked_at is not None

    @property
    def over_rate(self) -> bool:
        return self.rate_tokens < 0


# Create the user on first contact, refresh name and language afterwards (a language picked in /settings
# stays), and take one token of the person's update bucket: it refills at $6 per second up to $5, and
# below zero the person is over the rate. $1-$4 are id, username, first name and Telegram's language.
# A CTE, so a caller can read more in the same round trip.
UPSERT_CTE = """
touched AS (
    INSERT INTO users AS u (id, username, first_name, language, rate_tokens) VALUES ($1, $2, $3, $4, $5::real - 1)
    ON CONFLICT (id) DO UPDATE
       SET username = EXCLUDED.username, first_name = EXCLUDED.first_name,
           language = CASE WHEN u.language_chosen THEN u.language ELSE EXCLUDED.language END,
           last_seen_at = now(),
           rate_tokens = greatest(-1, least($5::real, u.rate_tokens
                                                  + extract(epoch FROM now() - u.rate_at)::real * $6::real) - 1),
           rate_at = now()
    RETURNING u.id, u.username, u.first_name, u.language, u.referrer_id, u.created_at, u.started_at,
              (xmax = 0) AS is_new, u.blocked_at, u.gift_runs, u.language_chosen, u.daily_cap_kopecks,
              u.quiet_results, u.rate_tokens, u.rate_warned_at
)"""
USER_FIELDS = tuple(field.name for field in fields(User))
NO_LIMIT = (1_000_000, 1_000_000.0)  # (burst, per second) for callers that do not limit


def user_from(row: Any) -> User:
    return User(**{name: row[name] for name in USER_FIELDS})


def upsert_args(
    user_id: int,
    username: str | None,
    first_name: str | None,
    language_code: str | None,
    rate: tuple[int, float] = NO_LIMIT,
) -> tuple[Any, ...]:
    return user_id, username, first_name, language_for(language_code), rate[0], rate[1]


async def warn_once(db: Pool | Connection, user_id: int, every_sec: int = 60) -> bool:
    """True when the person has not been told "slow down" (or "blocked") in the last ``every_sec``."""
    warned = await db.fetchval(
        "UPDATE users SET rate_warned_at = now() WHERE id = $1"
        " AND (rate_warned_at IS NULL OR rate_warned_at < now() - make_interval(secs => $2)) RETURNING true",
        user_id,
        every_sec,
    )
    return bool(warned)


async def find(db: Pool | Connection, query: str) -> User | None:
    """A person by Telegram id or @username (as an operator types it)."""
    text = query.strip().removeprefix("@")
    value: int | str
    if text.isascii() and text.isdigit() and len(text) <= 18:
        where, value = "id = $1", int(text)
    elif text:
        where, value = "lower(username) = lower($1)", text
    else:
        return None
    row = await db.fetchrow(f"SELECT *, false AS is_new FROM users WHERE {where}", value)
    return user_from(row) if row else None


async def touch_user(
    db: Pool | Connection,
    *,
    user_id: int,
    username: str | None,
    first_name: str | None,
    language_code: str | None,
) -> User:
    """Create the user on first contact, refresh name and language afterwards."""
    row = await db.fetchrow(
        f"WITH {UPSERT_CTE} SELECT * FROM touched", *upsert_args(user_id, username, first_name, language_code)
    )
    assert row is not None
    return user_from(row)


async def set_blocked(db: Pool | Connection, user_id: int, blocked: bool) -> bool:
    """Block or unblock a person; True when that changed anything."""
    status = await db.execute(
        "UPDATE users SET blocked_at = CASE WHEN $2 THEN coalesce(blocked_at, now()) END WHERE id = $1"
        " AND (blocked_at IS NULL) = $2",
        user_id,
        blocked,
    )
    return status.endswith(" 1")
