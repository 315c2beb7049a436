"""Money screens: balance and history, the top-up routes, manual transfers, /paysupport, and the
operators' payments panel. Text and keyboards from data; no I/O.

The buttons of these screens carry ids only (a page, a pack, a payment, a ticket): every handler re-checks
that the pressing person may act on them (their own payment; an operator for the panel).
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from aiogram.filters.callback_data import CallbackData
from pydantic import Field

from creativebot.config import PaymentSettings
from creativebot.kie.catalog import title_of
from creativebot.payments import Payment
from creativebot.payments.history import Line, Page
from creativebot.support import JobBrief, Ticket
from creativebot.telegram.callbacks import AdminSection, Index, Menu, RowId, StarsPack
from creativebot.telegram.keyboards import Row, markup
from creativebot.telegram.screens import Screen
from creativebot.texts import Copy, format_rub
from creativebot.texts.payments import PaymentsCopy
from creativebot.wallet import Entry

MOSCOW = "Europe/Moscow"
# Numbers in button data are bounded: a forged one fails to parse (the fallback answers), never reaches SQL.
Roubles = Annotated[int, Field(ge=1, le=100_000)]
MaybeRowId = Annotated[int, Field(ge=0, le=2**63 - 1)]  # 0: none


class HistoryPage(CallbackData, prefix="hist"):
    """A page of the balance history (0 = the newest)."""

    page: Index


class RubPack(CallbackData, prefix="rubpk"):
    """A rouble invoice for this many roubles (one of PAYMENTS_RUB_PACKS)."""

    rub: Roubles


class TransferPack(CallbackData, prefix="xferpk"):
    """A manual transfer of this many roubles (one of PAYMENTS_RUB_PACKS)."""

    rub: Roubles


class TransferCancel(CallbackData, prefix="xfercx"):
    payment: RowId


class PaymentOp(CallbackData, prefix="payop"):
    """An operator's action on a payment: open, approve, reject, refund, refund_anyway."""

    action: str
    payment: RowId


class RejectReason(CallbackData, prefix="payrj"):
    """Why a transfer is rejected: one of payments.transfers.REJECT_REASONS, or "custom"."""

    payment: RowId
    code: str


class SupportTopic(CallbackData, prefix="suptp"):
    """/paysupport: a payment of one's own (``payment``), a generation, or anything else."""

    topic: str
    payment: MaybeRowId = 0


class SupportReply(CallbackData, prefix="suprp"):
    ticket: RowId


RESUME = Menu(screen="resume")  # back to the wizard's confirm screen after a top-up
PROMO = Menu(screen="promo")  # handled by the promo codes' router
TOPUP = Menu(screen="topup")
TOPUP_CARD = Menu(screen="topup_card")
TOPUP_TRANSFER = Menu(screen="topup_transfer")
MAIN = Menu(screen="main")
PANEL = AdminSection(section="home")  # the /admin panel (routers/admin.py)


# --- words for people --------------------------------------------------------------------------------


def when(pc: PaymentsCopy, moment: datetime, tz: str) -> str:
    """A moment in the history's time zone: "28.11 14:05" (the year only when it is not this one)."""
    zone = ZoneInfo(tz)
    local = moment.astimezone(zone)
    this_year = datetime.now(UTC).astimezone(zone).year
    return local.strftime(pc.history_when if local.year == this_year else pc.history_when_year)


def tz_note(pc: PaymentsCopy, tz: str) -> str:
    return pc.history_tz_moscow if tz == MOSCOW else pc.history_tz_other.format(tz=html.escape(tz))


def model_title(model_id: object, language: str) -> str:
    return html.escape(title_of(str(model_id or "?"), language))


def describe(entry: Entry, texts: Copy, pc: PaymentsCopy) -> str:
    """One ledger entry, written for people."""
    rub = format_rub
    lang = texts.lang
    if entry.kind == "hold":
        title = model_title(entry.meta.get("model"), lang)
        return texts.op_hold.format(job=entry.job_id, model=title, amount=rub(entry.held_delta, lang))
    if entry.kind == "charge":
        title = model_title(entry.meta.get("model"), lang)
        return texts.op_charge.format(job=entry.job_id, model=title, amount=rub(-entry.amount, lang))
    if entry.kind == "release":
        title = model_title(entry.meta.get("model"), lang)
        return texts.op_release.format(job=entry.job_id, model=title, amount=rub(-entry.held_delta, lang))
    if entry.kind == "refund":
        return texts.op_refund.format(job=entry.job_id, amount=rub(entry.amount, lang))
    if entry.kind == "topup":
        return texts.op_topup.format(amount=rub(entry.amount, lang))
    if entry.kind == "reversal":
        return pc.op_reversal.format(amount=rub(entry.amount, lang))
    if entry.kind == "writeoff":
        return pc.op_writeoff.format(amount=rub(int(entry.meta.get("kopecks", 0)), lang))
    if entry.kind == "adjust":
        reason = html.escape(str(entry.meta.get("reason", "")))
        return texts.op_adjust.format(amount=rub(entry.amount, lang), reason=reason)
    if entry.ref.startswith("welcome:"):
        return texts.op_welcome.format(amount=rub(entry.amount, lang))
    if entry.ref.startswith("referral:"):
        return texts.op_referral.format(amount=rub(entry.amount, lang))
    return texts.op_bonus.format(amount=rub(entry.amount, lang))


