"""/paysupport: a short form (which payment, what happened) that reaches the operators with the person's
recent payments and jobs; an operator answers from the bot (✍️ Ответить) and the person gets the answer.

Telegram requires bots that take payments to answer /paysupport; the form keeps the question, its
payment and the answer in one place (``support_tickets``), and every answer is in the audit log.
"""

from __future__ import annotations

import html

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message

from creativebot import payments, support
from creativebot.config import WorkerSettings
from creativebot.db import Connection
from creativebot.observability import log_event
from creativebot.telegram.keyboards import back_to_menu
from creativebot.telegram.routers.payments_admin import is_operator, operators
from creativebot.telegram.screens import Screen, show
from creativebot.telegram.views import money as views
from creativebot.telegram.views.money import SupportReply, SupportTopic
from creativebot.texts import Copy, copy_for
from creativebot.texts.payments import PaymentsCopy, payments_copy
from creativebot.users import User

TOPIC_KEY = "support_topic"
PAYMENT_KEY = "support_payment"
TICKET_KEY = "support_ticket"


class SupportForm(StatesGroup):
    describe = State()  # the person writes what happened
    answer = State()  # an operator writes the answer


def _not_a_command(message: Message) -> bool:
    return not (message.text or "").startswith("/")


async def paysupport(
    message: Message, texts: Copy, user: User, db: Connection, settings: WorkerSettings
) -> None:
    recent = await payments.recent(db, user.id, support.RECENT)
    screen = views.support_menu(
        texts,
        payments_copy(texts.lang),
        recent,
        settings.wallet.free_day_tz,
        settings.app.support_contact or None,
    )
    await show(message, screen)


async def pick_topic(
    callback: CallbackQuery,
    callback_data: SupportTopic,
    texts: Copy,
    user: User,
    db: Connection,
    settings: WorkerSettings,
    state: FSMContext,
) -> None:
    pc = payments_copy(texts.lang)
    payment_id: int | None = None
    if callback_data.topic == "payment":
        payment = await payments.get(db, callback_data.payment)
        if payment is None or payment.user_id != user.id:
            log_event("FORGED_BUTTON", level="warning", payment_id=callback_data.payment, action="support")
            return
        payment_id = payment.id
        label = views.payment_label(pc, payment, texts.lang, settings.wallet.free_day_tz)
        topic = pc.support_topic_payment.format(
            icon=label["icon"], amount=label["amount"], when=label["when"]
        )
    elif callback_data.topic in pc.support_topics:
        topic = pc.support_topics[callback_data.topic]
    else:
        return
    await state.set_state(SupportForm.describe)
    await state.update_data({TOPIC_KEY: callback_data.topic, PAYMENT_KEY: payment_id})
    await show(callback, views.support_ask(texts, pc, topic))


async def _forget(state: FSMContext, *keys: str) -> None:
    data = await state.get_data()
    await state.set_data({key: value for key, value in data.items() if key not in keys})
    await state.set_state(None)


async def describe(
    message: Message,
    texts: Copy,
    user: User,
    db: Connection,
    bot: Bot,
    settings: WorkerSettings,
    state: FSMContext,
) -> None:
    pc = payments_copy(texts.lang)
    body = (message.text or "").strip()
    if len(body) > support.MAX_TEXT:
        await message.answer(pc.support_too_long.format(max=support.MAX_TEXT))
        return
    data = await state.get_data()
    topic = data.get(TOPIC_KEY)
    if topic not in support.TOPICS:  # the question lost its topic (an old conversation): ask again
        await _forget(state, TOPIC_KEY, PAYMENT_KEY)
        await paysupport(message, texts, user, db, settings)
        return
    payment_id = data.get(PAYMENT_KEY)
    ticket = await support.open_ticket(
        db,
        user_id=user.id,
        topic=topic,
        payment_id=payment_id if isinstance(payment_id, int) else None,
        body=body,
    )
    await _forget(state, TOPIC_KEY, PAYMENT_KEY)
    await show(message, Screen("support_sent", pc.support_sent.format(ticket=ticket.id), back_to_menu(texts)))
    await _to_operators(bot, db, settings, ticket, user)


async def text_expected(message: Message, texts: Copy) -> None:
    await message.answer(payments_copy(texts.lang).support_text_expected)


