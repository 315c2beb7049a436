"""Promo codes under concurrency, on real PostgreSQL: the last use is never taken twice, a person redeems a
code once, and the credit is one ledger entry (or one grant of free runs) keyed by code and person."""

from __future__ import annotations

import asyncio

import pytest

from creativebot import wallet
from creativebot.admin import promos
from creativebot.db import Pool

ADMIN = 1
PEOPLE = list(range(9001, 9011))
RUB = 100


@pytest.fixture
async def people(pool: Pool) -> list[int]:
    await pool.executemany("INSERT INTO users (id) VALUES ($1)", [(user_id,) for user_id in PEOPLE])
    return PEOPLE


async def _code(
    pool: Pool, code: str, *, uses: int, kopecks: int | None = 5000, runs: int | None = None
) -> int:
    created = await promos.create(
        pool, admin_id=ADMIN, code=code, kopecks=kopecks, runs=runs, total_uses=uses, days=None
    )
    return created.id


async def _race(pool: Pool, people: list[int], code: str) -> list[promos.Redeemed | promos.Refusal]:
    """Everyone redeems at the same moment, each on a connection of their own."""
    start = asyncio.Event()

    async def one(user_id: int) -> promos.Redeemed | promos.Refusal:
        await start.wait()
        return await promos.redeem(pool, user_id=user_id, text=code)

    tasks = [asyncio.create_task(one(user_id)) for user_id in people]
    await asyncio.sleep(0.05)
    start.set()
    return list(await asyncio.gather(*tasks))


async def test_ten_people_racing_for_one_use_get_one_credit(pool: Pool, people: list[int]) -> None:
    code_id = await _code(pool, "LAST", uses=1)
    outcomes = await _race(pool, people, "last")
    winners = [o for o in outcomes if isinstance(o, promos.Redeemed)]
    assert len(winners) == 1
    assert [o for o in outcomes if not isinstance(o, promos.Redeemed)] == [promos.Refusal.EXHAUSTED] * 9
    assert await pool.fetchval("SELECT used FROM promo_codes WHERE id = $1", code_id) == 1
    assert await pool.fetchval("SELECT count(*) FROM promo_redemptions") == 1
    credits = await pool.fetch("SELECT user_id, amount, ref FROM ledger WHERE kind = 'bonus'")
    assert len(credits) == 1
    (credit,) = credits
    assert credit["amount"] == 5000 and credit["ref"] == f"promo:{code_id}:{credit['user_id']}"
    assert await wallet.verify_wallet_invariants(pool) == []


async def test_three_uses_go_to_exactly_three_of_ten(pool: Pool, people: list[int]) -> None:
    await _code(pool, "THREE", uses=3)
    outcomes = await _race(pool, people, "THREE")
    assert sum(isinstance(o, promos.Redeemed) for o in outcomes) == 3
    assert await pool.fetchval("SELECT count(*) FROM ledger WHERE kind = 'bonus'") == 3
    assert await pool.fetchval("SELECT sum(balance) FROM wallets") == 3 * 5000


async def test_one_person_pressing_five_times_at_once_is_credited_once(pool: Pool, people: list[int]) -> None:
    await _code(pool, "MANY", uses=100)
    outcomes = await _race(pool, [people[0]] * 5, "MANY")
    assert sum(isinstance(o, promos.Redeemed) for o in outcomes) == 1
    assert [o for o in outcomes if not isinstance(o, promos.Redeemed)] == [promos.Refusal.ALREADY] * 4
    assert await wallet.balance_of(pool, people[0]) == wallet.Balance(5000, 0)
    assert await pool.fetchval("SELECT used FROM promo_codes") == 1


async def test_a_code_for_free_generations_grants_them_once(pool: Pool, people: list[int]) -> None:
    code_id = await _code(pool, "ПОДАРОК", uses=10, kopecks=None, runs=3)
    outcome = await promos.redeem(pool, user_id=people[0], text=" подарок ")
    assert isinstance(outcome, promos.Redeemed)
    assert (outcome.kopecks, outcome.runs, outcome.gift_runs) == (0, 3, 3)
    assert await promos.redeem(pool, user_id=people[0], text="ПОДАРОК") is promos.Refusal.ALREADY
    assert await pool.fetchval("SELECT gift_runs FROM users WHERE id = $1", people[0]) == 3
    assert await pool.fetchval("SELECT ref FROM gift_grants") == f"promo:{code_id}:{people[0]}"
    assert await pool.fetchval("SELECT count(*) FROM ledger") == 0


async def test_expired_disabled_and_unknown_codes_change_nothing(pool: Pool, people: list[int]) -> None:
    old = await _code(pool, "OLD", uses=5)
    off = await _code(pool, "OFF", uses=5)
    await pool.execute("UPDATE promo_codes SET expires_at = now() - interval '1 minute' WHERE id = $1", old)
    assert await promos.disable(pool, off, admin_id=ADMIN)
    assert not await promos.disable(pool, off, admin_id=ADMIN)  # once
    assert await promos.redeem(pool, user_id=people[0], text="OLD") is promos.Refusal.EXPIRED
    assert await promos.redeem(pool, user_id=people[0], text="OFF") is promos.Refusal.EXPIRED
    for text in ("NOPE", "", "a", "x" * 100, "DROP TABLE", "'; --", "ВЕСНА²"):
        assert await promos.redeem(pool, user_id=people[0], text=text) is promos.Refusal.UNKNOWN
    assert await pool.fetchval("SELECT count(*) FROM promo_redemptions") == 0
    assert await pool.fetchval("SELECT sum(used) FROM promo_codes") == 0


async def test_an_existing_code_cannot_be_created_again(pool: Pool) -> None:
    await _code(pool, "TWICE", uses=1)
    with pytest.raises(promos.CodeTaken):
        await _code(pool, "TWICE", uses=2)
    assert await pool.fetchval("SELECT count(*) FROM audit_log WHERE action = 'promo.create'") == 1
