"""Payments on the local stack, as people and operators do them in the chat: a Stars refund asked twice,
a rouble invoice reported twice, a transfer approved by two operators at once, a day-old payment expiring."""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from creativebot.texts import RU, format_rub
from creativebot.texts.payments import RU as PRU
from creativebot.wallet import Balance
from infra.local.kie.fake import png
from infra.local.stack import LocalStack
from infra.local.telegram.client import ChatUser, Message, buttons_of, text_of
from tests.e2e.conftest import Database
from tests.e2e.flows import (
    LAUNCH_4_RUB,
    NANO_BANANA,
    head_of,
    is_photo,
    line_of,
    open_model,
    plain,
    start,
    title_of,
    to_confirm,
)

USER = 100001
OPERATOR, OPERATOR2 = 100002, 100003
RUB = 100
TEST_PROVIDER_TOKEN = "1234567890:TEST:fake"  # the emulator's test tokens; nothing real is reached


@pytest.fixture
def stack_env() -> dict[str, str]:
    return {
        "ADMIN_IDS": f"{OPERATOR},{OPERATOR2}",
        "PAYMENTS_PROVIDER_TOKEN": TEST_PROVIDER_TOKEN,
        "MANUAL_TRANSFER_DETAILS": "СБП +7 900 000-00-00, Тест-Банк, Иван И.",
        "PAYMENTS_RUB_PACKS": "100,500",
    }


@pytest.fixture
def operators(stack: LocalStack) -> Iterator[tuple[ChatUser, ChatUser]]:
    assert stack.emulator is not None
    first = ChatUser(stack.emulator.url, OPERATOR, first_name="Оператор", timeout=20)
    second = ChatUser(stack.emulator.url, OPERATOR2, first_name="Дежурный", timeout=20)
    for operator in (first, second):
        start(operator)
    yield first, second
    first.close()
    second.close()


def _invoice(person: ChatUser) -> Message:
    return person.wait_for(lambda m: "invoice" in m["payload"] and not m["invoice_paid"], what="the invoice")


def _pay_stars(person: ChatUser, stars: int = 100) -> dict[str, Any]:
    person.send("/topup")
    pack = RU.btn_pack.format(stars=stars, amount=format_rub(stars * 150, "ru"))
    person.wait_for(lambda m: pack in buttons_of(m), what="the packs")
    person.press(pack)
    paid: dict[str, Any] = person.pay(_invoice(person)["message_id"])
    assert paid["ok"] is True, paid
    person.wait_for_text(title_of(RU.payment_ok))
    return paid


def _row(database: Database, query: str) -> tuple[Any, ...]:
    row = database.run(lambda pool: pool.fetchrow(query))
    assert row is not None, query
    return tuple(row)


def _refund_calls(stack: LocalStack) -> list[Any]:
    assert stack.emulator is not None
    return list(stack.emulator.emulator.calls_of("refundStarPayment"))


def test_a_stars_payment_refunded_twice_calls_telegram_once_and_debits_once(
    stack: LocalStack, person: ChatUser, database: Database, operators: tuple[ChatUser, ChatUser]
) -> None:
    # Given: Анна paid 100 ⭐ (150 ₽)
    start(person)
    charge = _pay_stars(person)["telegram_payment_charge_id"]
    assert database.balance(USER) == Balance(150 * RUB, 0)
    operator, other = operators
    # When: one operator refunds it from the chat, then the other asks again
    operator.send(f"/refund_stars {charge}")
    operator.wait_for_text(line_of(PRU.admin_refund_done, id=1))
    other.send(f"/refund_stars {charge}")
    other.wait_for_text(line_of(PRU.admin_refund_already, id=1))
    # Then: Telegram was asked once, the Stars are back, the wallet was debited once
    assert [call.ok for call in _refund_calls(stack)] == [True]
    [refunded] = [c for c in person.charges() if c["telegram_payment_charge_id"] == charge]
    assert (refunded["status"], refunded["refunded_by"]) == ("refunded", "bot")
    person.wait_for(lambda m: title_of(PRU.stars_refunded) in text_of(m), what="the refund notice")
    assert database.balance(USER) == Balance(0, 0)
    assert database.fetchval("SELECT count(*) FROM ledger WHERE kind = 'reversal'") == 1
    assert _row(database, "SELECT state, refunded_by, refund_debit FROM payments") == (
        "refunded",
        "bot",
        150 * RUB,
    )
    # ... the refunded_payment update that followed changed nothing, and one notice was sent
    notices = [m for m in person.bot_messages() if title_of(PRU.stars_refunded) in text_of(m)]
    assert len(notices) == 1
    assert database.fetchval("SELECT count(*) FROM audit_log WHERE action = 'payment.refunded'") == 1


