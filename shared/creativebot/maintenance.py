"""What cron does every five minutes. Each step is idempotent and safe to run twice at once."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from pydantic import BaseModel, Field

from creativebot import budget, faults, generation, jobs
from creativebot.admin.model_health import auto_hide_failing_models
from creativebot.config import CronSettings
from creativebot.db import Pool
from creativebot.kie.client import KieClient
from creativebot.observability import log_event
from creativebot.payments.expiry import expire_payments
from creativebot.progress import send_progress
from creativebot.voices import voice_samples
from creativebot.wallet import verify_wallet_invariants

# A job we have not heard about for this long is asked about (recordInfo); then every so often.
STALE_AFTER = timedelta(minutes=2)
# A timed-out job is asked again this often, for a day, in case its result still comes.
LATE_RESULT_EVERY = timedelta(minutes=10)
# A finished job whose delivery has not happened this long after it was queued is queued again.
REDELIVER_AFTER = timedelta(minutes=2)
BATCH = 25  # per kind of work and run: open jobs, late results, lost deliveries each get their own


@dataclass(frozen=True)
class CronContext:
    pool: Pool
    kie: KieClient
    settings: CronSettings

    @property
    def callback_target(self) -> generation.CallbackTarget:
        assert self.settings.app.public_base_url is not None, "PUBLIC_BASE_URL is needed to submit jobs"
        return generation.CallbackTarget(
            self.settings.app.public_base_url, self.settings.kie.kie_callback_secret.get_secret_value()
        )


Step = Callable[[CronContext], Awaitable[int]]


class CronInput(BaseModel):
    """The Input of the EventBridge Scheduler schedule in template.yaml."""

    task: str = Field(pattern=r"^(maintenance|migrate)$")
    scheduled_time: str | None = None
    execution_id: str | None = None


def _time_for_one_more(ctx: CronContext) -> bool:
    """Another job fits: a KIE call at its full timeout plus a settlement, before the margin."""
    return budget.has_time_for(ctx.settings.kie.kie_timeout_sec + 1)


async def _settle_all(ctx: CronContext, claimed: list[jobs.Job]) -> int:
    """Ask KIE about each claimed job and settle it, one short transaction per job, while time lasts.
    A job left unasked when time runs out was marked checked; the next run takes it."""
    settled = 0
    timeout_min = ctx.settings.app.job_timeout_min
    faults.point("cron.after_claim")
    for job in claimed:
        if not _time_for_one_more(ctx):
            log_event("CRON_OUT_OF_TIME", level="warning", left=len(claimed) - settled)
            break
        if job.unsent and not generation.timed_out(job, timeout_min):
            # The launch stopped between the payment and KIE: finish what the user asked for.
            await generation.submit(ctx.pool, ctx.kie, job, ctx.callback_target, ctx.settings.queue)
            continue
        settlement = await generation.reconcile(ctx.pool, ctx.kie, job, timeout_min=timeout_min)
        if settlement is not None and settlement.changed:
            settled += 1
            faults.point("cron.after_settle")
            await generation.enqueue_delivery(ctx.pool, ctx.settings.queue, settlement.job)
    return settled


async def reconcile_open_jobs(ctx: CronContext) -> int:
    """Settle open jobs whose callback never came, by recordInfo; fail and release them past
    JOB_TIMEOUT_MIN; submit launches that stopped before reaching KIE."""
    return await _settle_all(ctx, await jobs.claim_open(ctx.pool, older_than=STALE_AFTER, limit=BATCH))


async def poll_late_results(ctx: CronContext) -> int:
    """Ask about timed-out jobs once in a while: a result that still comes is delivered free."""
    claimed = await jobs.claim_late_results(ctx.pool, every=LATE_RESULT_EVERY, limit=BATCH)
    return await _settle_all(ctx, claimed)


async def redeliver_lost(ctx: CronContext) -> int:
    """Queue again the delivery of finished jobs the user was never told about."""
    claimed = await jobs.claim_undelivered(ctx.pool, older_than=REDELIVER_AFTER, limit=BATCH)
    for job in claimed:
        await generation.enqueue_delivery(ctx.pool, ctx.settings.queue, job)
    if claimed:
        log_event("DELIVERY_REQUEUED", level="warning", count=len(claimed))
    return len(claimed)


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
    "reconcile_open_jobs": reconcile_open_jobs,
    "send_progress": send_progress,  # after reconcile: a job it just settled is not edited
    "poll_late_results": poll_late_results,
    "redeliver_lost": redeliver_lost,
    "verify_wallets": verify_wallets,
    "prune_processed_updates": prune_processed_updates,
    "prune_fsm_storage": prune_fsm_storage,
    "prune_cron_runs": prune_cron_runs,
    "auto_hide_failing_models": auto_hide_failing_models,
    "expire_payments": expire_payments,
    "voice_samples": voice_samples,  # last: it spends KIE credits with what time is left
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
