"""Which failures the queue should retry, and the apology for everything else."""

from __future__ import annotations

import asyncpg
from aiogram import Router
from aiogram.exceptions import TelegramNetworkError, TelegramRetryAfter, TelegramServerError
from aiogram.types import ErrorEvent, Update

from creativebot import db, queue
from creativebot.observability import log_event
from creativebot.telegram.keyboards import back_to_menu
from creativebot.texts import Copy, copy_for

# Failures of the parts we stand on: retrying the record later can succeed.
_INFRASTRUCTURE_ERRORS: tuple[type[BaseException], ...] = (
    *db.UNAVAILABLE_ERRORS,
    asyncpg.exceptions.SerializationError,
    asyncpg.exceptions.DeadlockDetectedError,
    TelegramServerError,
    TelegramRetryAfter,
    TelegramNetworkError,
    *queue.QUEUE_ERRORS,
)


def is_infrastructure_error(exc: BaseException) -> bool:
    return isinstance(exc, _INFRASTRUCTURE_ERRORS)


def _chat_of(update: Update) -> int | None:
    event = update.event
    chat = getattr(event, "chat", None) or getattr(getattr(event, "message", None), "chat", None)
    if chat is not None:
        return int(chat.id)
    sender = getattr(event, "from_user", None)
    return int(sender.id) if sender is not None else None


async def apologize(event: ErrorEvent, texts: Copy | None = None) -> bool:
    """A bug in a handler: log it with its cid, tell the user, and consider the update handled."""
    log_event(
        "HANDLER_ERROR",
        level="error",
        exc_info=True,
        update_id=event.update.update_id,
        error=type(event.exception).__name__,
    )
    chat_id = _chat_of(event.update)
    bot = event.update.bot
    if chat_id is not None and bot is not None:
        texts = texts or copy_for(None)
        await bot.send_message(chat_id, texts.error_apology, reply_markup=back_to_menu(texts))
    return True


def build_router() -> Router:
    router = Router(name="errors")
    router.errors.register(apologize, lambda event: not is_infrastructure_error(event.exception))
    return router
