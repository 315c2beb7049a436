"""The journal: every operator action from the append-only audit log, newest first, a page at a time."""

from __future__ import annotations

from creativebot import audit
from creativebot.db import Connection, Pool

PAGE = 8


async def page_of(db: Pool | Connection, page: int) -> tuple[list[audit.AuditEntry], int]:
    """One page of entries (newest first) and the number of pages."""
    total = int(await db.fetchval("SELECT count(*) FROM audit_log"))
    pages = max(1, -(-total // PAGE))
    page = min(page, pages - 1)
    return await audit.recent(db, limit=PAGE, offset=page * PAGE), pages
