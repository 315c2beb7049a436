"""What an operator checks first: database reachable, schema version, queue depth, last cron runs.

The webhook serves this behind DIAGNOSTICS_TOKEN. The database driver is imported inside the call so
that the webhook's own path (and cold start) never loads it.
"""

from __future__ import annotations

import hmac
from typing import Any

from creativebot import queue
from creativebot.config import ConfigError, DatabaseOnlySettings, WebhookSettings, get_settings
from creativebot.observability import log_event

DIAGNOSTICS_HEADER = "X-Diagnostics-Token"


def token_allows(received: str | None, settings: WebhookSettings) -> bool:
    expected = settings.app.diagnostics_token
    if expected is None or not received:
        return False
    return hmac.compare_digest(received.encode(), expected.get_secret_value().encode())


async def _database_status() -> dict[str, Any]:
    import asyncpg  # noqa: PLC0415 - kept off the webhook's import path

    from creativebot.db.migrate import current_version  # noqa: PLC0415

    try:
        dsn = get_settings(DatabaseOnlySettings).db.database_url.get_secret_value()
    except ConfigError:
        return {"reachable": False, "error": "DATABASE_URL is not configured"}
    try:
        conn = await asyncpg.connect(dsn, timeout=3)
    except (OSError, TimeoutError, asyncpg.PostgresError) as exc:
        return {"reachable": False, "error": type(exc).__name__}
    try:
        version = await current_version(conn)
        runs = []
        if await conn.fetchval("SELECT to_regclass('cron_runs') IS NOT NULL"):
            rows = await conn.fetch(
                "SELECT task, status, started_at, finished_at FROM cron_runs ORDER BY started_at DESC LIMIT 5"
            )
            runs = [
                {
                    "task": row["task"],
                    "status": row["status"],
                    "started_at": row["started_at"].isoformat(),
                    "finished_at": row["finished_at"].isoformat() if row["finished_at"] else None,
                }
                for row in rows
            ]
    finally:
        await conn.close()
    return {"reachable": True, "migration_version": version, "last_cron_runs": runs}


def _queue_status(settings: WebhookSettings) -> dict[str, Any]:
    try:
        return {"reachable": True, **queue.depth(settings.queue)}
    except queue.QUEUE_ERRORS as exc:
        return {"reachable": False, "error": type(exc).__name__}


async def collect(settings: WebhookSettings) -> dict[str, Any]:
    database = await _database_status()
    report = {"database": database, "queue": _queue_status(settings)}
    log_event("DIAGNOSTICS", database_reachable=database["reachable"])
    return report
