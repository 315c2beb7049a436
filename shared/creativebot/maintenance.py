"""What cron does every five minutes. Each step is idempotent and safe to run twice at once."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from pydantic import BaseModel, Field

from creativebot import generation, jobs, queue
from creativebot.config import CronSettings
from creativebot.db import Pool, transaction
from creativebot.kie.client import KieClient
from creativebot.observability import log_event
from creativebot.wallet import verify_wallet_invariants

# A job we have not heard about for this long is asked about (recordInfo); then every so often.
STALE_AFTER = timedelta(minutes=2)
# A finished job whose delivery has not happened this long after it was queued is queued again.
REDELIVER_AFTER = timedelta(minutes=2)
BATCH = 25


@dataclass(frozen=True)
class CronContext:
    pool: Pool
    kie: KieClient
    settings: CronSettings


Step = Callable[[CronContext], Awaitable[int]]


class CronInput(BaseModel):
    """The Input of the EventBridge Scheduler schedule in template.yaml."""

    task: str = Field(pattern=r"^(maintenance|migrate)$")
    scheduled_time: str | None = None
    execution_id: str | None = None


async def reconcile_stale_jobs(ctx: CronContext) -> int:
    """Settle jobs whose callback never came, by recordInfo; fail and release them past JOB_TIMEOUT_MIN.

    Jobs are claimed FOR UPDATE SKIP LOCKED, so two overlapping runs split the work instead of doubling it.
    """
    settled: list[jobs.Job] = []
    async with transaction(ctx.pool) as conn:
        for job in await jobs.claim_stale(conn, older_than=STALE_AFTER, limit=BATCH):
            await jobs.mark_checked(conn, job.id)
            settlement = await generation.reconcile(
                conn, ctx.kie, job, timeout_min=ctx.settings.app.job_timeout_min
            )
            if settlement is not None and settlement.changed:
                settled.append(settlement.job)
    for job in settled:
        try:
            await generation.enqueue_delivery(ctx.pool, ctx.settings.queue, job)
        except queue.QUEUE_ERRORS:
            log_event("DELIVERY_ENQUEUE_FAIL", level="error", job_id=job.id)  # redeliver_lost retries it
    return len(settled)


async def redeliver_lost(ctx: CronContext) -> int:
    """Queue again the delivery of finished jobs the user was never told about."""
    count = 0
    async with transaction(ctx.pool) as conn:
        for job in await jobs.claim_undelivered(conn, older_than=REDELIVER_AFTER, limit=BATCH):
            await generation.enqueue_delivery(conn, ctx.settings.queue, job)
            count += 1
    if count:
        log_event("DELIVERY_REQUEUED", level="warning", count=count)
    return count


async def verify_wallets(ctx: CronContext) -> int:
    """Every wallet against its ledger; a violation is logged as an error (and alarms)."""
    return len(await verify_wallet_invariants(ctx.pool))


async def prune_processed_updates(ctx: CronContext) -> int:
    """Forget handled updates after a week: Telegram never redelivers one that old."""
    status = await ctx.pool.execute(
        "DELETE FROM processed_updates WHERE (status = 'done' AND done_at < now() - interval '7 days')"
        " OR (status = 'processing' AND claimed_at < now() - interval '1 day')"
    )
    return int(status.split()[-1])


async def prune_fsm_storage(ctx: CronContext) -> int:
    """Drop conversations whose state and data both expired, or untouched for a month."""
    status = await ctx.pool.execute(
        """
        DELETE FROM fsm_storage
         WHERE updated_at < now() - interval '30 days'
            OR ((state IS NULL OR state_expires_at < now()) AND (data_expires_at < now() OR data = '{}'::jsonb))
        """
    )
    return int(status.split()[-1])


async def prune_cron_runs(ctx: CronContext) -> int:
    status = await ctx.pool.execute("DELETE FROM cron_runs WHERE started_at < now() - interval '30 days'")
    return int(status.split()[-1])


STEPS: dict[str, Step] = {
    "reconcile_stale_jobs": reconcile_stale_jobs,
    "redeliver_lost": redeliver_lost,
    "verify_wallets": verify_wallets,
    "prune_processed_updates": prune_processed_updates,
    "prune_fsm_storage": prune_fsm_storage,
    "prune_cron_runs": prune_cron_runs,
}


async def run(ctx: CronContext, cron: CronInput, steps: dict[str, Step] | None = None) -> dict[str, Any]:
    """Run every step, record the run in cron_runs; a failing step does not stop the others."""
    pool = ctx.pool
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
            details[name] = await step(ctx)
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
