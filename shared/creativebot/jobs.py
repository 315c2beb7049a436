"""Jobs: one generation from the user's "Запустить" to the delivered result (or the refund).

Money moves exactly once: creating a job holds its price (or reserves a free slot) in the same
transaction; settling it charges (or consumes) on success and releases (or returns) on failure, in
the same transaction as the status change. A finished job never changes status (a trigger refuses).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal, get_args

import asyncpg

from creativebot.db import Connection, Pool, transaction
from creativebot.observability import log_event
from creativebot.wallet import free_quota, ledger

# The states and payment kinds the jobs table's CHECKs allow (a test compares them with the schema).
JobStatus = Literal["created", "submitted", "succeeded", "failed", "canceled"]
JobPayment = Literal["wallet", "free"]
STATUSES: tuple[JobStatus, ...] = get_args(JobStatus)
TERMINAL: tuple[JobStatus, ...] = ("succeeded", "failed", "canceled")
OPEN: tuple[JobStatus, ...] = ("created", "submitted")
TIMEOUT_CODE = "timeout"
# How long a timed-out job is still asked about: a result that turns up is delivered free.
LATE_RESULT_WINDOW = timedelta(days=1)
# The SQL twin of Job.awaits_late_result, for queries over many jobs.
AWAITS_LATE_RESULT_SQL = f"(status = 'failed' AND fail_code = '{TIMEOUT_CODE}' AND result_urls IS NULL)"

_COLUMNS = (
    "id, user_id, chat_id, draft_id, model_id, prompt, options, image_urls, inputs, price, payment, status, task_id,"
    " result_urls, late_result, fail_code, fail_reason, language, cid, status_message_id, submit_attempts,"
    " created_at, submitted_at, checked_at, finished_at, deliver_enqueued_at, delivered_at, late_delivered_at"
)


@dataclass(frozen=True)
class Job:
    id: int
    user_id: int
    chat_id: int
    draft_id: str
    model_id: str
    prompt: str | None
    options: dict[str, Any]
    image_urls: list[str]
    inputs: dict[str, Any]
    price: int
    payment: JobPayment
    status: JobStatus
    task_id: str | None
    result_urls: list[str] | None
    late_result: bool
    fail_code: str | None
    fail_reason: str | None
    language: str
    cid: str | None
    status_message_id: int | None
    submit_attempts: int
    created_at: datetime
    submitted_at: datetime | None
    checked_at: datetime | None
    finished_at: datetime | None
    deliver_enqueued_at: datetime | None
    delivered_at: datetime | None
    late_delivered_at: datetime | None

    @property
    def finished(self) -> bool:
        return self.status in TERMINAL

    @property
    def awaits_late_result(self) -> bool:
        """Failed by timeout with no result yet: KIE may still finish it (delivered free)."""
        return self.status == "failed" and self.fail_code == TIMEOUT_CODE and not self.result_urls

    @property
    def hold_ref(self) -> str:
        return f"job:{self.id}"

    @property
    def deliverable(self) -> bool:
        """Has results to show (a success, or a late success of a timed-out job)."""
        return bool(self.result_urls) and (self.status == "succeeded" or self.late_result)

    @property
    def awaiting_delivery(self) -> bool:
        """Finished, and the user has not been told yet (or not about the late result)."""
        if not self.finished:
            return False
        return self.delivered_at is None or (self.late_result and self.late_delivered_at is None)


def _job(row: asyncpg.Record) -> Job:
    return Job(**dict(row))


@dataclass(frozen=True)
class NewJob:
    """What the user confirmed on the "Шаг 3/3" screen."""

    user_id: int
    chat_id: int
    draft_id: str
    model_id: str
    prompt: str | None
    options: dict[str, Any]
    image_urls: list[str]
    inputs: dict[str, Any]
    price: int
    language: str
    cid: str | None


class ConcurrentLaunch(Exception):
    """Two launches of one draft raced; the other one created the job."""


@dataclass(frozen=True)
class FreeQuota:
    limit: int
    tz: str


async def create(db: Pool | Connection, draft: NewJob, free: FreeQuota | None = None) -> tuple[Job, bool]:
    """The job and its payment in one transaction; (job, False) when this draft was already launched.

    A free slot is used when the model has one left today; otherwise the price is held, and
    ledger.InsufficientFunds leaves nothing behind.
    """
    async with transaction(db) as conn:
        existing = await by_draft(conn, draft.user_id, draft.draft_id)
        if existing is not None:
            return existing, False
        job_id = int(await conn.fetchval("SELECT nextval('jobs_id_seq')"))
        is_free = free is not None and await free_quota.reserve(
            conn, user_id=draft.user_id, model_id=draft.model_id, job_id=job_id, limit=free.limit, tz=free.tz
        )
        try:
            row = await conn.fetchrow(
                f"""
                INSERT INTO jobs (id, user_id, chat_id, draft_id, model_id, prompt, options, image_urls, inputs,
                                  price, payment, language, cid)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
                RETURNING {_COLUMNS}
                """,
                job_id,
                draft.user_id,
                draft.chat_id,
                draft.draft_id,
                draft.model_id,
                draft.prompt,
                draft.options,
                draft.image_urls,
                draft.inputs,
                0 if is_free else draft.price,
                "free" if is_free else "wallet",
                draft.language,
                draft.cid,
            )
        except asyncpg.UniqueViolationError:
            # A concurrent launch of the same draft won; this transaction rolls back.
            raise ConcurrentLaunch(draft.draft_id) from None
        assert row is not None
        job = _job(row)
        if not is_free:
            await ledger.hold(
                conn, draft.user_id, draft.price, job.hold_ref, job_id=job.id, meta={"model": draft.model_id}
            )
    log_event("JOB_CREATED", job_id=job.id, model=job.model_id, price=job.price, payment=job.payment)
    return job, True


async def get(db: Pool | Connection, job_id: int) -> Job | None:
    row = await db.fetchrow(f"SELECT {_COLUMNS} FROM jobs WHERE id = $1", job_id)
    return _job(row) if row else None


async def by_draft(db: Pool | Connection, user_id: int, draft_id: str) -> Job | None:
    row = await db.fetchrow(
        f"SELECT {_COLUMNS} FROM jobs WHERE user_id = $1 AND draft_id = $2", user_id, draft_id
    )
    return _job(row) if row else None


async def mark_submitted(db: Pool | Connection, job_id: int, task_id: str) -> Job | None:
    """created -> submitted with KIE's task id; None if the job moved on meanwhile (a fast callback)."""
    row = await db.fetchrow(
        f"""
        UPDATE jobs SET status = 'submitted', task_id = $2, submitted_at = now(), submit_attempts = submit_attempts + 1
         WHERE id = $1 AND status = 'created' RETURNING {_COLUMNS}
        """,
        job_id,
        task_id,
    )
    if row is None:
        await attach_task(db, job_id, task_id)
        return None
    return _job(row)


