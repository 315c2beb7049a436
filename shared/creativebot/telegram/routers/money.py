"""Balance and history, the invite link, Stars top-ups, /paysupport and /terms."""

from __future__ import annotations

import html

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, LabeledPrice, Message, PreCheckoutQuery
from aiogram.utils.keyboard import InlineKeyboardBuilder

from creativebot import payments
from creativebot.config import WorkerSettings
from creativebot.db import Pool
from creativebot.kie.catalog import load_catalog
from creativebot.observability import log_event
from creativebot.telegram.callbacks import Menu, StarsPack
from creativebot.telegram.keyboards import back_to_menu
from creativebot.telegram.screens import show
from creativebot.texts import Copy, format_rub
from creativebot.users import User
from creativebot.wallet import Entry, balance_of, recent_entries, referrals


def _model_title(entry: Entry, texts: Copy) -> str:
    model = load_catalog().get(str(entry.meta.get("model", "")))
    return html.escape(model.title.get(texts.lang) if model else str(entry.meta.get("model", "?")))


def describe(entry: Entry, texts: Copy) -> str:
    """One ledger entry, written for people."""
    rub = format_rub
    if entry.kind == "hold":
        return texts.op_hold.format(
            job=entry.job_id, model=_model_title(entry, texts), amount=rub(entry.held_delta, texts.lang)
        )
    if entry.kind == "charge":
        return texts.op_charge.format(
            job=entry.job_id, model=_model_title(entry, texts), amount=rub(-entry.amount, texts.lang)
        )
    if entry.kind == "release":
        return texts.op_release.format(
            job=entry.job_id, model=_model_title(entry, texts), amount=rub(-entry.held_delta, texts.lang)
        )
    if entry.kind == "refund":
        return texts.op_refund.format(job=entry.job_id, amount=rub(entry.amount, texts.lang))
    if entry.kind == "topup":
        return texts.op_topup.format(amount=rub(entry.amount, texts.lang))
    if entry.kind == "adjust":
        reason = html.escape(str(entry.meta.get("reason", "")))
        return texts.op_adjust.format(amount=rub(entry.amount, texts.lang), reason=reason)
    if entry.ref.startswith("welcome:"):
        return texts.op_welcome.format(amount=rub(entry.amount, texts.lang))
    if entry.ref.startswith("referral:"):
        return texts.op_referral.format(amount=rub(entry.amount, texts.lang))
    return texts.op_bonus.format(amount=rub(entry.amount, texts.lang))


async def balance_screen(event: Message | CallbackQuery, texts: Copy, user: User, pool: Pool) -> None:
    wallet = await balance_of(pool, user.id)
    entries = await recent_entries(pool, user.id, 10)
    history = "\n".join("• " + describe(entry, texts) for entry in entries) or texts.history_empty
    text = texts.balance_screen.format(
        available=format_rub(wallet.available, texts.lang),
        held=format_rub(wallet.held, texts.lang),
        history=history,
    )
    builder = InlineKeyboardBuilder()
    builder.button(text=texts.btn_topup, callback_data=Menu(screen="topup"))
    builder.button(text=texts.btn_main_menu, callback_data=Menu(screen="main"))
    builder.adjust(1)
    await show(event, text, builder.as_markup(), screen="balance")


async def invite_screen(
    event: Message | CallbackQuery, texts: Copy, user: User, pool: Pool, bot: Bot, settings: WorkerSettings
) -> None:
    code = await referrals.ensure_code(pool, user.id)
    me = await bot.me()
    invited, earned = await referrals.stats(pool, user.id)
    bonus = settings.wallet.referral_bonus_rub * 100
    terms = (
        texts.invite_terms_bonus.format(bonus=format_rub(bonus, texts.lang))
        if bonus
        else texts.invite_terms_plain
    )
    text = texts.invite_screen.format(
        terms=terms,
        link=html.escape(referrals.deep_link(me.username or "", code)),
        count=invited,
        earned=format_rub(earned, texts.lang),
    )
    await show(event, text, back_to_menu(texts), screen="invite")


