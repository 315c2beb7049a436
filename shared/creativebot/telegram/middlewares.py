"""What every update's handlers get, and the answer every button press gets first.

``dispatch`` loads the user (and their conversation) before aiogram runs and passes ``db`` (the update's
one connection) and ``user``; ``Services`` adds what handlers use on top: ``texts`` (the user's copy) and
``wizard`` (the wizard service on that connection). A handler names the ones it needs.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.exceptions import TelegramAPIError, TelegramNetworkError
from aiogram.types import CallbackQuery, TelegramObject

from creativebot.observability import log_event
from creativebot.texts import DEFAULT_LANGUAGE, copy_for
from creativebot.users import User
from creativebot.wizard import WizardService

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class Services(BaseMiddleware):
    """Puts ``texts`` and ``wizard`` into handler data, built on the update's connection from the
    container's ``settings`` and ``kie`` (the Dispatcher's workflow data, bound after a restore)."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        user: User | None = data.get("user")
        data["texts"] = copy_for(user.language if user else DEFAULT_LANGUAGE)
        data["wizard"] = WizardService(data["db"], data["settings"], data["kie"])
        return await handler(event, data)


class AnswerPress(BaseMiddleware):
    """Stop the button's spinner before the handler runs, so slow work never looks frozen.

    A press that comes back from the queue after a crash is too old to answer ("query is too old"):
    that must not stop the handler, whose work (finishing a launch, say) is what the retry is for.
    """

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        if isinstance(event, CallbackQuery):
            try:
                await event.answer()
            except (TelegramAPIError, TelegramNetworkError) as exc:
                log_event("BUTTON_ANSWER_FAILED", level="warning", error=type(exc).__name__)
        return await handler(event, data)
