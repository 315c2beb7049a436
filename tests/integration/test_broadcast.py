"""Broadcast slices against the Telegram emulator (real HTTP, its sending limits on): at most once per person
under crashes, at most 25 messages in any second across slices, Telegram's 429 honoured, people who blocked
the bot marked, pause, resume and cancel read between messages, older slices harmless."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from aiogram import Bot

from creativebot import faults
from creativebot.admin import broadcasts, sending
from creativebot.config import TelegramSettings
from creativebot.db import Pool
from creativebot.telegram.bot import build_bot
from creativebot.texts.admin import RU as ADMIN_RU
from infra.local.telegram import EmulatorServer
from tests.e2e.flows import head_of, plain

OPERATOR = 880000
FIRST = 880001
RATE = 25


@pytest.fixture(autouse=True)
def no_armed_faults() -> Iterator[None]:
    faults.disarm()
    yield
    faults.disarm()


@pytest.fixture
async def bot(telegram: EmulatorServer) -> AsyncIterator[Bot]:
    created = build_bot(TelegramSettings())  # from the environment
    yield created
    await created.session.close()


class Run:
    """A broadcast to ``count`` people (some of whom blocked the bot), and its slices run like the worker's."""

    def __init__(self, pool: Pool, telegram: EmulatorServer, bot: Bot) -> None:
        self.pool, self.telegram, self.bot = pool, telegram, bot
        self.queued: list[tuple[int, int]] = []
        self.broadcast_id = 0
        self.people: list[int] = []
        self.started_at = 0.0

    @property
    def emulator(self) -> Any:
        return self.telegram.emulator

    async def start(self, count: int, *, blocked: int = 0, text: str = "<b>Новости</b> недели") -> None:
        self.people = list(range(FIRST, FIRST + count))
        await self.pool.executemany(
            "INSERT INTO users (id, language) VALUES ($1, 'ru')",
            [(user_id,) for user_id in [OPERATOR, *self.people]],
        )
        for user_id in [OPERATOR, *self.people]:
            self.emulator.user(user_id)
        self.emulator.blocked.update(self.people[:blocked])
        draft = await broadcasts.draft(
            self.pool, admin_id=OPERATOR, chat_id=OPERATOR, language="ru", text=text, photo_file_id=None
        )
        await broadcasts.choose_audience(self.pool, draft.id, "all")
        started = await broadcasts.start(self.pool, draft.id, admin_id=OPERATOR)
        assert isinstance(started, broadcasts.Broadcast)
        progress = await self.bot.send_message(OPERATOR, "…")
        await broadcasts.attach_progress(self.pool, draft.id, progress.message_id)
        self.broadcast_id = draft.id
        self.started_at = time.monotonic()

    async def slice(self, gen: int = 1, number: int = 1, **overrides: Any) -> broadcasts.SliceResult:
        deliver = overrides.pop("deliver", sending.deliverer(self.bot))
        return await broadcasts.run_slice(
            self.pool,
            self.broadcast_id,
            gen,
            number,
            deliver=deliver,
            report=sending.reporter(self.bot),
            enqueue=lambda g, n: self.queued.append((g, n)),
            per_second=RATE,
            **overrides,
        )

    def received(self, user_id: int) -> int:
        return len(self.emulator.sends(user_id, since=self.started_at))

    async def statuses(self) -> dict[str, int]:
        rows = await self.pool.fetch(
            "SELECT status, count(*) FROM broadcast_recipients WHERE broadcast_id = $1 GROUP BY status",
            self.broadcast_id,
        )
        return {row["status"]: row["count"] for row in rows}


@pytest.fixture
def run(pool: Pool, telegram: EmulatorServer, bot: Bot) -> Run:
    return Run(pool, telegram, bot)


async def test_each_person_gets_it_once_at_most_25_a_second_and_blockers_are_marked(
    run: Run, pool: Pool
) -> None:
    await run.start(70, blocked=5)
    result = await run.slice()
    assert (result.finished, result.queued_next, result.sent) == (True, False, 65 + 1)  # the operator too
    reachable = run.people[5:]
    assert all(run.received(user_id) == 1 for user_id in reachable)
    assert all(run.received(user_id) == 0 for user_id in run.people[:5])
    sent = [
        record
        for record in run.emulator.sends(since=run.started_at)
        if record.method.lower() == "sendmessage"
    ]
    assert len(sent) == 66
    assert run.emulator.max_sends_per_second(since=run.started_at) <= RATE
    assert run.emulator.send_log.refusals == []
    assert await run.statuses() == {"sent": 66, "blocked": 5}
    marked = await pool.fetchval("SELECT count(*) FROM unreachable_users WHERE reason = 'blocked'")
    assert marked == 5
    # The operator's progress message, edited in place, says it is finished
    current = await broadcasts.progress(pool, run.broadcast_id)
    assert current is not None and current.broadcast.status == "done"
    chat = run.emulator.chats[OPERATOR]
    progress_text = chat.messages[current.broadcast.progress_message_id].payload["text"]
    assert progress_text.startswith(plain(head_of(ADMIN_RU.progress, id=run.broadcast_id)))
    assert ADMIN_RU.broadcast_statuses["done"] in progress_text


