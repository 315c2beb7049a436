"""💳 Платежи, the operators' payments: the list (transfers awaiting review first), a payment's card,
✅ / ❌ on manual transfers, Stars refunds (the card's button or ``/refund_stars <charge id>``), and the
notices operators get (a transfer's screenshot, a payment without an invoice, a refund made by Telegram).

Every action re-checks that the presser is in ADMIN_IDS and is written to the audit log (by
``creativebot.payments``, in the transaction that makes the change). The /admin panel that shows the
💳 Платежи button lives in ``routers/admin.py``; its press comes here as ``AdminSection("payments")``.
"""

from __future__ import annotations

import contextlib
import html
from collections.abc import Callable

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError
from aiogram.filters import Command, CommandObject, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message

from creativebot import payments
from creativebot.config import WorkerSettings
from creativebot.db import Connection
from creativebot.observability import log_event
from creativebot.payments import core, refunds, transfers
from creativebot.telegram.callbacks import AdminSection
from creativebot.telegram.keyboards import markup
from creativebot.telegram.routers.admin import IsAdmin
from creativebot.telegram.screens import Screen, notify, show
from creativebot.telegram.views import money as views
from creativebot.telegram.views.money import PaymentOp, RejectReason
from creativebot.texts import Copy, copy_for, format_rub
from creativebot.texts.payments import PaymentsCopy, payments_copy
from creativebot.users import User

PAGE_SIZE = 8


class OperatorInput(StatesGroup):
    reject_reason = State()  # the operator types why a transfer is rejected


def is_operator(user: User | None, settings: WorkerSettings) -> bool:
    return user is not None and user.id in settings.app.admin_ids


# --- what operators are told ---------------------------------------------------------------------------


async def operators(db: Connection, settings: WorkerSettings) -> list[tuple[int, PaymentsCopy]]:
    """Every operator with their copy (Russian for one who never wrote to the bot)."""
    ids = list(settings.app.admin_ids)
    if not ids:
        return []
    rows = await db.fetch("SELECT id, language FROM users WHERE id = ANY($1::bigint[])", ids)
    languages: dict[int, str] = {row["id"]: row["language"] for row in rows}
    return [(admin_id, payments_copy(languages.get(admin_id))) for admin_id in ids]


async def tell_operators(
    bot: Bot, db: Connection, settings: WorkerSettings, build: Callable[[PaymentsCopy], Screen]
) -> int:
    """Send each operator a screen in their language; returns how many got it."""
    told = 0
    for admin_id, pc in await operators(db, settings):
        screen = build(pc)
        try:
            await bot.send_message(admin_id, screen.text, reply_markup=screen.markup)
        except (TelegramForbiddenError, TelegramBadRequest) as exc:
            log_event("OPERATOR_UNREACHABLE", level="warning", admin_id=admin_id, error=type(exc).__name__)
            continue
        told += 1
    if not told:
        log_event("NO_OPERATOR_TOLD", level="error", screen=build(payments_copy(None)).name)
    return told


async def send_proof(
    bot: Bot, db: Connection, settings: WorkerSettings, payment: payments.Payment, person: str
) -> None:
    """A transfer's screenshot to every operator, with ✅ Подтвердить / ❌ Отклонить under it."""
    assert payment.proof_file_id is not None
    tz = settings.wallet.free_day_tz
    told = 0
    for admin_id, pc in await operators(db, settings):
        caption = views.transfer_proof_caption(pc, payment, person, tz)
        keyboard = markup([views.transfer_actions(pc, payment)])
        try:
            if payment.proof_kind == "photo":
                await bot.send_photo(admin_id, payment.proof_file_id, caption=caption, reply_markup=keyboard)
            else:
                await bot.send_document(
                    admin_id, payment.proof_file_id, caption=caption, reply_markup=keyboard
                )
        except (TelegramForbiddenError, TelegramBadRequest) as exc:
            log_event("OPERATOR_UNREACHABLE", level="warning", admin_id=admin_id, error=type(exc).__name__)
            continue
        told += 1
    if not told:
        log_event("TRANSFER_NO_OPERATOR", level="error", payment_id=payment.id)