async def _to_operators(
    bot: Bot, db: Connection, settings: WorkerSettings, ticket: support.Ticket, user: User
) -> None:
    recent, jobs = await support.context(db, user.id)
    person = views.who(user.id, user.username, user.first_name)
    tz = settings.wallet.free_day_tz
    told = 0
    for admin_id, pc in await operators(db, settings):
        topic = _topic(pc, ticket, recent, tz)
        screen = views.support_ticket(pc, ticket, person, topic, recent, jobs, tz)
        try:
            await bot.send_message(admin_id, screen.text, reply_markup=screen.markup)
        except (TelegramForbiddenError, TelegramBadRequest) as exc:
            log_event("OPERATOR_UNREACHABLE", level="warning", admin_id=admin_id, error=type(exc).__name__)
            continue
        told += 1
    if not told:
        log_event("SUPPORT_NO_OPERATOR", level="error", ticket=ticket.id)


def _topic(pc: PaymentsCopy, ticket: support.Ticket, recent: list[payments.Payment], tz: str) -> str:
    if ticket.topic == "payment":
        payment = next((p for p in recent if p.id == ticket.payment_id), None)
        if payment is not None:
            label = views.payment_label(pc, payment, pc.lang, tz)
            return pc.support_topic_payment.format(
                icon=label["icon"], amount=label["amount"], when=label["when"]
            )
        return f"#{ticket.payment_id}"
    return pc.support_topics.get(ticket.topic, ticket.topic)


# --- the operator's answer ------------------------------------------------------------------------------


async def start_answer(
    callback: CallbackQuery,
    callback_data: SupportReply,
    texts: Copy,
    user: User | None,
    db: Connection,
    settings: WorkerSettings,
    state: FSMContext,
) -> None:
    if not is_operator(user, settings):
        log_event("FORGED_ADMIN_ACTION", level="warning", action="support_answer")
        return
    pc = payments_copy(texts.lang)
    ticket = await support.get(db, callback_data.ticket)
    if ticket is None:
        await show(callback, Screen("admin_support_gone", pc.admin_support_gone), new_message=True)
        return
    await state.set_state(SupportForm.answer)
    await state.update_data({TICKET_KEY: ticket.id})
    prompt = pc.admin_support_reply_prompt.format(ticket=ticket.id)
    await show(callback, Screen("admin_support_reply", prompt), new_message=True)


async def answer(
    message: Message,
    texts: Copy,
    user: User | None,
    db: Connection,
    bot: Bot,
    settings: WorkerSettings,
    state: FSMContext,
) -> None:
    ticket_id = (await state.get_data()).get(TICKET_KEY)
    await _forget(state, TICKET_KEY)
    if user is None or not is_operator(user, settings) or not isinstance(ticket_id, int):
        log_event("FORGED_ADMIN_ACTION", level="warning", action="support_answer_text")
        return
    pc = payments_copy(texts.lang)
    text = (message.text or "").strip()[: support.MAX_TEXT]
    ticket = await support.answer(db, ticket_id, admin_id=user.id, text=text)
    if ticket is None:
        await message.answer(pc.admin_support_gone)
        return
    language = await db.fetchval("SELECT language FROM users WHERE id = $1", ticket.user_id)
    their = payments_copy(language)
    reply = their.support_answer.format(ticket=ticket.id, answer=html.escape(text))
    try:
        await bot.send_message(ticket.user_id, reply, reply_markup=back_to_menu(copy_for(language)))
    except (TelegramForbiddenError, TelegramBadRequest):
        await message.answer(pc.admin_not_delivered)
        return
    await message.answer(pc.admin_support_answered.format(ticket=ticket.id))


def build_router() -> Router:
    router = Router(name="support")
    router.message.register(paysupport, Command("paysupport"))
    router.callback_query.register(pick_topic, SupportTopic.filter())
    router.callback_query.register(start_answer, SupportReply.filter())
    router.message.register(describe, StateFilter(SupportForm.describe), F.text, _not_a_command)
    router.message.register(text_expected, StateFilter(SupportForm.describe), _not_a_command)
    router.message.register(answer, StateFilter(SupportForm.answer), F.text, _not_a_command)
    return router
