"""What cron does every five minutes. Each step is idempotent and safe to run twice at once."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

from pydantic import BaseModel, Field

from creativebot.db import Pool
from creativebot.observability import log_event

Step = Callable[[Pool], Awaitable[int]]


class CronInput(BaseModel):
    """The Input of the EventBridge Scheduler schedule in template.yaml."""

    task: str = Field(pattern=r"^maintenance$")
    scheduled_time: str | None = None
    execution_id: str | None = None


async def prune_processed_updates(pool: Pool) -> int:
    """Forget handled updates after a week: Telegram never redelivers one that old."""
    status = await pool.execute(
        "DELETE FROM processed_updates WHERE (status = 'done' AND done_at < now() - interval '7 days')"
        " OR (status = 'processing' AND claimed_at < now() - interval '1 day')"
    )
    return int(status.split()[-1])


async def prune_fsm_storage(pool: Pool) -> int:
    """Drop conversations whose state and data both expired, or untouched for a month."""
    status = await pool.execute(
        """
        DELETE FROM fsm_storage
         WHERE updated_at < now() - interval '30 days'
            OR ((state IS NULL OR state_expires_at < now()) AND (data_expires_at < now() OR data = '{}'::jsonb))
        """
    )
    return int(status.split()[-1])


async def prune_cron_runs(pool: Pool) -> int:
    status = await pool.execute("DELETE FROM cron_runs WHERE started_at < now() - interval '30 days'")
    return int(status.split()[-1])


STEPS: dict[str, Step] = {
    "prune_processed_updates": prune_processed_updates,
    "prune_fsm_storage": prune_fsm_storage,
    "prune_cron_runs": prune_cron_runs,
}


async def run(pool: Pool, cron: CronInput, steps: dict[str, Step] | None = None) -> dict[str, Any]:
    """Run every step, record the run in cron_runs; a failing step does not stop the others."""
    run_id = await pool.fetchval(
        "INSERT INTO cron_runs (task, execution_id, status) VALUES ($1, $2, 'running') RETURNING id",
        cron.task,
        cron.execution_id,
    )
    details: dict[str, Any] = {}
    failed = []
    for name, step in (steps or STEPS).items():
        started = time.monotonic()
        try:
            details[name] = await step(pool)
        except Exception as exc:
            failed.append(name)
            details[name] = f"failed: {type(exc).__name__}"
            log_event("CRON_STEP_FAIL", level="error", exc_info=True, step=name)
        else:
            log_event(
                "CRON_STEP_OK",
                step=name,
                result=details[name],
                duration_ms=round((time.monotonic() - started) * 1000),
            )
    await pool.execute(
        "UPDATE cron_runs SET status = $2, details = $3, finished_at = now() WHERE id = $1",
        run_id,
        "failed" if failed else "ok",
        details,
    )
    return {"run_id": run_id, "status": "failed" if failed else "ok", "steps": details}