async def attach_task(db: Pool | Connection, job_id: int, task_id: str) -> None:
    """Remember KIE's task id for a job that has none yet (a callback or a settlement came first)."""
    await db.execute("UPDATE jobs SET task_id = coalesce(task_id, $2) WHERE id = $1", job_id, task_id)


async def set_status_message(db: Pool | Connection, job_id: int, message_id: int) -> None:
    await db.execute("UPDATE jobs SET status_message_id = $2 WHERE id = $1", job_id, message_id)


@dataclass(frozen=True)
class Outcome:
    success: bool
    result_urls: tuple[str, ...] = ()
    fail_code: str | None = None
    fail_reason: str | None = None

    @classmethod
    def succeeded(cls, urls: list[str]) -> Outcome:
        return cls(True, tuple(urls))

    @classmethod
    def failed(cls, code: str, reason: str | None) -> Outcome:
        return cls(False, (), code, reason)


@dataclass(frozen=True)
class Settlement:
    job: Job
    changed: bool  # this call moved money or stored a late result; the user must be told
    late: bool = False


async def settle(db: Pool | Connection, job_id: int, outcome: Outcome) -> Settlement:
    """Finish the job and move its money in one transaction; a repeat changes nothing.

    A success that arrives after the job failed by timeout is kept and delivered free: the money was
    already returned, and the user still gets what they asked for.
    """
    async with transaction(db) as conn:
        row = await conn.fetchrow(f"SELECT {_COLUMNS} FROM jobs WHERE id = $1 FOR UPDATE", job_id)
        if row is None:
            raise LookupError(f"job {job_id} does not exist")
        job = _job(row)
        if job.finished:
            if outcome.success and job.awaits_late_result:
                updated = await conn.fetchrow(
                    f"UPDATE jobs SET result_urls = $2, late_result = true WHERE id = $1 RETURNING {_COLUMNS}",
                    job_id,
                    list(outcome.result_urls),
                )
                assert updated is not None
                log_event("JOB_LATE_RESULT", job_id=job_id)
                return Settlement(_job(updated), changed=True, late=True)
            return Settlement(job, changed=False)
        if outcome.success:
            updated = await conn.fetchrow(
                f"""
                UPDATE jobs SET status = 'succeeded', result_urls = $2, finished_at = now() WHERE id = $1
                RETURNING {_COLUMNS}
                """,
                job_id,
                list(outcome.result_urls),
            )
            if job.payment == "wallet":
                await ledger.charge(conn, job.user_id, job.hold_ref)
            else:
                await free_quota.consume(conn, job.id)
        else:
            updated = await conn.fetchrow(
                f"""
                UPDATE jobs SET status = 'failed', fail_code = $2, fail_reason = $3, finished_at = now()
                 WHERE id = $1 RETURNING {_COLUMNS}
                """,
                job_id,
                outcome.fail_code,
                (outcome.fail_reason or "")[:500] or None,
            )
            if job.payment == "wallet":
                await ledger.release(conn, job.user_id, job.hold_ref)
            else:
                await free_quota.give_back(conn, job.id)
        assert updated is not None
    settled = _job(updated)
    log_event(
        "JOB_SETTLED",
        job_id=job_id,
        status=settled.status,
        payment=settled.payment,
        fail_code=settled.fail_code,
    )
    return Settlement(settled, changed=True)


