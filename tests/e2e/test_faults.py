"""Faults on the whole local stack: money and jobs end as if every step had run once.

Two suites, both seeded so a failure replays:

- every fault point of the generation path (creativebot.faults.POINTS) gets a crash, a Telegram error or
  a lost database connection; the person's paid generation must still end with one KIE task, one charge
  (or a full refund), no hold left and the result delivered;
- 24 jobs submitted while 30 % of createTask and recordInfo calls fail in the ways that hide a task
  (502 after creating it, a stall past our timeout) or refuse it: at most one paid task per job, every
  job terminal, and no job reported failed while KIE finished a task for it.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections.abc import Callable, Iterator
from typing import Any

import asyncpg
import pytest
from aiogram.exceptions import TelegramServerError
from aiogram.methods import SendMessage

from creativebot import faults, generation, jobs, wallet
from creativebot.config import CronSettings, get_settings
from creativebot.db import create_pool
from creativebot.kie.client import KieClient
from infra.local.kie import FaultPlan
from infra.local.stack import LocalStack
from infra.local.telegram.client import ChatUser
from tests.e2e.conftest import Database
from tests.e2e.flows import LAUNCH_4_RUB, NANO_BANANA, is_photo, launch, open_model, start, to_confirm

USER = 100001
RUB = 100
SEED = 20261129
PASSES = 200  # polls of 0.05 s while waiting for the stack


@pytest.fixture(autouse=True)
def no_armed_faults() -> Iterator[None]:
    faults.disarm()
    yield
    faults.disarm()


def _errors(point: str) -> list[BaseException]:
    """What can break at ``point``: a crash always; where the step talks to Telegram or PostgreSQL, their
    errors too (the kinds the worker retries)."""
    crash: BaseException = faults.SimulatedCrash(point)
    telegram = TelegramServerError(method=SendMessage(chat_id=USER, text="-"), message="Bad Gateway")
    database = asyncpg.exceptions.ConnectionDoesNotExistError(
        "connection was closed in the middle of operation"
    )
    return [crash, telegram, database]


# Points whose crash lands between our record of createTask's intent and KIE's answer: whether KIE took the
# task is unknowable there, so the job waits for its task (adopted from the callback when it exists) and
# otherwise times out with the money returned. Every other point ends as the fault-free run does.
_UNKNOWABLE = {"submit.after_intent"}
# Cron's points have their own test below; a broadcast's are crashed in tests/e2e/test_broadcast.py.
_LAUNCH_POINTS = [p for p in faults.POINTS if not p.startswith(("cron.", "broadcast."))]


def _wait(check: Callable[[], bool], what: str, passes: int = PASSES) -> None:
    for _ in range(passes):
        if check():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def _job(database: Database) -> dict[str, Any]:
    """The person's job (an empty dict before the launch created it)."""
    row = database.run(
        lambda pool: pool.fetchrow(
            "SELECT id, status, fail_code, task_id, delivered_at, delivery_failed_at, delivered_parts,"
            " deliver_enqueued_at FROM jobs WHERE user_id = $1",
            USER,
        )
    )
    return dict(row) if row else {}


def _settle_the_rest(stack: LocalStack, database: Database, rounds: int = 12) -> None:
    """What time does on AWS: leases run out, jobs go stale or time out, and cron runs."""
    for _ in range(rounds):
        job = _job(database)
        if job.get("status") in jobs.TERMINAL and (job["delivered_at"] or job["delivery_failed_at"]):
            return
        database.execute(
            "UPDATE jobs SET created_at = created_at - interval '3 minutes', checked_at = NULL,"
            " submitted_at = submitted_at - interval '3 minutes',"
            " delivery_started_at = delivery_started_at - interval '3 minutes',"
            " deliver_enqueued_at = deliver_enqueued_at - interval '3 minutes',"
            " finished_at = finished_at - interval '3 minutes' WHERE user_id = $1",
            USER,
        )
        with contextlib.suppress(faults.SimulatedCrash):  # cron died; the next run goes on
            stack.run_cron_once()
        time.sleep(0.4)
    raise AssertionError(f"the job never finished: {_job(database)}")


def _assert_once(stack: LocalStack, person: ChatUser, database: Database, point: str) -> None:
    assert stack.fake_kie is not None
    job = _job(database)
    assert stack.fake_kie.fake.max_tasks_per_callback() <= 1, point
    balance = database.balance(USER)
    assert balance.held == 0, point
    assert database.run(wallet.verify_wallet_invariants) == [], point
    charges = database.fetchval("SELECT count(*) FROM ledger WHERE kind = 'charge'")
    if point in _UNKNOWABLE and job["status"] == "failed":
        assert (job["fail_code"], charges, balance.balance) == (jobs.TIMEOUT_CODE, 0, 20 * RUB), point
        return
    assert (job["status"], charges, balance.balance) == ("succeeded", 1, 16 * RUB), point
    photos = [m for m in person.history() if is_photo(m)]
    # A crash between Telegram's answer and our record of it is the one window that repeats a message.
    assert 1 <= len(photos) <= (2 if point == "delivery.after_send" else 1), (point, len(photos))


def _generation(person: ChatUser, database: Database, prompt: str) -> None:
    start(person)
    database.topup(USER, 20 * RUB)
    open_model(person, "photo", NANO_BANANA)
    launch(person, to_confirm(person, prompt), LAUNCH_4_RUB)