async def tell_unmatched(
    bot: Bot, db: Connection, settings: WorkerSettings, payment: payments.Payment, user: User
) -> None:
    person = views.who(user.id, user.username, user.first_name)

    def build(pc: PaymentsCopy) -> Screen:
        text = pc.admin_unmatched.format(
            who=person,
            paid=views.paid_amount(payment, pc.lang),
            id=payment.id,
            charge=html.escape(payment.telegram_charge_id or "?"),
        )
        return Screen("admin_unmatched", text)

    await tell_operators(bot, db, settings, build)


async def tell_refunded_outside(
    bot: Bot, db: Connection, settings: WorkerSettings, outcome: refunds.Refunded
) -> None:
    payment = outcome.payment
    found = (await core.people(db, [payment.user_id])).get(payment.user_id)
    person = views.who(
        payment.user_id, found.username if found else None, found.first_name if found else None
    )

    def build(pc: PaymentsCopy) -> Screen:
        text = pc.admin_refund_outside.format(
            id=payment.id,
            who=person,
            stars=payment.units,
            debited=format_rub(outcome.debited, pc.lang),
            written_off=format_rub(outcome.written_off, pc.lang),
        )
        return Screen("admin_refund_outside", text)

    await tell_operators(bot, db, settings, build)


async def tell_referrer(bot: Bot, db: Connection, referrer: int, settings: WorkerSettings) -> None:
    """The referrer's reward for a friend's first top-up, in the referrer's language."""
    language = await db.fetchval("SELECT language FROM users WHERE id = $1", referrer)
    their = payments_copy(language)
    reward = format_rub(settings.wallet.referral_bonus_rub * 100, their.lang)
    await notify(bot, referrer, their.referral_reward.format(amount=reward))


async def tell_refunded(bot: Bot, outcome: refunds.Refunded, language: str | None) -> None:
    """The payer learns their Stars are back, and what left the balance."""
    pc = payments_copy(language)
    payment = outcome.payment
    text = pc.stars_refunded.format(
        stars=payment.units,
        amount=format_rub(payment.kopecks, pc.lang),
        debited=format_rub(outcome.debited, pc.lang),
        balance=format_rub(outcome.balance.available, pc.lang),
    )
    await notify(bot, payment.user_id, text)


async def tell_approved(bot: Bot, payment: payments.Payment, balance: int, language: str | None) -> None:
    """The payer of an approved transfer: the money is in (and the way back to a waiting generation)."""
    pc = payments_copy(language)
    texts = copy_for(language)
    text = pc.transfer_approved.format(
        code=payment.ref, amount=format_rub(payment.kopecks, pc.lang), balance=format_rub(balance, pc.lang)
    )
    rows = [[(pc.btn_back_to_launch, views.RESUME)]] if payment.meta.get("from_confirm") else []
    rows.append([(texts.btn_main_menu, views.MAIN)])
    with contextlib.suppress(TelegramForbiddenError, TelegramBadRequest):
        await bot.send_message(payment.user_id, text, reply_markup=markup(rows))


async def tell_rejected(bot: Bot, payment: payments.Payment, reason: str, language: str | None) -> None:
    pc = payments_copy(language)
    text = pc.transfer_rejected.format(
        code=payment.ref, amount=format_rub(payment.kopecks, pc.lang), reason=html.escape(reason)
    )
    await notify(bot, payment.user_id, text)


# --- the list and a payment's card ----------------------------------------------------------------------


async def payments_section(
    callback: CallbackQuery,
    callback_data: AdminSection,
    texts: Copy,
    user: User,
    db: Connection,
    settings: WorkerSettings,
) -> None:
    found = await core.operator_page(db, callback_data.page, PAGE_SIZE)
    pc = payments_copy(texts.lang)
    rows = [(payment, views.who(p.id, p.username, p.first_name)) for payment, p in found.rows]
    screen = views.admin_list(
        pc,
        rows,
        waiting=found.waiting,
        pending=found.pending,
        number=max(0, callback_data.page),
        has_more=found.has_more,
        tz=settings.wallet.free_day_tz,
    )
    await show(callback, screen, new_message=_is_media(callback))


def _is_media(callback: CallbackQuery) -> bool:
    message = callback.message
    return isinstance(message, Message) and message.text is None


