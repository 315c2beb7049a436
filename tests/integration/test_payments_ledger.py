"""The payments table on real PostgreSQL: its state machine in SQL, concurrent approvals and refunds,
cron's expiry, and payments, ledger and audit log agreeing."""

from __future__ import annotations

import asyncio
import json
import re
from decimal import Decimal
from typing import Any, get_args

import asyncpg
import pytest

from creativebot import payments, wallet
from creativebot.db import Pool
from creativebot.maintenance import STEPS, CronContext
from creativebot.payments import core, refunds, transfers
from creativebot.payments.expiry import expire_payments
from creativebot.payments.verify import verify_payments
from creativebot.texts import format_rub
from creativebot.texts.payments import EN as PEN
from creativebot.texts.payments import RU as PRU
from creativebot.wallet import ledger
from tests.helpers import Queues

USER, OTHER, ADMIN, ADMIN2 = 9001, 9002, 700001, 700002


RUB = 100
PACKS = (100, 500)
STAR_PRICE = Decimal("1.5")


async def _users(pool: Pool, *ids: int, language: str = "ru") -> None:
    for user_id in ids:
        await pool.execute(
            "INSERT INTO users (id, language) VALUES ($1, $2) ON CONFLICT DO NOTHING", user_id, language
        )


async def _transfer(pool: Pool, user_id: int = USER, rub: int = 500) -> payments.Payment:
    payment = await transfers.start(pool, user_id=user_id, rub=rub, packs=PACKS, meta={})
    assert payment is not None
    return payment


async def _paid_stars(pool: Pool, charge: str, stars: int = 100, user_id: int = USER) -> payments.Payment:
    pack = payments.offer(user_id, stars, STAR_PRICE)
    assert pack is not None
    await payments.open_invoice(pool, pack.invoice, meta={})
    credited = await payments.credit_invoice(
        pool, user_id=user_id, payload=pack.payload, charge_id=charge, currency="XTR", total_amount=stars
    )
    assert credited is not None and not credited.repeated
    return credited.payment


async def _state(pool: Pool, payment_id: int) -> str:
    state: str = await pool.fetchval("SELECT state FROM payments WHERE id = $1", payment_id)
    return state


async def _allowed(pool: Pool, column: str) -> set[str]:
    rows = await pool.fetch(
        "SELECT pg_get_constraintdef(c.oid) AS d FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid"
        " WHERE t.relname = 'payments' AND c.contype = 'c'"
    )
    for row in rows:
        match = re.search(rf"\(?{column} = ANY \(ARRAY\[(.*?)\]\)", row["d"])
        if match:
            return set(re.findall(r"'([^']*)'", match.group(1)))
    raise AssertionError(column)


async def test_python_and_sql_agree_on_states_and_methods(pool: Pool) -> None:
    assert await _allowed(pool, "state") == set(get_args(core.PaymentState)) == set(payments.STATES)
    assert await _allowed(pool, "method") == set(get_args(core.PaymentMethod)) == set(payments.METHODS)


# --- the state machine, in SQL -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "change"),
    [
        ("paid", "state = 'pending'"),
        ("paid", "state = 'expired'"),
        ("paid", "state = 'failed'"),
        ("failed", "state = 'paid'"),
        ("expired", "state = 'failed'"),
        ("pending", "state = 'refunded'"),
        ("paid", "kopecks = kopecks + 1"),
        ("paid", "user_id = 9002"),
        ("paid", "ledger_ref = 'manual:other'"),
        ("paid", "state = 'refunded', refund_debit = kopecks, written_off = 0, refunded_by = 'bot'"),
    ],
)
async def test_a_transition_the_machine_does_not_have_is_refused_by_the_database(
    pool: Pool, start: str, change: str
) -> None:
    await _users(pool, USER, OTHER)
    payment = await _transfer(pool)  # a manual transfer: never refunded through Telegram
    if start == "paid":
        await transfers.approve(pool, payment.id, admin_id=ADMIN, referral_reward=0)
    elif start == "failed":
        await transfers.reject(pool, payment.id, admin_id=ADMIN, reason="no")
    elif start == "expired":
        await pool.execute("UPDATE payments SET state = 'expired' WHERE id = $1", payment.id)
    with pytest.raises(asyncpg.PostgresError):
        await pool.execute(f"UPDATE payments SET {change} WHERE id = $1", payment.id)
    assert await _state(pool, payment.id) == start


