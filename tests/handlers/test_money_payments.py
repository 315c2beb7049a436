"""Top-ups, transfers, refunds and the balance history, fed straight to the Dispatcher.

Rouble routes are switched on here (a test provider token, transfer details) and two operators are set,
so every route and the operators' side can be walked; the webhook's part (pre-checkout) is the e2e tier's.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiogram.methods import SendInvoice

from creativebot import wallet
from creativebot.config import WorkerSettings, get_settings
from creativebot.db import Pool
from creativebot.kie.client import KieClient
from creativebot.payments.verify import verify_payments
from creativebot.telegram.callbacks import AdminSection, Menu, ModelChoose, StarsPack, Wizard
from creativebot.telegram.states import Step
from creativebot.telegram.views.money import (
    HistoryPage,
    PaymentOp,
    RejectReason,
    RubPack,
    TransferCancel,
    TransferPack,
    when,
)
from creativebot.texts import RU, format_rub
from creativebot.texts.payments import EN as PEN
from creativebot.texts.payments import RU as PRU
from creativebot.wallet import referrals
from infra.local.botsession import BOT_USER, Call
from infra.local.kie import FakeKieServer
from infra.local.kie.fake import png
from tests.e2e.flows import head_of, is_launch_button, launch_button, model_title
from tests.handlers.harness import Harness, buttons_of, last_screen, texts_of
from tests.helpers import Queues

USER = 424242
FRIEND = 434343
ADMIN, ADMIN2 = 700001, 700002
NANO = "google/nano-banana"  # 4 ₽
TOKEN = "1234567890:TEST:fake"
DETAILS = "СБП +7 900 000-00-00, Тест-Банк, Иван И."
RUB = 100


@pytest.fixture(autouse=True)
def routes_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAYMENTS_PROVIDER_TOKEN", TOKEN)
    monkeypatch.setenv("MANUAL_TRANSFER_DETAILS", DETAILS)
    monkeypatch.setenv("PAYMENTS_RUB_PACKS", "100,500")
    monkeypatch.setenv("ADMIN_IDS", f"{ADMIN},{ADMIN2}")
    monkeypatch.setenv("REFERRAL_BONUS_RUB", "25")
    get_settings.cache_clear()


@pytest.fixture
async def harness(pool: Pool, kie: FakeKieServer, sqs: Queues) -> AsyncIterator[Harness]:
    settings = get_settings(WorkerSettings)
    async with KieClient(settings.kie) as client:
        yield Harness(pool, settings, client)


# --- updates Telegram sends about money --------------------------------------------------------------------


def _service_message(
    harness: Harness, user_id: int, sender: dict[str, Any], **content: Any
) -> dict[str, Any]:
    update_id = next(harness._ids)
    return {
        "update_id": update_id,
        "message": {
            "message_id": 20_000 + update_id,
            "date": 1795867200,
            "chat": {"id": user_id, "type": "private", "first_name": "Анна"},
            "from": sender,
            **content,
        },
    }


async def pay(
    harness: Harness, user_id: int, invoice: Call, charge: str, *, payload: str | None = None, **extra: Any
) -> list[Call]:
    """The successful_payment Telegram sends after the person paid ``invoice``."""
    method = sent_invoice(invoice)
    paid = {
        "currency": method.currency,
        "total_amount": sum(price.amount for price in method.prices),
        "invoice_payload": payload or method.payload,
        "telegram_payment_charge_id": charge,
        "provider_payment_charge_id": f"provider-{charge}" if method.currency == "RUB" else "",
        **extra,
    }
    person = {"id": user_id, "is_bot": False, "first_name": "Анна", "language_code": "ru"}
    return await harness.feed(_service_message(harness, user_id, person, successful_payment=paid))


async def refunded(harness: Harness, user_id: int, invoice: Call, charge: str) -> list[Call]:
    """The refunded_payment service message (Telegram puts it in the chat as the bot's own)."""
    method = sent_invoice(invoice)
    body = {
        "currency": "XTR",
        "total_amount": method.prices[0].amount,
        "invoice_payload": method.payload,
        "telegram_payment_charge_id": charge,
    }
    return await harness.feed(_service_message(harness, user_id, BOT_USER, refunded_payment=body))


async def stars_invoice(harness: Harness, user_id: int, stars: int = 100) -> Call:
    calls = await harness.press(user_id, StarsPack(stars=stars))
    [invoice] = [call for call in calls if call.name == "SendInvoice"]
    return invoice


async def paid_stars(harness: Harness, user_id: int, charge: str, stars: int = 100) -> Call:
    await harness.send(user_id, "/start")
    invoice = await stars_invoice(harness, user_id, stars)
    await pay(harness, user_id, invoice, charge)
    return invoice


def sent_invoice(call: Call) -> SendInvoice:
    assert isinstance(call.method, SendInvoice), call.name
    return call.method


async def one(pool: Pool, query: str, *args: Any) -> tuple[Any, ...]:
    """The one row a query finds, as a tuple."""
    row = await pool.fetchrow(query, *args)
    assert row is not None, query
    return tuple(row)


def screen_of(calls: list[Call], chat_id: int) -> Call:
    """The last message sent or edited in one chat."""
    screens = [c for c in calls if c.name in {"SendMessage", "EditMessageText"} and c.chat_id == chat_id]
    assert screens, [(c.name, getattr(c.method, "chat_id", None)) for c in calls]
    return screens[-1]


async def _balance(pool: Pool, user_id: int) -> wallet.Balance:
    return await wallet.balance_of(pool, user_id)


async def _consistent(pool: Pool) -> None:
    assert await wallet.verify_wallet_invariants(pool) == []
    assert await verify_payments(pool) == []


# --- the balance screen ----------------------------------------------------------------------------------


async def test_the_history_pages_with_moscow_dates_and_tells_free_runs(harness: Harness, pool: Pool) -> None:
    # Given: ten top-ups and a free generation an hour ago
    await harness.send(USER, "/start")
    for n in range(10):
        await wallet.topup(pool, USER, (n + 1) * RUB, f"test-topup:{n}")
    an_hour_ago = datetime.now(UTC) - timedelta(hours=1)
    job_id = await pool.fetchval(
        """
        INSERT INTO jobs (user_id, chat_id, draft_id, model_id, inputs, price, payment, status, created_at)
        VALUES ($1, $1, 'd1', 'z-image', '{}'::jsonb, 0, 'free', 'succeeded', $2) RETURNING id
        """,
        USER,
        an_hour_ago,
    )
    # When: the balance screen
    calls = await harness.press(USER, Menu(screen="balance"))
    screen = last_screen(calls)
    # Then: the newest eight, each with its Moscow time, the time zone said, ▶️ to older ones, 🎟 Промокод
    lines = [line for line in screen.text.split("\n") if line.startswith("• ")]
    assert len(lines) == 8
    newest = await pool.fetchval("SELECT max(created_at) FROM ledger WHERE user_id = $1", USER)
    topup = RU.op_topup.format(amount=format_rub(10 * RUB, "ru"))
    assert lines[0] == f"• {when(PRU, newest, 'Europe/Moscow')} · {topup}"
    assert PRU.history_tz_moscow in screen.text
    assert PRU.history_page.format(page=1) in screen.text
    labels = buttons_of(screen)
    assert RU.btn_topup in labels and PRU.btn_promo in labels and PRU.btn_older in labels
    assert PRU.btn_newer not in labels
    # When: ▶️
    calls = await harness.press(USER, HistoryPage(page=1))
    older = last_screen(calls)
    # Then: the rest, the free run in its place with its time, and ◀️ back
    run = PRU.free_done.format(job=job_id, model=model_title("z-image"))
    assert f"• {when(PRU, an_hour_ago, 'Europe/Moscow')} · {run}" in older.text
    assert RU.op_topup.format(amount=format_rub(1 * RUB, "ru")) in older.text
    assert PRU.btn_newer in buttons_of(older) and PRU.btn_older not in buttons_of(older)
    assert PRU.history_page.format(page=2) in older.text


async def test_the_promo_button_sends_the_promo_screen(harness: Harness) -> None:
    calls = await harness.send(USER, "/balance")
    markup = last_screen(calls).reply_markup
    data = [b.callback_data for row in markup.inline_keyboard for b in row if b.text == PRU.btn_promo]
    assert data == [Menu(screen="promo").pack()]


# --- top-up routes ---------------------------------------------------------------------------------------


async def test_the_top_up_screen_offers_the_routes_that_are_on(
    harness: Harness, monkeypatch: pytest.MonkeyPatch, pool: Pool, kie: FakeKieServer, sqs: Queues
) -> None:
    calls = await harness.send(USER, "/topup")
    labels = buttons_of(last_screen(calls))
    assert RU.btn_pack.format(stars=100, amount=format_rub(150 * RUB, "ru")) in labels
    assert PRU.btn_topup_card in labels and PRU.btn_topup_transfer in labels
    # When: the operator has not switched the rouble routes on (the default)
    monkeypatch.delenv("PAYMENTS_PROVIDER_TOKEN")
    monkeypatch.delenv("MANUAL_TRANSFER_DETAILS")
    get_settings.cache_clear()
    async with KieClient(get_settings(WorkerSettings).kie) as client:
        stars_only = Harness(pool, get_settings(WorkerSettings), client)
        stars_only._ids = harness._ids  # update ids go on: a used one would be a duplicate
        calls = await stars_only.send(USER, "/topup")
        labels = buttons_of(last_screen(calls))
        assert PRU.btn_topup_card not in labels and PRU.btn_topup_transfer not in labels
        # ... and a rouble button from an old screen falls back to the Stars screen
        calls = await stars_only.press(USER, RubPack(rub=100))
        assert not [call for call in calls if call.name == "SendInvoice"]
        assert await pool.fetchval("SELECT count(*) FROM payments") == 0


async def test_a_stars_invoice_is_a_pending_payment_credited_once(harness: Harness, pool: Pool) -> None:
    await harness.send(USER, "/start")
    invoice = await stars_invoice(harness, USER, 100)
    method = sent_invoice(invoice)
    ref = method.payload.rsplit(":", 1)[1]
    assert method.currency == "XTR" and method.payload.startswith(f"pay2:s:{USER}:100:15000:")
    values = await one(pool, "SELECT state, method, units, kopecks FROM payments WHERE ref = $1", ref)
    assert values == ("pending", "stars", 100, 150 * RUB)
    # When: Telegram reports the payment twice (a repeated successful_payment)
    first = await pay(harness, USER, invoice, "stx-1")
    again = await pay(harness, USER, invoice, "stx-1")
    # Then: credited once, told once
    assert texts_of(first)[0].startswith(head_of(RU.payment_ok, amount=format_rub(150 * RUB, "ru")))
    assert texts_of(again) == []
    assert await _balance(pool, USER) == wallet.Balance(150 * RUB, 0)
    values = await one(pool, "SELECT state, telegram_charge_id, ledger_ref FROM payments WHERE ref = $1", ref)
    assert values == ("paid", "stx-1", "stars:stx-1")
    await _consistent(pool)


async def test_a_rouble_invoice_carries_a_receipt_and_asks_for_the_contact(
    harness: Harness, pool: Pool
) -> None:
    await harness.send(USER, "/start")
    calls = await harness.press(USER, Menu(screen="topup_card"))
    assert PRU.btn_card_pack.format(amount=format_rub(500 * RUB, "ru")) in buttons_of(last_screen(calls))
    calls = await harness.press(USER, RubPack(rub=500))
    [invoice] = [call for call in calls if call.name == "SendInvoice"]
    method = sent_invoice(invoice)
    assert (method.currency, method.provider_token, [p.amount for p in method.prices]) == (
        "RUB",
        TOKEN,
        [500_00],
    )
    assert method.need_email and method.send_email_to_provider and not method.need_phone_number
    assert method.provider_data is not None
    receipt = json.loads(method.provider_data)["receipt"]
    assert receipt["items"] == [
        {
            "description": "Пополнение баланса Creative Bot",
            "quantity": "1.00",
            "amount": {"value": "500.00", "currency": "RUB"},
            "vat_code": 1,
            "payment_mode": "full_prepayment",
            "payment_subject": "service",
        }
    ]
    # When: paid, and the same successful_payment comes again
    order = {"email": "anna@example.com"}
    await pay(harness, USER, invoice, "rub-1", order_info=order)
    await pay(harness, USER, invoice, "rub-1", order_info=order)
    # Then: credited once, rouble for rouble; the e-mail stays with the provider
    assert await _balance(pool, USER) == wallet.Balance(500 * RUB, 0)
    values = await one(pool, "SELECT method, state, provider_charge_id, order_info FROM payments")
    assert values == ("rub", "paid", "provider-rub-1", {"fields": ["email"]})
    await _consistent(pool)


async def test_a_refused_rouble_invoice_fails_its_payment_and_says_so(harness: Harness, pool: Pool) -> None:
    harness.session.fail_next("SendInvoice", 400, "Bad Request: PAYMENT_PROVIDER_INVALID")
    calls = await harness.press(USER, RubPack(rub=100))
    assert PRU.card_unavailable in texts_of(calls)
    assert await pool.fetchval("SELECT state FROM payments") == "failed"


async def test_a_payment_of_no_invoice_of_ours_is_kept_and_the_operators_told(
    harness: Harness, pool: Pool
) -> None:
    invoice = await stars_invoice(harness, USER)
    calls = await pay(harness, USER, invoice, "stx-stray", payload=f"topup:{USER}:77:100")  # never a pack
    assert RU.payment_unmatched in texts_of(calls)
    told = [call for call in calls if call.name == "SendMessage" and call.chat_id in (ADMIN, ADMIN2)]
    assert len(told) == 2 and "/refund_stars stx-stray" in told[0].text
    values = await one(
        pool, "SELECT state, kopecks, units FROM payments WHERE telegram_charge_id = 'stx-stray'"
    )
    assert values == ("failed", 0, 100)
    assert await _balance(pool, USER) == wallet.Balance(0, 0)


# --- (a) back to the confirm screen after a top-up ----------------------------------------------------------


async def test_a_top_up_from_the_confirm_screen_comes_back_to_it(harness: Harness, pool: Pool) -> None:
    # Given: step 3 of a 4 ₽ generation with an empty wallet
    await harness.send(USER, "/start")
    await harness.press(USER, Menu(screen="main"))
    await harness.press(USER, ModelChoose(model=NANO))
    await harness.send(USER, "кот")
    calls = await harness.press(USER, Wizard(action="format_done"))
    assert RU.btn_topup in buttons_of(last_screen(calls))
    # When: "💳 Пополнить баланс" (the draft stays, and there is a way back), then a pack is paid
    calls = await harness.press(USER, Menu(screen="topup"))
    assert PRU.btn_back_to_launch in buttons_of(last_screen(calls))
    assert await harness.state(USER) == Step.confirm.state
    invoice = await stars_invoice(harness, USER, 50)
    calls = await pay(harness, USER, invoice, "stx-confirm")
    # Then: the receipt, and the confirm screen again with the new balance and the launch button
    screen = last_screen(calls)
    assert texts_of(calls)[0].startswith(head_of(RU.payment_ok))
    assert (
        RU.confirm_balance_line.format(balance=format_rub(75 * RUB, "ru"), after=format_rub(71 * RUB, "ru"))
        in screen.text
    )
    assert launch_button(4 * RUB) in buttons_of(screen)
    assert await harness.state(USER) == Step.confirm.state


async def test_without_a_draft_a_payment_just_says_thank_you(harness: Harness) -> None:
    await harness.send(USER, "/start")
    invoice = await stars_invoice(harness, USER, 50)
    calls = await pay(harness, USER, invoice, "stx-plain")
    assert len(texts_of(calls)) == 1
    assert not any(is_launch_button(label) for label in buttons_of(last_screen(calls)))


# --- (c) the referral reward on the friend's first top-up ---------------------------------------------------


async def test_the_referrer_is_rewarded_on_the_friends_first_top_up_only(
    harness: Harness, pool: Pool
) -> None:
    await harness.send(USER, "/start")
    code = await referrals.ensure_code(pool, USER)
    calls = await harness.send(FRIEND, f"/start ref_{code}")
    joined = [c for c in calls if c.name == "SendMessage" and c.chat_id == USER]
    assert [c.text for c in joined] == [PRU.referral_joined.format(amount=format_rub(25 * RUB, "ru"))]
    assert await _balance(pool, USER) == wallet.Balance(0, 0)
    # When: the friend tops up twice
    first = await stars_invoice(harness, FRIEND, 50)
    calls = await pay(harness, FRIEND, first, "stx-f1")
    second = await stars_invoice(harness, FRIEND, 50)
    calls += await pay(harness, FRIEND, second, "stx-f2")
    # Then: one reward, one notice
    rewards = [c.text for c in calls if c.name == "SendMessage" and c.chat_id == USER]
    assert rewards == [PRU.referral_reward.format(amount=format_rub(25 * RUB, "ru"))]
    assert await _balance(pool, USER) == wallet.Balance(25 * RUB, 0)


async def test_the_invite_screen_says_the_reward_comes_with_the_first_top_up(harness: Harness) -> None:
    calls = await harness.send(USER, "/invite")
    assert PRU.invite_terms_bonus.format(bonus=format_rub(25 * RUB, "ru")) in last_screen(calls).text


# --- manual transfers ------------------------------------------------------------------------------------


async def _transfer_with_proof(harness: Harness, pool: Pool, rub: int = 500) -> tuple[int, str, list[Call]]:
    await harness.send(USER, "/start")
    calls = await harness.press(USER, Menu(screen="topup_transfer"))
    assert PRU.btn_transfer_pack.format(amount=format_rub(rub * RUB, "ru")) in buttons_of(last_screen(calls))
    calls = await harness.press(USER, TransferPack(rub=rub))
    payment_id, code = await one(pool, "SELECT id, ref FROM payments WHERE method = 'manual'")
    details = last_screen(calls).text
    assert f"<code>{code}</code>" in details and "Тест-Банк" in details
    assert format_rub(rub * RUB, "ru") in details
    proof = await harness.send_photo(USER, png(40, 60, b"receipt"))
    return payment_id, code, proof


async def test_a_photo_sent_inside_the_wizard_is_not_taken_for_a_transfer_screenshot(
    harness: Harness, pool: Pool
) -> None:
    # Given: a pending transfer with no screenshot yet, and a draft for a photo model at its check
    await harness.send(USER, "/start")
    await harness.press(USER, Menu(screen="topup_transfer"))
    await harness.press(USER, TransferPack(rub=500))
    await harness.press(USER, ModelChoose(model="qwen/image-to-image"))
    await harness.send_photo(USER, png(16, 16, b"first"), caption="акварель")
    assert await harness.state(USER) == Step.confirm.state
    # When: another photo comes on the check
    await harness.send_photo(USER, png(16, 16, b"second"))
    # Then: it swapped the draft's photo; the transfer still waits for its screenshot
    assert await one(pool, "SELECT proof_file_id FROM payments WHERE method = 'manual'") == (None,)


async def test_a_transfer_reaches_the_operators_and_approval_credits_once(
    harness: Harness, pool: Pool
) -> None:
    payment_id, code, proof = await _transfer_with_proof(harness, pool)
    # Then: the payer is told, and each operator gets the screenshot with ✅ / ❌
    assert PRU.transfer_proof_received.format(code=code, amount=format_rub(500 * RUB, "ru")) in texts_of(
        proof
    )
    shots = [call for call in proof if call.name == "SendPhoto"]
    assert sorted(call.chat_id for call in shots) == [ADMIN, ADMIN2]
    assert buttons_of(shots[0]) == [PRU.btn_approve, PRU.btn_reject]
    assert code in shots[0].caption
    # When: both operators press ✅ at the same moment
    before = len(harness.session.calls)
    await asyncio.gather(
        harness.press(ADMIN, PaymentOp(action="approve", payment=payment_id)),
        harness.press(ADMIN2, PaymentOp(action="approve", payment=payment_id)),
    )
    calls = harness.session.calls[before:]  # both presses' calls (they ran interleaved)
    # Then: credited once, the payer told once, both operators see the outcome
    assert await _balance(pool, USER) == wallet.Balance(500 * RUB, 0)
    told = [c.text for c in calls if c.name == "SendMessage" and c.chat_id == USER]
    amount = format_rub(500 * RUB, "ru")
    assert told == [PRU.transfer_approved.format(code=code, amount=amount, balance=amount)]
    outcomes = [screen_of(calls, admin).text for admin in (ADMIN, ADMIN2)]
    assert sum(head_of(PRU.admin_transfer_approved, id=payment_id) in text for text in outcomes) == 1
    decided = head_of(PRU.admin_already_decided, id=payment_id, state=PRU.state_names["paid"])
    assert sum(decided in text for text in outcomes) == 1
    assert await pool.fetchval("SELECT count(*) FROM audit_log WHERE action = 'payment.approve'") == 1
    await _consistent(pool)


async def test_a_rejected_transfer_tells_the_payer_why(harness: Harness, pool: Pool) -> None:
    payment_id, code, _ = await _transfer_with_proof(harness, pool, rub=100)
    calls = await harness.press(ADMIN, PaymentOp(action="reject", payment=payment_id))
    assert PRU.reject_reasons["amount"] in buttons_of(screen_of(calls, ADMIN))
    calls = await harness.press(ADMIN, RejectReason(payment=payment_id, code="amount"))
    [notice] = [c.text for c in calls if c.name == "SendMessage" and c.chat_id == USER]
    assert notice == PRU.transfer_rejected.format(
        code=code, amount=format_rub(100 * RUB, "ru"), reason=PRU.reject_reasons["amount"]
    )
    assert await pool.fetchval("SELECT state FROM payments WHERE id = $1", payment_id) == "failed"
    # ... an approval after that changes nothing
    await harness.press(ADMIN2, PaymentOp(action="approve", payment=payment_id))
    assert await _balance(pool, USER) == wallet.Balance(0, 0)
    await _consistent(pool)


async def test_an_operator_can_reject_in_their_own_words(harness: Harness, pool: Pool) -> None:
    payment_id, _code, _ = await _transfer_with_proof(harness, pool, rub=100)
    await harness.press(ADMIN, RejectReason(payment=payment_id, code="custom"))
    calls = await harness.send(ADMIN, "перевод пришёл с чужой карты <b>")
    [notice] = [c.text for c in calls if c.name == "SendMessage" and c.chat_id == USER]
    assert "перевод пришёл с чужой карты &lt;b&gt;" in notice
    assert await pool.fetchval("SELECT reason FROM payments WHERE id = $1", payment_id) == (
        "перевод пришёл с чужой карты <b>"
    )


async def test_a_payer_can_cancel_a_transfer_and_nobody_else_can(harness: Harness, pool: Pool) -> None:
    await harness.send(USER, "/start")
    await harness.press(USER, TransferPack(rub=100))
    payment_id = await pool.fetchval("SELECT id FROM payments")
    await harness.press(FRIEND, TransferCancel(payment=payment_id))
    assert await pool.fetchval("SELECT state FROM payments") == "pending"
    await harness.press(USER, TransferCancel(payment=payment_id))
    assert await pool.fetchval("SELECT state FROM payments") == "failed"
    # ... and a photo now is just a photo
    calls = await harness.send_photo(USER, png(8, 8, b"x"))
    assert RU.not_understood in texts_of(calls)


async def test_someone_else_cannot_act_as_an_operator(harness: Harness, pool: Pool) -> None:
    payment_id, _code, _ = await _transfer_with_proof(harness, pool, rub=100)
    for data in (
        PaymentOp(action="approve", payment=payment_id),
        PaymentOp(action="open", payment=payment_id),
        AdminSection(section="payments", page=0),
    ):
        calls = await harness.press(FRIEND, data)
        # not an operator's button for them: the ordinary answer to a button they cannot use
        assert texts_of(calls)[0].startswith(RU.stale_button)
    calls = await harness.send(FRIEND, "/refund_stars stx-1")
    assert texts_of(calls) == [RU.not_understood]
    assert await pool.fetchval("SELECT state FROM payments") == "pending"


@pytest.mark.parametrize(
    "data",
    [
        f"payop:approve:{2**63}",
        "payop:open:0",
        "hist:-1",
        "hist:99999",
        "rubpk:0",
        "xferpk:100001",
        "suprp:x",
    ],
)
async def test_a_forged_number_in_a_button_is_an_old_button(harness: Harness, pool: Pool, data: str) -> None:
    calls = await harness.press(ADMIN, data)
    assert head_of(RU.stale_button) in last_screen(calls).text
    assert await pool.fetchval("SELECT count(*) FROM payments") == 0


async def test_the_payments_panel_lists_transfers_awaiting_review_first(harness: Harness, pool: Pool) -> None:
    await paid_stars(harness, USER, "stx-panel")
    payment_id, code, _ = await _transfer_with_proof(harness, pool, rub=100)
    calls = await harness.press(ADMIN, AdminSection(section="payments", page=0))
    screen = screen_of(calls, ADMIN)
    assert head_of(PRU.admin_payments, waiting=1, pending=1) in screen.text
    lines = [line for line in screen.text.split("\n") if line.startswith("#")]
    assert lines[0].startswith(f"#{payment_id} 🏦") and code in lines[0]
    assert PRU.btn_panel in buttons_of(screen)
    # When: the card of the transfer
    calls = await harness.press(ADMIN, PaymentOp(action="open", payment=payment_id))
    assert buttons_of(last_screen(calls))[:2] == [PRU.btn_approve, PRU.btn_reject]
    # When: the card of the Stars payment, and its refund button
    stars_id = await pool.fetchval("SELECT id FROM payments WHERE method = 'stars'")
    calls = await harness.press(ADMIN, PaymentOp(action="open", payment=stars_id))
    card = screen_of(calls, ADMIN)
    assert "stx-panel" in card.text and PRU.btn_refund_stars in buttons_of(card)
    calls = await harness.press(ADMIN, PaymentOp(action="refund", payment=stars_id))
    # Then: refunded from the panel
    assert [c.telegram_payment_charge_id for c in calls if c.name == "RefundStarPayment"] == ["stx-panel"]
    assert head_of(PRU.admin_refund_done, id=stars_id) in screen_of(calls, ADMIN).text
    assert PRU.btn_refund_stars not in buttons_of(screen_of(calls, ADMIN))
    await _consistent(pool)


# --- Stars refunds -------------------------------------------------------------------------------------


async def test_a_stars_refund_calls_telegram_once_and_debits_once(harness: Harness, pool: Pool) -> None:
    invoice = await paid_stars(harness, USER, "stx-r1")
    # When: the operator refunds it, twice, and Telegram's refunded_payment follows
    first = await harness.send(ADMIN, "/refund_stars stx-r1")
    again = await harness.send(ADMIN2, "/refund_stars stx-r1")
    echo = await refunded(harness, USER, invoice, "stx-r1")
    # Then: refundStarPayment once, the wallet debited once, the payer told once
    calls = first + again + echo
    assert [(c.user_id, c.telegram_payment_charge_id) for c in calls if c.name == "RefundStarPayment"] == [
        (USER, "stx-r1")
    ]
    assert await _balance(pool, USER) == wallet.Balance(0, 0)
    payment_id = await pool.fetchval("SELECT id FROM payments")
    assert head_of(PRU.admin_refund_done, id=payment_id) in screen_of(first, ADMIN).text
    assert head_of(PRU.admin_refund_already, id=payment_id) in screen_of(again, ADMIN2).text
    to_payer = [c.text for c in calls if c.name == "SendMessage" and c.chat_id == USER]
    assert len(to_payer) == 1 and to_payer[0].startswith(head_of(PRU.stars_refunded, stars=100))
    values = await one(pool, "SELECT state, refunded_by, refund_debit, written_off FROM payments")
    assert values == ("refunded", "bot", 150 * RUB, 0)
    assert await pool.fetchval("SELECT sum(amount) FROM ledger WHERE kind = 'reversal'") == -150 * RUB
    await _consistent(pool)


async def test_a_refund_is_refused_when_the_money_is_spent_unless_confirmed(
    harness: Harness, pool: Pool
) -> None:
    await paid_stars(harness, USER, "stx-r2")
    # Given: 150 ₽ credited, 120 ₽ of it spent on generations
    await wallet.hold(pool, USER, 120 * RUB, "job:9001", meta={"model": NANO})
    await wallet.charge(pool, USER, "job:9001")
    # When: the operator asks for a refund
    calls = await harness.send(ADMIN, "/refund_stars stx-r2")
    # Then: refused with what is missing, nothing asked of Telegram, nothing changed
    payment_id = await pool.fetchval("SELECT id FROM payments")
    screen = screen_of(calls, ADMIN)
    assert screen.text == PRU.admin_refund_short.format(
        id=payment_id,
        amount=format_rub(150 * RUB, "ru"),
        available=format_rub(30 * RUB, "ru"),
        missing=format_rub(120 * RUB, "ru"),
    )
    assert PRU.btn_refund_anyway in buttons_of(screen)
    assert not [c for c in calls if c.name == "RefundStarPayment"]
    assert await _balance(pool, USER) == wallet.Balance(30 * RUB, 0)
    # When: "refund anyway"
    calls = await harness.press(ADMIN, PaymentOp(action="refund_anyway", payment=payment_id))
    # Then: Telegram refunds, the 30 ₽ available are debited, 120 ₽ written off with a reason, never below 0
    assert [c.name for c in calls].count("RefundStarPayment") == 1
    assert await _balance(pool, USER) == wallet.Balance(0, 0)
    amount, meta = await one(pool, "SELECT amount, meta FROM ledger WHERE kind = 'writeoff'")
    assert amount == 0 and meta["kopecks"] == 120 * RUB and meta["reason"]
    values = await one(pool, "SELECT state, refund_debit, written_off FROM payments")
    assert values == ("refunded", 30 * RUB, 120 * RUB)
    actions = [r["action"] for r in await pool.fetch("SELECT action FROM audit_log ORDER BY id")]
    assert actions == ["payment.refund_requested", "payment.refunded"]
    await _consistent(pool)


async def test_telegram_refusing_a_refund_gives_the_hold_back(harness: Harness, pool: Pool) -> None:
    await paid_stars(harness, USER, "stx-r3")
    harness.session.fail_next("RefundStarPayment", 400, "Bad Request: CHARGE_NOT_FOUND")
    calls = await harness.send(ADMIN, "/refund_stars stx-r3")
    assert "CHARGE_NOT_FOUND" in screen_of(calls, ADMIN).text
    assert await _balance(pool, USER) == wallet.Balance(150 * RUB, 0)
    assert await pool.fetchval("SELECT state FROM payments") == "paid"
    # ... and a later attempt, Telegram having refunded meanwhile, finishes it
    harness.session.fail_next("RefundStarPayment", 400, "Bad Request: CHARGE_ALREADY_REFUNDED")
    await harness.send(ADMIN, "/refund_stars stx-r3")
    assert await pool.fetchval("SELECT state FROM payments") == "refunded"
    assert await _balance(pool, USER) == wallet.Balance(0, 0)
    await _consistent(pool)


async def test_a_refund_made_by_telegram_is_taken_from_what_is_left(harness: Harness, pool: Pool) -> None:
    invoice = await paid_stars(harness, USER, "stx-r4")
    await wallet.hold(pool, USER, 100 * RUB, "job:9002", meta={"model": NANO})  # 100 ₽ in a running job
    # When: Telegram support refunds the Stars without the bot
    calls = await refunded(harness, USER, invoice, "stx-r4")
    # Then: the available 50 ₽ are debited, 100 ₽ written off, the payer and the operators told
    assert await _balance(pool, USER) == wallet.Balance(100 * RUB, 100 * RUB)
    values = await one(pool, "SELECT state, refunded_by, refund_debit, written_off FROM payments")
    assert values == ("refunded", "telegram", 50 * RUB, 100 * RUB)
    to = sorted(c.chat_id for c in calls if c.name == "SendMessage")
    assert to == sorted([USER, ADMIN, ADMIN2])
    # ... and it happens once
    await refunded(harness, USER, invoice, "stx-r4")
    assert await pool.fetchval("SELECT count(*) FROM ledger WHERE kind = 'reversal'") == 1
    await _consistent(pool)


async def test_english_operators_read_english(harness: Harness, pool: Pool) -> None:
    await harness.send(ADMIN, "/start", language_code="en")
    await paid_stars(harness, USER, "stx-en")
    calls = await harness.send(ADMIN, "/refund_stars nothing-like-it", language_code="en")
    assert texts_of(calls) == [PEN.admin_refund_not_found]