async def _card(db: Connection, pc: PaymentsCopy, payment: payments.Payment, tz: str) -> Screen:
    ids = [payment.user_id] + ([payment.reviewed_by] if payment.reviewed_by else [])
    found = await core.people(db, ids)
    person = found.get(payment.user_id)
    who = views.who(
        payment.user_id, person.username if person else None, person.first_name if person else None
    )
    reviewer = None
    if payment.reviewed_by is not None:
        admin = found.get(payment.reviewed_by)
        reviewer = views.who(
            payment.reviewed_by, admin.username if admin else None, admin.first_name if admin else None
        )
    return views.admin_card(pc, payment, who, reviewer, tz)


async def _report(callback: CallbackQuery, screen: Screen, note: str | None = None) -> None:
    """The operator's message after an action: a screenshot's caption gets the outcome (and loses its
    buttons); a card is shown again, up to date."""
    message = callback.message
    if isinstance(message, Message) and message.text is None and note is not None:
        caption = (message.html_text or "") + "\n\n" + note
        with contextlib.suppress(TelegramBadRequest):
            await message.edit_caption(caption=caption[:1024], reply_markup=None)
        return
    text = f"{note}\n\n{screen.text}" if note else screen.text
    await show(callback, Screen(screen.name, text, screen.markup))


async def open_payment(
    callback: CallbackQuery,
    callback_data: PaymentOp,
    texts: Copy,
    user: User,
    db: Connection,
    settings: WorkerSettings,
) -> None:
    payment = await payments.get(db, callback_data.payment)
    pc = payments_copy(texts.lang)
    if payment is None:
        await show(callback, Screen("admin_payment_gone", pc.admin_refund_not_found), new_message=True)
        return
    screen = await _card(db, pc, payment, settings.wallet.free_day_tz)
    await show(callback, screen, new_message=_is_media(callback))


# --- manual transfers: ✅ and ❌ -------------------------------------------------------------------------


async def approve_transfer(
    callback: CallbackQuery,
    callback_data: PaymentOp,
    texts: Copy,
    user: User,
    db: Connection,
    bot: Bot,
    settings: WorkerSettings,
) -> None:
    pc = payments_copy(texts.lang)
    outcome = await transfers.approve(
        db, callback_data.payment, admin_id=user.id, referral_reward=settings.wallet.referral_bonus_rub * 100
    )
    if outcome is None:
        await show(callback, Screen("admin_payment_gone", pc.admin_refund_not_found), new_message=True)
        return
    if isinstance(outcome, payments.Payment):
        note = pc.admin_already_decided.format(
            id=outcome.id, state=pc.state_names.get(outcome.state, outcome.state)
        )
        await _report(callback, await _card(db, pc, outcome, settings.wallet.free_day_tz), note)
        return
    payment = outcome.payment
    admin = views.who(user.id, user.username, user.first_name)
    note = pc.admin_transfer_approved.format(
        id=payment.id, code=payment.ref, amount=format_rub(payment.kopecks, pc.lang), admin=admin
    )
    await _report(callback, await _card(db, pc, payment, settings.wallet.free_day_tz), note)
    language = await db.fetchval("SELECT language FROM users WHERE id = $1", payment.user_id)
    await tell_approved(bot, payment, outcome.result.wallet.available, language)
    if outcome.referrer is not None:
        await tell_referrer(bot, db, outcome.referrer, settings)


async def reject_transfer(
    callback: CallbackQuery,
    callback_data: PaymentOp,
    texts: Copy,
    user: User,
    db: Connection,
    settings: WorkerSettings,
) -> None:
    pc = payments_copy(texts.lang)
    payment = await payments.get(db, callback_data.payment)
    if payment is None or payment.method != "manual":
        await show(callback, Screen("admin_payment_gone", pc.admin_refund_not_found), new_message=True)
        return
    if payment.state != "pending":
        note = pc.admin_already_decided.format(
            id=payment.id, state=pc.state_names.get(payment.state, payment.state)
        )
        await _report(callback, await _card(db, pc, payment, settings.wallet.free_day_tz), note)
        return
    await show(
        callback, views.reject_reasons(pc, payment, transfers.REJECT_REASONS), new_message=_is_media(callback)
    )