def test_a_refund_by_telegram_support_is_taken_from_the_wallet(
    stack: LocalStack, person: ChatUser, database: Database, operators: tuple[ChatUser, ChatUser]
) -> None:
    start(person)
    charge = _pay_stars(person)["telegram_payment_charge_id"]
    # When: Telegram refunds it without the bot
    person.support_refund(charge)
    # Then: the wallet gives it back, the operators hear of it, the bot never called refundStarPayment
    operators[0].wait_for(
        lambda m: title_of(PRU.admin_refund_outside) in text_of(m), what="the operators' notice"
    )
    assert database.balance(USER) == Balance(0, 0)
    assert database.fetchval("SELECT refunded_by FROM payments") == "telegram"
    assert _refund_calls(stack) == []


def test_a_rouble_invoice_paid_twice_credits_once(
    stack: LocalStack, person: ChatUser, database: Database
) -> None:
    # Given: the card route (a test provider token)
    start(person)
    person.send("/topup")
    person.wait_for(lambda m: PRU.btn_topup_card in buttons_of(m), what="the routes")
    person.press(PRU.btn_topup_card)
    pack = PRU.btn_card_pack.format(amount=format_rub(500 * RUB, "ru"))
    person.wait_for(lambda m: pack in buttons_of(m), what="the rouble packs")
    person.press(pack)
    invoice = _invoice(person)
    assert invoice["payload"]["invoice"]["currency"] == "RUB"
    assert invoice["checkout"]["needs"] == ["email"]
    # When: Анна pays (giving her e-mail for the receipt), and Telegram reports the payment twice
    paid = person.pay(invoice["message_id"], order_info={"email": "anna@example.com"})
    assert paid["ok"] is True and paid["total_amount"] == 500 * RUB
    person.wait_for_text(title_of(RU.payment_ok))
    _report_again(stack, person, database, paid["telegram_payment_charge_id"])
    # Then: credited once, one receipt in the chat
    assert database.balance(USER) == Balance(500 * RUB, 0)
    assert database.fetchval("SELECT count(*) FROM ledger WHERE kind = 'topup'") == 1
    receipts = [m for m in person.bot_messages() if title_of(RU.payment_ok) in text_of(m)]
    assert len(receipts) == 1
    assert _row(database, "SELECT method, state, provider_charge_id FROM payments") == (
        "rub",
        "paid",
        paid["provider_payment_charge_id"],
    )


def _report_again(stack: LocalStack, person: ChatUser, database: Database, charge: str) -> None:
    """Telegram sends the same successful_payment once more (a new update with the same charge); returns
    once the worker has handled it."""
    [original] = [m for m in person.history() if "successful_payment" in m["payload"]]
    assert original["payload"]["successful_payment"]["telegram_payment_charge_id"] == charge
    assert stack.emulator is not None
    emulator = stack.emulator.emulator
    payload = copy.deepcopy(original["payload"])

    async def push() -> dict[str, Any]:
        update: dict[str, Any] = emulator.push_update("message", payload)
        return update

    update_id = stack.emulator.server.call(push())["update_id"]
    deadline = time.monotonic() + 15
    query = "SELECT status FROM processed_updates WHERE update_id = $1"
    while database.fetchval(query, update_id) != "done":
        assert time.monotonic() < deadline, "the repeated update was not handled"
        time.sleep(0.05)


