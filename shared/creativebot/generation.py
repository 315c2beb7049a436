"""From a confirmed draft to a KIE task, and from a KIE task to the job's outcome.

No aiogram here: the worker's wizard, the callback function and cron all call into this module.

KIE has no idempotency key for createTask, so a job is offered to KIE at most once: the intent is
recorded (durably) before the call, and a job with a recorded intent is never sent again. A call that
KIE certainly did not act on (the connection never opened, a 4xx answer) gives the right back and may
be retried; a call that may have reached KIE (a timeout after sending, a 5xx) leaves the job waiting
for its task to turn up: the callback carries our signed URL, so the task is adopted, or the job
times out and its money returns.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from creativebot import budget, faults, jobs, queue
from creativebot.config import QueueSettings
from creativebot.db import Connection, Pool
from creativebot.kie.catalog import CatalogModel, load_catalog
from creativebot.kie.client import KieClient, KieError, TaskNotFound
from creativebot.kie.families import TaskRecord
from creativebot.kie.signing import callback_url
from creativebot.observability import log_event

SUBMIT_BACKOFF_SEC = (0.3, 0.9)  # between attempts KIE refused for now (429, 455, no connection)
# KIE codes that mean "our account or key", not "your request": the operator must act.
OPERATOR_CODES = frozenset({401, 402, 433})
NO_RESULT_CODE = "no_result"  # KIE said success but gave no file
REFUSED_PREFIX = "kie_"  # + KIE's code: createTask refused, nothing ran


@dataclass(frozen=True)
class CallbackTarget:
    public_base_url: str
    secret: str

    def url_for(self, job_id: int) -> str:
        return callback_url(self.public_base_url, job_id, self.secret)


async def submit(
    db: Pool | Connection,
    kie: KieClient,
    job: jobs.Job,
    target: CallbackTarget,
    queue_settings: QueueSettings,
) -> jobs.Job:
    """createTask for a job nobody has offered to KIE yet; returns the job as it now stands.

    A refusal that may pass (429, 455, no connection) is retried while the time budget allows; a final
    refusal fails the job, returns its money at once and queues the user's notice.
    """
    claimed = await jobs.record_submit_intent(db, job.id)
    if claimed is None:  # submitted already, finished, or an earlier attempt may have reached KIE
        current = await jobs.get(db, job.id)
        assert current is not None
        return current
    faults.point("submit.after_intent")
    for attempt in range(len(SUBMIT_BACKOFF_SEC) + 1):
        try:
            task_id = await kie.create_task(model_of(job), job.inputs, target.url_for(job.id))
        except budget.OutOfTime:
            await jobs.withdraw_submit_intent(db, job.id)  # nothing was sent: a later attempt may
            raise
        except KieError as error:
            if not error.refused:
                log_event(
                    "KIE_SUBMIT_UNCERTAIN",
                    level="warning",
                    job_id=job.id,
                    code=error.code,
                    detail=error.message,
                )
                return await jobs.mark_submit_uncertain(db, job.id)
            pause = SUBMIT_BACKOFF_SEC[attempt] if attempt < len(SUBMIT_BACKOFF_SEC) else None
            if error.retryable and pause is not None and budget.has_time_for(pause + budget.MIN_CALL_SEC):
                log_event(
                    "KIE_SUBMIT_RETRY", level="warning", job_id=job.id, code=error.code, attempt=attempt + 1
                )
                await asyncio.sleep(pause)
                continue
            return await _refused(db, job, error, queue_settings)
        faults.point("submit.after_create")
        submitted = await jobs.mark_submitted(db, job.id, task_id)
        faults.point("submit.after_task_saved")
        if submitted is not None:
            return submitted
        current = await jobs.get(db, job.id)  # a callback was faster than us
        assert current is not None
        return current
    raise AssertionError("unreachable: the last attempt returns")


async def _refused(
    db: Pool | Connection, job: jobs.Job, error: KieError, queue_settings: QueueSettings
) -> jobs.Job:
    """KIE certainly did not take the job: it fails, the money returns now, the user is told."""
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
        db, job.id, jobs.Outcome.failed(f"{REFUSED_PREFIX}{error.code}", error.message)
    )
    await enqueue_delivery(db, queue_settings, settlement.job)
    return settlement.job


async def enqueue_delivery(db: Pool | Connection, queue_settings: QueueSettings, job: jobs.Job) -> bool:
    """Queue the message that tells the user (result or failure), grouped with the user's chat.
    False when SQS did not take it; cron's redelivery queues it later."""
    try:
        queue.send_delivery(
            queue_settings, job_id=job.id, chat_id=job.chat_id, cid=job.cid or f"job-{job.id}"
        )
    except queue.QUEUE_ERRORS as exc:
        log_event("DELIVERY_ENQUEUE_FAIL", level="error", job_id=job.id, error=type(exc).__name__)
        return False
    await jobs.mark_enqueued(db, job.id)
    log_event("DELIVERY_ENQUEUED", job_id=job.id)
    return True


def model_of(job: jobs.Job) -> CatalogModel:
    """The catalog model a job was made with (its API, its result kind)."""
    model = load_catalog().get(job.model_id)
    if model is None:
        raise LookupError(f"job {job.id}: model {job.model_id!r} is not in the catalog")
    return model


def outcome_of(record: TaskRecord) -> jobs.Outcome | None:
    """A finished KIE task as a job outcome; None while it is still running."""
    if record.state == "success":
        if not record.result_urls:
            return jobs.Outcome.failed(NO_RESULT_CODE, "the task succeeded without result files")
        meta: list[dict[str, Any]] = [
            {"title": file.title, "cover": file.cover, **({"fallback": True} if record.fallback else {})}
            for file in record.files
        ]
        described = record.fallback or any(file.title or file.cover for file in record.files)
        return jobs.Outcome.succeeded(record.result_urls, meta if described else None)
    if record.state == "fail":
        return jobs.Outcome.failed(record.fail_code or "fail", record.fail_msg)
    return None


def timed_out(job: jobs.Job, timeout_min: int, now: datetime | None = None) -> bool:
    return (now or datetime.now(UTC)) - job.created_at > timedelta(minutes=timeout_min)


async def reconcile(
    db: Pool | Connection, kie: KieClient, job: jobs.Job, *, timeout_min: int, now: datetime | None = None
) -> jobs.Settlement | None:
    """Ask KIE how a job we have not heard about is doing; settle it when finished or timed out.

    No transaction is held while KIE answers; the settlement is its own short transaction.
    """
    outcome = None
    if job.task_id:
        try:
            outcome = outcome_of(await kie.record_info(model_of(job), job.task_id))
        except TaskNotFound:
            outcome = None
        except KieError as error:
            log_event("RECONCILE_KIE_ERROR", level="warning", job_id=job.id, code=error.code)
    if outcome is None and not job.finished and timed_out(job, timeout_min, now):
        if job.task_id is None and job.submit_started_at is not None:
            # KIE may hold a task for this job whose id we never learned; its callback is adopted.
            log_event(
                "KIE_SUBMIT_UNCERTAIN", level="warning", job_id=job.id, detail="timed out without a task id"
            )
        outcome = jobs.Outcome.failed(jobs.TIMEOUT_CODE, f"no result within {timeout_min} minutes")
    if outcome is None:
        return None
    log_event("JOB_RECONCILED", job_id=job.id, success=outcome.success, fail_code=outcome.fail_code)
    return await jobs.settle(db, job.id, outcome)
