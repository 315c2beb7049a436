"""Cron under contention and backlog: no deadlocks, no starvation, inside its time budget."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest

from creativebot import budget, generation, jobs, maintenance, wallet
from creativebot.config import CronSettings, get_settings
from creativebot.db import Pool
from creativebot.kie.client import KieClient
from infra.local.kie import FakeKieServer, FaultPlan
from tests.helpers import Queues

PRICE = 400


async def _user(pool: Pool, user_id: int, kopecks: int = 100_000) -> None:
    await pool.execute("INSERT INTO users (id) VALUES ($1) ON CONFLICT DO NOTHING", user_id)
    await wallet.topup(pool, user_id, kopecks, f"test-topup:{user_id}")


async def _job(
    pool: Pool, user_id: int, draft: str, *, model: str = "google/nano-banana", free: bool = False
) -> jobs.Job:
    job, _ = await jobs.create(
        pool,
        jobs.NewJob(
            user_id=user_id,
            chat_id=user_id,
            draft_id=draft,
            model_id=model,
            prompt="кот",
            options={},
            image_urls=[],
            inputs={"prompt": "кот"},
            price=PRICE,
            language="ru",
            cid=None,
        ),
        jobs.LaunchRules(free=jobs.FreeQuota(5, "Europe/Moscow") if free else None),
    )
    return job


async def _age(pool: Pool, minutes: int, job_ids: list[int] | None = None) -> None:
    await pool.execute(
        "UPDATE jobs SET created_at = now() - make_interval(mins => $1), checked_at = NULL,"
        " submitted_at = CASE WHEN submitted_at IS NOT NULL THEN now() - make_interval(mins => $1) END"
        " WHERE $2::bigint[] IS NULL OR id = ANY($2::bigint[])",
        minutes,
        job_ids,
    )


async def _deadlocks(pool: Pool) -> int:
    return int(
        await pool.fetchval("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")
    )


async def test_two_cron_runs_and_new_launches_never_deadlock(
    pool: Pool, cron_context: maintenance.CronContext
) -> None:
    # Given: six users, each with free and paid jobs that timed out waiting for KIE
    users = range(700_001, 700_007)
    stale = []
    for user in users:
        await _user(pool, user)
        for n in range(4):
            job = await _job(pool, user, f"old-{n}", model="z-image", free=n % 2 == 0)
            await jobs.record_submit_intent(pool, job.id)  # sent, outcome unknown: no KIE call needed
            stale.append(job.id)
    await _age(pool, 40)
    deadlocks_before = await _deadlocks(pool)

    async def launches() -> None:
        for round_ in range(4):
            await asyncio.gather(
                *(_job(pool, user, f"new-{round_}", model="z-image", free=round_ % 2 == 0) for user in users)
            )

    # When: two cron runs at once (each settling job by job) while the same users launch new jobs
    results = await asyncio.gather(
        maintenance.reconcile_open_jobs(cron_context),
        maintenance.reconcile_open_jobs(cron_context),
        launches(),
        maintenance.reconcile_open_jobs(cron_context),
    )
    # Then: no deadlock anywhere, every stale job settled exactly once between the runs
    assert await _deadlocks(pool) == deadlocks_before
    assert sum(count for count in results if isinstance(count, int)) == len(stale)
    statuses = await pool.fetch("SELECT status FROM jobs WHERE id = ANY($1::bigint[])", stale)
    assert {row["status"] for row in statuses} == {"failed"}
    assert await wallet.verify_wallet_invariants(pool) == []
    released = await pool.fetchval("SELECT count(*) FROM ledger WHERE kind = 'release'")
    assert released == len(stale) // 2  # the paid half


async def test_a_fresh_job_is_reconciled_even_behind_a_backlog_of_late_result_polls(
    pool: Pool, kie: FakeKieServer, cron_context: maintenance.CronContext, sqs: Queues
) -> None:
    # Given: 50 timed-out jobs still asked about for a late result ...
    await _user(pool, 710_001)
    backlog = []
    for n in range(50):
        job = await _job(pool, 710_001, f"late-{n}")
        await jobs.mark_submitted(pool, job.id, f"task-gone-{n}")
        backlog.append(job.id)
    await _age(pool, 60)
    await cron_context.pool.execute("UPDATE jobs SET created_at = now() - interval '2 hours'")
    while await maintenance.reconcile_open_jobs(cron_context):  # they all time out
        pass
    await pool.execute("UPDATE jobs SET checked_at = now() - interval '1 hour'")
    # ... and a fresh job whose callback got lost while KIE finished it
    await _user(pool, 710_002)
    fresh = await _job(pool, 710_002, "fresh")
    kie.fake.script("nocallback")
    target = cron_context.callback_target
    submitted = await generation.submit(pool, cron_context.kie, fresh, target, cron_context.settings.queue)
    assert submitted.task_id is not None
    for _ in range(100):
        if kie.fake.tasks[submitted.task_id].state == "success":
            break
        await asyncio.sleep(0.05)
    await _age(pool, 3, [fresh.id])
    # When: one cron run
    await maintenance.run(cron_context, maintenance.CronInput(task="maintenance"))
    # Then: the fresh job is settled in that very run, and the backlog was asked about too
    assert (await jobs.get(pool, fresh.id)).status == "succeeded"  # type: ignore[union-attr]
    asked = await pool.fetchval(
        "SELECT count(*) FROM jobs WHERE id = ANY($1::bigint[]) AND checked_at > now() - interval '1 minute'",
        backlog,
    )
    assert asked == maintenance.BATCH


@pytest.fixture
async def slow_kie_context(
    pool: Pool, kie: FakeKieServer, sqs: Queues, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[maintenance.CronContext]:
    """Cron against a KIE whose recordInfo never answers in time, with a 1.5 s KIE timeout."""
    monkeypatch.setenv("KIE_TIMEOUT_SEC", "1.5")
    get_settings.cache_clear()
    kie.fake.faults = FaultPlan(seed=1, rate=1.0, kinds=("record_stall",), methods=("record",), stall_sec=5.0)
    settings = get_settings(CronSettings)
    async with KieClient(settings.kie) as client:
        yield maintenance.CronContext(pool=pool, kie=client, settings=settings)


async def test_cron_stops_inside_its_time_budget_and_the_next_run_goes_on(
    pool: Pool, slow_kie_context: maintenance.CronContext
) -> None:
    # Given: ten submitted jobs nobody heard about, KIE silent
    await _user(pool, 720_001)
    ids = []
    for n in range(10):
        job = await _job(pool, 720_001, f"d{n}")
        await jobs.mark_submitted(pool, job.id, f"task-{n}")
        ids.append(job.id)
    await _age(pool, 3)
    # When: a run with 10 s of the Lambda left (5 s of margin, 1.5 s per KIE call)
    started = time.monotonic()
    with budget.invocation(10_000):
        await maintenance.reconcile_open_jobs(slow_kie_context)
    elapsed = time.monotonic() - started
    # Then: it stopped before the margin, and every claimed job is marked checked (a later run rotates)
    assert elapsed < 10 - budget.MARGIN_SEC + 1.0, elapsed
    assert await pool.fetchval("SELECT count(*) FROM jobs WHERE checked_at IS NOT NULL") == 10
    assert await pool.fetchval("SELECT count(*) FROM jobs WHERE status = 'submitted'") == 10


async def test_submit_against_a_silent_kie_ends_inside_the_budget_and_never_resends(
    pool: Pool, kie: FakeKieServer, cron_context: maintenance.CronContext
) -> None:
    # Given: KIE takes the task and then never answers
    kie.fake.faults = FaultPlan(
        seed=3, rate=1.0, kinds=("created_then_stall",), methods=("create",), stall_sec=30
    )
    await _user(pool, 730_001)
    job = await _job(pool, 730_001, "silent")
    # When: the worker has 8.5 s of its invocation left
    started = time.monotonic()
    with budget.invocation(8_500):
        after = await generation.submit(
            pool, cron_context.kie, job, cron_context.callback_target, cron_context.settings.queue
        )
    # Then: the call gave up before the margin, the job waits for its task (no second call)
    assert time.monotonic() - started < 8.5 - budget.MARGIN_SEC + 0.8
    assert (after.status, after.submit_uncertain) == ("created", True)
    assert len(kie.fake.create_requests) == 1
