"""Signs of life for a long generation, and its cancel button (issue 16: "No sign of life").

**Progress.** The status message a launch sends ("⏳ Генерирую… обычно ~30 сек") is edited by cron when the
result is late, at most once per stage and job (``jobs.progress_stage``, which only moves forward):

1. *slow*: the model's usual time (the catalog's ``eta_sec``) has passed, but not before a minute:
   "⏳ Дольше обычного — ждём ещё… (прошло N мин)";
2. *overloaded*: at the sooner of three usual times and half of JOB_TIMEOUT_MIN, but never sooner than
   two minutes after stage 1 (so the two do not collapse into one for a fast model): "⏳ Модель перегружена.
   Если результата не будет через N мин, деньги вернутся сами (прошло M мин)", or the free run / the gift
   run that comes back for a job that cost nothing.

A job past JOB_TIMEOUT_MIN gets neither (reconcile_open_jobs, which runs before this step, fails it and
returns its money). Cron claims due jobs in one short statement (``FOR UPDATE SKIP LOCKED``, a bounded batch;
it locks job rows only, never a wallet) and queues each edit for the worker (cron has no Bot): ``queue.send_edit``
with the job's id, so the worker drops an edit whose job has finished meanwhile (its result, its refund or
its cancellation must not be overwritten). A stage whose edit could not be queued (out of time, SQS down) is
given back for the next run.

**Cancel.** A job may be canceled while it has not been offered to KIE: ``created``, no task, and no
submission's intent recorded (``jobs.Job.unsent``). Once ``generation.submit`` has recorded its intent,
createTask may have reached KIE (a call in flight, an answer lost, ``submit_uncertain``), and KIE has no way
to take a task back, so the job runs to its end (result, failure or timeout, the money returning by itself).
``jobs.cancel`` and ``jobs.record_submit_intent`` take the same row on the same condition: exactly one wins.

No aiogram here (cron imports this module); the button's data is written as aiogram packs
``telegram.callbacks.JobCancel``.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass
from datetime import timedelta
from enum import Enum
from typing import TYPE_CHECKING, Final

from creativebot import budget, jobs, queue
from creativebot.db import Connection, Pool
from creativebot.kie.catalog import load_catalog, title_of
from creativebot.observability import log_event
from creativebot.texts import copy_for, format_duration, format_rub
from creativebot.texts.progress import ProgressCopy, progress_copy

if TYPE_CHECKING:
    from creativebot.maintenance import CronContext

STAGE_NONE: Final = 0
STAGE_SLOW: Final = 1
STAGE_OVERLOADED: Final = 2

SLOW_AT_LEAST = timedelta(minutes=1)  # "прошло 0 мин" says nothing
OVERLOADED_AFTER_SLOW = timedelta(minutes=2)
OVERLOADED_ETAS = 3  # "overloaded" after this many usual times (or half the timeout, if sooner)
DEFAULT_ETA_SEC = 60  # a model the catalog no longer lists
BATCH: Final = 50  # jobs claimed per run; the rest wait for the next one
QUEUE_CALL_SEC = 4.0  # one SQS send at the client's timeouts (connect 1 s + read 3 s)

CANCEL_PREFIX: Final = "jobcancel"  # telegram.callbacks.JobCancel's prefix


# --- when ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StageTimes:
    """How long after the launch each progress edit is due, for one model."""

    slow: timedelta
    overloaded: timedelta


def stage_times(eta_sec: int, timeout_min: int) -> StageTimes:
    eta = timedelta(seconds=eta_sec)
    slow = max(eta, SLOW_AT_LEAST)
    overloaded = max(
        min(eta * OVERLOADED_ETAS, timedelta(minutes=timeout_min) / 2), slow + OVERLOADED_AFTER_SLOW
    )
    return StageTimes(slow, overloaded)


def cancel_data(job_id: int) -> str:
    """The callback data of a job's ✖️ Отменить, as aiogram packs ``JobCancel(job=job_id)``."""
    return f"{CANCEL_PREFIX}:{job_id}"


