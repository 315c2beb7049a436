"""Balance and history, the invite link, top-ups (Stars, rouble invoices, manual transfers), the payment
service messages (successful_payment, refunded_payment) and /terms.

A pre-checkout query never reaches the worker: the webhook answers it in its HTTP reply
(``creativebot.ingest``). A top-up started from the wizard's confirm screen keeps the draft in the
conversation; once the money is in, the confirm screen comes back with the new balance.
"""

from __future__ import annotations

import html
from typing import Any

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import BaseFilter, Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, LabeledPrice, Message

from creativebot import checkout, payments
from creativebot.config import WorkerSettings
from creativebot.db import Connection
from creativebot.observability import log_event
from creativebot.payments import history, refunds, transfers
from creativebot.payments.core import fail as fail_payment
from creativebot.telegram.callbacks import Menu, StarsPack
from creativebot.telegram.keyboards import back_to_menu, main_menu
from creativebot.telegram.routers import payments_admin
from creativebot.telegram.screens import Screen, show
from creativebot.telegram.states import Step
from creativebot.telegram.views import money as views
from creativebot.telegram.views.money import HistoryPage, RubPack, TransferCancel, TransferPack
from creativebot.telegram.views.wizard import confirm
from creativebot.texts import Copy, format_rub
from creativebot.texts.payments import PaymentsCopy, payments_copy
from creativebot.users import User
from creativebot.wallet import Entry, referrals
from creativebot.wizard import Draft, WizardService

__all__ = ["build_router", "describe"]


def describe(entry: Entry, texts: Copy) -> str:
    """One ledger entry, written for people."""
    return views.describe(entry, texts, payments_copy(texts.lang))


# --- balance and history ---------------------------------------------------------------------------------


async def _balance(
    event: Message | CallbackQuery,
    texts: Copy,
    user: User,
    db: Connection,
    settings: WorkerSettings,
    number: int,
) -> None:
    page = await history.page(db, user.id, number)
    screen = views.balance(texts, payments_copy(texts.lang), page, settings.wallet.free_day_tz)
    await show(event, screen)


async def balance_screen(
    event: Message | CallbackQuery, texts: Copy, user: User, db: Connection, settings: WorkerSettings
) -> None:
    await _balance(event, texts, user, db, settings, 0)


async def history_page(
    callback: CallbackQuery,
    callback_data: HistoryPage,
    texts: Copy,
    user: User,
    db: Connection,
    settings: WorkerSettings,
) -> None:
    await _balance(callback, texts, user, db, settings, callback_data.page)


async def invite_screen(
    event: Message | CallbackQuery,
    texts: Copy,
    user: User,
    db: Connection,
    bot: Bot,
    settings: WorkerSettings,
) -> None:
    code = await referrals.ensure_code(db, user.id)
    me = await bot.me()
    invited, earned = await referrals.stats(db, user.id)
    bonus = settings.wallet.referral_bonus_rub * 100
    terms = (
        payments_copy(texts.lang).invite_terms_bonus.format(bonus=format_rub(bonus, texts.lang))
        if bonus
        else texts.invite_terms_plain
    )
    text = texts.invite_screen.format(
        terms=terms,
        link=html.escape(referrals.deep_link(me.username or "", code)),
        count=invited,
        earned=format_rub(earned, texts.lang),
    )
    await show(event, Screen("invite", text, back_to_menu(texts)))


# --- top-ups ---------------------------------------------------------------------------------------------


async def _in_confirm(state: FSMContext) -> bool:
    return await state.get_state() == Step.confirm.state


async def topup_screen(
    event: Message | CallbackQuery, texts: Copy, user: User, settings: WorkerSettings, state: FSMContext
) -> None:
    price = settings.pricing.star_price_rub
    packs = [(stars, payments.pack_kopecks(stars, price)) for stars in payments.STAR_PACKS]
    screen = views.topup(
        texts,
        payments_copy(texts.lang),
        packs=packs,
        rate=payments.pack_kopecks(1, price),
        routes=settings.payments,
        resume=await _in_confirm(state),
    )
    await show(event, screen)


async def card_screen(
    callback: CallbackQuery, texts: Copy, user: User, settings: WorkerSettings, state: FSMContext
) -> None:
    if not settings.payments.rub_invoices:
        await topup_screen(callback, texts, user, settings, state)
        return
    await show(callback, views.card_packs(texts, payments_copy(texts.lang), settings.payments))