async def test_a_refunded_stars_payment_never_changes_again(pool: Pool) -> None:
    await _users(pool, USER)
    payment = await _paid_stars(pool, "stx-final")
    await refunds.finish(pool, payment.id, by="telegram")
    for change in ("state = 'paid'", "refund_debit = 0", "written_off = 1"):
        with pytest.raises(asyncpg.PostgresError):
            await pool.execute(f"UPDATE payments SET {change} WHERE id = $1", payment.id)
    assert await _state(pool, payment.id) == "refunded"


async def test_the_new_ledger_kinds_have_their_shape(pool: Pool) -> None:
    await _users(pool, USER)
    await wallet.topup(pool, USER, 10 * RUB, "t")
    with pytest.raises(wallet.InsufficientFunds):
        await ledger.reverse_topup(pool, USER, 11 * RUB, "payment:1")
    first = await ledger.reverse_topup(pool, USER, 4 * RUB, "payment:1")
    again = await ledger.reverse_topup(pool, USER, 4 * RUB, "payment:1")
    assert first.entry.amount == -4 * RUB and again.repeated
    off = await ledger.write_off(pool, USER, 7 * RUB, "payment:1", reason="the wallet held less")
    assert off.entry.amount == 0 and off.entry.meta["kopecks"] == 7 * RUB
    assert (await ledger.write_off(pool, USER, 7 * RUB, "payment:1", reason="again")).repeated
    with pytest.raises(wallet.IdempotencyConflict):
        await ledger.write_off(pool, USER, 8 * RUB, "payment:1", reason="another amount")
    with pytest.raises(wallet.WalletError):
        await ledger.write_off(pool, USER, 1, "payment:2", reason="  ")
    # The database refuses a write-off that moves money or says nothing
    for amount, meta in ((-1, {"kopecks": 1, "reason": "x"}), (0, {"reason": "x"}), (0, {"kopecks": 1})):
        with pytest.raises(asyncpg.CheckViolationError):
            await pool.execute(
                "INSERT INTO ledger (user_id, kind, amount, ref, meta) VALUES ($1, 'writeoff', $2, 'w', $3)",
                USER,
                amount,
                meta,
            )
    assert await wallet.balance_of(pool, USER) == wallet.Balance(6 * RUB, 0)
    assert await wallet.verify_wallet_invariants(pool) == []


# --- at the same moment --------------------------------------------------------------------------------


async def test_approvals_pressed_at_once_credit_once(pool: Pool) -> None:
    await _users(pool, USER)
    payment = await _transfer(pool)
    outcomes = await asyncio.gather(
        *(transfers.approve(pool, payment.id, admin_id=admin, referral_reward=0) for admin in range(5))
    )
    assert sum(isinstance(outcome, core.Credited) for outcome in outcomes) == 1
    assert all(isinstance(o, core.Credited | payments.Payment) for o in outcomes)
    assert await wallet.balance_of(pool, USER) == wallet.Balance(500 * RUB, 0)
    assert await pool.fetchval("SELECT count(*) FROM ledger WHERE kind = 'topup'") == 1
    assert await verify_payments(pool) == []


async def test_an_approval_and_a_rejection_at_once_decide_once(pool: Pool) -> None:
    await _users(pool, USER)
    payment = await _transfer(pool)
    approved, rejected = await asyncio.gather(
        transfers.approve(pool, payment.id, admin_id=ADMIN, referral_reward=0),
        transfers.reject(pool, payment.id, admin_id=ADMIN2, reason="not_found"),
    )
    assert rejected is not None
    assert isinstance(approved, core.Credited) != rejected[1]  # exactly one of them decided
    balance = await wallet.balance_of(pool, USER)
    assert balance.balance == (500 * RUB if isinstance(approved, core.Credited) else 0)
    assert await verify_payments(pool) == []