async def topup_screen(
    event: Message | CallbackQuery, texts: Copy, user: User, settings: WorkerSettings
) -> None:
    builder = InlineKeyboardBuilder()
    for stars in payments.STAR_PACKS:
        pack = payments.offer(user.id, stars, settings.pricing.star_price_rub)
        assert pack is not None
        builder.button(
            text=texts.btn_pack.format(stars=stars, amount=format_rub(pack.kopecks, texts.lang)),
            callback_data=StarsPack(stars=stars),
        )
    builder.button(text=texts.btn_main_menu, callback_data=Menu(screen="main"))
    builder.adjust(1)
    rate = format_rub(payments.pack_kopecks(1, settings.pricing.star_price_rub), texts.lang)
    await show(event, texts.topup_screen.format(rate=rate), builder.as_markup(), screen="topup")


async def send_invoice(
    callback: CallbackQuery,
    callback_data: StarsPack,
    texts: Copy,
    user: User,
    bot: Bot,
    settings: WorkerSettings,
) -> None:
    pack = payments.offer(user.id, callback_data.stars, settings.pricing.star_price_rub)
    if pack is None:
        await topup_screen(callback, texts, user, settings)
        return
    amount = format_rub(pack.kopecks, texts.lang)
    await bot.send_invoice(
        chat_id=user.id,
        title=texts.invoice_title,
        description=texts.invoice_description.format(amount=amount),
        payload=pack.payload,
        currency=payments.CURRENCY,
        prices=[LabeledPrice(label=texts.invoice_title, amount=pack.stars)],
    )
    log_event("INVOICE_SENT", stars=pack.stars)


async def pre_checkout(query: PreCheckoutQuery, texts: Copy) -> None:
    valid = payments.checkout_valid(
        query.invoice_payload,
        user_id=query.from_user.id,
        currency=query.currency,
        total_amount=query.total_amount,
    )
    log_event("PRE_CHECKOUT", ok=valid, stars=query.total_amount)
    if valid:
        await query.answer(ok=True)
    else:
        await query.answer(ok=False, error_message=texts.invoice_stale)


async def successful_payment(message: Message, texts: Copy, user: User, pool: Pool) -> None:
    payment = message.successful_payment
    assert payment is not None
    result = await payments.credit(
        pool, user_id=user.id, payload=payment.invoice_payload, charge_id=payment.telegram_payment_charge_id
    )
    if result is None:
        # Telegram took the stars: the operator must settle it by hand, and the payer must know how.
        log_event("PAYMENT_UNKNOWN_PAYLOAD", level="error", charge_id=payment.telegram_payment_charge_id)
        await message.answer(texts.payment_unmatched, reply_markup=back_to_menu(texts))
        return
    log_event("PAYMENT_OK", amount=result.entry.amount, repeated=result.repeated)
    if not result.repeated:
        await message.answer(
            texts.payment_ok.format(
                amount=format_rub(result.entry.amount, texts.lang),
                balance=format_rub(result.wallet.available, texts.lang),
            ),
            reply_markup=back_to_menu(texts),
        )


async def paysupport(message: Message, texts: Copy, settings: WorkerSettings) -> None:
    await show(
        message,
        texts.paysupport.format(contact=html.escape(settings.app.support_contact or texts.support_fallback)),
        back_to_menu(texts),
        screen="paysupport",
    )


async def terms(message: Message, texts: Copy, settings: WorkerSettings) -> None:
    rate = format_rub(payments.pack_kopecks(1, settings.pricing.star_price_rub), texts.lang)
    await show(
        message,
        texts.terms.format(rate=rate, timeout=settings.app.job_timeout_min),
        back_to_menu(texts),
        screen="terms",
    )


def build_router() -> Router:
    router = Router(name="money")
    router.message.register(balance_screen, Command("balance"))
    router.callback_query.register(balance_screen, Menu.filter(F.screen == "balance"))
    router.message.register(invite_screen, Command("invite"))
    router.callback_query.register(invite_screen, Menu.filter(F.screen == "invite"))
    router.message.register(topup_screen, Command("topup"))
    router.callback_query.register(topup_screen, Menu.filter(F.screen == "topup"))
    router.callback_query.register(send_invoice, StarsPack.filter())
    router.pre_checkout_query.register(pre_checkout)
    router.message.register(successful_payment, F.successful_payment)
    router.message.register(paysupport, Command("paysupport"))
    router.message.register(terms, Command("terms"))
    return router