@pytest.mark.parametrize("point", ["broadcast.after_claim", "broadcast.after_send"])
async def test_a_crash_between_marking_and_recording_never_sends_twice(run: Run, point: str) -> None:
    await run.start(30)
    faults.arm(point, after=10)
    with pytest.raises(faults.SimulatedCrash):
        await run.slice()
    interrupted = await run.pool.fetchval(
        "SELECT user_id FROM broadcast_recipients WHERE broadcast_id = $1 AND status = 'sending'",
        run.broadcast_id,
    )
    # When: the queue hands the slice out again
    result = await run.slice()
    # Then: the interrupted person is counted failed and never sent to again; everyone else got it once
    assert result.finished
    expected = 1 if point == "broadcast.after_send" else 0  # the crash came after or before Telegram took it
    assert run.received(interrupted) == expected
    assert all(run.received(user_id) == 1 for user_id in [OPERATOR, *run.people] if user_id != interrupted)
    assert await run.statuses() == {"sent": 30, "failed": 1}
    error = await run.pool.fetchval(
        "SELECT error FROM broadcast_recipients WHERE broadcast_id = $1 AND user_id = $2",
        run.broadcast_id,
        interrupted,
    )
    assert error == "interrupted"


async def test_telegrams_429_is_honoured_and_the_person_still_gets_it_once(run: Run) -> None:
    await run.start(20)
    run.emulator.inject_fault("sendMessage", 429, retry_after=1)
    started = time.monotonic()
    result = await run.slice()
    assert result.finished
    assert time.monotonic() - started >= 1.0 + 1.0  # the second after the progress message, then retry_after
    assert all(run.received(user_id) == 1 for user_id in [OPERATOR, *run.people])
    assert await run.statuses() == {"sent": 21}
    resume_at = await run.pool.fetchval("SELECT resume_at FROM broadcasts WHERE id = $1", run.broadcast_id)
    assert resume_at is not None


async def test_a_telegram_error_is_unknown_and_never_retried(run: Run) -> None:
    await run.start(5)
    run.emulator.inject_fault("sendMessage", 500)
    await run.slice()
    assert await run.statuses() == {"sent": 5, "failed": 1}
    assert sum(run.received(user_id) for user_id in [OPERATOR, *run.people]) == 5


async def test_a_pause_stops_within_a_message_and_a_resume_sends_the_rest_once(run: Run, pool: Pool) -> None:
    await run.start(30)
    plain = sending.deliverer(run.bot)
    delivered = 0

    async def pause_after_ten(broadcast: broadcasts.Broadcast, user_id: int) -> broadcasts.Delivery:
        nonlocal delivered
        delivered += 1
        if delivered == 10:
            await broadcasts.pause(pool, broadcast.id, admin_id=OPERATOR)
        return await plain(broadcast, user_id)

    result = await run.slice(deliver=pause_after_ten)
    assert (result.reason, result.sent, result.queued_next) == ("stopped", 10, False)
    assert (await run.statuses())["pending"] == 21
    resumed = await broadcasts.resume(pool, run.broadcast_id, admin_id=OPERATOR)
    assert resumed is not None and resumed.gen == 2
    # A slice of the first run, still in the queue, does nothing
    assert (await run.slice(gen=1, number=2)).reason == "not running in this run"
    result = await run.slice(gen=2, number=1)
    assert result.finished and result.sent == 21
    assert all(run.received(user_id) == 1 for user_id in [OPERATOR, *run.people])


async def test_a_cancel_leaves_the_rest_unsent(run: Run, pool: Pool) -> None:
    await run.start(20)
    plain = sending.deliverer(run.bot)

    async def cancel_first(broadcast: broadcasts.Broadcast, user_id: int) -> broadcasts.Delivery:
        await broadcasts.cancel(pool, broadcast.id, admin_id=OPERATOR)
        return await plain(broadcast, user_id)

    result = await run.slice(deliver=cancel_first)
    assert (result.reason, result.sent) == ("stopped", 1)
    assert (await run.slice(number=2)).sent == 0
    assert await run.statuses() == {"sent": 1, "pending": 20}
    assert (await broadcasts.get(pool, run.broadcast_id)).status == "canceled"  # type: ignore[union-attr]


async def test_slices_hand_over_within_the_time_budget_and_keep_the_pace(run: Run) -> None:
    await run.start(60)
    number, results = 1, []
    while True:
        result = await run.slice(number=number, max_seconds=1.6, send_timeout=0.2)
        results.append(result)
        if result.finished:
            break
        assert run.queued[-1] == (1, number + 1)  # a new slice, a new deduplication id
        number += 1
        assert number < 20
    assert len(results) >= 3
    assert all(run.received(user_id) == 1 for user_id in [OPERATOR, *run.people])
    assert run.emulator.max_sends_per_second(since=run.started_at) <= RATE
    # An older slice turning up late does nothing
    assert (await run.slice(number=1)).reason == "not running in this run"


async def test_the_pacer_allows_no_more_than_its_rate_in_any_second() -> None:
    now = [0.0]
    starts: list[float] = []

    async def sleep(seconds: float) -> None:
        now[0] += seconds

    pacer = broadcasts.Pacer(RATE, clock=lambda: now[0], sleep=sleep)
    for _ in range(200):
        await pacer.wait()
        starts.append(now[0])
        now[0] += 0.003  # the call's latency
        pacer.answered()
    assert max(sum(1 for t in starts if start <= t < start + 1.0) for start in starts) <= RATE
    assert starts[-1] < 200 / RATE + 1  # and not much slower than the rate


async def test_blocked_by_the_bot_people_are_left_out_until_they_write_again(run: Run, pool: Pool) -> None:
    await run.start(3, blocked=1)
    await run.slice()
    sizes = await broadcasts.audience_sizes(pool)
    assert sizes["all"] == 3  # the operator and two people; the one who blocked the bot is left out
    await pool.execute("UPDATE users SET last_seen_at = now() + interval '1 second' WHERE id = $1", FIRST)
    assert (await broadcasts.audience_sizes(pool))["all"] == 4
