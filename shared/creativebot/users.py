"""The users table: who talks to the bot, in which language, invited by whom."""

from __future__ import annotations

from dataclasses import dataclass
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


# Create the user on first contact, refresh name and language afterwards; $1-$4 are id, username,
# first name and language. A CTE, so a caller can read more in the same round trip.
UPSERT_CTE = """
touched AS (
    INSERT INTO users AS u (id, username, first_name, language) VALUES ($1, $2, $3, $4)
    ON CONFLICT (id) DO UPDATE
       SET username = EXCLUDED.username, first_name = EXCLUDED.first_name,
           language = EXCLUDED.language, last_seen_at = now()
    RETURNING u.id, u.username, u.first_name, u.language, u.referrer_id, u.created_at, u.started_at,
              (xmax = 0) AS is_new
)"""
USER_FIELDS = (
    "id",
    "username",
    "first_name",
    "language",
    "referrer_id",
    "created_at",
    "started_at",
    "is_new",
)


def user_from(row: Any) -> User:
    return User(**{name: row[name] for name in USER_FIELDS})


def upsert_args(
    user_id: int, username: str | None, first_name: str | None, language_code: str | None
) -> tuple[Any, ...]:
    return user_id, username, first_name, language_for(language_code)


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
