"""Broadcasts on Telegram: the worker's handler for queue messages of kind ``broadcast``.

The one module of the admin package that speaks aiogram (the worker imports aiogram anyway): it tells
``broadcasts.run_slice`` how to send one person the message (and what Telegram's answer means), how to show
progress in the operator's chat, and how to queue the next slice.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)

from creativebot import budget, queue
from creativebot.admin import broadcasts
from creativebot.admin.broadcasts import Broadcast, Delivery, Outcome, Progress
from creativebot.config import QueueSettings
from creativebot.observability import log_event
from creativebot.texts.admin import admin_copy

if TYPE_CHECKING:
    from creativebot.worker import Runtime


async def send_content(bot: Bot, chat_id: int, broadcast: Broadcast, *, seconds: int | None = None) -> None:
    """The broadcast's message as every recipient (and the operator's preview) gets it; ``seconds`` bounds
    the Bot API call."""
    if broadcast.photo_file_id:
        await bot.send_photo(
            chat_id, broadcast.photo_file_id, caption=broadcast.text or None, request_timeout=seconds
        )
    else:
        await bot.send_message(chat_id, broadcast.text, request_timeout=seconds)


def _delivery(exc: BaseException) -> Delivery:
    """What Telegram's refusal (or silence) means for a recipient."""
    message = str(getattr(exc, "message", exc))[:300]
    lowered = message.lower()
    if isinstance(exc, TelegramRetryAfter):
        return Delivery(Outcome.RETRY, retry_after=float(exc.retry_after), error=message)
    if isinstance(exc, budget.OutOfTime):
        return Delivery(Outcome.RETRY, error="out of time")
    if isinstance(exc, TelegramForbiddenError):
        if "blocked" in lowered:
            return Delivery(Outcome.BLOCKED, error=message)
        if "deactivated" in lowered:
            return Delivery(Outcome.GONE, error=message, gone="deactivated")
        return Delivery(Outcome.FAILED, error=message)
    if isinstance(exc, TelegramBadRequest):
        if "chat not found" in lowered or "user not found" in lowered:
            return Delivery(Outcome.GONE, error=message, gone="not_found")
        return Delivery(Outcome.FAILED, error=message)
    if isinstance(exc, (TelegramNetworkError, TelegramServerError, TimeoutError)):
        return Delivery(Outcome.UNKNOWN, error=message or type(exc).__name__)
    return Delivery(Outcome.FAILED, error=message or type(exc).__name__)


def deliverer(bot: Bot) -> broadcasts.Deliver:
    async def deliver(broadcast: Broadcast, user_id: int) -> Delivery:
        try:
            await send_content(bot, user_id, broadcast, seconds=int(broadcasts.SEND_TIMEOUT_SEC))
        except (TelegramAPIError, TelegramNetworkError, TimeoutError, budget.OutOfTime) as exc:
            return _delivery(exc)
        return Delivery(Outcome.SENT)

    return deliver


def reporter(bot: Bot) -> broadcasts.Report:
    """Edit the operator's progress message in place; a failed edit never stops the sending."""
    from creativebot.telegram.views.admin import progress_screen  # noqa: PLC0415 - views import aiogram types

    async def report(current: Progress) -> None:
        item = current.broadcast
        if item.progress_message_id is None:
            return
        screen = progress_screen(admin_copy(item.admin_language), current, datetime.now(UTC))
        try:
            await bot.edit_message_text(
                text=screen.text,
                chat_id=item.admin_chat_id,
                message_id=item.progress_message_id,
                reply_markup=screen.markup,
                request_timeout=int(broadcasts.SEND_TIMEOUT_SEC),
            )
        except (TelegramAPIError, TelegramNetworkError, TimeoutError, budget.OutOfTime) as exc:
            if "not modified" not in str(exc):
                log_event("BROADCAST_PROGRESS_EDIT_FAIL", level="warning", error=type(exc).__name__)

    return report


async def handle_broadcast(runtime: Runtime, body: str, cid: str) -> None:
    """One slice of a broadcast (queue kind ``broadcast``)."""
    assert runtime.pool is not None and runtime.bot is not None and runtime.settings is not None
    message = json.loads(body)
    broadcast_id, gen, slice_no = int(message["broadcast_id"]), int(message["gen"]), int(message["slice"])
    settings = runtime.settings

    def enqueue(next_gen: int, next_slice: int) -> None:
        queue.send_broadcast_slice(
            settings.queue, broadcast_id=broadcast_id, gen=next_gen, slice_no=next_slice, cid=cid
        )

    await broadcasts.run_slice(
        runtime.pool,
        broadcast_id,
        gen,
        slice_no,
        deliver=deliverer(runtime.bot),
        report=reporter(runtime.bot),
        enqueue=enqueue,
        per_second=settings.admin.broadcast_per_second,
    )


def first_slice(settings: QueueSettings, broadcast: Broadcast, cid: str) -> bool:
    """Queue the first slice of a run (a start or a resume); False when SQS did not take it."""
    try:
        queue.send_broadcast_slice(
            settings, broadcast_id=broadcast.id, gen=broadcast.gen, slice_no=1, cid=cid
        )
    except queue.QUEUE_ERRORS as exc:
        log_event(
            "BROADCAST_ENQUEUE_FAIL", level="error", broadcast_id=broadcast.id, error=type(exc).__name__
        )
        return False
    return True