@pytest.mark.parametrize("point", _LAUNCH_POINTS)
def test_a_fault_at_each_point_of_the_generation_path_ends_as_if_it_ran_once(
    stack: LocalStack, person: ChatUser, database: Database, point: str
) -> None:
    # Given: a fault at this point (its kind drawn from the seed)
    error = random.Random(f"{SEED}:{point}").choice(_errors(point))
    faults.arm(point, error)
    # When: a paid generation, and time passes as it does on AWS
    _generation(person, database, f"маяк ({point})")
    _wait(
        lambda: not faults.pending() or _job(database).get("status") in jobs.TERMINAL, f"the fault at {point}"
    )
    _settle_the_rest(stack, database)
    # Then
    assert not faults.pending(), f"the fault at {point} never fired"
    _assert_once(stack, person, database, point)


@pytest.mark.parametrize("point", ["cron.after_claim", "cron.after_settle"])
def test_a_cron_run_that_dies_leaves_the_next_one_to_finish(
    stack: LocalStack, person: ChatUser, database: Database, point: str
) -> None:
    # Given: a generation whose callback never comes, so cron must find its result
    _generation(person, database, "[nocallback] маяк")
    _wait(lambda: _job(database).get("task_id") is not None, "the task id")
    assert stack.fake_kie is not None
    task_id = _job(database)["task_id"]
    _wait(lambda: stack.fake_kie is not None and stack.fake_kie.fake.tasks[task_id].state == "success", "KIE")
    # When: the first cron run dies at this point
    faults.arm(point)
    _settle_the_rest(stack, database)
    # Then
    assert not faults.pending()
    _assert_once(stack, person, database, point)


def test_thirty_percent_faults_at_kie_never_make_a_second_paid_task(
    stack: LocalStack, database: Database
) -> None:
    assert stack.fake_kie is not None
    fake = stack.fake_kie.fake
    fake.faults = FaultPlan(
        seed=SEED,
        rate=0.3,
        kinds=("created_then_502", "created_then_stall", "refused_503", "record_502", "record_stall"),
        stall_sec=2.5,
    )
    users = list(range(200_001, 200_025))

    async def submit_all() -> list[jobs.Job]:
        pool = await create_pool(database.url, max_size=4)
        settings = get_settings(CronSettings)
        try:
            async with KieClient(settings.kie.model_copy(update={"kie_timeout_sec": 1.5})) as kie:
                target = generation.CallbackTarget(
                    settings.app.public_base_url or "", settings.kie.kie_callback_secret.get_secret_value()
                )
                created = []
                for user in users:
                    await pool.execute("INSERT INTO users (id) VALUES ($1)", user)
                    await wallet.topup(pool, user, 10 * RUB, f"t{user}")
                    job, _ = await jobs.create(
                        pool,
                        jobs.NewJob(
                            user,
                            user,
                            "d",
                            "z-image",
                            "кот",
                            {},
                            [],
                            {"prompt": "кот", "aspect_ratio": "1:1"},
                            400,
                            "ru",
                            None,
                        ),
                    )
                    created.append(await generation.submit(pool, kie, job, target, settings.queue))
                return created
        finally:
            await pool.close()

    submitted = asyncio.run(submit_all())
    assert any(job.submit_uncertain for job in submitted), "the seed made no uncertain submission"
    # Every job ends: callbacks adopt what KIE made; cron settles the rest once time has passed.
    simulated_min = 0  # cron runs move the jobs' clocks 4 minutes back each: the longest hold, simulated
    for _ in range(40):
        open_jobs = database.fetchval("SELECT count(*) FROM jobs WHERE status IN ('created', 'submitted')")
        if open_jobs == 0:
            break
        simulated_min += 4
        database.execute(
            "UPDATE jobs SET created_at = created_at - interval '4 minutes', checked_at = NULL,"
            " submitted_at = submitted_at - interval '4 minutes'"
        )
        stack.run_cron_once()
        time.sleep(0.3)
    assert database.fetchval("SELECT count(*) FROM jobs WHERE status IN ('created', 'submitted')") == 0
    # no money held longer than the job timeout plus one cron period (5 minutes)
    assert simulated_min <= get_settings(CronSettings).app.job_timeout_min + 5, simulated_min
    assert fake.max_tasks_per_callback() <= 1
    # No job was told 'failed' while KIE finished a task made for it.
    finished_at_kie = {task.callback_url for task in fake.tasks.values() if task.state == "success"}
    failed = database.run(
        lambda pool: pool.fetch("SELECT id FROM jobs WHERE status = 'failed' AND result_urls IS NULL")
    )
    settings = get_settings(CronSettings)
    target = generation.CallbackTarget(
        settings.app.public_base_url or "", settings.kie.kie_callback_secret.get_secret_value()
    )
    assert not {target.url_for(row["id"]) for row in failed} & finished_at_kie
    assert database.run(wallet.verify_wallet_invariants) == []
    tasks = sum(1 for task in fake.tasks.values() if task.callback_url)  # jobs' tasks, not voice samples
    print(  # noqa: T201 - the suite's figures, for the report
        f"\n24 jobs, {tasks} KIE tasks, at most {fake.max_tasks_per_callback()} per job, faults {fake.faults.fired},"
        f" every hold ended within {simulated_min} simulated minutes"
    )
