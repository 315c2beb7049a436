"""/settings and the main menu's "⚙️ Настройки" (``Menu(screen="settings")``): the language, a daily spending
cap (presets, or an amount typed in roubles) and quiet "result ready" notices.

Each handler parses the press or the message, stores the choice through ``preferences`` and shows a view.
A new language shows at once: the screen after the press is built in it.
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from creativebot import preferences
from creativebot.config import WorkerSettings
from creativebot.db import Connection
from creativebot.observability import log_event
from creativebot.preferences import CapProblem, Preferences
from creativebot.telegram.callbacks import Menu, SettingsCap, SettingsLanguage, SettingsQuiet, SettingsScreen
from creativebot.telegram.screens import show
from creativebot.telegram.states import SettingsInput, Step
from creativebot.telegram.views import settings as views
from creativebot.texts import Copy, copy_for
from creativebot.texts.settings import settings_copy
from creativebot.users import User

RETURN_STEP = "settings_return_step"  # the conversation's step before "✍️ Своя сумма" (a draft's check)


async def _leave_input(state: FSMContext) -> None:
    """Stop waiting for a typed cap and go back to the step the conversation was on (a wizard draft
    waiting at its check stays there, with its data)."""
    if await state.get_state() == SettingsInput.cap.state:
        await state.set_state((await state.get_data()).get(RETURN_STEP))


async def _show_settings(
    event: Message | CallbackQuery,
    prefs: Preferences,
    user_id: int,
    db: Connection,
    settings: WorkerSettings,
    state: FSMContext,
    *,
    saved: bool = False,
) -> None:
    spent = 0
    if prefs.daily_cap_kopecks is not None:
        spent = await preferences.spent_today(db, user_id, settings.wallet.free_day_tz)
    texts = copy_for(prefs.language)
    resume = await state.get_state() == Step.confirm.state
    screen = views.settings(settings_copy(prefs.language), texts, prefs, spent, saved=saved, resume=resume)
    await show(event, screen)


async def settings_screen(
    event: Message | CallbackQuery, state: FSMContext, user: User, db: Connection, settings: WorkerSettings
) -> None:
    await _leave_input(state)
    await _show_settings(event, Preferences.of(user), user.id, db, settings, state)


async def cap_screen(
    callback: CallbackQuery,
    state: FSMContext,
    texts: Copy,
    user: User,
    db: Connection,
    settings: WorkerSettings,
) -> None:
    await _leave_input(state)
    tz = settings.wallet.free_day_tz
    spent = await preferences.spent_today(db, user.id, tz)
    await show(callback, views.cap(settings_copy(texts.lang), texts, Preferences.of(user), spent, tz))


async def ask_cap(callback: CallbackQuery, state: FSMContext, texts: Copy) -> None:
    step = await state.get_state()
    if step != SettingsInput.cap.state:
        await state.update_data({RETURN_STEP: step})
    await state.set_state(SettingsInput.cap)
    await show(callback, views.cap_question(settings_copy(texts.lang), texts))


async def other_screen(
    callback: CallbackQuery, state: FSMContext, user: User, db: Connection, settings: WorkerSettings
) -> None:
    """A settings button this version does not know: the settings themselves."""
    await settings_screen(callback, state, user, db, settings)


async def choose_language(
    callback: CallbackQuery,
    callback_data: SettingsLanguage,
    state: FSMContext,
    user: User,
    db: Connection,
    settings: WorkerSettings,
) -> None:
    await _leave_input(state)
    if callback_data.lang not in preferences.LANGUAGES:
        await _show_settings(callback, Preferences.of(user), user.id, db, settings, state)
        return
    prefs = await preferences.set_language(db, user.id, callback_data.lang)
    log_event("SETTINGS_CHANGED", setting="language", language=prefs.language)
    await _show_settings(callback, prefs, user.id, db, settings, state, saved=True)


async def choose_cap(
    callback: CallbackQuery,
    callback_data: SettingsCap,
    state: FSMContext,
    user: User,
    db: Connection,
    settings: WorkerSettings,
) -> None:
    await _leave_input(state)
    kopecks = callback_data.rub * 100 if callback_data.rub else None
    prefs = await preferences.set_daily_cap(db, user.id, kopecks)
    log_event("SETTINGS_CHANGED", setting="daily_cap", cap=kopecks)
    await _show_settings(callback, prefs, user.id, db, settings, state, saved=True)


async def choose_quiet(
    callback: CallbackQuery,
    callback_data: SettingsQuiet,
    state: FSMContext,
    user: User,
    db: Connection,
    settings: WorkerSettings,
) -> None:
    await _leave_input(state)
    prefs = await preferences.set_quiet_results(db, user.id, callback_data.quiet)
    log_event("SETTINGS_CHANGED", setting="quiet_results", quiet=prefs.quiet_results)
    await _show_settings(callback, prefs, user.id, db, settings, state, saved=True)


async def cap_typed(
    message: Message, state: FSMContext, texts: Copy, user: User, db: Connection, settings: WorkerSettings
) -> None:
    """The answer to "✍️ Своя сумма": a cap in roubles, or the same question again with what was wrong."""
    sc = settings_copy(texts.lang)
    parsed = preferences.parse_cap(message.text or "")
    if isinstance(parsed, CapProblem):
        log_event("SETTINGS_CAP_INVALID", problem=parsed.value)
        await show(message, views.cap_question(sc, texts, views.cap_problem(sc, parsed)))
        return
    await _leave_input(state)
    prefs = await preferences.set_daily_cap(db, user.id, parsed)
    log_event("SETTINGS_CHANGED", setting="daily_cap", cap=parsed)
    await _show_settings(message, prefs, user.id, db, settings, state, saved=True)


def build_router() -> Router:
    router = Router(name="settings")
    router.message.register(settings_screen, Command("settings"))
    router.callback_query.register(settings_screen, Menu.filter(F.screen == "settings"))
    router.callback_query.register(cap_screen, SettingsScreen.filter(F.screen == "cap"))
    router.callback_query.register(ask_cap, SettingsScreen.filter(F.screen == "custom"))
    router.callback_query.register(other_screen, SettingsScreen.filter())
    router.callback_query.register(choose_language, SettingsLanguage.filter())
    router.callback_query.register(choose_cap, SettingsCap.filter())
    router.callback_query.register(choose_quiet, SettingsQuiet.filter())
    # Any message but a command: a photo or a sticker is answered like a word that is not a number.
    router.message.register(cap_typed, StateFilter(SettingsInput.cap), ~F.text.startswith("/"))
    return router
