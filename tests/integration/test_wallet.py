"""Wallet operations on real PostgreSQL: rules, idempotency, concurrency, invariants."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import asyncpg
import pytest

from creativebot import wallet
from creativebot.db import Connection, Pool

RUB = 100  # kopecks


async def _user(pool: Pool, user_id: int) -> int:
    await pool.execute("INSERT INTO users (id) VALUES ($1) ON CONFLICT DO NOTHING", user_id)
    return user_id


async def _ledger_count(pool: Pool, **where: object) -> int:
    clauses = " AND ".join(f"{name} = ${i}" for i, name in enumerate(where, start=1)) or "TRUE"
    return int(await pool.fetchval(f"SELECT count(*) FROM ledger WHERE {clauses}", *where.values()))


async def test_topup_hold_charge_moves_money_exactly_once(pool: Pool) -> None:
    user = await _user(pool, 1)
    # Given 100 ₽
    await wallet.topup(pool, user, 100 * RUB, "stars:abc")
    # When a generation holds 12 ₽ and is charged
    held = await wallet.hold(pool, user, 12 * RUB, "job:1", job_id=1, meta={"model": "z-image"})
    assert held.wallet == wallet.Balance(100 * RUB, 12 * RUB)
    assert held.wallet.available == 88 * RUB
    charged = await wallet.charge(pool, user, "job:1")
    # Then balance 88 ₽, nothing held, and the charge carries the hold's job and meta
    assert charged.wallet == wallet.Balance(88 * RUB, 0)
    assert charged.entry.amount == -12 * RUB and charged.entry.job_id == 1
    assert charged.entry.meta == {"model": "z-image"}
    assert await wallet.verify_wallet_invariants(pool) == []


async def test_every_operation_repeated_returns_its_first_result_and_changes_nothing(pool: Pool) -> None:
    user = await _user(pool, 2)
    operations: list[Callable[[], Awaitable[wallet.Result]]] = [
        lambda: wallet.topup(pool, user, 50 * RUB, "stars:1"),
        lambda: wallet.bonus(pool, user, 5 * RUB, "welcome:2"),
        lambda: wallet.hold(pool, user, 10 * RUB, "job:7"),
        lambda: wallet.charge(pool, user, "job:7"),
        lambda: wallet.refund(pool, user, "job:7"),
        lambda: wallet.hold(pool, user, 3 * RUB, "job:8"),
        lambda: wallet.release(pool, user, "job:8"),
        lambda: wallet.adjust(pool, user, -RUB, "admin:1", reason="typo", admin_id=9),
    ]
    for operation in operations:
        first = await operation()
        before = await wallet.balance_of(pool, user)
        again = await operation()
        # Then
        assert again.repeated and not first.repeated
        assert again.entry == first.entry
        assert await wallet.balance_of(pool, user) == before
    assert await _ledger_count(pool, user_id=user) == len(operations)
    assert await wallet.balance_of(pool, user) == wallet.Balance(54 * RUB, 0)


@pytest.mark.parametrize("amount", [0, -5, 1.5, True])
async def test_zero_negative_and_non_integer_amounts_are_refused(pool: Pool, amount: object) -> None:
    user = await _user(pool, 3)
    for operation in (wallet.topup, wallet.bonus, wallet.hold):
        with pytest.raises(wallet.InvalidAmount):
            await operation(pool, user, amount, f"x:{amount}")  # type: ignore[arg-type]
    with pytest.raises(wallet.InvalidAmount):
        await wallet.adjust(pool, user, 0, "admin:0", reason="nothing", admin_id=1)
    assert await _ledger_count(pool) == 0


async def test_a_hold_fails_cleanly_when_available_money_is_short(pool: Pool) -> None:
    user = await _user(pool, 4)
    await wallet.topup(pool, user, 10 * RUB, "stars:4")
    await wallet.hold(pool, user, 8 * RUB, "job:40")
    with pytest.raises(wallet.InsufficientFunds) as short:
        await wallet.hold(pool, user, 3 * RUB, "job:41")
    assert (short.value.available, short.value.required) == (2 * RUB, 3 * RUB)
    assert await wallet.balance_of(pool, user) == wallet.Balance(10 * RUB, 8 * RUB)


async def test_unknown_or_settled_holds_are_refused(pool: Pool) -> None:
    user = await _user(pool, 5)
    await wallet.topup(pool, user, 10 * RUB, "stars:5")
    with pytest.raises(wallet.HoldNotActive):
        await wallet.charge(pool, user, "job:unknown")
    with pytest.raises(wallet.HoldNotActive):
        await wallet.release(pool, user, "job:unknown")
    await wallet.hold(pool, user, RUB, "job:50")
    await wallet.charge(pool, user, "job:50")
    with pytest.raises(wallet.HoldNotActive):
        await wallet.release(pool, user, "job:50")  # already charged
    await wallet.hold(pool, user, RUB, "job:51")
    await wallet.release(pool, user, "job:51")
    with pytest.raises(wallet.HoldNotActive):
        await wallet.charge(pool, user, "job:51")  # already released
    other = await _user(pool, 55)
    await wallet.hold(pool, user, RUB, "job:52")
    with pytest.raises(wallet.HoldNotActive):
        await wallet.charge(pool, other, "job:52")  # someone else's hold
    with pytest.raises(wallet.NothingToRefund):
        await wallet.refund(pool, user, "job:51")  # released, never charged
    assert await wallet.verify_wallet_invariants(pool) == []


async def test_a_ref_reused_for_another_user_or_amount_is_a_conflict(pool: Pool) -> None:
    first, second = await _user(pool, 6), await _user(pool, 66)
    await wallet.topup(pool, first, 5 * RUB, "stars:dup")
    with pytest.raises(wallet.IdempotencyConflict):
        await wallet.topup(pool, second, 5 * RUB, "stars:dup")
    with pytest.raises(wallet.IdempotencyConflict):
        await wallet.topup(pool, first, 6 * RUB, "stars:dup")
    assert await wallet.balance_of(pool, second) == wallet.Balance(0, 0)


async def test_an_adjustment_needs_a_reason_and_cannot_take_held_money(pool: Pool) -> None:
    user = await _user(pool, 7)
    await wallet.topup(pool, user, 10 * RUB, "stars:7")
    await wallet.hold(pool, user, 8 * RUB, "job:70")
    with pytest.raises(wallet.WalletError):
        await wallet.adjust(pool, user, RUB, "admin:a", reason="  ", admin_id=1)
    with pytest.raises(wallet.InsufficientFunds):
        await wallet.adjust(pool, user, -3 * RUB, "admin:b", reason="chargeback", admin_id=1)
    result = await wallet.adjust(pool, user, 2 * RUB, "admin:c", reason="goodwill", admin_id=1)
    assert result.entry.meta == {"reason": "goodwill", "admin_id": 1}


async def test_the_ledger_cannot_be_rewritten(pool: Pool) -> None:
    user = await _user(pool, 8)
    await wallet.topup(pool, user, RUB, "stars:8")
    with pytest.raises(asyncpg.RaiseError, match="immutable"):
        await pool.execute("UPDATE ledger SET amount = 1000000")
    with pytest.raises(asyncpg.RaiseError, match="immutable"):
        await pool.execute("DELETE FROM ledger")


async def test_the_database_refuses_a_wallet_that_spends_more_than_it_has(pool: Pool) -> None:
    user = await _user(pool, 9)
    await wallet.topup(pool, user, RUB, "stars:9")
    with pytest.raises(asyncpg.CheckViolationError):
        await pool.execute("UPDATE wallets SET held = balance + 1 WHERE user_id = $1", user)


async def test_verify_reports_a_wallet_that_drifted_from_its_ledger(pool: Pool) -> None:
    user = await _user(pool, 10)
    await wallet.topup(pool, user, 5 * RUB, "stars:10")
    await pool.execute("UPDATE wallets SET balance = balance + 1 WHERE user_id = $1", user)
    violations = await wallet.verify_wallet_invariants(pool)
    assert [(v.user_id, v.problem) for v in violations] == [(user, "wallet differs from its ledger")]
    assert violations[0].details["ledger_balance"] == 5 * RUB


async def test_unknown_users_have_no_wallet(pool: Pool) -> None:
    with pytest.raises(wallet.UnknownUser):
        await wallet.topup(pool, 404, RUB, "stars:404")


# --- concurrency -------------------------------------------------------------------------------------


async def test_50_concurrent_holds_of_1_rub_on_10_rub_exactly_10_succeed(pool: Pool) -> None:
    # Given a wallet of 10 ₽ and 50 simultaneous 1 ₽ holds (a storm of double taps)
    user = await _user(pool, 20)
    await wallet.topup(pool, user, 10 * RUB, "stars:20")

    async def attempt(i: int) -> bool:
        try:
            await wallet.hold(pool, user, RUB, f"job:20-{i}")
        except wallet.InsufficientFunds:
            return False
        return True

    # When
    outcomes = await asyncio.gather(*(attempt(i) for i in range(50)))
    # Then
    assert sum(outcomes) == 10
    assert await wallet.balance_of(pool, user) == wallet.Balance(10 * RUB, 10 * RUB)
    assert await _ledger_count(pool, kind="hold") == 10
    assert await wallet.verify_wallet_invariants(pool) == []


async def test_20_concurrent_repeats_of_one_charge_write_one_ledger_row(pool: Pool) -> None:
    user = await _user(pool, 21)
    await wallet.topup(pool, user, 10 * RUB, "stars:21")
    await wallet.hold(pool, user, 4 * RUB, "job:21")
    results = await asyncio.gather(*(wallet.charge(pool, user, "job:21") for _ in range(20)))
    assert sum(not r.repeated for r in results) == 1
    assert len({r.entry.id for r in results}) == 1
    assert await _ledger_count(pool, kind="charge") == 1
    assert await wallet.balance_of(pool, user) == wallet.Balance(6 * RUB, 0)


async def test_a_charge_and_a_release_racing_settle_the_hold_once(pool: Pool) -> None:
    user = await _user(pool, 22)
    await wallet.topup(pool, user, 10 * RUB, "stars:22")
    await wallet.hold(pool, user, 4 * RUB, "job:22")

    async def settle(operation: str) -> str:
        try:
            await getattr(wallet, operation)(pool, user, "job:22")
        except wallet.HoldNotActive:
            return "refused"
        return operation

    outcomes = await asyncio.gather(*(settle(op) for op in ("charge", "release") * 10))
    winners = {o for o in outcomes if o != "refused"}
    assert len(winners) == 1
    assert await wallet.verify_wallet_invariants(pool) == []


async def test_the_history_tells_each_generation_once_in_words(pool: Pool) -> None:
    from creativebot.telegram.routers.money import describe
    from creativebot.texts import RU, format_rub
    from tests.e2e.flows import model_title

    user = await _user(pool, 60)
    await wallet.topup(pool, user, 100 * RUB, "stars:history")
    nano = {"model": "google/nano-banana"}
    for job_id in (1, 2, 3):
        await wallet.hold(pool, user, 4 * RUB, f"job:{job_id}", job_id=job_id, meta=nano)
    await wallet.charge(pool, user, "job:1")  # delivered
    await wallet.release(pool, user, "job:2")  # failed
    await wallet.refund(pool, user, "job:1")  # an operator gave the money back
    # job 3 is still running
    # Then: newest first, a settled hold told only by how it ended
    lines = [describe(entry, RU) for entry in await wallet.recent_entries(pool, user)]
    title, four = model_title(nano["model"]), format_rub(4 * RUB, "ru")
    assert lines == [
        RU.op_refund.format(job=1, amount=four),
        RU.op_release.format(job=2, model=title, amount=four),
        RU.op_charge.format(job=1, model=title, amount=four),
        RU.op_hold.format(job=3, model=title, amount=four),
        RU.op_topup.format(amount=format_rub(100 * RUB, "ru")),
    ]


async def _wait_until_waiting_for_a_lock(pool: Pool, pid: int) -> None:
    """Until the backend ``pid`` waits for a lock (here: another transaction's row in a unique index)."""
    for _ in range(500):
        waiting = await pool.fetchval(
            "SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = $1", pid
        )
        if waiting:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"backend {pid} never waited for a lock")