async def _reject(
    event: Message | CallbackQuery,
    payment_id: int,
    reason: str,
    *,
    pc: PaymentsCopy,
    user: User,
    db: Connection,
    bot: Bot,
    settings: WorkerSettings,
    payer_reason: Callable[[PaymentsCopy], str],
) -> None:
    outcome = await transfers.reject(db, payment_id, admin_id=user.id, reason=reason)
    if outcome is None:
        await show(event, Screen("admin_payment_gone", pc.admin_refund_not_found))
        return
    payment, changed = outcome
    card = await _card(db, pc, payment, settings.wallet.free_day_tz)
    if not changed:
        note = pc.admin_already_decided.format(
            id=payment.id, state=pc.state_names.get(payment.state, payment.state)
        )
        await show(event, Screen(card.name, f"{note}\n\n{card.text}", card.markup))
        return
    admin = views.who(user.id, user.username, user.first_name)
    note = pc.admin_transfer_rejected.format(
        id=payment.id,
        code=payment.ref,
        amount=format_rub(payment.kopecks, pc.lang),
        admin=admin,
        reason=html.escape(payer_reason(pc)),
    )
    await show(event, Screen(card.name, f"{note}\n\n{card.text}", card.markup))
    language = await db.fetchval("SELECT language FROM users WHERE id = $1", payment.user_id)
    await tell_rejected(bot, payment, payer_reason(payments_copy(language)), language)


async def reject_with_reason(
    callback: CallbackQuery,
    callback_data: RejectReason,
    texts: Copy,
    user: User,
    db: Connection,
    bot: Bot,
    settings: WorkerSettings,
    state: FSMContext,
) -> None:
    pc = payments_copy(texts.lang)
    if callback_data.code == "custom":
        await state.set_state(OperatorInput.reject_reason)
        await state.update_data(reject_payment=callback_data.payment)
        prompt = pc.admin_reject_custom_prompt.format(id=callback_data.payment)
        await show(callback, Screen("admin_reject_custom", prompt), new_message=True)
        return
    if callback_data.code not in transfers.REJECT_REASONS:  # a button of an older version
        await show(callback, Screen("stale_reason", texts.stale_button), new_message=True)
        return
    code = callback_data.code
    await _reject(
        callback,
        callback_data.payment,
        code,
        pc=pc,
        user=user,
        db=db,
        bot=bot,
        settings=settings,
        payer_reason=lambda copy: copy.reject_reasons[code],
    )


async def reject_custom_text(
    message: Message,
    texts: Copy,
    user: User,
    db: Connection,
    bot: Bot,
    settings: WorkerSettings,
    state: FSMContext,
) -> None:
    data = await state.get_data()
    payment_id = data.get("reject_payment")
    await state.set_state(None)
    await state.update_data(reject_payment=None)
    if not isinstance(payment_id, int):  # the question lost its payment (an old conversation)
        await show(message, Screen("admin_payment_gone", payments_copy(texts.lang).admin_refund_not_found))
        return
    reason = (message.text or "").strip()[:300]
    await _reject(
        message,
        payment_id,
        reason,
        pc=payments_copy(texts.lang),
        user=user,
        db=db,
        bot=bot,
        settings=settings,
        payer_reason=lambda _copy: reason,
    )


# --- Stars refunds ------------------------------------------------------------------------------------


def _telegram_refund(bot: Bot) -> refunds.RefundCall:
    async def call(user_id: int, charge_id: str) -> str | None:
        try:
            await bot.refund_star_payment(user_id=user_id, telegram_payment_charge_id=charge_id)
        except TelegramBadRequest as exc:
            return exc.message
        return None

    return call


