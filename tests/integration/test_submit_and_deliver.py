"""Submitting to KIE through its errors, and delivering to someone who blocked the bot."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest

from creativebot import generation, jobs, wallet
from creativebot.config import CallbackSettings, KieSettings, TelegramSettings, get_settings
from creativebot.db import Pool
from creativebot.fetch import FetchPolicy
from creativebot.kie.client import KieClient
from creativebot.telegram.bot import build_bot
from creativebot.telegram.delivery import deliver
from creativebot.telegram.views import results
from creativebot.texts import RU
from creativebot.texts.failures import RU as FAILURES_RU
from infra.local.kie import FakeKieServer
from infra.local.telegram import EmulatorServer
from tests.helpers import Queues

USER = 515151
PRICE = 400


@pytest.fixture
async def kie_client(kie: FakeKieServer) -> AsyncIterator[KieClient]:
    async with KieClient(KieSettings()) as client:
        yield client


async def _created(pool: Pool, prompt: str, draft: str = "d1") -> jobs.Job:
    await pool.execute("INSERT INTO users (id) VALUES ($1) ON CONFLICT DO NOTHING", USER)
    await wallet.topup(pool, USER, 10_00, f"stars:{draft}")
    job, _ = await jobs.create(
        pool,
        jobs.NewJob(
            user_id=USER,
            chat_id=USER,
            draft_id=draft,
            model_id="z-image",
            prompt=prompt,
            options={"aspect_ratio": "1:1"},
            image_urls=[],
            inputs={"prompt": prompt, "aspect_ratio": "1:1"},
            price=PRICE,
            language="ru",
            cid="cid-submit",
        ),
    )
    return job


async def _submit(pool: Pool, client: KieClient, job: jobs.Job) -> jobs.Job:
    settings = get_settings(CallbackSettings)
    target = generation.CallbackTarget("https://bot.test.invalid", "test-callback-secret-0123456789")
    return await generation.submit(pool, client, job, target, settings.queue)


def _deliveries(sqs: Queues) -> list[int]:
    return [json.loads(m["Body"])["job_id"] for m in sqs.receive_all()]


async def test_a_passing_rate_limit_is_retried_and_the_job_goes_on(
    pool: Pool, kie: FakeKieServer, kie_client: KieClient, sqs: Queues
) -> None:
    kie.fake.script("429", "nocallback")  # the first createTask is refused, the retry is accepted
    kie.fake.script("nocallback")
    job = await _submitted_or_failed(pool, kie_client, "маяк")
    assert job.status == "submitted" and job.task_id
    assert len(kie.fake.create_requests) == 2
    assert await wallet.balance_of(pool, USER) == wallet.Balance(10_00, PRICE)
    assert _deliveries(sqs) == []


async def _submitted_or_failed(pool: Pool, client: KieClient, prompt: str) -> jobs.Job:
    return await _submit(pool, client, await _created(pool, prompt))


@pytest.mark.parametrize(
    ("keyword", "code", "reason"),
    [("[429]", "kie_429", FAILURES_RU.busy), ("[402]", "kie_402", FAILURES_RU.busy)],
)
async def test_a_lasting_refusal_fails_the_job_returns_the_money_and_queues_the_notice(
    pool: Pool, kie: FakeKieServer, kie_client: KieClient, sqs: Queues, keyword: str, code: str, reason: str
) -> None:
    job = await _submitted_or_failed(pool, kie_client, f"{keyword} маяк")
    assert (job.status, job.fail_code) == ("failed", code)
    attempts = len(generation.SUBMIT_BACKOFF_SEC) + 1 if code == "kie_429" else 1
    assert len(kie.fake.create_requests) == attempts
    assert await wallet.balance_of(pool, USER) == wallet.Balance(10_00, 0)
    assert _deliveries(sqs) == [job.id]
    assert results.failure_reason(RU, job, 30) == reason


async def test_a_5xx_from_create_task_is_never_sent_again_and_the_job_waits_for_its_task(
    pool: Pool, kie: FakeKieServer, kie_client: KieClient, sqs: Queues
) -> None:
    # Given: KIE answers createTask with a 500 (it may or may not have made the task)
    job = await _submitted_or_failed(pool, kie_client, "[500] маяк")
    # Then: one call only, the money stays held, the job waits (its callback or the timeout settles it)
    assert len(kie.fake.create_requests) == 1
    assert (job.status, job.submit_uncertain, job.submit_started_at is not None) == ("created", True, True)
    assert await wallet.balance_of(pool, USER) == wallet.Balance(10_00, PRICE)
    assert _deliveries(sqs) == []
    # When: the submission is tried again (a retried button press, cron)
    again = await _submit(pool, kie_client, job)
    # Then: still one call
    assert len(kie.fake.create_requests) == 1 and again.status == "created"


async def test_a_rejected_request_says_what_kie_objected_to_in_our_words(
    pool: Pool, kie: FakeKieServer, kie_client: KieClient, sqs: Queues
) -> None:
    job = await _submitted_or_failed(pool, kie_client, "[422] маяк")
    assert job.fail_code == "kie_422"
    reason = results.failure_reason(RU, job, 30)
    assert reason == FAILURES_RU.language
    assert "prompt is not supported" not in reason  # KIE's English stays in the logs


async def test_a_user_who_blocked_the_bot_ends_the_delivery_at_once_not_retried_forever(
    pool: Pool, kie: FakeKieServer, kie_client: KieClient, sqs: Queues, telegram: EmulatorServer
) -> None:
    # Given: a finished job whose owner has blocked the bot
    job = await _submitted_or_failed(pool, kie_client, "[402] маяк")
    telegram.emulator.user(USER)
    telegram.emulator.blocked.add(USER)
    bot = build_bot(TelegramSettings())
    try:
        # When
        handled = await deliver(pool, bot, job.id, timeout_min=30, fetch_policy=FetchPolicy())
        again = await deliver(pool, bot, job.id, timeout_min=30, fetch_policy=FetchPolicy())
    finally:
        await bot.session.close()
    # Then: a final state after one try, so the chat's queue is not held up by retries
    assert (handled, again) == (True, False)
    after = await jobs.get(pool, job.id)
    assert after is not None and after.delivered_at is None and after.delivery_failed_at is not None
    assert after.delivery_failure is not None and "unreachable" in after.delivery_failure
    assert len(telegram.emulator.calls_of("sendMessage")) == 1
