"""Whatever no other router took: a message outside any step, a button from an old screen."""

from __future__ import annotations

from aiogram import Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from creativebot.observability import log_event
from creativebot.telegram.keyboards import main_menu
from creativebot.telegram.screens import Screen, show
from creativebot.texts import Copy


async def unknown_message(message: Message, texts: Copy) -> None:
    await show(message, Screen("not_understood", texts.not_understood, main_menu(texts)))


async def stale_button(callback: CallbackQuery, state: FSMContext, texts: Copy) -> None:
    log_event("BUTTON_STALE", data=callback.data)
    await state.clear()
    await show(
        callback, Screen("main_menu", texts.stale_button + "\n\n" + texts.menu_prompt, main_menu(texts))
    )


def build_router() -> Router:
    router = Router(name="fallback")
    router.message.register(unknown_message)
    router.callback_query.register(stale_button)
    return router