@pytest.mark.parametrize("operation", ["topup", "bonus", "adjust", "hold"])
async def test_two_users_racing_on_one_new_ref_the_loser_gets_the_ledgers_conflict(
    pool: Pool, operation: str
) -> None:
    # Given two users with money, and one ref neither has used
    first, second = await _user(pool, 30), await _user(pool, 31)
    for user in (first, second):
        await wallet.topup(pool, user, 10 * RUB, f"stars:{user}")
    ref = f"race:{operation}"

    async def use(conn: Connection, user: int) -> wallet.Result:
        if operation == "adjust":
            return await wallet.adjust(conn, user, 2 * RUB, ref, reason="race", admin_id=1)
        write: Callable[..., Awaitable[wallet.Result]] = getattr(wallet, operation)
        return await write(conn, user, 2 * RUB, ref)

    async with pool.acquire() as winner_conn, pool.acquire() as loser_conn:
        # When the first user's transaction writes the entry and stays open (each holds only its own
        # wallet's lock, so nothing orders the two) ...
        open_transaction = winner_conn.transaction()
        await open_transaction.start()
        won = await use(winner_conn, first)
        # ... the second finds no committed entry for the ref and blocks on the unique index ...
        loser = asyncio.create_task(use(loser_conn, second))
        await _wait_until_waiting_for_a_lock(pool, loser_conn.get_server_pid())
        assert not loser.done()
        # ... until the first commits
        await open_transaction.commit()
        # Then the loser gets the ledger's own conflict, not the database's UniqueViolationError
        with pytest.raises(wallet.IdempotencyConflict):
            await loser
    assert not won.repeated
    assert await _ledger_count(pool, ref=ref) == 1
    assert await wallet.balance_of(pool, second) == wallet.Balance(10 * RUB, 0)
    assert await wallet.verify_wallet_invariants(pool) == []


