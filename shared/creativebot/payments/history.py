"""The balance screen's history: ledger entries and free runs together, newest first, a page at a time.

One statement per page (the wallet and the lines): the balance screen stays within the update path's
round-trip budget. A settled hold is told by its charge or release (one line per generation), the
internal hold of a Stars refund and its release are left out, and so is a write-off (it moves no money).
Jobs paid with a free daily slot or a granted run have no ledger entry; they come from ``jobs``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final

from creativebot.db import Connection, Pool
from creativebot.wallet.ledger import Balance, Entry

PAGE_SIZE: Final = 8


@dataclass(frozen=True)
class Line:
    at: datetime
    entry: Entry | None = None  # a ledger entry ...
    job_id: int | None = None  # ... or a free run: its job, how it was paid, its status and model
    job_payment: str | None = None
    job_status: str | None = None
    model_id: str | None = None


@dataclass(frozen=True)
class Page:
    wallet: Balance
    lines: list[Line]
    number: int  # from 0, newest first
    has_more: bool  # an older page exists


_PAGE = """
WITH wallet AS (
    SELECT coalesce((SELECT balance FROM wallets WHERE user_id = $1), 0) AS balance,
           coalesce((SELECT held FROM wallets WHERE user_id = $1), 0) AS held
), lines AS (
    (SELECT l.created_at AS at, l.id AS entry_id, l.kind, l.amount, l.held_delta, l.ref, l.job_id,
            l.payment_id, l.meta, NULL::text AS job_payment, NULL::text AS job_status, NULL::text AS model_id
       FROM ledger l
      WHERE l.user_id = $1 AND l.kind <> 'writeoff'
        AND NOT (l.kind IN ('hold', 'release') AND l.ref LIKE 'stars-refund:%')
        AND NOT (l.kind = 'hold' AND EXISTS (
                 SELECT 1 FROM ledger s WHERE s.kind IN ('charge', 'release') AND s.ref = l.ref)))
    UNION ALL
    (SELECT j.created_at, NULL, NULL, 0, 0, NULL, j.id, NULL, NULL, j.payment, j.status, j.model_id
       FROM jobs j
      WHERE j.user_id = $1 AND j.payment IN ('free', 'gift'))
    ORDER BY at DESC, entry_id DESC NULLS LAST
    LIMIT $2 OFFSET $3
)
SELECT w.balance, w.held, lines.*
  FROM wallet w LEFT JOIN lines ON true
 ORDER BY lines.at DESC, lines.entry_id DESC NULLS LAST
"""


async def page(db: Pool | Connection, user_id: int, number: int, size: int = PAGE_SIZE) -> Page:
    """Page ``number`` (0 = the newest) of a person's history, with their wallet."""
    number = max(0, number)
    rows = await db.fetch(_PAGE, user_id, size + 1, number * size)
    wallet = Balance(rows[0]["balance"], rows[0]["held"]) if rows else Balance(0, 0)
    lines: list[Line] = []
    for row in rows[:size]:
        if row["entry_id"] is not None:
            entry = Entry(
                id=row["entry_id"],
                user_id=user_id,
                kind=row["kind"],
                amount=row["amount"],
                held_delta=row["held_delta"],
                ref=row["ref"],
                job_id=row["job_id"],
                payment_id=row["payment_id"],
                meta=row["meta"],
                created_at=row["at"],
            )
            lines.append(Line(row["at"], entry=entry))
        elif row["job_id"] is not None:
            lines.append(
                Line(
                    row["at"],
                    job_id=row["job_id"],
                    job_payment=row["job_payment"],
                    job_status=row["job_status"],
                    model_id=row["model_id"],
                )
            )
    return Page(wallet, lines, number, has_more=len(rows) > size)
