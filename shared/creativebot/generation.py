"""From a confirmed draft to a KIE task, and from a KIE task to the job's outcome.

No aiogram here: the worker's wizard, the callback function and cron all call into this module.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from creativebot import jobs, queue
from creativebot.config import QueueSettings
from creativebot.db import Connection, Pool
from creativebot.kie.client import KieClient, KieError, TaskNotFound, TaskRecord
from creativebot.kie.signing import callback_url
from creativebot.observability import log_event

SUBMIT_ATTEMPTS = 3
SUBMIT_BACKOFF_SEC = (0.3, 0.9)  # between attempts on 429 / 5xx / network errors
# KIE codes that mean "our account or key", not "your request": the operator must act.
OPERATOR_CODES = {401, 402, 433}


@dataclass(frozen=True)
class CallbackTarget:
    public_base_url: str
    secret: str


async def submit(
    db: Pool | Connection,
    kie: KieClient,
    job: jobs.Job,
    target: CallbackTarget,
    queue_settings: QueueSettings,
) -> jobs.Job:
    """createTask for a created job. On a final KIE error the job fails, its money returns at once and
    the user's failure notice is queued; retryable errors are retried with backoff first."""
    url = callback_url(target.public_base_url, job.id, target.secret)
    for attempt in range(SUBMIT_ATTEMPTS):
        try:
            task_id = await kie.create_task(job.model_id, job.inputs, url)
        except KieError as error:
            if error.retryable and attempt + 1 < SUBMIT_ATTEMPTS:
                log_event(
                    "KIE_SUBMIT_RETRY", level="warning", job_id=job.id, code=error.code, attempt=attempt + 1
                )
                await asyncio.sleep(SUBMIT_BACKOFF_SEC[attempt])
                continue
            log_event(
                "KIE_OUT_OF_CREDITS" if error.code == 402 else "KIE_SUBMIT_FAIL",
                level="error",
                job_id=job.id,
                model=job.model_id,
                code=error.code,
                detail=error.message,
                operator_action_needed=error.code in OPERATOR_CODES,
            )
            settlement = await jobs.settle(
                db, job.id, jobs.Outcome.failed(f"kie_{error.code}", error.message)
            )
            await enqueue_delivery(db, queue_settings, settlement.job)
            return settlement.job
        submitted = await jobs.mark_submitted(db, job.id, task_id)
        if submitted is not None:
            return submitted
        current = await jobs.get(db, job.id)  # a callback was faster than us
        assert current is not None
        return current
    raise AssertionError("unreachable: the loop returns on its last attempt")


async def enqueue_delivery(db: Pool | Connection, queue_settings: QueueSettings, job: jobs.Job) -> None:
    """Queue the message that tells the user (result or failure), grouped with the user's chat."""
    queue.send_delivery(queue_settings, job_id=job.id, chat_id=job.chat_id, cid=job.cid or f"job-{job.id}")
    await jobs.mark_enqueued(db, job.id)
    log_event("DELIVERY_ENQUEUED", job_id=job.id)


def outcome_of(record: TaskRecord) -> jobs.Outcome | None:
    """A finished KIE task as a job outcome; None while it is still running."""
    if record.state == "success":
        if not record.result_urls:
            return jobs.Outcome.failed("no_result", "the task succeeded without result files")
        return jobs.Outcome.succeeded(record.result_urls)
    if record.state == "fail":
        return jobs.Outcome.failed(record.fail_code or "fail", record.fail_msg)
    return None


async def reconcile(
    db: Pool | Connection, kie: KieClient, job: jobs.Job, *, timeout_min: int, now: datetime | None = None
) -> jobs.Settlement | None:
    """Ask KIE how a job we have not heard about is doing; settle it when finished or timed out.

    Pass the connection that holds the job's row lock (cron claims jobs FOR UPDATE SKIP LOCKED).
    """
    outcome = None
    if job.task_id:
        try:
            outcome = outcome_of(await kie.record_info(job.task_id))
        except TaskNotFound:
            outcome = None
        except KieError as error:
            log_event("RECONCILE_KIE_ERROR", level="warning", job_id=job.id, code=error.code)
    age = (now or datetime.now(UTC)) - job.created_at
    if outcome is None and age > timedelta(minutes=timeout_min):
        outcome = jobs.Outcome.failed(jobs.TIMEOUT_CODE, f"no result within {timeout_min} minutes")
    if outcome is None:
        return None
    log_event("JOB_RECONCILED", job_id=job.id, success=outcome.success, fail_code=outcome.fail_code)
    return await jobs.settle(db, job.id, outcome)
