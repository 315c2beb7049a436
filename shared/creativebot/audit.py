"""The audit log: every operator action, who did it, on what, before and after. Append-only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from creativebot.db import Connection, Pool
from creativebot.observability import log_event


@dataclass(frozen=True)
class AuditEntry:
    id: int
    admin_id: int
    action: str
    target: str | None
    before: Any
    after: Any
    created_at: datetime


async def record(
    db: Pool | Connection,
    admin_id: int,
    action: str,
    target: str | None,
    *,
    before: Any = None,
    after: Any = None,
) -> int:
    """Write one entry (inside the caller's transaction when given a connection in one)."""
    entry_id: int = await db.fetchval(
        "INSERT INTO audit_log (admin_id, action, target, before, after) VALUES ($1, $2, $3, $4, $5) RETURNING id",
        admin_id,
        action,
        target,
        before,
        after,
    )
    log_event("ADMIN_ACTION", admin_id=admin_id, action=action, target=target)
    return entry_id


async def recent(db: Pool | Connection, *, limit: int = 10, offset: int = 0) -> list[AuditEntry]:
    """Newest first."""
    rows = await db.fetch(
        "SELECT id, admin_id, action, target, before, after, created_at FROM audit_log"
        " ORDER BY id DESC LIMIT $1 OFFSET $2",
        limit,
        offset,
    )
    return [AuditEntry(**dict(row)) for row in rows]