def test_a_transfer_approved_by_two_operators_at_once_credits_once(
    stack: LocalStack, person: ChatUser, database: Database, operators: tuple[ChatUser, ChatUser]
) -> None:
    # Given: Анна asks for a 500 ₽ transfer and gets the details and a code
    start(person)
    person.send("/topup")
    person.wait_for(lambda m: PRU.btn_topup_transfer in buttons_of(m), what="the routes")
    person.press(PRU.btn_topup_transfer)
    pack = PRU.btn_transfer_pack.format(amount=format_rub(500 * RUB, "ru"))
    person.wait_for(lambda m: pack in buttons_of(m), what="the transfer packs")
    person.press(pack)
    details = person.wait_for(lambda m: "Тест-Банк" in text_of(m), what="the transfer details")
    code = database.fetchval("SELECT ref FROM payments WHERE method = 'manual'")
    assert code in text_of(details)
    # When: she sends the screenshot
    person.send_photo(png(60, 90, b"a bank app screenshot"))
    person.wait_for_text(line_of(PRU.transfer_proof_received, code=code))
    # Then: both operators get it with ✅ / ❌
    shots = [
        operator.wait_for(lambda m: PRU.btn_approve in buttons_of(m), what="the screenshot for review")
        for operator in operators
    ]
    assert all("photo" in shot["payload"] and code in text_of(shot) for shot in shots)
    # When: both press ✅ at the same moment
    barrier = threading.Barrier(2)

    def approve(operator: ChatUser) -> None:
        barrier.wait()
        operator.press(PRU.btn_approve)

    threads = [threading.Thread(target=approve, args=(operator,)) for operator in operators]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # Then: credited once, Анна told once, one operator approved and the other sees it was
    amount = format_rub(500 * RUB, "ru")
    person.wait_for(lambda m: title_of(PRU.transfer_approved) in text_of(m), what="the approval")
    for operator in operators:
        operator.wait_for(
            lambda m: (
                head_of(PRU.admin_transfer_approved, id=1) in text_of(m)
                or title_of(PRU.admin_already_decided) in text_of(m)
            ),
            what="the outcome",
        )
    assert database.balance(USER) == Balance(500 * RUB, 0)
    assert database.fetchval("SELECT count(*) FROM ledger WHERE kind = 'topup'") == 1
    approvals = [m for m in person.bot_messages() if title_of(PRU.transfer_approved) in text_of(m)]
    assert len(approvals) == 1 and amount in text_of(approvals[0])
    assert database.fetchval("SELECT count(*) FROM audit_log WHERE action = 'payment.approve'") == 1


def test_a_pending_payment_older_than_a_day_expires_and_the_payer_is_told(
    stack: LocalStack, person: ChatUser, database: Database
) -> None:
    # Given: a transfer asked for and never proven, and a Stars invoice never paid
    start(person)
    person.send("/topup")
    person.wait_for(lambda m: PRU.btn_topup_transfer in buttons_of(m), what="the routes")
    person.press(PRU.btn_topup_transfer)
    pack = PRU.btn_transfer_pack.format(amount=format_rub(100 * RUB, "ru"))
    person.wait_for(lambda m: pack in buttons_of(m), what="the transfer packs")
    person.press(pack)
    person.wait_for(lambda m: "Тест-Банк" in text_of(m), what="the transfer details")
    person.send("/topup")
    stars = RU.btn_pack.format(stars=50, amount=format_rub(75 * RUB, "ru"))
    person.wait_for(lambda m: stars in buttons_of(m), what="the packs")
    person.press(stars)
    _invoice(person)
    code = database.fetchval("SELECT ref FROM payments WHERE method = 'manual'")
    # When: a day passes and cron runs
    database.execute("UPDATE payments SET created_at = now() - interval '24 hours 5 minutes'")
    result = stack.run_cron_once()
    # Then: both expired, and Анна is told about each
    assert result["steps"]["expire_payments"] == 2, result
    assert database.fetchval("SELECT count(*) FROM payments WHERE state = 'expired'") == 2
    expired = line_of(PRU.expired_transfer, code=code, amount=format_rub(100 * RUB, "ru"))
    person.wait_for(lambda m: expired in text_of(m), what="the transfer's expiry")
    person.wait_for(lambda m: title_of(PRU.expired_invoice) in text_of(m), what="the invoice's expiry")
    # ... once: a second run changes nothing
    assert stack.run_cron_once()["steps"]["expire_payments"] == 0


def test_a_top_up_from_the_confirm_screen_comes_back_to_it(
    stack: LocalStack, person: ChatUser, database: Database
) -> None:
    # Given: step 3 of a 4 ₽ generation, with an empty wallet
    start(person)
    open_model(person, "photo", NANO_BANANA)
    confirm = to_confirm(person, "маяк на рассвете")
    assert RU.btn_topup in buttons_of(confirm)
    # When: "💳 Пополнить баланс" and a 50 ⭐ pack, paid
    person.press(RU.btn_topup)
    pack = RU.btn_pack.format(stars=50, amount=format_rub(75 * RUB, "ru"))
    person.wait_for(lambda m: pack in buttons_of(m), what="the packs")
    person.press(pack)
    assert person.pay(_invoice(person)["message_id"])["ok"] is True
    # Then: the confirm screen again, with the new balance and the launch button
    again = person.wait_for(
        lambda m: title_of(RU.step_confirm) in text_of(m) and m["message_id"] > confirm["message_id"],
        what="step 3/3 again",
    )
    balance = RU.confirm_balance_line.format(
        balance=format_rub(75 * RUB, "ru"), after=format_rub(71 * RUB, "ru")
    )
    assert plain(balance) in text_of(again)
    assert LAUNCH_4_RUB in buttons_of(again)
    person.press(LAUNCH_4_RUB)
    person.wait_for(is_photo, what="the result")
    assert database.balance(USER) == Balance(71 * RUB, 0)
