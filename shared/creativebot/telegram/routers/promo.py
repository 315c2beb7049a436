"""Promo codes for everyone: ``/promo CODE``, or ``/promo`` and the balance screen's "🎟 Промокод" button
(``Menu(screen="promo")``), which ask for the code and take the next message as it."""

from __future__ import annotations

import html

from aiogram import F, Router
from aiogram.filters import Command, CommandObject, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message

from creativebot.admin import promos
from creativebot.db import Connection
from creativebot.observability import log_event
from creativebot.telegram.callbacks import Menu
from creativebot.telegram.keyboards import back_to_menu
from creativebot.telegram.screens import Screen, show
from creativebot.telegram.views.admin import promo_answer
from creativebot.texts import Copy, format_rub
from creativebot.texts.admin import admin_copy
from creativebot.users import User


class PromoInput(StatesGroup):
    code = State()


async def ask(event: Message | CallbackQuery, state: FSMContext, texts: Copy) -> None:
    await state.set_state(PromoInput.code)
    await show(event, Screen("promo_ask", admin_copy(texts.lang).promo_ask, back_to_menu(texts)))


async def redeem(
    message: Message, state: FSMContext, texts: Copy, user: User, db: Connection, code: str
) -> None:
    ac = admin_copy(texts.lang)
    outcome = await promos.redeem(db, user_id=user.id, text=code[:64])
    if outcome is promos.Refusal.UNKNOWN:
        await state.set_state(PromoInput.code)  # a typo: the next message is another try
        await show(message, promo_answer(ac, texts, ac.promo_unknown))
        return
    await state.clear()
    if isinstance(outcome, promos.Refusal):
        answers = {
            promos.Refusal.ALREADY: ac.promo_already,
            promos.Refusal.EXHAUSTED: ac.promo_exhausted,
            promos.Refusal.EXPIRED: ac.promo_expired,
        }
        await show(message, promo_answer(ac, texts, answers[outcome]))
        return
    log_event("PROMO_APPLIED", code_id=outcome.code.id)
    if outcome.kopecks:
        text = ac.promo_ok_money.format(
            amount=format_rub(outcome.kopecks, texts.lang), balance=format_rub(outcome.balance, texts.lang)
        )
    else:
        text = ac.promo_ok_runs.format(runs=outcome.runs, total=html.escape(str(outcome.gift_runs)))
    await show(message, promo_answer(ac, texts, text))


async def promo_command(
    message: Message, command: CommandObject, state: FSMContext, texts: Copy, user: User, db: Connection
) -> None:
    if command.args and command.args.strip():
        await redeem(message, state, texts, user, db, command.args.strip())
    else:
        await ask(message, state, texts)


async def code_received(message: Message, state: FSMContext, texts: Copy, user: User, db: Connection) -> None:
    await redeem(message, state, texts, user, db, message.text or "")


def build_router() -> Router:
    router = Router(name="promo")
    router.message.register(promo_command, Command("promo"))
    router.callback_query.register(ask, Menu.filter(F.screen == "promo"))
    router.message.register(code_received, StateFilter(PromoInput.code), F.text, ~F.text.startswith("/"))
    return router