async def transfer_screen(
    callback: CallbackQuery, texts: Copy, user: User, settings: WorkerSettings, state: FSMContext
) -> None:
    if not settings.payments.manual_transfers:
        await topup_screen(callback, texts, user, settings, state)
        return
    await show(callback, views.transfer_packs(texts, payments_copy(texts.lang), settings.payments))


async def _send_invoice(
    callback: CallbackQuery,
    bot: Bot,
    db: Connection,
    user: User,
    invoice: checkout.Invoice,
    *,
    texts: Copy,
    state: FSMContext,
    cid: str,
    provider: dict[str, Any],
    refused: str,
) -> None:
    """Record the pending payment, then send its invoice; when Telegram refuses it, say ``refused``."""
    from_confirm = await _in_confirm(state)
    payment = await payments.open_invoice(db, invoice, meta={"cid": cid, "from_confirm": from_confirm})
    amount = format_rub(invoice.kopecks, texts.lang)
    try:
        await bot.send_invoice(
            chat_id=user.id,
            title=texts.invoice_title,
            description=texts.invoice_description.format(amount=amount),
            payload=invoice.payload,
            currency=invoice.currency,
            prices=[LabeledPrice(label=texts.invoice_title, amount=invoice.total_amount)],
            **provider,
        )
    except TelegramBadRequest as exc:
        # Nothing was sent: the payment can never be paid (a network error leaves it pending: it may have been)
        await fail_payment(db, payment.id, f"sendInvoice refused: {exc.message}")
        log_event("INVOICE_REFUSED", level="error", payment_id=payment.id, error=exc.message[:200])
        await show(callback, Screen("invoice_refused", refused, back_to_menu(texts)), new_message=True)
        return
    log_event("INVOICE_SENT", payment_id=payment.id, currency=invoice.currency, units=invoice.units)


async def send_invoice(
    callback: CallbackQuery,
    callback_data: StarsPack,
    texts: Copy,
    user: User,
    db: Connection,
    bot: Bot,
    settings: WorkerSettings,
    state: FSMContext,
    cid: str,
) -> None:
    pack = payments.offer(user.id, callback_data.stars, settings.pricing.star_price_rub)
    if pack is None:
        await topup_screen(callback, texts, user, settings, state)
        return
    refused = payments_copy(texts.lang).stars_unavailable
    await _send_invoice(
        callback, bot, db, user, pack.invoice, texts=texts, state=state, cid=cid, provider={}, refused=refused
    )


async def send_rub_invoice(
    callback: CallbackQuery,
    callback_data: RubPack,
    texts: Copy,
    user: User,
    db: Connection,
    bot: Bot,
    settings: WorkerSettings,
    state: FSMContext,
    cid: str,
) -> None:
    routes = settings.payments
    invoice = payments.offer_roubles(user.id, callback_data.rub, routes.payments_rub_packs)
    if not routes.rub_invoices or routes.payments_provider_token is None or invoice is None:
        await topup_screen(callback, texts, user, settings, state)
        return
    phone = routes.payments_receipt_contact == "phone"
    provider: dict[str, Any] = {
        "provider_token": routes.payments_provider_token.get_secret_value(),
        "provider_data": payments.receipt(routes, invoice.kopecks),
        "need_phone_number": phone,
        "send_phone_number_to_provider": phone,
        "need_email": not phone,
        "send_email_to_provider": not phone,
    }
    refused = payments_copy(texts.lang).card_unavailable
    await _send_invoice(
        callback,
        bot,
        db,
        user,
        invoice,
        texts=texts,
        state=state,
        cid=cid,
        provider=provider,
        refused=refused,
    )


async def start_transfer(
    callback: CallbackQuery,
    callback_data: TransferPack,
    texts: Copy,
    user: User,
    db: Connection,
    settings: WorkerSettings,
    state: FSMContext,
    cid: str,
) -> None:
    routes = settings.payments
    if routes.manual_transfer_details is None:
        await topup_screen(callback, texts, user, settings, state)
        return
    payment = await transfers.start(
        db,
        user_id=user.id,
        rub=callback_data.rub,
        packs=routes.payments_rub_packs,
        meta={"cid": cid, "from_confirm": await _in_confirm(state)},
    )
    if payment is None:
        await transfer_screen(callback, texts, user, settings, state)
        return
    pc = payments_copy(texts.lang)
    await show(callback, views.transfer_details(texts, pc, payment, routes.manual_transfer_details))


