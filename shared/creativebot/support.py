"""/paysupport: a person's question about a payment or a generation, and the operators' answer.

A ticket names its topic (a payment of the person's own, a generation, anything else) and what happened;
operators get it with the person's recent payments and jobs, answer from the bot, and the person gets the
answer. Each answer is an operator action: it goes to the audit log with the ticket.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Final, Literal, get_args

from creativebot import audit
from creativebot.db import Connection, Pool, transaction
from creativebot.observability import log_event
from creativebot.payments import Payment
from creativebot.payments import recent as recent_payments

Topic = Literal["payment", "generation", "other"]
TOPICS: Final[tuple[Topic, ...]] = get_args(Topic)
MAX_TEXT: Final = 2000
RECENT: Final = 5


@dataclass(frozen=True)
class Ticket:
    id: int
    user_id: int
    topic: Topic
    payment_id: int | None
    body: str
    state: str
    answer: str | None
    answered_by: int | None
    answered_at: datetime | None
    created_at: datetime


@dataclass(frozen=True)
class JobBrief:
    id: int
    model_id: str
    status: str
    price: int
    payment: str
    created_at: datetime


_COLUMNS: Final = ", ".join(field.name for field in fields(Ticket))


async def open_ticket(
    db: Pool | Connection, *, user_id: int, topic: Topic, payment_id: int | None, body: str
) -> Ticket:
    """A new ticket; a payment that is not the person's own is dropped from it."""
    row = await db.fetchrow(
        f"""
        INSERT INTO support_tickets (user_id, topic, payment_id, body)
        VALUES ($1, $2, (SELECT id FROM payments WHERE id = $3 AND user_id = $1), $4)
        RETURNING {_COLUMNS}
        """,
        user_id,
        topic,
        payment_id,
        body[:MAX_TEXT],
    )
    assert row is not None
    log_event("SUPPORT_TICKET", ticket=row["id"], topic=topic)
    return Ticket(**dict(row))


async def get(db: Pool | Connection, ticket_id: int) -> Ticket | None:
    row = await db.fetchrow(f"SELECT {_COLUMNS} FROM support_tickets WHERE id = $1", ticket_id)
    return Ticket(**dict(row)) if row else None


async def answer(db: Pool | Connection, ticket_id: int, *, admin_id: int, text: str) -> Ticket | None:
    """Record an operator's answer (a later answer replaces the earlier one in the row; the audit log
    keeps them all); None for no such ticket."""
    async with transaction(db) as conn:
        row = await conn.fetchrow(
            f"""
            UPDATE support_tickets SET state = 'answered', answer = $2, answered_by = $3, answered_at = now()
             WHERE id = $1 RETURNING {_COLUMNS}
            """,
            ticket_id,
            text[:MAX_TEXT],
            admin_id,
        )
        if row is None:
            return None
        await audit.record(
            conn, admin_id, "support.answer", f"ticket:{ticket_id}", after={"answer": text[:MAX_TEXT]}
        )
    return Ticket(**dict(row))


async def context(db: Pool | Connection, user_id: int) -> tuple[list[Payment], list[JobBrief]]:
    """What operators see beside a ticket: the person's recent payments and generations."""
    payments = await recent_payments(db, user_id, RECENT)
    rows = await db.fetch(
        "SELECT id, model_id, status, price, payment, created_at FROM jobs WHERE user_id = $1"
        " ORDER BY id DESC LIMIT $2",
        user_id,
        RECENT,
    )
    return payments, [JobBrief(**dict(row)) for row in rows]
