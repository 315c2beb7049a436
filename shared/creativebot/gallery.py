"""🖼 Мои генерации: the results a person has received, newest first, a page at a time.

A result is a job whose result reached the chat: a success whose delivery finished, or a late result (a
job that timed out, whose result came afterwards and was delivered free). A failure is not listed, nor a
success whose delivery gave up (the chat was gone; the money went back). Each result keeps what Telegram
stored for it (``result_files``), so it can be sent again by file id: no download from KIE, whose files
live only briefly. A result delivered as a link, or before file ids were kept, has none.

One statement per page, newest launch first: ``jobs_user_recent_idx (user_id, id DESC)`` serves it, the
condition filtering a person's own jobs, so no new index is needed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final

import asyncpg

from creativebot.db import Connection, Pool

PAGE_SIZE: Final = 5

# The SQL twin of "the person got this result" (see the module's docstring).
RESULT_SQL: Final = (
    "((status = 'succeeded' AND delivered_at IS NOT NULL) OR (late_result AND late_delivered_at IS NOT NULL))"
)
_COLUMNS: Final = "id, model_id, prompt, price, payment, late_result, created_at, result_files"


@dataclass(frozen=True)
class Item:
    """One result in the gallery."""

    id: int
    model_id: str
    prompt: str | None
    price: int  # kopecks, as held at launch
    payment: str  # wallet, free or gift
    late_result: bool
    created_at: datetime
    files: list[dict[str, str]]  # what Telegram stored: [{"kind": "photo", "file_id": ...}], may be empty

    @property
    def free(self) -> bool:
        """Nothing was charged: a free daily run, a granted run, or a late result (the money came back)."""
        return self.payment != "wallet" or self.late_result


@dataclass(frozen=True)
class Page:
    items: list[Item]
    number: int  # from 0, newest first
    size: int  # results per page
    has_more: bool  # an older page exists


def _item(row: asyncpg.Record) -> Item:
    return Item(
        id=row["id"],
        model_id=row["model_id"],
        prompt=row["prompt"],
        price=row["price"],
        payment=row["payment"],
        late_result=row["late_result"],
        created_at=row["created_at"],
        files=list(row["result_files"] or []),
    )


async def page(db: Pool | Connection, user_id: int, number: int, size: int = PAGE_SIZE) -> Page:
    """Page ``number`` (0 = the newest) of a person's results."""
    number = max(0, number)
    rows = await db.fetch(
        f"SELECT {_COLUMNS} FROM jobs WHERE user_id = $1 AND {RESULT_SQL} ORDER BY id DESC LIMIT $2 OFFSET $3",
        user_id,
        size + 1,
        number * size,
    )
    return Page([_item(row) for row in rows[:size]], number, size, has_more=len(rows) > size)


async def result(db: Pool | Connection, user_id: int, job_id: int) -> Item | None:
    """The result of job ``job_id`` if it is this person's (buttons carry ids, never rights)."""
    row = await db.fetchrow(
        f"SELECT {_COLUMNS} FROM jobs WHERE id = $1 AND user_id = $2 AND {RESULT_SQL}", job_id, user_id
    )
    return _item(row) if row is not None else None