def describe_run(line: Line, texts: Copy, pc: PaymentsCopy) -> str:
    """A generation paid with a free daily slot or a granted run."""
    title = model_title(line.model_id, texts.lang)
    if line.job_status in ("failed", "canceled"):
        template = pc.free_returned
    elif line.job_status in ("created", "submitted"):
        template = pc.free_running
    else:
        template = pc.gift_done if line.job_payment == "gift" else pc.free_done
    return template.format(job=line.job_id, model=title)


def history_line(line: Line, texts: Copy, pc: PaymentsCopy, tz: str) -> str:
    what = describe(line.entry, texts, pc) if line.entry is not None else describe_run(line, texts, pc)
    return f"• {when(pc, line.at, tz)} · {what}"


def balance(texts: Copy, pc: PaymentsCopy, page: Page, tz: str) -> Screen:
    if page.lines:
        lines = [history_line(line, texts, pc, tz) for line in page.lines]
        footer = tz_note(pc, tz)
        if page.number or page.has_more:
            footer = pc.history_page.format(page=page.number + 1) + " · " + footer
        history = "\n".join(lines) + "\n\n" + footer
    else:
        history = texts.history_empty
    text = texts.balance_screen.format(
        available=format_rub(page.wallet.available, texts.lang),
        held=format_rub(page.wallet.held, texts.lang),
        history=history,
    )
    rows: list[Row] = [[(texts.btn_topup, TOPUP), (pc.btn_promo, PROMO)]]
    paging: list[tuple[str, CallbackData]] = []
    if page.number > 0:
        paging.append((pc.btn_newer, HistoryPage(page=page.number - 1)))
    if page.has_more:
        paging.append((pc.btn_older, HistoryPage(page=page.number + 1)))
    if paging:
        rows.append(paging)
    rows.append([(texts.btn_main_menu, MAIN)])
    return Screen("balance", text, markup(rows))


# --- top-ups -------------------------------------------------------------------------------------------


def topup(
    texts: Copy,
    pc: PaymentsCopy,
    *,
    packs: Sequence[tuple[int, int]],
    rate: int,
    routes: PaymentSettings,
    resume: bool,
) -> Screen:
    """The top-up screen: Stars packs ((stars, kopecks) each), then the rouble routes that are on."""
    extra = (pc.topup_route_card if routes.rub_invoices else "") + (
        pc.topup_route_transfer if routes.manual_transfers else ""
    )
    text = pc.topup_screen.format(rate=format_rub(rate, texts.lang), routes=extra)
    rows: list[Row] = [
        [(texts.btn_pack.format(stars=stars, amount=format_rub(kopecks, texts.lang)), StarsPack(stars=stars))]
        for stars, kopecks in packs
    ]
    if routes.rub_invoices:
        rows.append([(pc.btn_topup_card, TOPUP_CARD)])
    if routes.manual_transfers:
        rows.append([(pc.btn_topup_transfer, TOPUP_TRANSFER)])
    if resume:
        rows.append([(pc.btn_back_to_launch, RESUME)])
    rows.append([(texts.btn_main_menu, MAIN)])
    return Screen("topup", text, markup(rows))


def _pack_rows(labels: Sequence[tuple[str, CallbackData]]) -> list[Row]:
    return [list(labels[i : i + 2]) for i in range(0, len(labels), 2)]


def card_packs(texts: Copy, pc: PaymentsCopy, routes: PaymentSettings) -> Screen:
    contact = pc.contact_phone if routes.payments_receipt_contact == "phone" else pc.contact_email
    buttons = [
        (pc.btn_card_pack.format(amount=format_rub(rub * 100, texts.lang)), RubPack(rub=rub))
        for rub in routes.payments_rub_packs
    ]
    rows = [*_pack_rows(buttons), [(texts.btn_back, TOPUP)]]
    return Screen("topup_card", pc.card_screen.format(contact=contact), markup(rows))


