"""The worker's cost per update against a plain aiogram bot, on the same machine in the same run.

Ours: a Telegram update as an SQS record through ``worker.handle_record`` (dedup claim, user, FSM in
PostgreSQL, the handler, finish). The peer: aiogram with MemoryStorage fed the same update JSON, with
handlers that answer the same way (a text with an inline keyboard; an edit for a button press). Both
talk to the same in-memory Bot API session, so Telegram's latency is out of the picture and what is left
is our own work per update. Round trips are counted by a proxy in front of PostgreSQL.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiogram import Bot, Dispatcher, F, Router
from aiogram.filters import CommandStart
from aiogram.fsm.storage.memory import MemoryStorage
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from creativebot.config import get_settings
from infra.local.botsession import MemorySession
from infra.local.pgcount import RoundTrips

USER = 700001
WARMUP = 30
ROUNDS = 300
TOKEN = "5000000001:bench-token-not-a-secret-000000"  # noqa: S105 - nothing accepts it

ENVIRONMENT = {
    "TELEGRAM_BOT_TOKEN": TOKEN,
    "TELEGRAM_WEBHOOK_SECRET": "bench-webhook-secret",
    "KIE_API_KEY": "bench-kie-key",
    "KIE_CALLBACK_SECRET": "bench-callback-secret-0123456789",
    "PUBLIC_BASE_URL": "https://bot.bench.invalid",
    "UPDATES_QUEUE_URL": "https://sqs.eu-central-1.amazonaws.com/000000000000/bench.fifo",
    "AWS_REGION": "eu-central-1",
    "POWERTOOLS_TRACE_DISABLED": "1",
    "POWERTOOLS_METRICS_DISABLED": "1",
    # one bench user sends hundreds of updates a second: measure the handlers, not the rate limit's answer
    "USER_RATE_BURST": "1000",
    "USER_RATE_PER_MIN": "6000",
}


def start_update(update_id: int) -> dict[str, Any]:
    sender = {"id": USER, "is_bot": False, "first_name": "Bench", "language_code": "ru"}
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 1795867200,
            "chat": {"id": USER, "type": "private", "first_name": "Bench"},
            "from": sender,
            "text": "/start",
            "entities": [{"offset": 0, "length": 6, "type": "bot_command"}],
        },
    }


def press_update(update_id: int, data: str) -> dict[str, Any]:
    sender = {"id": USER, "is_bot": False, "first_name": "Bench", "language_code": "ru"}
    return {
        "update_id": update_id,
        "callback_query": {
            "id": f"q{update_id}",
            "from": sender,
            "chat_instance": "bench",
            "data": data,
            "message": {
                "message_id": 1,
                "date": 1795867200,
                "chat": {"id": USER, "type": "private", "first_name": "Bench"},
                "from": {"id": 5000000001, "is_bot": True, "first_name": "Creative Bot"},
                "text": "menu",
            },
        },
    }


def sqs_record(update: dict[str, Any]) -> SQSRecord:
    body = json.dumps(update)
    return SQSRecord(
        {
            "messageId": f"m{update['update_id']}",
            "receiptHandle": "r",
            "body": body,
            "attributes": {"MessageGroupId": str(USER)},
            "messageAttributes": {
                "kind": {"stringValue": "telegram_update", "dataType": "String"},
                "cid": {"stringValue": f"bench-{update['update_id']}", "dataType": "String"},
            },
            "eventSource": "aws:sqs",
        }
    )


@dataclass(frozen=True)
class Figures:
    name: str
    ours_ms: float
    peer_ms: float
    round_trips: float

    @property
    def ratio(self) -> float:
        return self.peer_ms / self.ours_ms


def _peer_dispatcher() -> Dispatcher:
    """A plain aiogram bot answering like ours: a menu for /start, an edit for a press."""
    menu = InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=f"Раздел {i}", callback_data=f"cat:{i}") for i in (1, 2)],
            [InlineKeyboardButton(text="Баланс", callback_data="menu:balance")],
        ]
    )
    router = Router()

    @router.message(CommandStart())
    async def start(message: Message) -> None:
        await message.answer("Главное меню", reply_markup=menu)

    @router.callback_query(F.data)
    async def press(callback: CallbackQuery) -> None:
        await callback.answer()
        assert isinstance(callback.message, Message)
        await callback.message.edit_text("Раздел", reply_markup=menu)

    dispatcher = Dispatcher(storage=MemoryStorage())
    dispatcher.include_router(router)
    return dispatcher


def _timed(run_one: Callable[[int], None], first_id: int) -> float:
    for i in range(WARMUP):
        run_one(first_id + i)
    samples = []
    for i in range(ROUNDS):
        started = time.perf_counter()
        run_one(first_id + WARMUP + i)
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def _count_round_trips(worker: Any, dsn: str, session: MemorySession, make: Callable[[int], Any]) -> float:
    """Median round trips per update, through a counting proxy on the worker's own event loop."""
    runtime = worker.get_runtime()
    runtime.bot_session = session
    counter = RoundTrips(dsn)
    os.environ["DATABASE_URL"] = runtime.run(counter.start())
    get_settings.cache_clear()
    try:
        for i in range(5):  # warm: connections open, statements prepared
            worker.handle_record(sqs_record(make(i)))
        counts = []
        for i in range(20):
            counter.reset()
            worker.handle_record(sqs_record(make(100 + i)))
            counts.append(counter.count)
    finally:
        runtime.run(counter.close())
        worker.reset_runtime()
        os.environ["DATABASE_URL"] = dsn
        get_settings.cache_clear()
    return statistics.median(counts)


def run(dsn: str) -> list[Figures]:
    """ms per update (median) for /start and for menu presses, ours and the peer's, and round trips."""
    os.environ.update(ENVIRONMENT)
    os.environ["DATABASE_URL"] = dsn
    get_settings.cache_clear()
    from creativebot import worker  # noqa: PLC0415 - after the environment is set

    session = MemorySession()
    peer_bot = Bot(TOKEN, session=session)
    peer = _peer_dispatcher()
    peer_loop = asyncio.new_event_loop()

    def peer_one(update: dict[str, Any]) -> None:
        parsed = Update.model_validate(update, context={"bot": peer_bot})
        peer_loop.run_until_complete(peer.feed_update(peer_bot, parsed))

    cases: dict[str, Callable[[int], dict[str, Any]]] = {
        "/start (returning user)": start_update,
        "menu press: main menu": lambda update_id: press_update(update_id, "menu:main"),
        "menu press: photo section": lambda update_id: press_update(update_id, "cat:photo"),
    }
    results = []
    try:
        for n, (name, make) in enumerate(cases.items()):
            base = (n + 1) * 1_000_000

            def ours_one(i: int, make: Callable[[int], dict[str, Any]] = make, base: int = base) -> None:
                worker.handle_record(sqs_record(make(base + i)))

            worker.get_runtime().bot_session = session
            worker.handle_record(sqs_record(start_update(base - 1)))  # the user exists: a returning user

            def peer_case(i: int, make: Callable[[int], dict[str, Any]] = make, base: int = base) -> None:
                peer_one(make(base + 500_000 + i))

            def counted(
                i: int, make: Callable[[int], dict[str, Any]] = make, base: int = base
            ) -> dict[str, Any]:
                return make(base + 800_000 + i)

            ours = _timed(ours_one, 0)
            peer_ms = _timed(peer_case, 0)
            worker.reset_runtime()
            trips = _count_round_trips(worker, dsn, session, counted)
            results.append(Figures(name, ours, peer_ms, trips))
    finally:
        worker.reset_runtime()
        peer_loop.close()
    return results