async def test_refunds_requested_at_once_ask_telegram_once(pool: Pool) -> None:
    await _users(pool, USER)
    payment = await _paid_stars(pool, "stx-once")
    asked: list[str] = []

    async def telegram(user_id: int, charge: str) -> str | None:
        asked.append(charge)
        await asyncio.sleep(0.05)  # Telegram takes its time: the others arrive meanwhile
        return None if len(asked) == 1 else f"Bad Request: {refunds.ALREADY_REFUNDED}"

    outcomes = await asyncio.gather(
        *(refunds.refund_stars(pool, payment.id, admin_id=a, force=False, call=telegram) for a in range(4))
    )
    assert asked == ["stx-once"]
    assert sum(isinstance(o, refunds.Refunded) and o.newly for o in outcomes) == 1
    assert all(
        isinstance(o, refunds.Refunded) or (isinstance(o, refunds.Refused) and o.why == "in_progress")
        for o in outcomes
    )
    assert await wallet.balance_of(pool, USER) == wallet.Balance(0, 0)
    # ... and once refunded, a new request never reaches Telegram
    again = await refunds.refund_stars(pool, payment.id, admin_id=ADMIN, force=False, call=telegram)
    assert isinstance(again, refunds.Refunded) and not again.newly and asked == ["stx-once"]
    assert await verify_payments(pool) == []
    assert await wallet.verify_wallet_invariants(pool) == []


async def test_money_held_for_a_refund_cannot_be_spent_meanwhile(pool: Pool) -> None:
    await _users(pool, USER)
    payment = await _paid_stars(pool, "stx-hold")
    claimed = await refunds.claim(pool, payment.id, admin_id=ADMIN, force=False)
    assert isinstance(claimed, refunds.Claimed) and claimed.debit == 150 * RUB
    with pytest.raises(wallet.InsufficientFunds):
        await wallet.hold(pool, USER, 1 * RUB, "job:1")
    # Telegram refused: the money is free again, the payment still paid
    await refunds.abandon(pool, payment.id, admin_id=ADMIN, error="CHARGE_NOT_FOUND")
    assert await wallet.balance_of(pool, USER) == wallet.Balance(150 * RUB, 0)
    assert await _state(pool, payment.id) == "paid"
    assert await verify_payments(pool) == []


async def test_a_second_refund_after_telegram_refused_one_holds_the_money_again(pool: Pool) -> None:
    # Given: a refund Telegram refused (its hold released)
    await _users(pool, USER)
    payment = await _paid_stars(pool, "stx-again")
    await refunds.claim(pool, payment.id, admin_id=ADMIN, force=False)
    await refunds.abandon(pool, payment.id, admin_id=ADMIN, error="CHARGE_NOT_FOUND")
    # When: the operator tries again
    again = await refunds.claim(pool, payment.id, admin_id=ADMIN, force=False)
    # Then: the money is reserved anew, so it cannot be spent while Telegram is asked…
    assert isinstance(again, refunds.Claimed) and again.debit == 150 * RUB
    assert await wallet.balance_of(pool, USER) == wallet.Balance(150 * RUB, 150 * RUB)
    with pytest.raises(wallet.InsufficientFunds):
        await wallet.hold(pool, USER, 1 * RUB, "job:2")
    # …and when Telegram refunds, the wallet gives it back once
    done = await refunds.finish(pool, payment.id, by="bot")
    assert isinstance(done, refunds.Refunded) and done.debited == 150 * RUB
    assert await wallet.balance_of(pool, USER) == wallet.Balance(0, 0)
    assert await verify_payments(pool) == []
    assert await wallet.verify_wallet_invariants(pool) == []


# --- cron: stuck pending payments expire ----------------------------------------------------------------


