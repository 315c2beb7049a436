"""Stateful property test: random sequences of every wallet operation, repeats included, against an oracle.

After every step: the wallet equals the oracle's prediction, the ledger sums to the balance and the
held amount, and verify_wallet_invariants() finds nothing. A refused operation must leave no trace.
"""

from __future__ import annotations

import asyncio
import itertools
import os
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    invariant,
    rule,
    run_state_machine_as_test,
)

from creativebot import db, wallet

T = TypeVar("T")
_users = itertools.count(1_000_000)
_refs = itertools.count(1)
amounts = st.integers(min_value=1, max_value=5_000)


@dataclass
class Oracle:
    """What the wallet must look like: plain Python bookkeeping of the same rules."""

    balance: int = 0
    holds: dict[str, int] = field(default_factory=dict)  # active holds
    charges: dict[str, int] = field(default_factory=dict)  # charged, refundable
    settled: set[str] = field(default_factory=set)
    refunded: set[str] = field(default_factory=set)

    @property
    def held(self) -> int:
        return sum(self.holds.values())


class WalletMachine(RuleBasedStateMachine):
    loop: asyncio.AbstractEventLoop
    pool: db.Pool

    holds = Bundle("holds")
    done = Bundle("done")  # any ref whose operation succeeded: to be repeated

    def __init__(self) -> None:
        super().__init__()
        self.user = next(_users)
        self.oracle = Oracle()
        self.accepted = 0
        self.run(self.pool.execute("INSERT INTO users (id) VALUES ($1)", self.user))

    def run(self, work: Coroutine[Any, Any, T]) -> T:
        return self.loop.run_until_complete(work)

    def attempt(self, work: Coroutine[Any, Any, wallet.Result]) -> wallet.Result | None:
        before = self.run(self.snapshot())
        try:
            result = self.run(work)
        except wallet.WalletError:
            assert self.run(self.snapshot()) == before, "a refused operation left a trace"
            return None
        self.accepted += 1
        return result

    async def snapshot(self) -> tuple[Any, ...]:
        rows = await self.pool.fetch("SELECT id FROM ledger WHERE user_id = $1 ORDER BY id", self.user)
        return (await wallet.balance_of(self.pool, self.user), tuple(r["id"] for r in rows))

    # --- operations ---------------------------------------------------------------------------------

    @rule(target=done, amount=amounts)
    def topup(self, amount: int) -> tuple[str, str, int]:
        ref = f"stars:{next(_refs)}"
        assert self.attempt(wallet.topup(self.pool, self.user, amount, ref)) is not None
        self.oracle.balance += amount
        return ("topup", ref, amount)

    @rule(target=done, amount=amounts)
    def bonus(self, amount: int) -> tuple[str, str, int]:
        ref = f"bonus:{next(_refs)}"
        assert self.attempt(wallet.bonus(self.pool, self.user, amount, ref)) is not None
        self.oracle.balance += amount
        return ("bonus", ref, amount)

    @rule(target=holds, amount=amounts)
    def hold(self, amount: int) -> str:
        ref = f"job:{next(_refs)}"
        result = self.attempt(wallet.hold(self.pool, self.user, amount, ref))
        if self.oracle.balance - self.oracle.held >= amount:
            assert result is not None
            self.oracle.holds[ref] = amount
        else:
            assert result is None
        return ref

    @rule(ref=holds)
    def charge(self, ref: str) -> None:
        result = self.attempt(wallet.charge(self.pool, self.user, ref))
        if ref in self.oracle.holds:
            assert result is not None
            amount = self.oracle.holds.pop(ref)
            self.oracle.balance -= amount
            self.oracle.charges[ref] = amount
            self.oracle.settled.add(ref)
        elif ref in self.oracle.charges or ref in self.oracle.refunded:
            assert result is not None and result.repeated  # a repeat of the same charge
        else:
            assert result is None  # never held, or released

    @rule(ref=holds)
    def release(self, ref: str) -> None:
        result = self.attempt(wallet.release(self.pool, self.user, ref))
        if ref in self.oracle.holds:
            assert result is not None
            self.oracle.holds.pop(ref)
            self.oracle.settled.add(ref)
        elif (
            ref in self.oracle.settled and ref not in self.oracle.charges and ref not in self.oracle.refunded
        ):
            assert result is not None and result.repeated  # a repeat of the same release
        else:
            assert result is None

    @rule(ref=holds)
    def refund(self, ref: str) -> None:
        result = self.attempt(wallet.refund(self.pool, self.user, ref))
        if ref in self.oracle.charges:
            assert result is not None
            self.oracle.balance += self.oracle.charges.pop(ref)
            self.oracle.refunded.add(ref)
        elif ref in self.oracle.refunded:
            assert result is not None and result.repeated
        else:
            assert result is None

    @rule(delta=st.integers(min_value=-3_000, max_value=3_000).filter(bool))
    def adjust(self, delta: int) -> None:
        ref = f"admin:{next(_refs)}"
        result = self.attempt(wallet.adjust(self.pool, self.user, delta, ref, reason="test", admin_id=1))
        if delta > 0 or self.oracle.balance - self.oracle.held >= -delta:
            assert result is not None
            self.oracle.balance += delta
        else:
            assert result is None

    @rule(previous=consumes(done))
    def repeat(self, previous: tuple[str, str, int]) -> None:
        kind, ref, amount = previous
        operation = wallet.topup if kind == "topup" else wallet.bonus
        before = self.run(self.snapshot())
        result = self.run(operation(self.pool, self.user, amount, ref))
        assert result.repeated
        assert self.run(self.snapshot()) == before

    @rule(amount=st.integers(max_value=0))
    def non_positive_amounts_are_refused(self, amount: int) -> None:
        assert self.attempt(wallet.hold(self.pool, self.user, amount, f"job:{next(_refs)}")) is None

    # --- invariants after every step -------------------------------------------------------------------

    @invariant()
    def wallet_matches_the_oracle_and_its_ledger(self) -> None:
        balance = self.run(wallet.balance_of(self.pool, self.user))
        assert balance == wallet.Balance(self.oracle.balance, self.oracle.held)
        assert balance.balance >= balance.held >= 0
        sums = self.run(
            self.pool.fetchrow(
                "SELECT coalesce(sum(amount), 0) AS amount, coalesce(sum(held_delta), 0) AS held"
                " FROM ledger WHERE user_id = $1",
                self.user,
            )
        )
        assert sums is not None
        assert (sums["amount"], sums["held"]) == (balance.balance, balance.held)

    @invariant()
    def no_violation_anywhere(self) -> None:
        assert self.run(wallet.verify_wallet_invariants(self.pool)) == []


@pytest.mark.usefixtures("database_url")
def test_random_operation_sequences_keep_every_invariant(database_url: str) -> None:
    loop = asyncio.new_event_loop()
    pool = loop.run_until_complete(db.create_pool(database_url, max_size=2))
    WalletMachine.loop, WalletMachine.pool = loop, pool
    accepted: list[int] = []

    class Counting(WalletMachine):
        def teardown(self) -> None:
            accepted.append(self.accepted)

    try:
        run_state_machine_as_test(
            Counting,
            settings=settings(
                max_examples=int(os.environ.get("WALLET_PROPERTY_EXAMPLES", "100")),
                stateful_step_count=50,
                deadline=None,
                suppress_health_check=[HealthCheck.too_slow],
            ),
        )
    finally:
        loop.run_until_complete(pool.close())
        loop.close()
    # The machine did real work, not a run where every call was refused.
    assert sum(accepted) > 500
