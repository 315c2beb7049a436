"""Showing a screen: edit the pressed message in place, or send a new one when that is impossible."""

from __future__ import annotations

from dataclasses import dataclass

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError
from aiogram.types import CallbackQuery, InaccessibleMessage, InlineKeyboardMarkup, Message

from creativebot.observability import log_event, logger


def _note_screen(name: str) -> None:
    """The screens an update showed go on its one log line (DISPATCH_OK), not a line each: a log line
    costs about as much as a database round trip."""
    shown = logger.get_current_keys().get("screens")
    logger.append_keys(screens=f"{shown},{name}" if shown else name)


@dataclass(frozen=True)
class Screen:
    """A message the bot shows: its name (for logs), HTML text and an optional inline keyboard."""

    name: str
    text: str
    markup: InlineKeyboardMarkup | None = None


async def show(
    target: Message | CallbackQuery, screen: Screen, *, new_message: bool = False
) -> Message | None:
    """Render ``screen``: an edit for a button press, a new message otherwise (or when asked)."""
    _note_screen(screen.name)
    text, markup = screen.text, screen.markup
    if isinstance(target, Message):
        return await target.answer(text, reply_markup=markup)
    message = target.message
    if not new_message and isinstance(message, Message) and message.text is not None:
        try:
            edited = await message.edit_text(text, reply_markup=markup)
        except TelegramBadRequest as exc:
            if "message is not modified" in exc.message:
                return message
            log_event("UI_EDIT_FALLBACK", screen=screen.name, reason=exc.message)
        else:
            return edited if isinstance(edited, Message) else message
    if message is None or isinstance(message, InaccessibleMessage):
        if target.bot is None:
            return None
        return await target.bot.send_message(target.from_user.id, text, reply_markup=markup)
    return await message.answer(text, reply_markup=markup)


async def notify(bot: Bot, chat_id: int, text: str, *, silent: bool = False) -> bool:
    """A message to someone other than the sender (a referrer, a refunded user). They may have blocked
    the bot or never started it: that is logged, not raised, so the sender's own action still succeeds."""
    try:
        await bot.send_message(chat_id, text, disable_notification=silent)
    except (TelegramForbiddenError, TelegramBadRequest) as exc:
        log_event("NOTICE_UNDELIVERED", level="warning", error=type(exc).__name__)
        return False
    return True
