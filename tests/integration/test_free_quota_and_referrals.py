"""Free daily quota (Moscow day) and referrals, on real PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from creativebot import wallet
from creativebot.db import Pool
from creativebot.wallet import free_quota, referrals

MSK = "Europe/Moscow"
NOON_MSK = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)  # 12:00 in Moscow


async def _user(pool: Pool, user_id: int) -> int:
    await pool.execute("INSERT INTO users (id) VALUES ($1) ON CONFLICT DO NOTHING", user_id)
    return user_id


async def _reserve(pool: Pool, user: int, job: int, limit: int = 2, now: datetime = NOON_MSK) -> bool:
    return await free_quota.reserve(
        pool, user_id=user, model_id="z-image", job_id=job, limit=limit, tz=MSK, now=now
    )


async def test_n_free_generations_then_none(pool: Pool) -> None:
    user = await _user(pool, 1)
    assert [await _reserve(pool, user, job) for job in (1, 2, 3)] == [True, True, False]
    status = await free_quota.status(pool, user, "z-image", 2, MSK, now=NOON_MSK)
    assert (status.used, status.remaining) == (2, 0)
    assert status.resets_at == datetime(2026, 11, 28, 21, 0, tzinfo=UTC)  # 00:00 MSK


async def test_two_concurrent_reserves_for_the_last_slot_one_wins(pool: Pool) -> None:
    user = await _user(pool, 2)
    assert await _reserve(pool, user, 20)
    outcomes = await asyncio.gather(_reserve(pool, user, 21), _reserve(pool, user, 22))
    assert sorted(outcomes) == [False, True]
    assert (await free_quota.status(pool, user, "z-image", 2, MSK, now=NOON_MSK)).used == 2


async def test_a_reserve_returned_on_failure_is_usable_again(pool: Pool) -> None:
    user = await _user(pool, 3)
    assert await _reserve(pool, user, 30, limit=1)
    assert not await _reserve(pool, user, 31, limit=1)
    # the job failed: its slot comes back, once
    assert await free_quota.give_back(pool, 30)
    assert not await free_quota.give_back(pool, 30)
    assert await _reserve(pool, user, 31, limit=1)
    # a consumed slot stays taken and cannot be given back
    assert await free_quota.consume(pool, 31)
    assert not await free_quota.give_back(pool, 31)
    assert (await free_quota.status(pool, user, "z-image", 1, MSK, now=NOON_MSK)).remaining == 0


async def test_reserve_consume_and_return_are_idempotent_by_job(pool: Pool) -> None:
    user = await _user(pool, 4)
    assert await _reserve(pool, user, 40, limit=1)
    assert await _reserve(pool, user, 40, limit=1)  # the same job again: still its slot, not a second one
    assert await free_quota.consume(pool, 40)
    assert not await free_quota.consume(pool, 40)
    assert (await free_quota.status(pool, user, "z-image", 1, MSK, now=NOON_MSK)).used == 1


async def test_the_day_turns_at_moscow_midnight(pool: Pool) -> None:
    user = await _user(pool, 5)
    before_midnight = datetime(2026, 11, 28, 20, 59, 59, tzinfo=UTC)  # 23:59:59 MSK
    after_midnight = datetime(2026, 11, 28, 21, 0, 0, tzinfo=UTC)  # 00:00:00 MSK
    assert await _reserve(pool, user, 50, limit=1, now=before_midnight)
    assert not await _reserve(pool, user, 51, limit=1, now=before_midnight)
    assert await _reserve(pool, user, 52, limit=1, now=after_midnight)
    # UTC midnight is not the boundary: 02:59 MSK on the 29th is still the same Moscow day
    assert not await _reserve(pool, user, 53, limit=1, now=datetime(2026, 11, 28, 23, 59, tzinfo=UTC))


# --- referrals -----------------------------------------------------------------------------------------


async def _bind(pool: Pool, referee: int, code: str) -> referrals.Binding:
    first = await referrals.mark_first_start(pool, referee)
    return await referrals.bind(pool, referee_id=referee, code=code, first_start=first)


async def _first_topup(pool: Pool, referee: int, reward: int = 1000) -> int | None:
    """What the credit path of a paid top-up does, in its transaction (creativebot.payments)."""
    async with pool.acquire() as conn, conn.transaction():
        await wallet.topup(conn, referee, 50_00, f"test-topup:{referee}")
        return await referrals.reward_first_topup(conn, referee, reward)


async def test_a_new_user_is_bound_on_start_and_the_referrer_rewarded_on_the_first_top_up(pool: Pool) -> None:
    referrer, referee = await _user(pool, 10), await _user(pool, 11)
    code = await referrals.ensure_code(pool, referrer)
    assert await referrals.ensure_code(pool, referrer) == code
    assert referrals.code_from_payload(f"ref_{code}") == code
    # When: the friend's first /start
    assert await _bind(pool, referee, code) is referrals.Binding.BOUND
    # Then: bound, and nothing paid yet
    assert await pool.fetchval("SELECT referrer_id FROM users WHERE id = $1", referee) == referrer
    assert await wallet.balance_of(pool, referrer) == wallet.Balance(0, 0)
    assert await referrals.stats(pool, referrer) == (1, 0)
    # When: the friend tops up, twice
    assert await _first_topup(pool, referee) == referrer
    assert await _first_topup(pool, referee) is None
    # Then: the reward is paid once
    assert await wallet.balance_of(pool, referrer) == wallet.Balance(1000, 0)
    assert await referrals.stats(pool, referrer) == (1, 1000)


async def test_no_reward_without_a_referrer_or_without_a_bonus(pool: Pool) -> None:
    referrer, referee, loner = await _user(pool, 12), await _user(pool, 13), await _user(pool, 14)
    assert await _bind(pool, referee, await referrals.ensure_code(pool, referrer)) is referrals.Binding.BOUND
    assert await _first_topup(pool, loner) is None  # nobody invited them
    assert await _first_topup(pool, referee, reward=0) is None  # REFERRAL_BONUS_RUB=0
    assert await wallet.balance_of(pool, referrer) == wallet.Balance(0, 0)


async def test_self_second_unknown_and_repeated_rewards_are_no_ops(pool: Pool) -> None:
    alice, bob, carol = await _user(pool, 20), await _user(pool, 21), await _user(pool, 22)
    alice_code = await referrals.ensure_code(pool, alice)
    carol_code = await referrals.ensure_code(pool, carol)
    # self-referral on one's own first start
    assert await _bind(pool, alice, alice_code) is referrals.Binding.SELF
    # bob binds to alice; a second binding (to carol) on a later start does nothing
    assert await _bind(pool, bob, alice_code) is referrals.Binding.BOUND
    assert await _bind(pool, bob, carol_code) is referrals.Binding.NOT_FIRST_START
    # an unknown code on carol's first start is ignored politely
    assert await _bind(pool, carol, "Zzzzzzzz") is referrals.Binding.UNKNOWN_CODE
    # a replayed binding changes nothing, and no binding pays anything by itself
    replay = await referrals.bind(pool, referee_id=bob, code=alice_code, first_start=True)
    assert replay is referrals.Binding.ALREADY_BOUND
    assert await wallet.balance_of(pool, alice) == wallet.Balance(0, 0)
    assert await wallet.balance_of(pool, carol) == wallet.Balance(0, 0)
    assert await pool.fetchval("SELECT referrer_id FROM users WHERE id = $1", bob) == alice


async def test_a_binding_that_would_close_a_cycle_is_refused(pool: Pool) -> None:
    a, b = await _user(pool, 30), await _user(pool, 31)
    await pool.execute("UPDATE users SET referrer_id = $1 WHERE id = $2", b, a)  # a was invited by b
    a_code = await referrals.ensure_code(pool, a)
    outcome = await referrals.bind(pool, referee_id=b, code=a_code, first_start=True)
    assert outcome is referrals.Binding.CYCLE
    assert await pool.fetchval("SELECT referrer_id FROM users WHERE id = $1", b) is None


def test_deep_link_payloads_stay_in_telegrams_alphabet() -> None:
    assert referrals.deep_link("creative_bot", "AbC123xy") == "https://t.me/creative_bot?start=ref_AbC123xy"
    for bad in ("", "ref_", "ref_short", "ref_abc$1234", "ref_" + "a" * 40, "promo_AbC123xy", None):
        assert referrals.code_from_payload(bad) is None
    assert len("ref_" + "A" * 16) <= 64  # the longest code still fits a deep link
