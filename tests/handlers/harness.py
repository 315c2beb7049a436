"""The fast handler tier: updates fed to the real Dispatcher, answered in memory.

No emulator and no HTTP to Telegram: the Bot's session records every call and answers at once
(infra.local.botsession). Everything else is real: PostgreSQL, the FSM storage, the update's unit of
work (dispatch), the wizard service, the fake KIE for uploads and launches.
"""

from __future__ import annotations

import itertools
import json
from typing import Any

from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.storage.base import StorageKey

from creativebot.config import WorkerSettings
from creativebot.db import Pool
from creativebot.kie.client import KieClient
from creativebot.telegram.bot import build_bot, build_dispatcher
from creativebot.telegram.dispatch import dispatch
from creativebot.telegram.fsm import PostgresStorage
from infra.local.botsession import Call, MemorySession

BOT_MESSAGE = 1  # the message a pressed button sits under


class Harness:
    def __init__(self, pool: Pool, settings: WorkerSettings, kie: KieClient) -> None:
        self.pool = pool
        self.session = MemorySession()
        self.bot = build_bot(settings.telegram, self.session)
        self.dispatcher = build_dispatcher(pool, settings, kie)
        self._ids = itertools.count(1)
        self.last_update: dict[str, Any] = {}

    def _sender(self, user_id: int, language_code: str) -> dict[str, Any]:
        return {"id": user_id, "is_bot": False, "first_name": "Анна", "language_code": language_code}

    async def feed(self, update: dict[str, Any]) -> list[Call]:
        """Dispatch one update as the worker does; return the Bot API calls it made."""
        self.last_update = update
        before = len(self.session.calls)
        await dispatch(self.pool, self.bot, self.dispatcher, json.dumps(update), cid="handler-test")
        return self.session.calls[before:]

    def _message(self, user_id: int, language_code: str, **content: Any) -> dict[str, Any]:
        update_id = next(self._ids)
        return {
            "update_id": update_id,
            "message": {
                "message_id": 10_000 + update_id,
                "date": 1795867200,
                "chat": {"id": user_id, "type": "private", "first_name": "Анна"},
                "from": self._sender(user_id, language_code),
                **content,
            },
        }

    async def redeliver(self) -> list[Call]:
        """The last update once more, as SQS hands out a record whose first attempt failed."""
        return await self.feed(self.last_update)

    async def send(self, user_id: int, text: str, *, language_code: str = "ru") -> list[Call]:
        content: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            content["entities"] = [
                {"offset": 0, "length": len(text.split(maxsplit=1)[0]), "type": "bot_command"}
            ]
        return await self.feed(self._message(user_id, language_code, **content))

    async def send_photo(
        self, user_id: int, content: bytes, *, caption: str | None = None, album: str | None = None
    ) -> list[Call]:
        file_id = f"photo-{next(self._ids)}"
        self.session.add_file(file_id, content)
        size = {
            "file_id": file_id,
            "file_unique_id": file_id,
            "width": 64,
            "height": 64,
            "file_size": len(content),
        }
        extra: dict[str, Any] = {"caption": caption} if caption else {}
        if album:
            extra["media_group_id"] = album
        return await self.feed(self._message(user_id, "ru", photo=[size], **extra))

    async def press(
        self, user_id: int, data: CallbackData | str, *, language_code: str = "ru", text: str = "…"
    ) -> list[Call]:
        update_id = next(self._ids)
        packed = data.pack() if isinstance(data, CallbackData) else data
        return await self.feed(
            {
                "update_id": update_id,
                "callback_query": {
                    "id": f"press-{update_id}",
                    "from": self._sender(user_id, language_code),
                    "chat_instance": "test",
                    "data": packed,
                    "message": {
                        "message_id": BOT_MESSAGE,
                        "date": 1795867200,
                        "chat": {"id": user_id, "type": "private", "first_name": "Анна"},
                        "from": {"id": self.bot.id, "is_bot": True, "first_name": "Creative Bot"},
                        "text": text,
                    },
                },
            }
        )

    def _key(self, user_id: int) -> StorageKey:
        return StorageKey(bot_id=self.bot.id, chat_id=user_id, user_id=user_id)

    async def state(self, user_id: int) -> str | None:
        storage = self.dispatcher.fsm.storage
        assert isinstance(storage, PostgresStorage)
        return await storage.get_state(self._key(user_id))

    async def data(self, user_id: int) -> dict[str, Any]:
        storage = self.dispatcher.fsm.storage
        assert isinstance(storage, PostgresStorage)
        return await storage.get_data(self._key(user_id))


def texts_of(calls: list[Call]) -> list[str]:
    """The text (or caption) of every message sent or edited, in order."""
    return [
        value
        for call in calls
        if isinstance(
            value := getattr(call.method, "text", None) or getattr(call.method, "caption", None), str
        )
    ]


def buttons_of(call: Call) -> list[str]:
    markup = getattr(call.method, "reply_markup", None)
    if markup is None:
        return []
    return [button.text for row in markup.inline_keyboard for button in row]


def button_data(call: Call) -> list[str]:
    """The callback data of every button of a message, in order."""
    markup = getattr(call.method, "reply_markup", None)
    if markup is None:
        return []
    return [str(button.callback_data) for row in markup.inline_keyboard for button in row]


def last_screen(calls: list[Call]) -> Call:
    """The last message sent or edited."""
    screens = [call for call in calls if call.name in {"SendMessage", "EditMessageText"}]
    assert screens, [call.name for call in calls]
    return screens[-1]