async def _refund(
    event: Message | CallbackQuery,
    payment_id: int,
    *,
    force: bool,
    pc: PaymentsCopy,
    user: User,
    db: Connection,
    bot: Bot,
    settings: WorkerSettings,
) -> None:
    outcome = await refunds.refund_stars(
        db, payment_id, admin_id=user.id, force=force, call=_telegram_refund(bot)
    )
    log_event("ADMIN_STARS_REFUND", admin_id=user.id, payment_id=payment_id, outcome=type(outcome).__name__)
    lang = pc.lang
    new_message = isinstance(event, CallbackQuery) and _is_media(event)
    if isinstance(outcome, refunds.Short):
        screen = views.refund_short(pc, outcome.payment, outcome.available, outcome.missing)
        await show(event, screen, new_message=new_message)
        return
    if isinstance(outcome, refunds.Refunded):
        payment = outcome.payment
        if outcome.newly:
            written = (
                pc.admin_refund_written_off.format(amount=format_rub(outcome.written_off, lang))
                if outcome.written_off
                else ""
            )
            note = pc.admin_refund_done.format(
                id=payment.id,
                stars=payment.units,
                debited=format_rub(outcome.debited, lang),
                written_off=written,
            )
        else:
            note = pc.admin_refund_already.format(
                id=payment.id,
                debited=format_rub(outcome.debited, lang),
                written_off=format_rub(outcome.written_off, lang),
            )
        card = await _card(db, pc, payment, settings.wallet.free_day_tz)
        await show(event, Screen(card.name, f"{note}\n\n{card.text}", card.markup), new_message=new_message)
        if outcome.newly:
            language = await db.fetchval("SELECT language FROM users WHERE id = $1", payment.user_id)
            await tell_refunded(bot, outcome, language)
        return
    if isinstance(outcome, refunds.TelegramRefused):
        text = pc.admin_refund_refused.format(id=outcome.payment.id, error=html.escape(outcome.error))
    elif outcome.payment is None:
        text = pc.admin_refund_not_found
    else:
        payment = outcome.payment
        text = {
            "not_found": pc.admin_refund_not_found,
            "not_stars": pc.admin_refund_not_stars.format(
                id=payment.id, method=pc.method_names.get(payment.method, payment.method)
            ),
            "not_paid": pc.admin_refund_not_paid.format(
                id=payment.id, state=pc.state_names.get(payment.state, payment.state)
            ),
            "in_progress": pc.admin_refund_in_progress.format(id=payment.id),
        }[outcome.why]
    await show(event, Screen("admin_refund", text), new_message=new_message)


async def refund_button(
    callback: CallbackQuery,
    callback_data: PaymentOp,
    texts: Copy,
    user: User,
    db: Connection,
    bot: Bot,
    settings: WorkerSettings,
) -> None:
    await _refund(
        callback,
        callback_data.payment,
        force=callback_data.action == "refund_anyway",
        pc=payments_copy(texts.lang),
        user=user,
        db=db,
        bot=bot,
        settings=settings,
    )


async def refund_command(
    message: Message,
    command: CommandObject,
    texts: Copy,
    user: User,
    db: Connection,
    bot: Bot,
    settings: WorkerSettings,
) -> None:
    pc = payments_copy(texts.lang)
    charge_id = (command.args or "").strip()
    if not charge_id or len(charge_id) > 200 or any(ch.isspace() for ch in charge_id):
        await message.answer(pc.admin_refund_usage)
        return
    payment = await refunds.adopt_charge(db, charge_id)
    if payment is None:
        await message.answer(pc.admin_refund_not_found)
        return
    await _refund(message, payment.id, force=False, pc=pc, user=user, db=db, bot=bot, settings=settings)


def build_router() -> Router:
    router = Router(name="payments_admin")
    # Operators only, on every update (a forged button from anyone else falls through to the fallback).
    router.message.filter(IsAdmin())
    router.callback_query.filter(IsAdmin())
    router.callback_query.register(payments_section, AdminSection.filter(F.section == "payments"))
    router.callback_query.register(open_payment, PaymentOp.filter(F.action == "open"))
    router.callback_query.register(approve_transfer, PaymentOp.filter(F.action == "approve"))
    router.callback_query.register(reject_transfer, PaymentOp.filter(F.action == "reject"))
    router.callback_query.register(refund_button, PaymentOp.filter(F.action.in_({"refund", "refund_anyway"})))
    router.callback_query.register(reject_with_reason, RejectReason.filter())
    router.message.register(refund_command, Command("refund_stars"))
    router.message.register(reject_custom_text, StateFilter(OperatorInput.reject_reason), F.text)
    return router


__all__ = [
    "OperatorInput",
    "build_router",
    "is_operator",
    "send_proof",
    "tell_approved",
    "tell_operators",
    "tell_referrer",
    "tell_refunded",
    "tell_refunded_outside",
    "tell_rejected",
    "tell_unmatched",
]
