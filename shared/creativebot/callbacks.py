"""KIE's callback, trusted for nothing but "look again": the outcome is read back from recordInfo.

Order of checks: per-job URL token (403), body shape (400), KIE's HMAC headers when configured (401),
job exists (404), task belongs to the job (400). Then one transaction settles job and money, and a
``deliver`` message is queued. A repeated callback finds the job finished and changes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

from creativebot import faults, jobs
from creativebot.config import CallbackSettings
from creativebot.db import Pool
from creativebot.generation import enqueue_delivery, model_of, outcome_of
from creativebot.kie.client import KieClient, KieError
from creativebot.kie.signing import signature_valid, token_valid
from creativebot.observability import bind_cid, log_event

MAX_JOB_ID = 2**63 - 1
# KIE gives a callback 15 s to answer (then it retries, three times at most).
ANSWER_WITHIN_SEC = 15.0


@dataclass(frozen=True)
class Reply:
    status: int
    body: dict[str, Any]


def _reply(status: int, message: str) -> Reply:
    return Reply(status, {"code": status, "msg": message})


OK = Reply(200, {"code": 200, "msg": "success"})


def _task_id(raw: bytes) -> str | None:
    try:
        body = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    data = body.get("data") if isinstance(body, dict) else None
    task_id = (data.get("taskId") or data.get("task_id")) if isinstance(data, dict) else None
    return task_id if isinstance(task_id, str) and 0 < len(task_id) <= 200 else None


def parse_job_id(value: str) -> int | None:
    if not (value.isascii() and value.isdigit() and len(value) <= 19):
        return None
    return int(value) if 0 < int(value) <= MAX_JOB_ID else None


async def handle(
    pool: Pool,
    kie: KieClient,
    settings: CallbackSettings,
    *,
    job_id: int,
    token: str | None,
    raw: bytes,
    headers: Mapping[str, str],
) -> Reply:
    if not token_valid(settings.kie.kie_callback_secret.get_secret_value(), job_id, token):
        log_event("CALLBACK_REJECTED", level="warning", job_id=job_id, reason="bad token")
        return _reply(403, "invalid callback token")
    task_id = _task_id(raw)
    if task_id is None:
        return _reply(400, "body must be JSON with data.taskId")
    hmac_key = settings.kie.kie_webhook_hmac_key
    if hmac_key is not None and not signature_valid(
        hmac_key.get_secret_value(),
        task_id,
        headers.get("x-webhook-timestamp"),
        headers.get("x-webhook-signature"),
    ):
        log_event("CALLBACK_REJECTED", level="warning", job_id=job_id, reason="bad or old signature")
        return _reply(401, "invalid or expired webhook signature")
    job = await jobs.get(pool, job_id)
    if job is None:
        return _reply(404, "unknown job")
    bind_cid(job.cid)
    log_event("CALLBACK_RECEIVED", job_id=job_id, task_id=task_id, status=job.status)
    if job.task_id is not None and job.task_id != task_id:
        # A second task for one job cannot come from us any more; an old one is worth an operator's look.
        log_event("KIE_ORPHAN_TASK", level="error", job_id=job_id, task_id=task_id, recorded=job.task_id)
        return _reply(400, "taskId does not belong to this job")
    if job.finished and not job.awaits_late_result:
        log_event("CALLBACK_REPEATED", job_id=job_id)
        return await _redeliver_if_lost(pool, settings, job)
    try:
        record = await kie.record_info(model_of(job), task_id)
    except KieError as error:
        log_event("CALLBACK_RECORDINFO_FAIL", level="warning", job_id=job_id, code=error.code)
        return _reply(503, "could not confirm the task with KIE, retry later")
    faults.point("callback.after_record")
    if job.task_id is None:
        # Our createTask may have timed out after KIE took it: the task is ours when KIE recorded the
        # job's own signed callback URL in it (an API whose record does not tell has called the job's
        # signed URL, which only KIE knows). Then it is adopted; no second task is ever made.
        if record.callback_url is not None and not _signed_for(record.callback_url, job_id, settings):
            log_event("CALLBACK_REJECTED", level="warning", job_id=job_id, reason="task made for another URL")
            return _reply(400, "taskId does not belong to this job")
        await jobs.mark_submitted(pool, job_id, task_id)
        log_event("KIE_TASK_ADOPTED", job_id=job_id, task_id=task_id)
    outcome = outcome_of(record)
    if outcome is None:
        return OK  # KIE says it is still running; its final callback (or cron) will settle it
    settlement = await jobs.settle(pool, job_id, outcome)
    faults.point("callback.after_settle")
    if settlement.changed and not await enqueue_delivery(pool, settings.queue, settlement.job):
        return _reply(503, "settled, but the delivery could not be queued; retry")
    return OK


def _signed_for(url: str | None, job_id: int, settings: CallbackSettings) -> bool:
    """``url`` is this job's callback URL with a valid token (whatever host served it)."""
    if not url:
        return False
    parts = urlsplit(url)
    token = parse_qs(parts.query).get("t", [None])[0]
    return parts.path.endswith(f"/kie/callback/{job_id}") and token_valid(
        settings.kie.kie_callback_secret.get_secret_value(), job_id, token
    )


async def _redeliver_if_lost(pool: Pool, settings: CallbackSettings, job: jobs.Job) -> Reply:
    """A repeat whose first attempt settled the job but could not queue its delivery queues it now."""
    if (
        job.awaiting_delivery
        and job.deliver_enqueued_at is None
        and not await enqueue_delivery(pool, settings.queue, job)
    ):
        return _reply(503, "the delivery could not be queued; retry")
    return OK