async def test_when_the_first_writer_of_a_ref_rolls_back_the_waiting_one_writes_it(pool: Pool) -> None:
    first, second = await _user(pool, 32), await _user(pool, 33)
    async with pool.acquire() as winner_conn, pool.acquire() as loser_conn:
        open_transaction = winner_conn.transaction()
        await open_transaction.start()
        await wallet.topup(winner_conn, first, 3 * RUB, "race:rollback")
        waiting = asyncio.create_task(wallet.topup(loser_conn, second, 3 * RUB, "race:rollback"))
        await _wait_until_waiting_for_a_lock(pool, loser_conn.get_server_pid())
        # When the first transaction gives up instead of committing
        await open_transaction.rollback()
        # Then the waiting one writes the ref as its own, first result
        result = await waiting
    assert not result.repeated and result.entry.user_id == second
    assert await wallet.balance_of(pool, first) == wallet.Balance(0, 0)
    assert await wallet.balance_of(pool, second) == wallet.Balance(3 * RUB, 0)
    assert await wallet.verify_wallet_invariants(pool) == []


async def test_an_adjustment_ref_reused_with_the_opposite_sign_is_a_conflict_not_a_repeat(pool: Pool) -> None:
    # Given: +5 ₽ adjusted under a ref
    user = 880088
    await pool.execute("INSERT INTO users (id) VALUES ($1)", user)
    first = await wallet.adjust(pool, user, 500, "admin:sign", reason="bonus", admin_id=1)
    # When: the same ref comes back asking for -5 ₽
    # Then: it is refused as a conflict, not answered with the +5 ₽ result
    with pytest.raises(wallet.IdempotencyConflict):
        await wallet.adjust(pool, user, -500, "admin:sign", reason="typo", admin_id=1)
    assert (await wallet.balance_of(pool, user)).balance == first.wallet.balance == 500