async def test_cron_expires_what_is_stuck_for_a_day_and_tells_each_payer_once(
    pool: Pool, cron_context: CronContext, sqs: Queues
) -> None:
    await _users(pool, USER)
    await _users(pool, OTHER, language="en")
    stale_invoice = await payments.open_invoice(
        pool, payments.offer_roubles(USER, 100, PACKS) or _never(), meta={"cid": "cid-1"}
    )
    stale_transfer = await _transfer(pool, OTHER, 100)
    reviewed = await _transfer(pool, USER, 500)  # has a screenshot: it waits for an operator
    await transfers.attach_proof(pool, reviewed.id, user_id=USER, file_id="f", kind="photo")
    fresh = await _transfer(pool, USER, 100)
    await pool.execute(
        "UPDATE payments SET created_at = now() - interval '24 hours 1 minute' WHERE id = ANY($1::bigint[])",
        [stale_invoice.id, stale_transfer.id, reviewed.id],
    )
    # When: cron runs, twice (the step is registered)
    assert STEPS["expire_payments"] is expire_payments
    assert await expire_payments(cron_context) == 2
    assert await expire_payments(cron_context) == 0
    # Then: the two stuck ones expired, the reviewed and the fresh one did not
    states = {p: await _state(pool, p) for p in (stale_invoice.id, stale_transfer.id, reviewed.id, fresh.id)}
    assert states == {
        stale_invoice.id: "expired",
        stale_transfer.id: "expired",
        reviewed.id: "pending",
        fresh.id: "pending",
    }
    # ... and each payer got one notice, in their language, through the queue
    notices = [json.loads(m["Body"]) for m in sqs.receive_all()]
    assert sorted(notices, key=lambda n: n["chat_id"]) == [
        {
            "chat_id": USER,
            "text": PRU.expired_invoice.format(amount=format_rub(100 * RUB, "ru")),
            "silent": False,
        },
        {
            "chat_id": OTHER,
            "text": PEN.expired_transfer.format(code=stale_transfer.ref, amount=format_rub(100 * RUB, "en")),
            "silent": False,
        },
    ]
    assert await pool.fetchval("SELECT count(*) FROM payments WHERE expiry_notified_at IS NOT NULL") == 2


def _never() -> Any:
    raise AssertionError("100 is a pack")


async def test_money_that_arrives_after_the_expiry_is_still_credited(pool: Pool) -> None:
    await _users(pool, USER)
    pack = payments.offer(USER, 50, STAR_PRICE)
    assert pack is not None
    payment = await payments.open_invoice(pool, pack.invoice, meta={})
    transfer = await _transfer(pool)
    await pool.execute("UPDATE payments SET state = 'expired'")
    # When: the invoice's successful_payment comes late, and an operator approves the transfer late
    late = await payments.credit_invoice(pool, user_id=USER, payload=pack.payload, charge_id="stx-late")
    approved = await transfers.approve(pool, transfer.id, admin_id=ADMIN, referral_reward=0)
    # Then: both are paid and credited
    assert late is not None and late.payment.id == payment.id and late.payment.state == "paid"
    assert isinstance(approved, core.Credited)
    assert await wallet.balance_of(pool, USER) == wallet.Balance(75 * RUB + 500 * RUB, 0)
    assert await verify_payments(pool) == []


async def test_a_second_payment_of_one_invoice_is_credited_as_its_own(pool: Pool) -> None:
    await _users(pool, USER)
    pack = payments.offer(USER, 50, STAR_PRICE)
    assert pack is not None
    await payments.open_invoice(pool, pack.invoice, meta={})
    first = await payments.credit_invoice(pool, user_id=USER, payload=pack.payload, charge_id="stx-a")
    second = await payments.credit_invoice(pool, user_id=USER, payload=pack.payload, charge_id="stx-b")
    assert first is not None and second is not None and first.payment.id != second.payment.id
    assert second.payment.meta["second_payment_of"] == first.payment.id
    assert await wallet.balance_of(pool, USER) == wallet.Balance(150 * RUB, 0)
    assert await verify_payments(pool) == []


async def test_verify_names_a_payment_its_ledger_does_not_back(pool: Pool) -> None:
    await _users(pool, USER)
    await core.insert(
        pool,
        user_id=USER,
        method="manual",
        ref="CBXXXXXX",
        units=100,
        kopecks=100,
        state="paid",
        ledger_ref="manual:x",
    )
    found = await verify_payments(pool)
    assert [d.problem for d in found] == ["not credited by its ledger entry"]