def transfer_packs(texts: Copy, pc: PaymentsCopy, routes: PaymentSettings) -> Screen:
    buttons = [
        (pc.btn_transfer_pack.format(amount=format_rub(rub * 100, texts.lang)), TransferPack(rub=rub))
        for rub in routes.payments_rub_packs
    ]
    rows = [*_pack_rows(buttons), [(texts.btn_back, TOPUP)]]
    return Screen("topup_transfer", pc.transfer_screen, markup(rows))


def transfer_details(texts: Copy, pc: PaymentsCopy, payment: Payment, details: str) -> Screen:
    text = pc.transfer_details.format(
        amount=format_rub(payment.kopecks, texts.lang), details=html.escape(details), code=payment.ref
    )
    rows: list[Row] = [
        [(pc.btn_cancel_transfer, TransferCancel(payment=payment.id))],
        [(texts.btn_main_menu, MAIN)],
    ]
    return Screen("transfer_details", text, markup(rows))


# --- /paysupport ----------------------------------------------------------------------------------------


def payment_label(pc: PaymentsCopy, payment: Payment, language: str, tz: str) -> dict[str, str]:
    """The words a payment is named by: icon, amount, when, state."""
    return {
        "icon": pc.method_icons.get(payment.method, "•"),
        "amount": format_rub(payment.kopecks, language)
        if payment.kopecks
        else paid_amount(payment, language),
        "when": when(pc, payment.created_at, tz),
        "state": pc.state_names.get(payment.state, payment.state),
    }


def paid_amount(payment: Payment, language: str) -> str:
    """What the payer paid: ⭐ N, or roubles."""
    return f"⭐ {payment.units}" if payment.method == "stars" else format_rub(payment.units, language)


def support_menu(
    texts: Copy, pc: PaymentsCopy, payments: Sequence[Payment], tz: str, contact: str | None
) -> Screen:
    contact_line = pc.support_contact_line.format(contact=html.escape(contact)) if contact else ""
    rows: list[Row] = [
        [
            (
                pc.support_payment_button.format(**payment_label(pc, payment, texts.lang, tz)),
                SupportTopic(topic="payment", payment=payment.id),
            )
        ]
        for payment in payments
    ]
    rows.append(
        [
            (pc.btn_support_generation, SupportTopic(topic="generation")),
            (pc.btn_support_other, SupportTopic(topic="other")),
        ]
    )
    rows.append([(texts.btn_main_menu, MAIN)])
    return Screen("paysupport", pc.support_screen.format(contact=contact_line), markup(rows))


def support_ask(texts: Copy, pc: PaymentsCopy, topic: str) -> Screen:
    return Screen("support_ask", pc.support_ask.format(topic=topic), markup([[(texts.btn_cancel, MAIN)]]))


# --- operators -----------------------------------------------------------------------------------------


def who(user_id: int, username: str | None, first_name: str | None) -> str:
    """A person as operators see them: name, @username and id."""
    name = html.escape(first_name or "—")
    handle = f"@{html.escape(username)}, " if username else ""
    return f"{name} ({handle}<code>{user_id}</code>)"


def admin_list(
    pc: PaymentsCopy,
    rows: Sequence[tuple[Payment, str]],
    *,
    waiting: int,
    pending: int,
    number: int,
    has_more: bool,
    tz: str,
) -> Screen:
    """💳 Платежи: transfers awaiting review first, then pending ones, then the newest."""
    lines = []
    buttons: list[tuple[str, CallbackData]] = []
    for payment, person in rows:
        label = payment_label(pc, payment, pc.lang, tz)
        extra = f" · <code>{payment.ref}</code>" if payment.method == "manual" else ""
        if payment.proof_at is not None and payment.state == "pending":
            extra += " · 📎"
        lines.append(pc.admin_payment_line.format(id=payment.id, who=person, extra=extra, **label))
        buttons.append(
            (
                pc.btn_open_payment.format(id=payment.id, icon=label["icon"], amount=label["amount"]),
                PaymentOp(action="open", payment=payment.id),
            )
        )
    text = pc.admin_payments.format(
        waiting=waiting, pending=pending, lines="\n".join(lines) or pc.admin_payments_empty
    )
    keyboard: list[Row] = _pack_rows(buttons)
    paging: list[tuple[str, CallbackData]] = []
    if number > 0:
        paging.append((pc.btn_newer, AdminSection(section="payments", page=number - 1)))
    if has_more:
        paging.append((pc.btn_older, AdminSection(section="payments", page=number + 1)))
    if paging:
        keyboard.append(paging)
    keyboard.append([(pc.btn_panel, PANEL)])
    return Screen("admin_payments", text, markup(keyboard))


