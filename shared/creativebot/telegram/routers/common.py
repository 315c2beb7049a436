"""/start, /help, /cancel and the main menu."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from creativebot.telegram.callbacks import Menu
from creativebot.telegram.keyboards import back_to_menu, main_menu
from creativebot.telegram.screens import show
from creativebot.texts import Copy


async def start(message: Message, state: FSMContext, texts: Copy) -> None:
    await state.clear()
    await show(message, texts.welcome, main_menu(texts), screen="welcome")


async def main_menu_screen(event: Message | CallbackQuery, state: FSMContext, texts: Copy) -> None:
    await state.clear()
    await show(event, texts.menu_prompt, main_menu(texts), screen="main_menu")


async def help_screen(event: Message | CallbackQuery, texts: Copy) -> None:
    await show(event, texts.help, back_to_menu(texts), screen="help")


async def cancel(message: Message, state: FSMContext, texts: Copy) -> None:
    await state.clear()
    await show(message, texts.cancel_done + "\n\n" + texts.menu_prompt, main_menu(texts), screen="main_menu")


def build_router() -> Router:
    router = Router(name="common")
    router.message.register(start, CommandStart())
    router.message.register(help_screen, Command("help"))
    router.message.register(cancel, Command("cancel"))
    router.message.register(main_menu_screen, Command("menu"))
    router.callback_query.register(main_menu_screen, Menu.filter(F.screen == "main"))
    router.callback_query.register(help_screen, Menu.filter(F.screen == "help"))
    return router
