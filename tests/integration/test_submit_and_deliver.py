"""Submitting to KIE through its errors, and delivering to someone who blocked the bot."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest

from creativebot import generation, jobs, wallet
from creativebot.config import CallbackSettings, KieSettings, TelegramSettings, get_settings
from creativebot.db import Pool
from creativebot.telegram.delivery import deliver
from creativebot.kie.client import KieClient
from creativebot.telegram.bot import build_bot
from creativebot.telegram.views import results
from creativebot.texts import RU
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
    [
        ("[429]", "kie_429", RU.fail_unavailable),
        ("[500]", "kie_500", RU.fail_unavailable),
        ("[402]", "kie_402", RU.fail_busy),
    ],
)
async def test_a_lasting_kie_error_fails_the_job_returns_the_money_and_queues_the_notice(
    pool: Pool, kie: FakeKieServer, kie_client: KieClient, sqs: Queues, keyword: str, code: str, reason: str
) -> None:
    job = await _submitted_or_failed(pool, kie_client, f"{keyword} маяк")
    assert (job.status, job.fail_code) == ("failed", code)
    retryable = code in ("kie_429", "kie_500")
    assert len(kie.fake.create_requests) == (generation.SUBMIT_ATTEMPTS if retryable else 1)
    assert await wallet.balance_of(pool, USER) == wallet.Balance(10_00, 0)
    assert _deliveries(sqs) == [job.id]
    assert results.failure_reason(RU, job, 30) == reason


async def test_a_rejected_request_says_what_kie_objected_to(
    pool: Pool, kie: FakeKieServer, kie_client: KieClient, sqs: Queues
) -> None:
    job = await _submitted_or_failed(pool, kie_client, "[422] маяк")
    assert job.fail_code == "kie_422"
    assert "prompt is not supported in this language" in results.failure_reason(RU, job, 30)


async def test_a_user_who_blocked_the_bot_is_marked_delivered_not_retried_forever(
    pool: Pool, kie: FakeKieServer, kie_client: KieClient, sqs: Queues, telegram: EmulatorServer
) -> None:
    # Given: a finished job whose owner has blocked the bot
    job = await _submitted_or_failed(pool, kie_client, "[402] маяк")
    telegram.emulator.user(USER)
    telegram.emulator.blocked.add(USER)
    bot = build_bot(TelegramSettings())
    try:
        # When
        delivered = await deliver(pool, bot, job.id, timeout_min=30)
    finally:
        await bot.session.close()
    # Then: recorded as done, so the chat's queue is not held up by five retries
    assert delivered is True
    after = await jobs.get(pool, job.id)
    assert after is not None and after.delivered_at is not None
    assert telegram.emulator.calls_of("sendMessage")[-1].ok is False