async def cancel_transfer(
    callback: CallbackQuery,
    callback_data: TransferCancel,
    texts: Copy,
    user: User,
    db: Connection,
) -> None:
    pc = payments_copy(texts.lang)
    canceled = await transfers.cancel(db, callback_data.payment, user_id=user.id)
    text = pc.transfer_canceled.format(code=canceled.ref) if canceled else pc.transfer_closed
    await show(callback, Screen("transfer_canceled", text + "\n\n" + texts.menu_prompt, main_menu(texts)))


class AwaitingProof(BaseFilter):
    """A photo or a file from a person with a pending manual transfer and no conversation going on: its
    screenshot. A photo sent at any wizard step (or another conversation) stays that conversation's."""

    async def __call__(
        self, message: Message, db: Connection, user: User | None, raw_state: str | None
    ) -> Any:
        if user is None or (message.photo is None and message.document is None) or raw_state is not None:
            return False
        payment = await transfers.awaiting_proof(db, user.id)
        return {"transfer": payment} if payment is not None else False


async def transfer_proof(
    message: Message,
    transfer: payments.Payment,
    texts: Copy,
    user: User,
    db: Connection,
    bot: Bot,
    settings: WorkerSettings,
) -> None:
    if message.photo:
        file_id, kind = message.photo[-1].file_id, "photo"
    else:
        assert message.document is not None
        file_id, kind = message.document.file_id, "document"
    pc = payments_copy(texts.lang)
    payment = await transfers.attach_proof(db, transfer.id, user_id=user.id, file_id=file_id, kind=kind)
    if payment is None:
        await message.answer(pc.transfer_closed, reply_markup=back_to_menu(texts))
        return
    log_event("TRANSFER_PROOF", payment_id=payment.id, kind=kind)
    amount = format_rub(payment.kopecks, texts.lang)
    await message.answer(
        pc.transfer_proof_received.format(code=payment.ref, amount=amount), reply_markup=back_to_menu(texts)
    )
    person = views.who(user.id, user.username, user.first_name)
    await payments_admin.send_proof(bot, db, settings, payment, person)


# --- the money arrives (or goes back) -------------------------------------------------------------------


async def resume_confirm(
    event: Message | CallbackQuery, state: FSMContext, texts: Copy, user: User, wizard: WizardService
) -> bool:
    """Back to the wizard's confirm screen with the new balance, when the conversation is still there."""
    if not await _in_confirm(state):
        return False
    draft = Draft.from_state(await state.get_data())
    model = await wizard.model(draft.model_id) if draft is not None else None
    if draft is None or model is None:
        return False
    quote = await wizard.quote(user, draft, model)
    await show(event, confirm(texts, quote), new_message=isinstance(event, Message))
    return True


async def resume(
    callback: CallbackQuery, state: FSMContext, texts: Copy, user: User, wizard: WizardService
) -> None:
    if not await resume_confirm(callback, state, texts, user, wizard):
        await show(callback, Screen("main_menu", texts.menu_prompt, main_menu(texts)))


def _order_fields(message: Message) -> dict[str, Any] | None:
    """Which order fields the payer gave (their values are the provider's; we keep no e-mail or phone)."""
    payment = message.successful_payment
    assert payment is not None
    if payment.order_info is None:
        return None
    return {"fields": sorted(payment.order_info.model_dump(exclude_none=True))}


