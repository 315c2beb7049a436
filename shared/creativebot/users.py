"""The users table: who talks to the bot, in which language, invited by whom."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

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
    is_new: bool  # this call created the row: the user's very first update


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
        """
        INSERT INTO users AS u (id, username, first_name, language) VALUES ($1, $2, $3, $4)
        ON CONFLICT (id) DO UPDATE
           SET username = EXCLUDED.username, first_name = EXCLUDED.first_name,
               language = EXCLUDED.language, last_seen_at = now()
        RETURNING u.id, u.username, u.first_name, u.language, u.referrer_id, u.created_at, (xmax = 0) AS is_new
        """,
        user_id,
        username,
        first_name,
        language_for(language_code),
    )
    assert row is not None
    return User(**dict(row))
