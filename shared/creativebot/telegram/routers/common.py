"""/start (with a referral deep link), /help, /cancel and the main menu."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from creativebot.config import WorkerSettings
from creativebot.db import Connection, transaction
from creativebot.telegram.callbacks import Menu
from creativebot.telegram.keyboards import back_to_menu, main_menu
from creativebot.telegram.screens import Screen, notify, show
from creativebot.texts import Copy, format_rub
from creativebot.texts.payments import payments_copy
from creativebot.texts.profile import profile_copy
from creativebot.users import User
from creativebot.wallet import bonus, referrals
from creativebot.wallet.ledger import lock_wallet


async def _first_start(
    db: Connection, user: User, payload: str | None, settings: WorkerSettings
) -> tuple[int, int | None]:
    """On the very first /start: bind the referrer and pay the welcome bonus, in one transaction. The
    referrer's reward waits for the new user's first top-up (``payments``: the credit path).

    Returns (welcome bonus paid, referrer to tell about the newcomer or None).
    """
    if user.started_at is not None:  # known from the row the update loaded: no query for returning users
        return 0, None
    welcome = settings.wallet.welcome_bonus_rub * 100
    async with transaction(db) as conn:
        if welcome:  # the lock order: wallet before the user's row (creativebot.jobs)
            await lock_wallet(conn, user.id)
        if not await referrals.mark_first_start(conn, user.id):
            return 0, None
        referrer = None
        code = referrals.code_from_payload(payload)
        if code is not None:
            outcome = await referrals.bind(conn, referee_id=user.id, code=code, first_start=True)
            if outcome is referrals.Binding.BOUND:
                referrer = await conn.fetchval("SELECT referrer_id FROM users WHERE id = $1", user.id)
        if welcome:
            await bonus(conn, user.id, welcome, f"welcome:{user.id}", meta={"reason": "welcome"})
    return welcome, referrer


async def start(
    message: Message,
    command: CommandObject,
    state: FSMContext,
    texts: Copy,
    user: User,
    db: Connection,
    settings: WorkerSettings,
    bot: Bot,
) -> None:
    await state.clear()
    welcome, referrer = await _first_start(db, user, command.args, settings)
    await show(message, Screen("welcome", texts.welcome, main_menu(texts)))
    if welcome:
        await message.answer(texts.welcome_bonus.format(amount=format_rub(welcome, texts.lang)))
    reward = settings.wallet.referral_bonus_rub * 100
    if referrer is not None and reward:
        language = await db.fetchval("SELECT language FROM users WHERE id = $1", referrer)
        their = payments_copy(language)
        await notify(bot, referrer, their.referral_joined.format(amount=format_rub(reward, their.lang)))


def menu_screen(texts: Copy) -> Screen:
    return Screen("main_menu", texts.menu_prompt, main_menu(texts))


async def main_menu_screen(event: Message | CallbackQuery, state: FSMContext, texts: Copy) -> None:
    await state.clear()
    await show(event, menu_screen(texts))


def help_text(texts: Copy) -> str:
    """How the bot works, and every command with the description Telegram's command menu shows."""
    commands = "\n".join(f"/{name} — {about}" for name, about in profile_copy(texts.lang).commands())
    return f"{texts.help}\n{commands}"


async def help_screen(event: Message | CallbackQuery, texts: Copy) -> None:
    await show(event, Screen("help", help_text(texts), back_to_menu(texts)))


async def cancel(event: Message | CallbackQuery, state: FSMContext, texts: Copy) -> None:
    """/cancel, and "✖️ Отмена" in the wizard: forget the draft, say so, show the menu."""
    await state.clear()
    await show(event, Screen("main_menu", texts.cancel_done + "\n\n" + texts.menu_prompt, main_menu(texts)))


def build_router() -> Router:
    router = Router(name="common")
    router.message.register(start, CommandStart())
    router.message.register(help_screen, Command("help"))
    router.message.register(cancel, Command("cancel"))
    router.message.register(main_menu_screen, Command("menu"))
    router.callback_query.register(main_menu_screen, Menu.filter(F.screen == "main"))
    router.callback_query.register(help_screen, Menu.filter(F.screen == "help"))
    return router