async def successful_payment(
    message: Message,
    texts: Copy,
    user: User,
    db: Connection,
    bot: Bot,
    settings: WorkerSettings,
    state: FSMContext,
    wizard: WizardService,
) -> None:
    paid = message.successful_payment
    assert paid is not None
    credited = await payments.credit_invoice(
        db,
        user_id=user.id,
        payload=paid.invoice_payload,
        charge_id=paid.telegram_payment_charge_id,
        provider_charge_id=paid.provider_payment_charge_id,
        currency=paid.currency,
        total_amount=paid.total_amount,
        order_info=_order_fields(message),
        referral_reward=settings.wallet.referral_bonus_rub * 100,
    )
    if credited is None:
        # Telegram took the money: the operator must settle it by hand, and the payer must know how.
        unmatched = await payments.record_unmatched(
            db,
            user_id=user.id,
            charge_id=paid.telegram_payment_charge_id,
            currency=paid.currency,
            total_amount=paid.total_amount,
            provider_charge_id=paid.provider_payment_charge_id,
            payload=paid.invoice_payload,
        )
        log_event("PAYMENT_UNKNOWN_PAYLOAD", level="error", charge_id=paid.telegram_payment_charge_id)
        await message.answer(texts.payment_unmatched, reply_markup=back_to_menu(texts))
        if unmatched is not None:
            await payments_admin.tell_unmatched(bot, db, settings, unmatched, user)
        return
    if credited.repeated:
        log_event("PAYMENT_REPEATED", payment_id=credited.payment.id)
        return
    await message.answer(
        texts.payment_ok.format(
            amount=format_rub(credited.result.entry.amount, texts.lang),
            balance=format_rub(credited.result.wallet.available, texts.lang),
        ),
        reply_markup=back_to_menu(texts),
    )
    if credited.referrer is not None:
        await payments_admin.tell_referrer(bot, db, credited.referrer, settings)
    await resume_confirm(message, state, texts, user, wizard)


async def refunded_payment(message: Message, db: Connection, bot: Bot, settings: WorkerSettings) -> None:
    """Telegram says a Stars payment went back: after our own refundStarPayment, or made without the bot
    (support, a chargeback). Either way the wallet gives back what that payment credited, once."""
    refunded = message.refunded_payment
    assert refunded is not None
    payment = await refunds.adopt_charge(db, refunded.telegram_payment_charge_id)
    if payment is None:
        log_event("REFUND_UNKNOWN_CHARGE", level="error", charge_id=refunded.telegram_payment_charge_id)
        return
    by = "bot" if payment.refund_requested_at is not None else "telegram"
    outcome = await refunds.finish(db, payment.id, by=by)
    if not isinstance(outcome, refunds.Refunded) or not outcome.newly:
        return
    language = await db.fetchval("SELECT language FROM users WHERE id = $1", payment.user_id)
    await payments_admin.tell_refunded(bot, outcome, language)
    if by == "telegram":
        await payments_admin.tell_refunded_outside(bot, db, settings, outcome)


# --- /terms ---------------------------------------------------------------------------------------------


def terms_text(texts: Copy, pc: PaymentsCopy, settings: WorkerSettings) -> str:
    rate = format_rub(payments.pack_kopecks(1, settings.pricing.star_price_rub), texts.lang)
    routes = (pc.terms_route_card if settings.payments.rub_invoices else "") + (
        pc.terms_route_transfer if settings.payments.manual_transfers else ""
    )
    return pc.terms.format(rate=rate, routes=routes, timeout=settings.app.job_timeout_min)


async def terms(message: Message, texts: Copy, settings: WorkerSettings) -> None:
    text = terms_text(texts, payments_copy(texts.lang), settings)
    await show(message, Screen("terms", text, back_to_menu(texts)))


def build_router() -> Router:
    router = Router(name="money")
    router.message.register(balance_screen, Command("balance"))
    router.callback_query.register(balance_screen, Menu.filter(F.screen == "balance"))
    router.callback_query.register(history_page, HistoryPage.filter())
    router.message.register(invite_screen, Command("invite"))
    router.callback_query.register(invite_screen, Menu.filter(F.screen == "invite"))
    router.message.register(topup_screen, Command("topup"))
    router.callback_query.register(topup_screen, Menu.filter(F.screen == "topup"))
    router.callback_query.register(card_screen, Menu.filter(F.screen == "topup_card"))
    router.callback_query.register(transfer_screen, Menu.filter(F.screen == "topup_transfer"))
    router.callback_query.register(resume, Menu.filter(F.screen == "resume"))
    router.callback_query.register(send_invoice, StarsPack.filter())
    router.callback_query.register(send_rub_invoice, RubPack.filter())
    router.callback_query.register(start_transfer, TransferPack.filter())
    router.callback_query.register(cancel_transfer, TransferCancel.filter())
    router.message.register(successful_payment, F.successful_payment)
    router.message.register(refunded_payment, F.refunded_payment)
    router.message.register(transfer_proof, AwaitingProof())
    router.message.register(terms, Command("terms"))
    return router
