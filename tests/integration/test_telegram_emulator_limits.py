"""The emulator's sending limits (Bots FAQ "Broadcasting to Users": about one message a second in a chat
with short bursts tolerated, about 30 a second overall; 429 "Too Many Requests: retry after N" beyond) and
the log of sends tests measure rates with."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator

import httpx
import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramRetryAfter
from aiogram.types import BufferedInputFile, InputMediaPhoto

from infra.local.kie.fake import png
from infra.local.telegram import EmulatorServer, RateLimits
from infra.local.telegram.ratelimit import SendLimiter, SendLog, SendRecord

TOKEN = "1234567:test-token-not-a-real-one-0000"
USER = 5151


@pytest.fixture
def api(telegram: EmulatorServer) -> Iterator[httpx.Client]:
    telegram.emulator.user(USER)
    with httpx.Client(base_url=f"{telegram.url}/bot{TOKEN}", timeout=10) as client:
        yield client


def _bot(telegram: EmulatorServer) -> Bot:
    return Bot(TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(telegram.url)))


def test_a_burst_in_one_chat_is_tolerated_then_telegram_answers_429(
    api: httpx.Client, telegram: EmulatorServer
) -> None:
    assert telegram.emulator.rate_limits == RateLimits()  # on by default: 1/s per chat, bursts of 20
    started, accepted = time.monotonic(), 0
    while (
        refused := api.post("/sendMessage", json={"chat_id": USER, "text": f"m{accepted}"})
    ).status_code == 200:
        accepted += 1
        assert accepted <= 40
    elapsed = time.monotonic() - started
    assert 20 <= accepted <= 20 + elapsed + 1  # the burst, plus what a second a message refilled meanwhile
    assert refused.status_code == 429
    assert refused.json() == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 1",
        "parameters": {"retry_after": 1},
    }
    time.sleep(1.05)  # one message a second refills the chat's allowance
    assert api.post("/sendMessage", json={"chat_id": USER, "text": "later"}).status_code == 200
    stats = httpx.get(f"{telegram.url}/_emu/api/sends", params={"chat_id": USER}).json()
    assert (stats["messages"], stats["rate_limited"]) == (accepted + 1, 1)
    assert 20 <= stats["max_per_second"] <= accepted


def test_an_album_counts_each_message_and_a_failed_call_counts_nothing(
    api: httpx.Client, telegram: EmulatorServer
) -> None:
    telegram.emulator.set_rate_limits(RateLimits(chat_burst=5, chat_per_second=0.01))
    for _ in range(10):  # refused for their content: Telegram sent nothing, so nothing is used up
        assert api.post("/sendMessage", json={"chat_id": USER, "text": ""}).status_code == 400
    album = [{"type": "photo", "media": "attach://p"}, {"type": "photo", "media": "attach://p"}]
    sent = api.post(
        "/sendMediaGroup",
        data={"chat_id": str(USER), "media": json.dumps(album)},
        files={"p": ("p.png", png(8, 8, b"a"), "image/png")},
    )
    assert sent.status_code == 200 and len(sent.json()["result"]) == 2
    for number in range(3):
        assert api.post("/sendMessage", json={"chat_id": USER, "text": f"t{number}"}).status_code == 200
    assert api.post("/sendMessage", json={"chat_id": USER, "text": "sixth"}).status_code == 429


def test_edits_are_not_counted_unless_asked(api: httpx.Client, telegram: EmulatorServer) -> None:
    telegram.emulator.set_rate_limits(RateLimits(chat_burst=3))
    message_id = api.post("/sendMessage", json={"chat_id": USER, "text": "0%"}).json()["result"]["message_id"]
    for percent in range(5, 100, 5):  # a progress bar edited often: Telegram counts edits loosely
        edited = api.post(
            "/editMessageText", json={"chat_id": USER, "message_id": message_id, "text": f"{percent}%"}
        )
        assert edited.status_code == 200
    telegram.emulator.set_rate_limits(RateLimits(chat_burst=3, chat_per_second=0.01, count_edits=True))
    codes = [
        api.post(
            "/editMessageText", json={"chat_id": USER, "message_id": message_id, "text": f"{n}"}
        ).status_code
        for n in range(5)
    ]
    assert codes == [200, 200, 200, 429, 429]


def test_limits_can_be_switched_off_and_set_over_http(api: httpx.Client, telegram: EmulatorServer) -> None:
    url = f"{telegram.url}/_emu/api/limits"
    assert httpx.get(url).json()["chat_burst"] == 20
    assert httpx.post(url, json={"enabled": False}).json()["enabled"] is False
    for number in range(40):
        assert api.post("/sendMessage", json={"chat_id": USER, "text": f"{number}"}).status_code == 200
    assert httpx.post(url, json={"no_such_limit": 1}).status_code == 400
    changed = httpx.post(url, json={"enabled": True, "chat_burst": 1, "chat_per_second": 0.01}).json()
    assert (changed["enabled"], changed["chat_burst"], changed["global_per_second"]) == (True, 1, 30)
    assert api.post("/sendMessage", json={"chat_id": USER, "text": "a"}).status_code == 200
    assert api.post("/sendMessage", json={"chat_id": USER, "text": "b"}).status_code == 429


async def test_a_broadcast_faster_than_the_limit_is_refused(telegram: EmulatorServer) -> None:
    telegram.emulator.set_rate_limits(RateLimits(global_per_second=5))  # 30 by default; 5 to be sure
    people = [700_000 + n for n in range(30)]
    for person in people:
        telegram.emulator.user(person)
    bot = _bot(telegram)
    try:
        outcomes = await asyncio.gather(
            *(bot.send_message(p, "новости") for p in people), return_exceptions=True
        )
    finally:
        await bot.session.close()
    refused = [o for o in outcomes if isinstance(o, TelegramRetryAfter)]
    assert refused and all(o.retry_after >= 1 for o in refused)
    assert len(refused) + len([o for o in outcomes if not isinstance(o, BaseException)]) == 30
    assert telegram.emulator.max_sends_per_second() == 5  # never more than 5 within any second


async def test_a_paced_broadcast_passes_and_the_log_measures_its_rate(telegram: EmulatorServer) -> None:
    people = [800_000 + n for n in range(60)]
    for person in people:
        telegram.emulator.user(person)
    since = time.monotonic()
    bot = _bot(telegram)
    try:
        for person in people:  # about 25 a second, as a careful bot would
            await bot.send_message(person, "новости", disable_notification=True)
            await asyncio.sleep(0.04)
    finally:
        await bot.session.close()
    emulator = telegram.emulator
    assert len(emulator.sends(since=since)) == 60 and emulator.send_log.refusals == []
    assert emulator.max_sends_per_second(since=since) <= 25
    assert emulator.max_sends_per_second_per_chat(since=since) == 1
    assert all(record.silent and record.method == "sendMessage" for record in emulator.sends(since=since))


async def test_photos_by_file_id_are_logged_as_such(telegram: EmulatorServer) -> None:
    telegram.emulator.user(USER)
    bot = _bot(telegram)
    try:
        first = await bot.send_photo(USER, BufferedInputFile(png(16, 16, b"z"), "z.png"))
        assert first.photo is not None
        file_id = first.photo[-1].file_id
        await bot.send_media_group(USER, [InputMediaPhoto(media=file_id), InputMediaPhoto(media=file_id)])
    finally:
        await bot.session.close()
    assert [r.media_source for r in telegram.emulator.sends(USER)] == ["upload", "file_id", "file_id"]


# --- the pieces, with a clock of our own -----------------------------------------------------------------


def test_the_limiter_refills_with_time() -> None:
    now = [100.0]
    limiter = SendLimiter(RateLimits(chat_burst=2, chat_per_second=1.0), clock=lambda: now[0])
    assert limiter.reserve(1) is None and limiter.reserve(1) is None
    assert limiter.reserve(1) == 1
    assert limiter.reserve(2) is None  # another chat has its own allowance
    now[0] += 1.0
    assert limiter.reserve(1) is None
    assert limiter.reserve(1, count=2) == 2  # two more messages need two more seconds
    limiter.release(1)
    assert limiter.reserve(1) is None


def test_the_global_limit_spans_chats_within_any_second() -> None:
    now = [0.0]
    limiter = SendLimiter(RateLimits(global_per_second=3), clock=lambda: now[0])
    assert [limiter.reserve(chat) for chat in range(4)] == [None, None, None, 1]
    now[0] = 0.5
    assert limiter.reserve(9) == 1  # 0.5 s until the first message leaves the window: "retry after 1"
    now[0] = 1.0
    assert limiter.reserve(9) is None and limiter.reserve(10) is None
    limiter.release(10, at=1.0)  # that send failed: it does not count
    assert limiter.reserve(11) is None


def test_the_log_finds_the_busiest_second() -> None:
    log = SendLog()
    for at, chat in [(0.0, 1), (0.1, 2), (0.5, 1), (0.99, 1), (1.0, 2), (1.5, 1), (3.0, 1)]:
        log.add(SendRecord(at=at, chat_id=chat, message_id=1, method="sendMessage"))
    assert log.max_in_window() == 4  # 0.0, 0.1, 0.5 and 0.99 (or 0.1 … 1.0)
    assert log.max_in_window(1) == 3  # chat 1: 0.0, 0.5, 0.99
    assert log.max_in_window(2) == 2  # 0.1 and 1.0 are within one second
    assert log.max_in_window_per_chat() == 3
    assert log.max_in_window(since=1.0) == 2
    assert log.max_in_window(window=3.0) == 6
