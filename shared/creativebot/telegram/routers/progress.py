"""A generation's ✖️ Отменить, and the worker's side of cron's progress edits.

The button carries a job id, never a right: the job must be the presser's own (a forged one is refused).
Pressing it cancels a job that has not been offered to KIE, with its money back (``progress.cancel``); a job
KIE has (or may have) runs to its end, and the button goes away. Every answer is a message with the menu.
"""

from __future__ import annotations

import contextlib
import json
from typing import Any

from aiogram import Bot, Router
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from creativebot import jobs, progress
from creativebot.db import Connection, Pool
from creativebot.observability import log_event
from creativebot.progress import CancelResult
from creativebot.telegram.callbacks import JobCancel
from creativebot.telegram.keyboards import main_menu
from creativebot.telegram.screens import Screen, show
from creativebot.texts import Copy
from creativebot.texts.progress import progress_copy
from creativebot.users import User

__all__ = ["apply_edit", "build_router"]


async def cancel_job(
    callback: CallbackQuery, callback_data: JobCancel, texts: Copy, user: User, db: Connection
) -> None:
    pc = progress_copy(texts.lang)
    outcome = await progress.cancel(db, callback_data.job, user_id=user.id)
    log_event("JOB_CANCEL_PRESSED", job_id=callback_data.job, result=outcome.result.value)
    match outcome.result:
        case CancelResult.CANCELED | CancelResult.ALREADY_CANCELED:
            assert outcome.job is not None
            text = progress.canceled_text(pc, outcome.job) + "\n\n" + texts.menu_prompt
            await show(callback, Screen("job_canceled", text, main_menu(texts)))
        case CancelResult.SENT:
            await _drop_button(callback)
            text = pc.cancel_too_late + "\n\n" + texts.menu_prompt
            await show(callback, Screen("cancel_too_late", text, main_menu(texts)), new_message=True)
        case CancelResult.FINISHED:
            await _drop_button(callback)
            text = pc.cancel_finished + "\n\n" + texts.menu_prompt
            await show(callback, Screen("cancel_finished", text, main_menu(texts)), new_message=True)
        case CancelResult.NOT_YOURS:
            log_event("FORGED_BUTTON", level="warning", job_id=callback_data.job, action="cancel")
            await show(
                callback, Screen("not_your_job", texts.not_your_job, main_menu(texts)), new_message=True
            )


async def _drop_button(callback: CallbackQuery) -> None:
    """The pressed status message keeps its text and loses the button that can no longer work."""
    message = callback.message
    if isinstance(message, Message) and message.reply_markup is not None:
        with contextlib.suppress(TelegramBadRequest):
            await message.edit_reply_markup(reply_markup=None)


def build_router() -> Router:
    router = Router(name="progress")
    router.callback_query.register(cancel_job, JobCancel.filter())
    return router


# --- the worker's side of queue.send_edit -------------------------------------------------------------------


def _markup(rows: list[list[dict[str, Any]]] | None) -> InlineKeyboardMarkup | None:
    if not rows:
        return None
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=str(b["text"]), callback_data=str(b["callback_data"])) for b in row]
            for row in rows
        ]
    )


async def apply_edit(pool: Pool, bot: Bot, body: str) -> bool:
    """Make an edit another function queued (``queue.send_edit``); False when it was dropped.

    A job's status message is left alone once the job has finished (its result, refund or cancellation is
    what it shows), and loses its keyboard (the cancel button) once the job has been offered to KIE. An edit
    Telegram refuses (the message deleted, too old, not modified, the bot blocked) is logged and dropped:
    retrying cannot help. Anything else (a network error, Telegram's 5xx or 429) raises, and SQS retries it
    a bounded number of times before the dead-letter queue.
    """
    edit = json.loads(body)
    chat_id, message_id = int(edit["chat_id"]), int(edit["message_id"])
    keyboard = edit.get("keyboard")
    job_id = edit.get("job_id")
    if job_id is not None:
        job = await jobs.get(pool, int(job_id))
        if job is None or job.finished:
            log_event("EDIT_SKIPPED", job_id=job_id, reason="the job has finished")
            return False
        if not job.unsent:
            keyboard = None
    try:
        await bot.edit_message_text(
            str(edit["text"]), chat_id=chat_id, message_id=message_id, reply_markup=_markup(keyboard)
        )
    except (TelegramBadRequest, TelegramForbiddenError) as refused:
        log_event("EDIT_DROPPED", level="warning", job_id=job_id, reason=refused.message[:200])
        return False
    log_event("EDIT_OK", job_id=job_id)
    return True
