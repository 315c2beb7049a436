"""Outer middleware: every update learns who its user is and which language to answer in."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject
from aiogram.types import User as TelegramUser

from creativebot.db import Pool
from creativebot.texts import DEFAULT_LANGUAGE, copy_for
from creativebot.users import touch_user


class UserMiddleware(BaseMiddleware):
    """Puts ``user`` (our users row, or None) and ``texts`` (the user's Copy) into handler data."""

    def __init__(self, pool: Pool) -> None:
        self.pool = pool

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        sender: TelegramUser | None = data.get("event_from_user")
        user = None
        if sender is not None and not sender.is_bot:
            user = await touch_user(
                self.pool,
                user_id=sender.id,
                username=sender.username,
                first_name=sender.first_name,
                language_code=sender.language_code,
            )
        data["user"] = user
        data["texts"] = copy_for(user.language if user else DEFAULT_LANGUAGE)
        return await handler(event, data)
