"""How strong is the wallet property test? Each test here breaks the ledger on purpose and asserts
that the property test's ORACLE notices.

A mutant is a plausible bug: one function of creativebot.wallet.ledger replaced, for one test, by a
broken variant written below (monkeypatch; the property test calls the ledger through the module).
Every mutant keeps every CHECK and UNIQUE constraint of the schema satisfied, so the database alone
never refuses its writes; all but one ("a release also credits the balance", whose wallet drifts
from its ledger) also leave verify_wallet_invariants() with nothing to report.

The machine of test_wallet_properties.py then runs with a fixed budget (at most MUTANT_BUDGET runs,
derandomized, so CI sees the same programs every time; no shrinking). The mutant counts as caught
only if the FIRST failure is the oracle's (OracleMismatch): a database constraint (ConstraintCaught),
verify_wallet_invariants (InvariantViolation) or any other error first is a failure of this test.

Two bugs one might think of first are not here, because the schema refuses them on every
occurrence: a hold checked against the balance instead of the available money (accepting amount >
available means held + amount > balance), and an adjustment that takes held money (balance < held);
``wallets_money_is_consistent`` (balance >= held >= 0) catches both. The race of two users on one new
ref (UniqueViolationError before the fix) is caught by the UNIQUE key, and has its own test in
test_wallet.py.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import Phase

from creativebot.db import Connection, Pool, transaction
from creativebot.wallet import ledger
from creativebot.wallet.ledger import Balance, Entry, Result
from tests.integration.test_wallet_properties import OracleMismatch, machine_settings, run_machine

log = logging.getLogger(__name__)
MUTANT_BUDGET = int(os.environ.get("WALLET_MUTANT_EXAMPLES", "200"))

_correct_topup = ledger.topup
_correct_write = ledger._write
_correct_settle_hold = ledger._settle_hold


# --- the mutants ---------------------------------------------------------------------------------------


def repeat_ignoring_the_amount(
    existing: Entry, user_id: int, wallet: Balance, amount: int | None = None
) -> Result:
    """A ref retried with another amount is taken for the first call (a second payment is lost)."""
    if existing.user_id != user_id:
        raise ledger.IdempotencyConflict("another user")
    return Result(existing, wallet, repeated=True)


def repeat_ignoring_the_user(
    existing: Entry, user_id: int, wallet: Balance, amount: int | None = None
) -> Result:
    """A ref another user already used returns that user's entry, as if it were the caller's."""
    if amount is not None and abs(existing.amount or existing.held_delta) != abs(amount):
        raise ledger.IdempotencyConflict("another amount")
    return Result(existing, wallet, repeated=True)


async def charge_of_whoever_holds_the_ref(db: Pool | Connection, user_id: int, ref: str) -> Result:
    """The hold is found by its ref alone and charged to its owner, whoever asks."""
    async with transaction(db) as conn:
        held = await ledger._existing(conn, "hold", ref)
        return await _correct_settle_hold(conn, held.user_id if held else user_id, ref, "charge")


async def _refund(
    db: Pool | Connection, user_id: int, ref: str, source: Callable[[Connection], Any], check_user: bool
) -> Result:
    async with transaction(db) as conn:
        wallet = await ledger._lock_wallet(conn, user_id)
        existing = await ledger._existing(conn, "refund", ref)
        if existing is not None:
            return ledger._repeat(existing, user_id, wallet)
        settled: Entry | None = await source(conn)
        if settled is None or (check_user and settled.user_id != user_id):
            raise ledger.NothingToRefund(ref)
        return await ledger._write(
            conn,
            wallet,
            repeat_amount=None,
            user_id=user_id,
            kind="refund",
            amount=abs(settled.amount or settled.held_delta),
            held_delta=0,
            ref=ref,
            job_id=settled.job_id,
            payment_id=None,
            meta=settled.meta,
        )


async def refund_to_whoever_asks(db: Pool | Connection, user_id: int, ref: str) -> Result:
    """Any user may have anyone's charge refunded to their own wallet."""
    return await _refund(
        db, user_id, ref, lambda conn: ledger._existing(conn, "charge", ref), check_user=False
    )


async def refund_of_any_settled_hold(db: Pool | Connection, user_id: int, ref: str) -> Result:
    """A released hold (the money never left) can be refunded too: the refund reads the hold."""

    async def settled_hold(conn: Connection) -> Entry | None:
        if await ledger._existing(conn, "charge", ref) or await ledger._existing(conn, "release", ref):
            return await ledger._existing(conn, "hold", ref)
        return None

    return await _refund(db, user_id, ref, settled_hold, check_user=True)