def admin_card(pc: PaymentsCopy, payment: Payment, person: str, reviewer: str | None, tz: str) -> Screen:
    lang = pc.lang
    label = payment_label(pc, payment, lang, tz)
    details = ""
    if payment.method == "manual":
        details += pc.admin_card_code.format(code=payment.ref)
    if payment.telegram_charge_id:
        details += pc.admin_card_charge.format(charge=html.escape(payment.telegram_charge_id))
    if payment.proof_at is not None:
        details += pc.admin_card_proof.format(when=when(pc, payment.proof_at, tz))
    if reviewer is not None:
        details += pc.admin_card_reviewed.format(admin=reviewer)
    if payment.state == "refunded":
        details += pc.admin_card_refund.format(
            debited=format_rub(payment.refund_debit or 0, lang),
            written_off=format_rub(payment.written_off or 0, lang),
        )
    if payment.reason:
        details += pc.admin_card_reason.format(reason=html.escape(payment.reason))
    text = pc.admin_payment_card.format(
        id=payment.id,
        icon=label["icon"],
        who=person,
        method=pc.method_names.get(payment.method, payment.method),
        paid=paid_amount(payment, lang),
        amount=format_rub(payment.kopecks, lang),
        state=label["state"],
        created=label["when"],
        details=details,
    )
    rows: list[Row] = []
    if payment.method == "manual" and payment.state in ("pending", "expired"):
        rows.append(transfer_actions(pc, payment))
    if payment.method == "stars" and payment.telegram_charge_id and payment.state in ("paid", "failed"):
        rows.append([(pc.btn_refund_stars, PaymentOp(action="refund", payment=payment.id))])
    rows.append([(pc.btn_payments_list, AdminSection(section="payments", page=0))])
    return Screen("admin_payment", text, markup(rows))


def transfer_actions(pc: PaymentsCopy, payment: Payment) -> Row:
    approve = (pc.btn_approve, PaymentOp(action="approve", payment=payment.id))
    if payment.state != "pending":
        return [approve]
    return [approve, (pc.btn_reject, PaymentOp(action="reject", payment=payment.id))]


def transfer_proof_caption(pc: PaymentsCopy, payment: Payment, person: str, tz: str) -> str:
    return pc.admin_transfer_proof.format(
        id=payment.id,
        code=payment.ref,
        who=person,
        amount=format_rub(payment.kopecks, pc.lang),
        created=when(pc, payment.created_at, tz),
    )


def reject_reasons(pc: PaymentsCopy, payment: Payment, reasons: Sequence[str]) -> Screen:
    rows: list[Row] = [
        [(pc.reject_reasons[code], RejectReason(payment=payment.id, code=code))] for code in reasons
    ]
    rows.append([(pc.btn_reject_custom, RejectReason(payment=payment.id, code="custom"))])
    rows.append([(pc.btn_payments_list, PaymentOp(action="open", payment=payment.id))])
    text = pc.admin_reject_pick.format(
        id=payment.id, code=payment.ref, amount=format_rub(payment.kopecks, pc.lang)
    )
    return Screen("admin_reject", text, markup(rows))


def refund_short(pc: PaymentsCopy, payment: Payment, available: int, missing: int) -> Screen:
    text = pc.admin_refund_short.format(
        id=payment.id,
        amount=format_rub(payment.kopecks, pc.lang),
        available=format_rub(max(available, 0), pc.lang),
        missing=format_rub(missing, pc.lang),
    )
    rows: list[Row] = [
        [(pc.btn_refund_anyway, PaymentOp(action="refund_anyway", payment=payment.id))],
        [(pc.btn_payments_list, PaymentOp(action="open", payment=payment.id))],
    ]
    return Screen("admin_refund_short", text, markup(rows))


def support_ticket(
    pc: PaymentsCopy,
    ticket: Ticket,
    person: str,
    topic: str,
    payments: Sequence[Payment],
    jobs: Sequence[JobBrief],
    tz: str,
) -> Screen:
    lang = pc.lang
    payment_lines = [
        pc.admin_support_payment_line.format(id=payment.id, **payment_label(pc, payment, lang, tz))
        for payment in payments
    ]
    job_lines = [
        pc.admin_support_job_line.format(
            id=job.id,
            model=model_title(job.model_id, lang),
            state=pc.job_states.get(job.status, job.status),
            price=format_rub(job.price, lang) if job.payment == "wallet" else "🎁",
            when=when(pc, job.created_at, tz),
        )
        for job in jobs
    ]
    text = pc.admin_support_ticket.format(
        ticket=ticket.id,
        who=person,
        topic=topic,
        body=html.escape(ticket.body),
        payments="\n".join(payment_lines) or pc.admin_support_none,
        jobs="\n".join(job_lines) or pc.admin_support_none,
    )
    keyboard = markup([[(pc.btn_support_reply, SupportReply(ticket=ticket.id))]])
    return Screen("admin_support_ticket", text, keyboard)
