"""An aiogram session that answers in memory and records every call: no emulator, no HTTP.

For the fast handler tests and the benchmark. Each answer is a JSON envelope that goes through aiogram's
own ``check_response`` (the same pydantic validation a real reply gets), so a handler sees exactly the
objects and exceptions it would see from Telegram. ``fail_next`` queues an error for a method, the way
Telegram answers 400, 403, 429 or 5xx.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import AsyncGenerator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, get_args, get_origin

from aiogram.client.session.base import BaseSession
from aiogram.methods import TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import Message

if TYPE_CHECKING:
    from aiogram import Bot

BOT_USER = {"id": 5000000001, "is_bot": True, "first_name": "Creative Bot", "username": "creative_test_bot"}


@dataclass
class Failure:
    code: int
    description: str
    retry_after: int | None = None


@dataclass
class Call:
    """One request the bot made: the method name and its parameters as aiogram built them."""

    method: TelegramMethod[Any]

    @property
    def name(self) -> str:
        return type(self.method).__name__

    def __getattr__(self, item: str) -> Any:
        return getattr(self.method, item)


def _returns_message(method: TelegramMethod[Any]) -> bool:
    returning = method.__returning__
    options = get_args(returning) if get_origin(returning) is not None else (returning,)
    return any(option is Message for option in options)


def _text_of(method: TelegramMethod[Any]) -> str | None:
    for name in ("text", "caption"):
        value = getattr(method, name, None)
        if isinstance(value, str):
            return value
    return None


class MemorySession(BaseSession):
    """Answers every Bot API call at once; ``calls`` keeps them in order."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[Call] = []
        self.failures: dict[str, list[Failure]] = {}
        self.files: dict[str, bytes] = {}  # file_id -> content, served through getFile and download
        self.gates: dict[str, asyncio.Event] = {}
        self._ids = itertools.count(1000)

    def hold(self, method: str) -> asyncio.Event:
        """Calls of ``method`` wait until the returned event is set (a slow Telegram)."""
        gate = self.gates[method] = asyncio.Event()
        return gate

    def add_file(self, file_id: str, content: bytes) -> None:
        """A file a person sent (a photo, say), for getFile and bot.download."""
        self.files[file_id] = content

    def fail_next(self, method: str, code: int, description: str, *, retry_after: int | None = None) -> None:
        """The next call of ``method`` (e.g. "AnswerCallbackQuery") fails as Telegram would answer."""
        self.failures.setdefault(method, []).append(Failure(code, description, retry_after))

    def of(self, method: str) -> list[Call]:
        return [call for call in self.calls if call.name == method]

    def clear(self) -> None:
        self.calls.clear()

    def _result(self, bot: Bot, method: TelegramMethod[Any]) -> Any:
        if type(method).__name__ == "GetMe":
            return BOT_USER
        if type(method).__name__ == "GetFile":
            file_id = str(getattr(method, "file_id", ""))
            content = self.files.get(file_id, b"")
            return {
                "file_id": file_id,
                "file_unique_id": file_id,
                "file_size": len(content),
                "file_path": f"files/{file_id}",
            }
        if not _returns_message(method):
            return True
        chat_id = getattr(method, "chat_id", None)
        message_id = getattr(method, "message_id", None)
        message: dict[str, Any] = {
            "message_id": message_id if isinstance(message_id, int) else next(self._ids),
            "date": int(time.time()),
            "chat": {"id": chat_id if isinstance(chat_id, int) else 0, "type": "private"},
            "from": BOT_USER,
        }
        text = _text_of(method)
        if text is not None:
            message["text"] = text
        return message

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[TelegramType],
        timeout: int | None = None,  # noqa: ASYNC109 - aiogram's signature
    ) -> TelegramType:
        self.calls.append(Call(method))
        gate = self.gates.get(type(method).__name__)
        if gate is not None:
            await gate.wait()
        pending = self.failures.get(type(method).__name__)
        if pending:
            failure = pending.pop(0)
            body: dict[str, Any] = {
                "ok": False,
                "error_code": failure.code,
                "description": failure.description,
            }
            if failure.retry_after is not None:
                body["parameters"] = {"retry_after": failure.retry_after}
            self.check_response(bot, method, failure.code, json.dumps(body))
            raise AssertionError("check_response raises for an error answer")
        envelope = {"ok": True, "result": self._result(bot, method)}
        response = self.check_response(bot, method, 200, json.dumps(envelope))
        return response.result  # type: ignore[return-value]

    async def stream_content(
        self,
        url: str,
        headers: dict[str, Any] | None = None,
        timeout: int = 30,  # noqa: ASYNC109 - aiogram's signature
        chunk_size: int = 65536,
        raise_for_status: bool = True,
    ) -> AsyncGenerator[bytes, None]:
        yield self.files[url.rsplit("/", 1)[-1]]

    async def close(self) -> None:
        """Nothing to close."""