async def hold_refusing_exactly_the_available_money(
    db: Pool | Connection,
    user_id: int,
    amount: int,
    ref: str,
    *,
    job_id: int | None = None,
    meta: dict[str, Any] | None = None,
) -> Result:
    """Off by one: a hold of all the available money is refused."""
    ledger._positive(amount)
    async with transaction(db) as conn:
        wallet = await ledger._lock_wallet(conn, user_id)
        existing = await ledger._existing(conn, "hold", ref)
        if existing is not None:
            return ledger._repeat(existing, user_id, wallet, amount)
        if wallet.available <= amount:
            raise ledger.InsufficientFunds(wallet.available, amount)
        return await ledger._write(
            conn,
            wallet,
            repeat_amount=amount,
            user_id=user_id,
            kind="hold",
            amount=0,
            held_delta=amount,
            ref=ref,
            job_id=job_id,
            payment_id=None,
            meta=meta,
        )


async def adjust_losing_the_sign(
    db: Pool | Connection, user_id: int, delta: int, ref: str, *, reason: str, admin_id: int
) -> Result:
    """A debit is checked against the available money, then written as a credit."""
    if delta == 0:
        raise ledger.InvalidAmount("zero")
    async with transaction(db) as conn:
        wallet = await ledger._lock_wallet(conn, user_id)
        existing = await ledger._existing(conn, "adjust", ref)
        if existing is not None:
            return ledger._repeat(existing, user_id, wallet, delta)
        if delta < 0 and wallet.available < -delta:
            raise ledger.InsufficientFunds(wallet.available, -delta)
        return await ledger._write(
            conn,
            wallet,
            repeat_amount=delta,
            user_id=user_id,
            kind="adjust",
            amount=abs(delta),
            held_delta=0,
            ref=ref,
            job_id=None,
            payment_id=None,
            meta={"reason": reason, "admin_id": admin_id},
        )


async def topup_in_whole_roubles(
    db: Pool | Connection,
    user_id: int,
    amount: int,
    ref: str,
    *,
    payment_id: str | None = None,
    meta: dict[str, Any] | None = None,
) -> Result:
    """The payment is credited rounded down to whole roubles (kopecks lost)."""
    credited = amount // 100 * 100 if amount >= 100 else amount
    return await _correct_topup(db, user_id, credited, ref, payment_id=payment_id, meta=meta)


async def bonus_written_as_a_topup(
    db: Pool | Connection, user_id: int, amount: int, ref: str, *, meta: dict[str, Any] | None = None
) -> Result:
    """A copy-paste slip: the bonus is booked as a topup (and collides with topups of its ref)."""
    ledger._positive(amount)
    return await ledger._credit(db, "topup", user_id, amount, ref, meta=meta)


async def release_crediting_the_balance_too(db: Pool | Connection, user_id: int, ref: str) -> Result:
    """The hold comes back to the available money, and once more to the balance."""
    async with transaction(db) as conn:
        result = await _correct_settle_hold(conn, user_id, ref, "release")
        if not result.repeated:
            await conn.execute(
                "UPDATE wallets SET balance = balance - $2 WHERE user_id = $1",
                user_id,
                result.entry.held_delta,
            )
        return result


async def write_reporting_the_wallet_before(conn: Connection, wallet: Balance, **entry: Any) -> Result:
    """The right entry and wallet, but the call reports the wallet as it was before the operation."""
    result = await _correct_write(conn, wallet, **entry)
    return result if result.repeated else Result(result.entry, wallet)


MUTANTS: dict[str, tuple[str, Callable[..., Any]]] = {
    "a repeat ignores another amount": ("_repeat", repeat_ignoring_the_amount),
    "a repeat returns another user's entry": ("_repeat", repeat_ignoring_the_user),
    "a charge settles another user's hold": ("charge", charge_of_whoever_holds_the_ref),
    "a refund pays whoever asks": ("refund", refund_to_whoever_asks),
    "a released hold can be refunded": ("refund", refund_of_any_settled_hold),
    "a hold of exactly the available money is refused": ("hold", hold_refusing_exactly_the_available_money),
    "a debit adjustment credits": ("adjust", adjust_losing_the_sign),
    "a topup credits whole roubles only": ("topup", topup_in_whole_roubles),
    "a bonus is booked as a topup": ("bonus", bonus_written_as_a_topup),
    "a release also credits the balance": ("release", release_crediting_the_balance_too),
    "a call reports the wallet before it": ("_write", write_reporting_the_wallet_before),
}


@pytest.mark.parametrize("mutant", list(MUTANTS))
def test_the_oracle_catches_the_broken_ledger(
    mutant: str,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    name, broken = MUTANTS[mutant]
    monkeypatch.setattr(ledger, name, broken)
    outcomes = run_machine(
        database_url,
        machine_settings(
            MUTANT_BUDGET,
            derandomize=True,
            database=None,
            phases=[Phase.generate],
            report_multiple_bugs=False,
        ),
    )
    assert outcomes.error is not None, f"survived {outcomes.stats['runs']} runs: {mutant}"
    first = outcomes.failures[0] if outcomes.failures else outcomes.error
    log.info(
        "mutant %r caught in run %d by %s: %s",
        mutant,
        outcomes.stats["run of the first failure"],
        type(first).__name__,
        first,
    )
    assert isinstance(first, OracleMismatch), f"caught by {type(first).__name__}, not the oracle: {first}"