async def mark_enqueued(db: Pool | Connection, job_id: int) -> None:
    await db.execute("UPDATE jobs SET deliver_enqueued_at = now() WHERE id = $1", job_id)


async def lock_for_delivery(conn: Connection, job_id: int) -> Job | None:
    """The job, locked until the caller's transaction ends (one delivery at a time)."""
    row = await conn.fetchrow(f"SELECT {_COLUMNS} FROM jobs WHERE id = $1 FOR UPDATE", job_id)
    return _job(row) if row else None


async def mark_delivered(conn: Connection, job_id: int) -> None:
    """Record, in the delivering transaction, that the user has seen everything the job has."""
    await conn.execute(
        """
        UPDATE jobs SET delivered_at = coalesce(delivered_at, now()),
                        late_delivered_at = CASE WHEN late_result THEN coalesce(late_delivered_at, now()) END
         WHERE id = $1
        """,
        job_id,
    )


async def claim_stale(conn: Connection, *, older_than: timedelta, limit: int = 50) -> list[Job]:
    """Jobs worth asking KIE about, locked for this transaction (concurrent runs skip them):
    open jobs nobody heard about for ``older_than``, and, for a day, timed-out jobs whose result may
    still come (every 10 minutes)."""
    rows = await conn.fetch(
        f"""
        SELECT {_COLUMNS} FROM jobs
         WHERE (status IN ('created', 'submitted')
                AND coalesce(checked_at, submitted_at, created_at) < now() - $1::interval)
            OR ({AWAITS_LATE_RESULT_SQL} AND task_id IS NOT NULL
                AND finished_at > now() - $3::interval
                AND coalesce(checked_at, finished_at) < now() - interval '10 minutes')
         ORDER BY created_at
         LIMIT $2
         FOR UPDATE SKIP LOCKED
        """,
        older_than,
        limit,
        LATE_RESULT_WINDOW,
    )
    return [_job(row) for row in rows]


async def mark_checked(conn: Connection, job_id: int) -> None:
    await conn.execute("UPDATE jobs SET checked_at = now() WHERE id = $1", job_id)


async def claim_undelivered(conn: Connection, *, older_than: timedelta, limit: int = 50) -> list[Job]:
    """Finished jobs whose delivery message got lost (or was never sent), locked for this transaction."""
    rows = await conn.fetch(
        f"""
        SELECT {_COLUMNS} FROM jobs
         WHERE finished_at IS NOT NULL AND (delivered_at IS NULL OR (late_result AND late_delivered_at IS NULL))
           AND coalesce(deliver_enqueued_at, finished_at) < now() - $1::interval
         ORDER BY finished_at
         LIMIT $2
         FOR UPDATE SKIP LOCKED
        """,
        older_than,
        limit,
    )
    return [_job(row) for row in rows]
