"""A launch that breaks half-way and comes back from the queue: finished once, never paid twice."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator

import pytest
from aiogram.exceptions import TelegramServerError

from creativebot import faults, jobs, maintenance, wallet
from creativebot.callbacks import handle as handle_callback
from creativebot.config import CallbackSettings, get_settings
from creativebot.db import Pool
from creativebot.kie.client import KieClient
from creativebot.kie.signing import callback_token
from creativebot.telegram.callbacks import Launch, ModelChoose, Wizard
from creativebot.texts import RU
from creativebot.wizard import Draft
from infra.local.kie import FakeKieServer
from tests.handlers.harness import Harness, texts_of

USER = 535353
TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"


@pytest.fixture(autouse=True)
def no_armed_faults() -> Iterator[None]:
    faults.disarm()
    yield
    faults.disarm()


async def _confirmed(harness: Harness, pool: Pool) -> Draft:
    """Nano Banana (4 ₽) confirmed, with 100 ₽ on the wallet."""
    await harness.send(USER, "/start")
    await wallet.topup(pool, USER, 10_000, "test-topup")
    await harness.press(USER, ModelChoose(model="google/nano-banana"))
    await harness.send(USER, "кот")
    await harness.press(USER, Wizard(action="format_done"))
    draft = Draft.from_state(await harness.data(USER))
    assert draft is not None
    return draft


async def _job(pool: Pool) -> jobs.Job:
    job_id = await pool.fetchval("SELECT id FROM jobs WHERE user_id = $1", USER)
    job = await jobs.get(pool, job_id)
    assert job is not None
    return job


async def test_a_crash_after_the_payment_is_finished_by_the_retry_even_when_the_press_is_too_old(
    harness: Harness, pool: Pool, kie: FakeKieServer
) -> None:
    # Given: the process dies right after the job and its hold are committed
    draft = await _confirmed(harness, pool)
    faults.arm("launch.after_job_created")
    with pytest.raises(faults.SimulatedCrash):
        await harness.press(USER, Launch(draft=draft.draft_id))
    assert kie.fake.create_requests == []
    # When: SQS hands the press out again, and Telegram says the button press is too old to answer
    harness.session.fail_next("AnswerCallbackQuery", 400, TOO_OLD)
    calls = await harness.redeliver()
    # Then: the submission is finished, once, and the user sees the real state (no apology)
    job = await _job(pool)
    assert job.status == "submitted" and len(kie.fake.create_requests) == 1
    assert job.status_message_id is not None
    assert RU.error_apology not in texts_of(calls)
    assert texts_of(calls)[-1].startswith("⏳")
    assert (await wallet.balance_of(pool, USER)).held == 400


async def test_a_telegram_502_while_announcing_is_retried_into_one_submission(
    harness: Harness, pool: Pool, kie: FakeKieServer
) -> None:
    draft = await _confirmed(harness, pool)
    harness.session.fail_next("EditMessageText", 502, "Bad Gateway")
    with pytest.raises(TelegramServerError):
        await harness.press(USER, Launch(draft=draft.draft_id))
    await harness.redeliver()
    job = await _job(pool)
    assert job.status == "submitted" and len(kie.fake.create_requests) == 1
    assert await harness.state(USER) is None  # the draft is used up


async def test_a_retry_that_cannot_submit_returns_the_money_at_once(
    harness: Harness, pool: Pool, kie: FakeKieServer
) -> None:
    # Given: a crash after the payment, and KIE refusing for good when the retry comes (no credits)
    draft = await _confirmed(harness, pool)
    faults.arm("launch.after_job_created")
    with pytest.raises(faults.SimulatedCrash):
        await harness.press(USER, Launch(draft=draft.draft_id))
    kie.fake.script("402")
    # When
    await harness.redeliver()
    # Then: failed and released now, not after JOB_TIMEOUT_MIN
    job = await _job(pool)
    assert (job.status, job.fail_code) == ("failed", "kie_402")
    assert await wallet.balance_of(pool, USER) == wallet.Balance(10_000, 0)


async def _crash_after_create(harness: Harness, pool: Pool, kie: FakeKieServer) -> jobs.Job:
    draft = await _confirmed(harness, pool)
    faults.arm("submit.after_create")
    with pytest.raises(faults.SimulatedCrash):
        await harness.press(USER, Launch(draft=draft.draft_id))
    await harness.redeliver()  # the retry must not make a second task
    assert len(kie.fake.create_requests) == 1
    job = await _job(pool)
    assert (job.status, job.task_id, job.submit_started_at is not None) == ("created", None, True)
    return job


async def _finished_task(kie: FakeKieServer) -> str:
    (task_id,) = kie.fake.tasks
    for _ in range(100):
        if kie.fake.tasks[task_id].state == "success":
            return task_id
        await asyncio.sleep(0.05)
    raise AssertionError("the fake task never finished")


async def test_a_task_whose_id_was_lost_in_a_crash_is_adopted_from_its_callback(
    harness: Harness, pool: Pool, kie: FakeKieServer
) -> None:
    # Given: KIE took the task, the process died before saving its id, the retry did not resubmit
    job = await _crash_after_create(harness, pool, kie)
    task_id = await _finished_task(kie)
    # When: KIE's callback comes (with our signed URL for the job in its param)
    settings = get_settings(CallbackSettings)
    body = json.dumps({"code": 200, "msg": "ok", "data": kie.fake.tasks[task_id].record()}).encode()
    async with KieClient(settings.kie) as client:
        reply = await handle_callback(
            pool,
            client,
            settings,
            job_id=job.id,
            token=callback_token(settings.kie.kie_callback_secret.get_secret_value(), job.id),
            raw=body,
            headers={},
        )
    # Then: adopted, settled, charged once
    assert reply.status == 200
    after = await _job(pool)
    assert (after.status, after.task_id) == ("succeeded", task_id)
    assert await wallet.balance_of(pool, USER) == wallet.Balance(9_600, 0)


async def test_a_task_whose_id_and_callback_were_both_lost_times_out_and_the_money_returns(
    harness: Harness, pool: Pool, kie: FakeKieServer, cron_context: maintenance.CronContext
) -> None:
    # Given: the same crash, and the callback never arrives
    job = await _crash_after_create(harness, pool, kie)
    # When: cron runs after JOB_TIMEOUT_MIN
    await pool.execute("UPDATE jobs SET created_at = now() - interval '31 minutes' WHERE id = $1", job.id)
    assert await maintenance.reconcile_open_jobs(cron_context) == 1
    # Then: terminal, released, and still no second task
    after = await _job(pool)
    assert (after.status, after.fail_code) == ("failed", jobs.TIMEOUT_CODE)
    assert await wallet.balance_of(pool, USER) == wallet.Balance(10_000, 0)
    assert len(kie.fake.create_requests) == 1


async def test_cron_finishes_a_launch_that_stopped_before_kie_and_the_queue_gave_up(
    harness: Harness, pool: Pool, kie: FakeKieServer, cron_context: maintenance.CronContext
) -> None:
    # Given: a crash after the payment whose press is never redelivered
    draft = await _confirmed(harness, pool)
    faults.arm("launch.after_job_created")
    with pytest.raises(faults.SimulatedCrash):
        await harness.press(USER, Launch(draft=draft.draft_id))
    # When: cron runs a few minutes later
    await pool.execute("UPDATE jobs SET created_at = now() - interval '3 minutes'")
    await maintenance.reconcile_open_jobs(cron_context)
    # Then: the job went to KIE once
    job = await _job(pool)
    assert job.status == "submitted" and len(kie.fake.create_requests) == 1