# --- what the status message says -------------------------------------------------------------------------


@dataclass(frozen=True)
class Due:
    """A job whose status message is due for an edit, as the claim returned it."""

    job_id: int
    chat_id: int
    message_id: int
    model_id: str
    payment: jobs.JobPayment
    language: str
    cid: str | None
    cancellable: bool  # never offered to KIE when claimed
    shown: int  # the stage shown before this claim
    stage: int
    elapsed: timedelta
    left: timedelta  # until JOB_TIMEOUT_MIN


def _minutes(language: str, amount: timedelta, *, up: bool) -> str:
    whole = math.ceil(amount.total_seconds() / 60) if up else int(amount.total_seconds() // 60)
    return format_duration(copy_for(language), max(1, whole) * 60)


def progress_text(due: Due) -> str:
    """The status message's new text, in the person's language."""
    pc = progress_copy(due.language)
    title = html.escape(title_of(due.model_id, pc.lang))
    elapsed = _minutes(pc.lang, due.elapsed, up=False)
    if due.stage == STAGE_SLOW:
        return pc.slow.format(elapsed=elapsed, title=title)
    template = {"wallet": pc.overloaded_money, "free": pc.overloaded_free, "gift": pc.overloaded_gift}[
        due.payment
    ]
    return template.format(left=_minutes(pc.lang, due.left, up=True), elapsed=elapsed, title=title)


def cancel_keyboard(pc: ProgressCopy, job_id: int) -> list[list[dict[str, str]]]:
    """The status message's ✖️ Отменить, as plain rows for ``queue.send_edit``."""
    return [[{"text": pc.btn_cancel, "callback_data": cancel_data(job_id)}]]


# --- the cron step ---------------------------------------------------------------------------------------

_CLAIM = f"""
WITH etas AS (
    SELECT * FROM unnest($1::text[], $2::float8[], $3::float8[]) AS t(model_id, slow_sec, overloaded_sec)
), due AS (
    SELECT j.id, j.progress_stage AS shown, s.stage
      FROM jobs j
      LEFT JOIN etas e ON e.model_id = j.model_id
     CROSS JOIN LATERAL (
        SELECT CASE
            WHEN j.created_at <= now() - make_interval(secs => coalesce(e.overloaded_sec, $5)) THEN {STAGE_OVERLOADED}
            WHEN j.created_at <= now() - make_interval(secs => coalesce(e.slow_sec, $4)) THEN {STAGE_SLOW}
            ELSE {STAGE_NONE}
        END AS stage
     ) s
     WHERE j.status IN ('created', 'submitted') AND j.status_message_id IS NOT NULL
       AND j.created_at > now() - $6::interval
       AND s.stage > j.progress_stage
     ORDER BY j.created_at, j.id
     LIMIT $7
       FOR UPDATE OF j SKIP LOCKED
)
UPDATE jobs SET progress_stage = due.stage
  FROM due
 WHERE jobs.id = due.id
RETURNING jobs.id, jobs.chat_id, jobs.status_message_id, jobs.model_id, jobs.payment, jobs.language, jobs.cid,
          (jobs.status = 'created' AND jobs.submit_started_at IS NULL AND jobs.task_id IS NULL) AS cancellable,
          due.shown, due.stage, now() - jobs.created_at AS elapsed,
          jobs.created_at + $6::interval - now() AS left_
"""


async def claim_due(db: Pool | Connection, *, timeout_min: int, limit: int = BATCH) -> list[Due]:
    """Open jobs whose status message is due for a progress edit, oldest first, their stage moved on in the
    same statement (a concurrent run skips them, and never shows a stage twice)."""
    models = load_catalog().models
    times = [stage_times(model.eta_sec, timeout_min) for model in models]
    default = stage_times(DEFAULT_ETA_SEC, timeout_min)
    rows = await db.fetch(
        _CLAIM,
        [model.id for model in models],
        [t.slow.total_seconds() for t in times],
        [t.overloaded.total_seconds() for t in times],
        default.slow.total_seconds(),
        default.overloaded.total_seconds(),
        timedelta(minutes=timeout_min),
        limit,
    )
    return [
        Due(
            job_id=row["id"],
            chat_id=row["chat_id"],
            message_id=row["status_message_id"],
            model_id=row["model_id"],
            payment=row["payment"],
            language=row["language"],
            cid=row["cid"],
            cancellable=row["cancellable"],
            shown=row["shown"],
            stage=row["stage"],
            elapsed=row["elapsed"],
            left=row["left_"],
        )
        for row in sorted(rows, key=lambda row: row["id"])
    ]


async def _give_back(db: Pool | Connection, claimed: list[Due]) -> None:
    """The edits of these jobs were not queued: the next run claims their stage again."""
    for due in claimed:
        await db.execute(
            "UPDATE jobs SET progress_stage = $2 WHERE id = $1 AND progress_stage = $3",
            due.job_id,
            due.shown,
            due.stage,
        )


async def send_progress(ctx: CronContext) -> int:
    """Cron: edit the status message of every late generation (one stage at a time); returns the edits
    queued."""
    claimed = await claim_due(ctx.pool, timeout_min=ctx.settings.app.job_timeout_min)
    queued = 0
    for index, due in enumerate(claimed):
        if not budget.has_time_for(QUEUE_CALL_SEC):
            log_event("CRON_OUT_OF_TIME", level="warning", step="send_progress", left=len(claimed) - index)
            await _give_back(ctx.pool, claimed[index:])
            break
        pc = progress_copy(due.language)
        try:
            queue.send_edit(
                ctx.settings.queue,
                chat_id=due.chat_id,
                message_id=due.message_id,
                text=progress_text(due),
                keyboard=cancel_keyboard(pc, due.job_id) if due.cancellable else None,
                job_id=due.job_id,
                key=f"progress-{due.job_id}-{due.stage}",
                cid=due.cid or f"job-{due.job_id}",
            )
        except queue.QUEUE_ERRORS as exc:
            log_event("PROGRESS_ENQUEUE_FAIL", level="warning", job_id=due.job_id, error=type(exc).__name__)
            await _give_back(ctx.pool, claimed[index:])  # the queue is down: the next run tries again
            break
        queued += 1
        log_event("PROGRESS_QUEUED", job_id=due.job_id, stage=due.stage, cancellable=due.cancellable)
    return queued


# --- cancel ------------------------------------------------------------------------------------------------


class CancelResult(Enum):
    CANCELED = "canceled"  # this press canceled it; the money is back
    ALREADY_CANCELED = "already_canceled"  # an earlier press did (a double tap)
    SENT = "sent"  # offered to KIE (or it may have been): it runs to its end
    FINISHED = "finished"  # it ended (succeeded or failed) before the press
    NOT_YOURS = "not_yours"  # no such job, or someone else's (forged button data)


@dataclass(frozen=True)
class Cancellation:
    result: CancelResult
    job: jobs.Job | None


async def cancel(db: Pool | Connection, job_id: int, *, user_id: int) -> Cancellation:
    """The person's ✖️ Отменить: cancel the job with its money back when it has not been offered to KIE;
    otherwise say why not. Repeating it changes nothing."""
    canceled = await jobs.cancel(db, job_id, user_id)
    if canceled is not None:
        return Cancellation(CancelResult.CANCELED, canceled)
    job = await jobs.get(db, job_id)
    if job is None or job.user_id != user_id:
        return Cancellation(CancelResult.NOT_YOURS, None)
    if job.status == "canceled":
        return Cancellation(CancelResult.ALREADY_CANCELED, job)
    if job.finished:
        return Cancellation(CancelResult.FINISHED, job)
    return Cancellation(CancelResult.SENT, job)


def canceled_text(pc: ProgressCopy, job: jobs.Job) -> str:
    """What the status message says once the job is canceled: what came back."""
    if job.payment == "free":
        return pc.canceled_free
    if job.payment == "gift":
        return pc.canceled_gift
    return pc.canceled_money.format(price=format_rub(job.price, pc.lang))
