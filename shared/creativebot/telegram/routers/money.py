"""Balance and history, the invite link, Stars top-ups, /paysupport and /terms."""

from __future__ import annotations

import html

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, LabeledPrice, Message, PreCheckoutQuery

from creativebot import payments
from creativebot.config import WorkerSettings
from creativebot.db import Connection
from creativebot.kie.catalog import load_catalog
from creativebot.observability import log_event
from creativebot.telegram.callbacks import Menu, StarsPack
from creativebot.telegram.keyboards import Row, back_to_menu, markup
from creativebot.telegram.screens import Screen, show
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


async def balance_screen(event: Message | CallbackQuery, texts: Copy, user: User, db: Connection) -> None:
    wallet = await balance_of(db, user.id)
    entries = await recent_entries(db, user.id, 10)
    history = "\n".join("• " + describe(entry, texts) for entry in entries) or texts.history_empty
    text = texts.balance_screen.format(
        available=format_rub(wallet.available, texts.lang),
        held=format_rub(wallet.held, texts.lang),
        history=history,
    )
    keyboard = markup(
        [[(texts.btn_topup, Menu(screen="topup"))], [(texts.btn_main_menu, Menu(screen="main"))]]
    )
    await show(event, Screen("balance", text, keyboard))


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
    await show(event, Screen("invite", text, back_to_menu(texts)))


async def topup_screen(
    event: Message | CallbackQuery, texts: Copy, user: User, settings: WorkerSettings
) -> None:
    rows: list[Row] = []
    for stars in payments.STAR_PACKS:
        pack = payments.offer(user.id, stars, settings.pricing.star_price_rub)
        assert pack is not None
        label = texts.btn_pack.format(stars=stars, amount=format_rub(pack.kopecks, texts.lang))
        rows.append([(label, StarsPack(stars=stars))])
    rows.append([(texts.btn_main_menu, Menu(screen="main"))])
    rate = format_rub(payments.pack_kopecks(1, settings.pricing.star_price_rub), texts.lang)
    await show(event, Screen("topup", texts.topup_screen.format(rate=rate), markup(rows)))


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


async def successful_payment(message: Message, texts: Copy, user: User, db: Connection) -> None:
    payment = message.successful_payment
    assert payment is not None
    result = await payments.credit(
        db, user_id=user.id, payload=payment.invoice_payload, charge_id=payment.telegram_payment_charge_id
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
    contact = html.escape(settings.app.support_contact or texts.support_fallback)
    await show(message, Screen("paysupport", texts.paysupport.format(contact=contact), back_to_menu(texts)))


async def terms(message: Message, texts: Copy, settings: WorkerSettings) -> None:
    rate = format_rub(payments.pack_kopecks(1, settings.pricing.star_price_rub), texts.lang)
    text = texts.terms.format(rate=rate, timeout=settings.app.job_timeout_min)
    await show(message, Screen("terms", text, back_to_menu(texts)))


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
