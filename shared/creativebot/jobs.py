"""Jobs: one generation from the user's "Запустить" to the delivered result (or the refund).

Money moves exactly once: creating a job holds its price (or reserves a free slot) in the same
transaction; settling it charges (or consumes) on success and releases (or returns) on failure, in
the same transaction as the status change. A finished job never changes status (a trigger refuses).

Lock order, everywhere a transaction touches several of these rows: job → wallet → free quota. No
transaction here waits on anything outside the database; KIE and Telegram are called between them.
Submission and delivery keep recovery points on the job row (the intent to call createTask; the
delivery's attempts, lease and messages sent), so a retry resumes instead of repeating.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal, get_args

import asyncpg

from creativebot.db import Connection, Pool, transaction
from creativebot.observability import log_event
from creativebot.wallet import free_quota, gifts, ledger

# The states and payment kinds the jobs table's CHECKs allow (a test compares them with the schema).
JobStatus = Literal["created", "submitted", "succeeded", "failed", "canceled"]
JobPayment = Literal["wallet", "free", "gift"]
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
    " created_at, submitted_at, checked_at, finished_at, deliver_enqueued_at, delivered_at, late_delivered_at,"
    " submit_started_at, submit_uncertain, delivery_attempts, delivery_started_at, delivered_parts,"
    " delivery_failed_at, delivery_failure, result_files, result_meta"
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
    submit_started_at: datetime | None
    submit_uncertain: bool
    delivery_attempts: int
    delivery_started_at: datetime | None
    delivered_parts: int
    delivery_failed_at: datetime | None
    delivery_failure: str | None
    result_files: list[dict[str, str]] | None
    # per result URL: title, cover (Suno's tracks); fallback (Veo's backup model made it)
    result_meta: list[dict[str, Any]] | None

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
        if not self.finished or self.delivery_failed_at is not None:
            return False
        return self.delivered_at is None or (self.late_result and self.late_delivered_at is None)

    @property
    def unsent(self) -> bool:
        """Paid for (or a free slot taken) and never offered to KIE: a submission may start."""
        return self.status == "created" and self.submit_started_at is None


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


class TooManyOpen(Exception):
    """The person already has as many generations running as they may."""

    def __init__(self, running: int) -> None:
        super().__init__(f"{running} generations are running")
        self.running = running


@dataclass(frozen=True)
class FreeQuota:
    limit: int
    tz: str


@dataclass(frozen=True)
class LaunchRules:
    """How a launch may be paid besides the wallet, and how many may run at once."""

    free: FreeQuota | None = None  # the model's free daily runs
    gift_max_price: int | None = None  # a granted free run covers a price up to this (kopecks)
    open_limit: int | None = None  # open jobs a person may have (None: no limit, for operators)


async def create(db: Pool | Connection, draft: NewJob, rules: LaunchRules | None = None) -> tuple[Job, bool]:
    """The job and its payment in one transaction; (job, False) when this draft was already launched.

    A free daily slot is used when the model has one left today, else a granted free run when the
    price is within its cap, else the price is held (ledger.InsufficientFunds leaves nothing behind).
    The wallet is locked first, even for a free run: it serialises one person's launches (so the limit
    of open jobs is exact) and keeps the lock order (job, wallet, free quota, the user's gift runs).
    """
    rules = rules or LaunchRules()
    async with transaction(db) as conn:
        existing = await by_draft(conn, draft.user_id, draft.draft_id)
        if existing is not None:
            return existing, False
        await ledger.lock_wallet(conn, draft.user_id)
        if rules.open_limit is not None:
            running = int(
                await conn.fetchval(
                    "SELECT count(*) FROM jobs WHERE user_id = $1 AND status IN ('created', 'submitted')",
                    draft.user_id,
                )
            )
            if running >= rules.open_limit:
                raise TooManyOpen(running)
        job_id = int(await conn.fetchval("SELECT nextval('jobs_id_seq')"))
        free = rules.free
        payment: JobPayment = "wallet"
        if free is not None and await free_quota.reserve(
            conn, user_id=draft.user_id, model_id=draft.model_id, job_id=job_id, limit=free.limit, tz=free.tz
        ):
            payment = "free"
        elif (
            rules.gift_max_price is not None
            and draft.price <= rules.gift_max_price
            and await gifts.reserve(conn, draft.user_id, job_id)
        ):
            payment = "gift"
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
                draft.price if payment == "wallet" else 0,
                payment,
                draft.language,
                draft.cid,
            )
        except asyncpg.UniqueViolationError:
            # A concurrent launch of the same draft won; this transaction rolls back.
            raise ConcurrentLaunch(draft.draft_id) from None
        assert row is not None
        job = _job(row)
        if payment == "wallet":
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


async def set_status_message(db: Pool | Connection, job_id: int, message_id: int) -> None:
    await db.execute("UPDATE jobs SET status_message_id = $2 WHERE id = $1", job_id, message_id)


# --- submission ----------------------------------------------------------------------------------------


async def record_submit_intent(db: Pool | Connection, job_id: int) -> Job | None:
    """Take the right to call createTask for the job, durably; None when it is not ours to take (the job
    moved on, or an earlier attempt may already have reached KIE)."""
    row = await db.fetchrow(
        f"""
        UPDATE jobs SET submit_started_at = now(), submit_attempts = submit_attempts + 1
         WHERE id = $1 AND status = 'created' AND submit_started_at IS NULL
        RETURNING {_COLUMNS}
        """,
        job_id,
    )
    return _job(row) if row else None


async def withdraw_submit_intent(db: Pool | Connection, job_id: int) -> None:
    """createTask was certainly not sent (no time left to make the call): the next attempt may."""
    await db.execute(
        "UPDATE jobs SET submit_started_at = NULL WHERE id = $1 AND status = 'created' AND task_id IS NULL",
        job_id,
    )


async def mark_submit_uncertain(db: Pool | Connection, job_id: int) -> Job:
    """createTask may have reached KIE: wait for its task to turn up (callback) or for the timeout."""
    row = await db.fetchrow(
        f"UPDATE jobs SET submit_uncertain = true WHERE id = $1 RETURNING {_COLUMNS}", job_id
    )
    assert row is not None
    return _job(row)


async def mark_submitted(db: Pool | Connection, job_id: int, task_id: str) -> Job | None:
    """created -> submitted with KIE's task id; None if the job moved on meanwhile (a fast callback)."""
    row = await db.fetchrow(
        f"""
        UPDATE jobs SET status = 'submitted', task_id = $2, submitted_at = now(), submit_uncertain = false,
                        submit_started_at = coalesce(submit_started_at, now())
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


# --- settlement ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    success: bool
    result_urls: tuple[str, ...] = ()
    fail_code: str | None = None
    fail_reason: str | None = None
    result_meta: tuple[dict[str, Any], ...] | None = None

    @classmethod
    def succeeded(cls, urls: list[str], meta: list[dict[str, Any]] | None = None) -> Outcome:
        return cls(True, tuple(urls), result_meta=tuple(meta) if meta else None)

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
    already returned, and the user still gets what they asked for (a second delivery, from scratch).
    """
    async with transaction(db) as conn:
        row = await conn.fetchrow(f"SELECT {_COLUMNS} FROM jobs WHERE id = $1 FOR UPDATE", job_id)
        if row is None:
            raise LookupError(f"job {job_id} does not exist")
        job = _job(row)
        if job.finished:
            if outcome.success and job.awaits_late_result:
                updated = await conn.fetchrow(
                    f"""
                    UPDATE jobs SET result_urls = $2, result_meta = $3, late_result = true, delivered_parts = 0,
                                    delivery_attempts = 0, delivery_started_at = NULL
                     WHERE id = $1 RETURNING {_COLUMNS}
                    """,
                    job_id,
                    list(outcome.result_urls),
                    list(outcome.result_meta) if outcome.result_meta else None,
                )
                assert updated is not None
                log_event("JOB_LATE_RESULT", job_id=job_id)
                return Settlement(_job(updated), changed=True, late=True)
            return Settlement(job, changed=False)
        if outcome.success:
            updated = await conn.fetchrow(
                f"""
                UPDATE jobs SET status = 'succeeded', result_urls = $2, result_meta = $3, finished_at = now()
                 WHERE id = $1 RETURNING {_COLUMNS}
                """,
                job_id,
                list(outcome.result_urls),
                list(outcome.result_meta) if outcome.result_meta else None,
            )
            if job.payment == "wallet":
                await ledger.charge(conn, job.user_id, job.hold_ref)
            elif job.payment == "gift":
                await gifts.consume(conn, job.id)
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
            await _give_back(conn, job)
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


async def _give_back(conn: Connection, job: Job) -> None:
    """A job that will never have a result: its held price, free slot or gift run goes back (after the job's
    row, keeping the lock order job → wallet → free quota)."""
    if job.payment == "wallet":
        await ledger.release(conn, job.user_id, job.hold_ref)
    elif job.payment == "gift":
        await gifts.give_back(conn, job.id)
    else:
        await free_quota.give_back(conn, job.id)


async def cancel(db: Pool | Connection, job_id: int, user_id: int) -> Job | None:
    """created -> canceled, at the person's request, for a job never offered to KIE: its money comes back in
    the same transaction, as for a failure. None when the job is not this person's or may no longer be
    canceled (a submission took it, even one whose outcome is unknown, or it finished).

    The condition is record_submit_intent's own, on the same row: whichever of the two updates comes first
    wins and the other matches nothing, so a job is never both canceled and sent. The person is told by the
    caller, at once, so the job counts as delivered (cron never queues a delivery for it).
    """
    async with transaction(db) as conn:
        row = await conn.fetchrow(
            f"""
            UPDATE jobs SET status = 'canceled', finished_at = now(), delivered_at = now()
             WHERE id = $1 AND user_id = $2 AND status = 'created' AND submit_started_at IS NULL
               AND task_id IS NULL
            RETURNING {_COLUMNS}
            """,
            job_id,
            user_id,
        )
        if row is None:
            return None
        job = _job(row)
        await _give_back(conn, job)
    log_event("JOB_CANCELED", job_id=job.id, payment=job.payment, price=job.price)
    return job


# --- delivery ---------------------------------------------------------------------------------------------


async def mark_enqueued(db: Pool | Connection, job_id: int) -> None:
    await db.execute("UPDATE jobs SET deliver_enqueued_at = now() WHERE id = $1", job_id)


async def claim_delivery(db: Pool | Connection, job_id: int, *, lease: timedelta) -> Job | None:
    """Start a delivery attempt: counted, and leased so no other worker delivers the job meanwhile.
    None when there is nothing (new) to deliver or another attempt holds a live lease."""
    row = await db.fetchrow(
        f"""
        UPDATE jobs SET delivery_attempts = delivery_attempts + 1, delivery_started_at = now()
         WHERE id = $1 AND finished_at IS NOT NULL AND delivery_failed_at IS NULL
           AND (delivered_at IS NULL OR (late_result AND late_delivered_at IS NULL))
           AND (delivery_started_at IS NULL OR delivery_started_at < now() - $2::interval)
        RETURNING {_COLUMNS}
        """,
        job_id,
        lease,
    )
    return _job(row) if row else None


async def record_delivered_part(
    db: Pool | Connection, attempt: Job, parts: int, files: list[dict[str, str]]
) -> None:
    """The first ``parts`` messages of this delivery attempt (the claimed job) reached Telegram; a retry
    sends only the rest. Nothing is recorded when the attempt lost its claim meanwhile (a late result
    reset the delivery, or the lease passed to another attempt)."""
    await db.execute(
        "UPDATE jobs SET delivered_parts = $2, result_files = coalesce(result_files, '[]'::jsonb) || $3::jsonb"
        " WHERE id = $1 AND delivery_started_at IS NOT DISTINCT FROM $4",
        attempt.id,
        parts,
        files,
        attempt.delivery_started_at,
    )


async def release_delivery(db: Pool | Connection, job_id: int) -> None:
    """A transient failure: the queue's retry may claim the delivery at once."""
    await db.execute("UPDATE jobs SET delivery_started_at = NULL WHERE id = $1", job_id)


async def mark_delivered(db: Pool | Connection, attempt: Job) -> None:
    """The user has seen what this attempt delivered: the result or failure (first delivery), or the
    late result. A late result that arrived during the first delivery stays to be delivered."""
    await db.execute(
        """
        UPDATE jobs SET delivered_at = coalesce(delivered_at, now()),
                        late_delivered_at = CASE WHEN $2 THEN coalesce(late_delivered_at, now())
                                                 ELSE late_delivered_at END,
                        delivery_started_at = CASE WHEN delivery_started_at IS NOT DISTINCT FROM $3 THEN NULL
                                                   ELSE delivery_started_at END
         WHERE id = $1
        """,
        attempt.id,
        attempt.late_result,
        attempt.delivery_started_at,
    )


async def mark_delivery_failed(db: Pool | Connection, job_id: int, reason: str) -> Job | None:
    """Give up on delivering the job (final); None when another attempt finished it meanwhile."""
    row = await db.fetchrow(
        f"""
        UPDATE jobs SET delivery_failed_at = now(), delivery_failure = $2, delivery_started_at = NULL
         WHERE id = $1 AND delivery_failed_at IS NULL
           AND (delivered_at IS NULL OR (late_result AND late_delivered_at IS NULL))
        RETURNING {_COLUMNS}
        """,
        job_id,
        reason[:500],
    )
    return _job(row) if row else None


# --- what cron looks at ------------------------------------------------------------------------------


async def claim_open(db: Pool | Connection, *, older_than: timedelta, limit: int) -> list[Job]:
    """Open jobs nobody heard about for ``older_than``, least recently checked first. Claiming marks
    them checked, in one short statement, so a concurrent run takes other jobs and a long backlog
    rotates instead of starving its newest jobs."""
    return await _claim(
        db,
        "status IN ('created', 'submitted') AND coalesce(checked_at, submitted_at, created_at) < now() - $1::interval",
        older_than,
        limit,
    )


async def claim_late_results(db: Pool | Connection, *, every: timedelta, limit: int) -> list[Job]:
    """Timed-out jobs whose result may still come (asked every ``every``, for LATE_RESULT_WINDOW)."""
    return await _claim(
        db,
        f"{AWAITS_LATE_RESULT_SQL} AND task_id IS NOT NULL AND finished_at > now() - $3::interval"
        " AND coalesce(checked_at, finished_at) < now() - $1::interval",
        every,
        limit,
        LATE_RESULT_WINDOW,
    )


async def _claim(db: Pool | Connection, condition: str, age: timedelta, limit: int, *extra: Any) -> list[Job]:
    rows = await db.fetch(
        f"""
        UPDATE jobs SET checked_at = now()
         WHERE id IN (SELECT id FROM jobs WHERE {condition}
                       ORDER BY coalesce(checked_at, created_at) LIMIT $2 FOR UPDATE SKIP LOCKED)
        RETURNING {_COLUMNS}
        """,
        age,
        limit,
        *extra,
    )
    return sorted((_job(row) for row in rows), key=lambda job: job.id)


async def claim_undelivered(db: Pool | Connection, *, older_than: timedelta, limit: int) -> list[Job]:
    """Finished jobs whose delivery message got lost (or was never sent), claimed by stamping a new
    enqueue time (a concurrent run skips them)."""
    rows = await db.fetch(
        f"""
        UPDATE jobs SET deliver_enqueued_at = now()
         WHERE id IN (SELECT id FROM jobs
                       WHERE finished_at IS NOT NULL AND delivery_failed_at IS NULL
                         AND (delivered_at IS NULL OR (late_result AND late_delivered_at IS NULL))
                         AND coalesce(deliver_enqueued_at, finished_at) < now() - $1::interval
                         AND (delivery_started_at IS NULL OR delivery_started_at < now() - $1::interval)
                       ORDER BY finished_at LIMIT $2 FOR UPDATE SKIP LOCKED)
        RETURNING {_COLUMNS}
        """,
        older_than,
        limit,
    )
    return [_job(row) for row in rows]
