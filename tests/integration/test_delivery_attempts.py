"""Delivery: a final state instead of endless retries, a refund for a paid result nobody received,
no message sent twice after a crash, no row lock held while Telegram or a download is slow."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramServerError

from creativebot import faults, jobs, maintenance, wallet
from creativebot.config import TelegramSettings
from creativebot.db import Pool
from creativebot.fetch import FetchPolicy
from creativebot.telegram.bot import build_bot
from creativebot.telegram.delivery import MAX_ATTEMPTS, deliver
from creativebot.texts import RU
from infra.local.botsession import MemorySession
from infra.local.kie import FakeKieServer
from infra.local.kie.fake import png
from infra.local.telegram import EmulatorServer
from tests.helpers import Queues

USER = 818181


@pytest.fixture(autouse=True)
def no_armed_faults() -> Iterator[None]:
    faults.disarm()
    yield
    faults.disarm()


@pytest.fixture
async def bot(telegram: EmulatorServer) -> AsyncIterator[Bot]:
    telegram_bot = build_bot(TelegramSettings())
    yield telegram_bot
    await telegram_bot.session.close()


def _policy(kie: FakeKieServer) -> FetchPolicy:
    return FetchPolicy.from_setting(kie.url.removeprefix("http://"))


async def _succeeded(
    pool: Pool, kie: FakeKieServer, files: int = 1, chat_id: int = USER, urls: list[str] | None = None
) -> jobs.Job:
    """A paid (4 ₽) job that succeeded with ``files`` pictures on the fake KIE (or with ``urls``)."""
    await pool.execute("INSERT INTO users (id) VALUES ($1) ON CONFLICT DO NOTHING", USER)
    await wallet.topup(pool, USER, 10_000, "test-topup")
    new = jobs.NewJob(USER, chat_id, "d1", "google/nano-banana", "кот", {}, [], {}, 400, "ru", None)
    job, _ = await jobs.create(pool, new)
    await jobs.mark_submitted(pool, job.id, "task-1")
    urls = urls or [kie.fake.store(png(64, 64, bytes([n])), "image/png", f"r{n}.png") for n in range(files)]
    return (await jobs.settle(pool, job.id, jobs.Outcome.succeeded(urls))).job


async def test_a_chat_that_does_not_exist_ends_the_delivery_at_once_and_refunds(
    pool: Pool, kie: FakeKieServer, bot: Bot, telegram: EmulatorServer, cron_context: maintenance.CronContext
) -> None:
    # Given: a paid result for a chat Telegram does not know ("chat not found")
    job = await _succeeded(pool, kie, chat_id=9_191_919)
    # When: delivered, and cron later looks for lost deliveries
    assert await deliver(pool, bot, job.id, timeout_min=30, fetch_policy=_policy(kie)) is True
    await pool.execute("UPDATE jobs SET deliver_enqueued_at = now() - interval '1 hour'")
    requeued = await maintenance.redeliver_lost(cron_context)
    # Then: one try, a final state, the 4 ₽ back, and nothing queued again
    after = await jobs.get(pool, job.id)
    assert after is not None and after.delivery_failed_at is not None and after.delivery_attempts == 1
    assert await wallet.balance_of(pool, USER) == wallet.Balance(10_000, 0)
    assert requeued == 0
    assert len(telegram.emulator.calls_of("sendPhoto")) == 1


async def test_a_lasting_telegram_failure_gives_up_after_the_last_attempt_and_tells_the_user(
    pool: Pool, kie: FakeKieServer, bot: Bot, telegram: EmulatorServer
) -> None:
    telegram.emulator.user(USER)
    job = await _succeeded(pool, kie)
    telegram.emulator.inject_fault("sendPhoto", 500, times=100)
    for _ in range(MAX_ATTEMPTS):
        with pytest.raises(TelegramServerError):
            await deliver(pool, bot, job.id, timeout_min=30, fetch_policy=_policy(kie))
    # the next attempt (the queue's retry, or cron's redelivery) ends it
    assert await deliver(pool, bot, job.id, timeout_min=30, fetch_policy=_policy(kie)) is True
    after = await jobs.get(pool, job.id)
    assert after is not None and after.delivery_failed_at is not None
    assert await wallet.balance_of(pool, USER) == wallet.Balance(10_000, 0)
    told = [call.params.get("text") for call in telegram.emulator.calls_of("sendMessage") if call.ok]
    assert told == [RU.delivery_gave_up.format(job=job.id, money=RU.refund_money.format(price="4 ₽"))]


async def test_a_crash_after_every_message_went_out_sends_nothing_again(
    pool: Pool, kie: FakeKieServer, bot: Bot, telegram: EmulatorServer
) -> None:
    # Given: a result of three pictures (an album and a caption message), and a crash after both went out
    telegram.emulator.user(USER)
    job = await _succeeded(pool, kie, files=3)
    faults.arm("delivery.before_done")
    with pytest.raises(faults.SimulatedCrash):
        await deliver(pool, bot, job.id, timeout_min=30, fetch_policy=_policy(kie))
    # When: the retry comes after the lease ran out
    await pool.execute("UPDATE jobs SET delivery_started_at = now() - interval '1 hour'")
    await deliver(pool, bot, job.id, timeout_min=30, fetch_policy=_policy(kie))
    # Then: each message exactly once, and the job is delivered
    assert len(telegram.emulator.calls_of("sendMediaGroup")) == 1
    assert len(telegram.emulator.calls_of("sendMessage")) == 1
    after = await jobs.get(pool, job.id)
    assert after is not None and after.delivered_at is not None and after.delivered_parts == 2


async def test_a_crash_between_a_send_and_its_record_repeats_only_that_message(
    pool: Pool, kie: FakeKieServer, bot: Bot, telegram: EmulatorServer
) -> None:
    telegram.emulator.user(USER)
    job = await _succeeded(pool, kie, files=3)
    faults.arm("delivery.after_send", after=1)  # the album is recorded; the caption is sent, not recorded
    with pytest.raises(faults.SimulatedCrash):
        await deliver(pool, bot, job.id, timeout_min=30, fetch_policy=_policy(kie))
    await pool.execute("UPDATE jobs SET delivery_started_at = now() - interval '1 hour'")
    await deliver(pool, bot, job.id, timeout_min=30, fetch_policy=_policy(kie))
    assert len(telegram.emulator.calls_of("sendMediaGroup")) == 1  # not sent again
    assert len(telegram.emulator.calls_of("sendMessage")) == 2  # the one window the Bot API leaves open


async def test_no_row_lock_is_held_while_telegram_is_slow(
    pool: Pool, kie: FakeKieServer, sqs: Queues
) -> None:
    # Given: a delivery stuck in a slow sendPhoto
    job = await _succeeded(pool, kie)
    session = MemorySession()
    gate = session.hold("SendPhoto")
    slow_bot = build_bot(TelegramSettings(), session)
    delivery = asyncio.create_task(deliver(pool, slow_bot, job.id, timeout_min=30, fetch_policy=_policy(kie)))
    for _ in range(500):
        if session.of("SendPhoto"):
            break
        await asyncio.sleep(0.01)
    # When: anything else wants the job's row (a callback settling, cron claiming)
    async with pool.acquire() as conn, conn.transaction():
        locked = await conn.fetchval("SELECT id FROM jobs WHERE id = $1 FOR UPDATE NOWAIT", job.id)
    # Then: it gets it at once
    assert locked == job.id
    gate.set()
    assert await delivery is True


async def test_an_album_nobody_can_fetch_is_delivered_as_links(
    pool: Pool, kie: FakeKieServer, bot: Bot, telegram: EmulatorServer
) -> None:
    # Given: a paid result of three pictures whose files are gone from KIE's storage
    telegram.emulator.user(USER)
    gone = [f"{kie.url}/files/gone-{n}.png" for n in range(3)]
    job = await _succeeded(pool, kie, urls=gone)
    # When: delivered (Telegram refuses the URLs, the fenced download gets 404s)
    assert await deliver(pool, bot, job.id, timeout_min=30, fetch_policy=_policy(kie)) is True
    # Then: the person gets the links, not a caption with nothing above it
    texts = [str(call.params.get("text")) for call in telegram.emulator.calls_of("sendMessage") if call.ok]
    assert any(
        RU.result_link.split("{links}")[0] in text and all(url in text for url in gone) for text in texts
    )


async def test_a_late_result_arriving_during_the_failure_notice_is_still_delivered(
    pool: Pool, kie: FakeKieServer, bot: Bot, telegram: EmulatorServer
) -> None:
    # Given: a job that timed out, its failure notice being delivered
    telegram.emulator.user(USER)
    await pool.execute("INSERT INTO users (id) VALUES ($1) ON CONFLICT DO NOTHING", USER)
    await wallet.topup(pool, USER, 10_000, "test-topup")
    new = jobs.NewJob(USER, USER, "d-late", "google/nano-banana", "кот", {}, [], {}, 400, "ru", None)
    job, _ = await jobs.create(pool, new)
    await jobs.mark_submitted(pool, job.id, "task-late")
    await jobs.settle(pool, job.id, jobs.Outcome.failed(jobs.TIMEOUT_CODE, "no result in time"))
    attempt = await jobs.claim_delivery(pool, job.id, lease=timedelta(minutes=2))
    assert attempt is not None and not attempt.late_result
    # When: KIE's result turns up while that attempt is sending, and the attempt then finishes
    url = kie.fake.store(png(64, 64, b"late"), "image/png", "late.png")
    await jobs.settle(pool, job.id, jobs.Outcome.succeeded([url]))
    await jobs.record_delivered_part(pool, attempt, 1, [])
    await jobs.mark_delivered(pool, attempt)
    # Then: the late result is still owed, and the next delivery sends it (free)
    assert await deliver(pool, bot, job.id, timeout_min=30, fetch_policy=_policy(kie)) is True
    assert len(telegram.emulator.calls_of("sendPhoto")) == 1
    after = await jobs.get(pool, job.id)
    assert after is not None and after.late_delivered_at is not None
