"""Model-based test of the wallet: several users, refs shared between them, operations in concurrent
batches, every batch checked against an in-memory oracle.

The oracle (``Model``) is plain Python bookkeeping of the ledger's rules. For each operation it
predicts acceptance (a new entry, or a repeat that returns the first one) or refusal (which
WalletError, with InsufficientFunds' figures), the entry and the wallet the call reports; and after
a batch, every wallet's balance and held and the whole ledger of the run's users.

The operations of a batch run at once (asyncio.gather, each on its own pooled connection), so the
database may apply them in any order. A batch passes when SOME serial order of it, replayed on the
oracle, gives exactly the outcomes observed and the state found in the database: a depth-first
search over orders, cut at the first operation whose outcome differs. Members of a batch may share
users and refs, so two users race on one new ref, a charge races its own hold, a refund races the
charge it needs, and so on.

After every batch, in this order:
- the oracle comparison (``OracleMismatch``): outcomes, wallets, the ledger, the entry ids repeats
  return, and "a refused operation leaves no trace": the ledger holds exactly the oracle's entries,
  and a wallet no accepted operation wrote to is unchanged to the byte (balance, held, updated_at);
- verify_wallet_invariants() for the run's users (``InvariantViolation``).
A CHECK, UNIQUE or foreign-key error from the database is ``ConstraintCaught``, kept apart from
both, so test_wallet_mutants.py can tell which of them caught a broken ledger.

WALLET_PROPERTY_EXAMPLES sets the number of runs (each up to BATCHES_PER_RUN batches of up to
MAX_BATCH operations by USERS users); the default keeps this test near 25 s on 2 cores.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
from collections import Counter
from collections.abc import Awaitable, Callable, Coroutine, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, TypeVar

import asyncpg
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, rule, run_state_machine_as_test

from creativebot import db
from creativebot.wallet import ledger

T = TypeVar("T")
log = logging.getLogger(__name__)

USERS = 4
MAX_BATCH = 6  # operations at once, each on its own connection
RECENT = 6  # a ref is picked among the RECENT last ones, or is new
BATCHES_PER_RUN = 20
EXAMPLES = int(os.environ.get("WALLET_PROPERTY_EXAMPLES", "60"))

KINDS = ("topup", "bonus", "adjust", "hold", "charge", "release", "refund")
SETTLING = ("charge", "release", "refund")  # no amount: they move what the hold or charge moved
ALL, INVALID = "all available", "invalid"
_runs = itertools.count(1)


# --- operations and their outcomes ------------------------------------------------------------------


@dataclass(frozen=True)
class Op:
    kind: str
    user: int
    ref: str
    amount: int | None = None  # None for charge, release and refund

    def call(self, pool: db.Pool) -> Awaitable[ledger.Result]:
        # Looked up at each call, so a test can put a broken variant in the module's place.
        operation: Callable[..., Awaitable[ledger.Result]] = getattr(ledger, self.kind)
        if self.kind == "adjust":
            return operation(pool, self.user, self.amount, self.ref, reason="property test", admin_id=1)
        if self.amount is None:
            return operation(pool, self.user, self.ref)
        return operation(pool, self.user, self.amount, self.ref)

    def __str__(self) -> str:
        amount = "" if self.amount is None else f", {self.amount}"
        return f"{self.kind}(user {self.user}, {self.ref!r}{amount})"


EntryShape = tuple[int, str, str, int, int]  # user_id, kind, ref, amount, held_delta


@dataclass(frozen=True)
class Accepted:
    entry: EntryShape
    repeated: bool
    wallet: tuple[int, int]  # balance, held as the call reports them


@dataclass(frozen=True)
class Refused:
    error: type[ledger.WalletError]
    details: tuple[int, ...] = ()  # InsufficientFunds: available, required

    def __str__(self) -> str:
        return f"{self.error.__name__}{self.details or ''}"


Outcome = Accepted | Refused


class OracleMismatch(AssertionError):
    """The database did something no serial order of the batch does on the oracle."""


class InvariantViolation(AssertionError):
    """verify_wallet_invariants() found a problem."""


class ConstraintCaught(AssertionError):
    """A CHECK, UNIQUE or foreign-key constraint of the database refused a write."""


def observe(done: ledger.Result | BaseException) -> Outcome:
    if isinstance(done, ledger.Result):
        e = done.entry
        return Accepted(
            (e.user_id, e.kind, e.ref, e.amount, e.held_delta), done.repeated, astuple(done.wallet)
        )
    if isinstance(done, ledger.InsufficientFunds):
        return Refused(type(done), (done.available, done.required))
    if isinstance(done, ledger.WalletError):
        return Refused(type(done))
    if isinstance(done, asyncpg.IntegrityConstraintViolationError):
        raise ConstraintCaught(f"the database refused a write: {done!r}") from done
    raise done


def astuple(wallet: ledger.Balance) -> tuple[int, int]:
    return (wallet.balance, wallet.held)


# --- the oracle ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Model:
    """Wallets and entries as the ledger's rules make them; never changed in place."""

    wallets: Mapping[int, tuple[int, int]] = field(default_factory=dict)  # user -> balance, held
    entries: Mapping[tuple[str, str], tuple[int, int, int]] = field(
        default_factory=dict
    )  # (kind, ref) -> user, amount, held_delta

    def wallet(self, user: int) -> tuple[int, int]:
        return self.wallets.get(user, (0, 0))

    def available(self, user: int) -> int:
        balance, held = self.wallet(user)
        return balance - held

    def apply(self, op: Op) -> tuple[Outcome, Model]:
        """What ``op`` must answer now, and the model after it."""
        kind, user, ref, amount = op.kind, op.user, op.ref, op.amount
        if amount is not None and (amount == 0 or (amount < 0 and kind != "adjust")):
            return Refused(ledger.InvalidAmount), self
        wallet = self.wallet(user)
        first = self.entries.get((kind, ref))
        if first is not None:
            owner, first_amount, first_held = first
            if owner != user or not self._same_amount(kind, first_amount, first_held, amount):
                return Refused(ledger.IdempotencyConflict), self
            return Accepted((owner, kind, ref, first_amount, first_held), True, wallet), self
        entry = self._new_entry(op)
        if isinstance(entry, Refused):
            return entry, self
        moved, held_delta = entry
        after = (wallet[0] + moved, wallet[1] + held_delta)
        return Accepted((user, kind, ref, moved, held_delta), False, after), Model(
            {**self.wallets, user: after}, {**self.entries, (kind, ref): (user, moved, held_delta)}
        )

    @staticmethod
    def _same_amount(kind: str, first_amount: int, first_held: int, amount: int | None) -> bool:
        if amount is None:  # charge, release, refund: the ref alone names them
            return True
        if kind == "hold":
            return first_held == amount
        return first_amount == amount

    def _new_entry(self, op: Op) -> tuple[int, int] | Refused:
        """(amount, held_delta) of the entry ``op`` writes for a ref not yet used, or its refusal."""
        kind, user, ref, amount = op.kind, op.user, op.ref, op.amount
        available = self.available(user)
        if kind in ("topup", "bonus"):
            assert amount is not None
            return (amount, 0)
        if kind == "adjust":
            assert amount is not None
            if amount < 0 and available < -amount:
                return Refused(ledger.InsufficientFunds, (available, -amount))
            return (amount, 0)
        if kind == "hold":
            assert amount is not None
            if available < amount:
                return Refused(ledger.InsufficientFunds, (available, amount))
            return (0, amount)
        if kind in ("charge", "release"):
            hold = self.entries.get(("hold", ref))
            other = "release" if kind == "charge" else "charge"
            if hold is None or hold[0] != user or (other, ref) in self.entries:
                return Refused(ledger.HoldNotActive)
            reserved = hold[2]
            return (-reserved, -reserved) if kind == "charge" else (0, -reserved)
        assert kind == "refund"
        charged = self.entries.get(("charge", ref))
        if charged is None or charged[0] != user:
            return Refused(ledger.NothingToRefund)
        return (-charged[1], 0)


def serialisations(model: Model, ops: Sequence[Op], observed: Sequence[Outcome]) -> Iterator[Model]:
    """The model after each serial order of ``ops`` that answers every op as observed."""

    def extend(current: Model, left: frozenset[int]) -> Iterator[Model]:
        if not left:
            yield current
            return
        for i in sorted(left):
            outcome, following = current.apply(ops[i])
            if outcome == observed[i]:
                yield from extend(following, left - {i})

    yield from extend(model, frozenset(range(len(ops))))


# --- the database's side -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Snapshot:
    wallets: dict[int, tuple[int, int, datetime]]  # user -> balance, held, updated_at
    ledger: dict[tuple[str, str], tuple[int, int, int, int]]  # (kind, ref) -> id, user, amount, held_delta

    def money(self, user: int) -> tuple[int, int]:
        row = self.wallets.get(user)
        return (row[0], row[1]) if row else (0, 0)


async def take_snapshot(pool: db.Pool, users: Sequence[int]) -> Snapshot:
    wallets = await pool.fetch(
        "SELECT user_id, balance, held, updated_at FROM wallets WHERE user_id = ANY($1::bigint[])", users
    )
    entries = await pool.fetch(
        "SELECT id, user_id, kind, ref, amount, held_delta FROM ledger WHERE user_id = ANY($1::bigint[])",
        users,
    )
    return Snapshot(
        {r["user_id"]: (r["balance"], r["held"], r["updated_at"]) for r in wallets},
        {(r["kind"], r["ref"]): (r["id"], r["user_id"], r["amount"], r["held_delta"]) for r in entries},
    )


def disagreements(
    users: Sequence[int],
    model: Model,
    prior: Model,
    before: Snapshot,
    after: Snapshot,
    results: Sequence[ledger.Result | BaseException],
) -> list[str]:
    """How the database after a batch differs from ``model`` (one serial order's end state)."""
    problems = [
        f"wallet of {user}: {after.money(user)} in the database, {model.wallet(user)} by the oracle"
        for user in users
        if after.money(user) != model.wallet(user)
    ]
    found = {key: row[1:] for key, row in after.ledger.items()}
    expected = dict(model.entries)
    problems += [
        f"ledger {key}: {found.get(key)} in the database, {expected.get(key)} by the oracle"
        for key in sorted(found.keys() | expected.keys())
        if found.get(key) != expected.get(key)
    ]
    problems += [
        f"entry {key} #{row[0]} changed to {after.ledger.get(key)}"
        for key, row in before.ledger.items()
        if after.ledger.get(key) != row
    ]
    for result in results:
        if isinstance(result, ledger.Result):
            key = (result.entry.kind, result.entry.ref)
            in_ledger = after.ledger.get(key, (None,))[0]
            if in_ledger != result.entry.id:
                problems.append(
                    f"a call returned entry #{result.entry.id} for {key}, the ledger has #{in_ledger}"
                )
    # A refused operation (or a repeat) leaves no trace: a wallet no new entry belongs to is unchanged.
    written = {user for key, (user, _, _) in model.entries.items() if key not in prior.entries}
    problems += [
        f"wallet of {user} changed without a new entry: {before.wallets.get(user)} -> {after.wallets.get(user)}"
        for user in users
        if user not in written and after.wallets.get(user) != before.wallets.get(user)
    ]
    return problems


# --- the machine ---------------------------------------------------------------------------------------

Spec = tuple[str, int, int, int | str, bool]  # kind, who, which ref, amount choice, negative adjust
specs = st.tuples(
    st.sampled_from((*KINDS, "hold", "charge", "repeat")),  # a hold or charge is what others need
    st.integers(0, 2 * USERS - 1),  # < USERS: that user; else whoever first used the ref (see owner)
    st.integers(0, RECENT),  # 0: a new ref; k: the k-th most recent one (see pick_ref)
    st.sampled_from((250, 1_000, 1_999, 5_000, 1, ALL, 250, 1_000, INVALID)),
    st.booleans(),
)


class LedgerMachine(RuleBasedStateMachine):
    """One run: USERS fresh users and fresh refs, so runs never meet in the shared database."""

    loop: ClassVar[asyncio.AbstractEventLoop]
    pool: ClassVar[db.Pool]
    stats: ClassVar[Counter[str]]
    failures: ClassVar[list[BaseException]]  # every failure, in the order they happened

    def __init__(self) -> None:
        super().__init__()
        run = next(_runs)
        self.users = [run * 100 + i for i in range(USERS)]
        self.prefix = f"run{run}"
        self.refs: list[str] = []
        self.first_user: dict[str, int] = {}  # who first used each ref, for any kind
        self.history: list[Op] = []  # accepted operations, to be repeated
        self.pending: set[tuple[str, str]] = set()  # (kind, ref) of the batch being built
        self.model = Model()
        self.wait(self.pool.executemany("INSERT INTO users (id) VALUES ($1)", [(u,) for u in self.users]))
        self.snapshot = self.wait(take_snapshot(self.pool, self.users))
        self.stats["runs"] += 1

    def wait(self, work: Coroutine[Any, Any, T]) -> T:
        return self.loop.run_until_complete(work)

    @rule(batch=st.lists(specs, min_size=1, max_size=MAX_BATCH))
    def run_batch(self, batch: list[Spec]) -> None:
        self.pending.clear()
        try:
            self.check_batch([self.resolve(spec) for spec in batch])
        except BaseException as failure:
            if not self.failures:
                self.stats["run of the first failure"] = self.stats["runs"]
            self.failures.append(failure)
            raise

    # --- building a batch ---

    def resolve(self, spec: Spec) -> Op:
        kind, who, pick, amount, negative = spec
        if kind == "repeat":
            if self.history:
                return self.history[-1 - pick % len(self.history)]
            kind = "topup"
        ref = self.pick_ref(kind, pick)
        owner = self.owner(kind, ref)
        user = owner if who >= USERS and owner is not None else self.users[who % USERS]
        self.first_user.setdefault(ref, user)
        self.pending.add((kind, ref))
        if kind in SETTLING:
            return Op(kind, user, ref)
        if amount == INVALID:
            value = 0
        elif amount == ALL:  # right at the boundary of what may be held or taken
            value = max(self.model.available(user), 1)
        else:
            assert isinstance(amount, int)
            value = amount
        return Op(kind, user, ref, -value if kind == "adjust" and negative else value)

    def pick_ref(self, kind: str, pick: int) -> str:
        """A new ref (pick 0) or a recent one. A charge, release or refund picks among the refs it
        can settle (picks 1-3: live holds, or charges not refunded) or might wrongly settle (4-6: any
        ref with a hold: charged, released, refunded); holds and charges of this batch count too."""
        if pick > 0 and kind in SETTLING:
            half = RECENT // 2
            if pick <= half:
                needed, settled = (
                    ("charge", ("refund",)) if kind == "refund" else ("hold", ("charge", "release"))
                )
                candidates = [
                    r
                    for r in self.refs
                    if ((needed, r) in self.model.entries or (needed, r) in self.pending)
                    and not any((k, r) in self.model.entries for k in settled)
                ]
            else:
                pick -= half
                candidates = [
                    r for r in self.refs if ("hold", r) in self.model.entries or ("hold", r) in self.pending
                ]
            if candidates:
                return candidates[-1 - (pick - 1) % len(candidates)]
        if pick == 0 or pick > len(self.refs):
            self.refs.append(f"{self.prefix}-{len(self.refs)}")
            return self.refs[-1]
        return self.refs[-pick]

    def owner(self, kind: str, ref: str) -> int | None:
        if kind in ("charge", "release"):
            first = self.model.entries.get(("hold", ref))
        elif kind == "refund":
            first = self.model.entries.get(("charge", ref)) or self.model.entries.get(("hold", ref))
        else:
            first = self.model.entries.get((kind, ref))
        return first[0] if first else self.first_user.get(ref)

    # --- running and checking it ---

    def check_batch(self, ops: list[Op]) -> None:
        prior, before = self.model, self.snapshot
        results = self.wait(self.gather(ops))
        observed = [observe(done) for done in results]
        after = self.wait(take_snapshot(self.pool, self.users))
        model = self.against_the_oracle(ops, observed, results, before, after)
        self.model, self.snapshot = model, after
        violations = [
            v for v in self.wait(ledger.verify_wallet_invariants(self.pool)) if v.user_id in self.users
        ]
        if violations:
            raise InvariantViolation(f"verify_wallet_invariants: {violations}")
        self.count(ops, observed, prior)

    async def gather(self, ops: list[Op]) -> list[ledger.Result | BaseException]:
        return await asyncio.gather(*(op.call(self.pool) for op in ops), return_exceptions=True)

    def against_the_oracle(
        self,
        ops: list[Op],
        observed: list[Outcome],
        results: list[ledger.Result | BaseException],
        before: Snapshot,
        after: Snapshot,
    ) -> Model:
        closest: list[str] | None = None
        for model in serialisations(self.model, ops, observed):
            problems = disagreements(self.users, model, self.model, before, after, results)
            if not problems:
                return model
            closest = closest or problems
        lines = ["no serial order of the batch gives what the database did"]
        in_order = self.model
        for op, seen in zip(ops, observed, strict=True):
            predicted, in_order = in_order.apply(op)
            mark = "  " if seen == predicted else "!="
            lines.append(f"{mark} {op}: got {seen}, the oracle in this order says {predicted}")
        if closest is not None:
            lines += ["outcomes fit an order, but the database differs:", *closest]
        raise OracleMismatch("\n".join(lines))

    def count(self, ops: list[Op], observed: list[Outcome], prior: Model) -> None:
        stats = self.stats
        stats["batches"] += 1
        racing: dict[tuple[str, str], set[int]] = {}
        for op, outcome in zip(ops, observed, strict=True):
            stats["ops"] += 1
            if (op.kind, op.ref) not in prior.entries:
                racing.setdefault((op.kind, op.ref), set()).add(op.user)
            if isinstance(outcome, Refused):
                stats[f"refused {outcome.error.__name__}"] += 1
                first = self.model.entries.get((op.kind, op.ref))
                if outcome.error is ledger.IdempotencyConflict and first and first[0] != op.user:
                    stats["conflicts across users"] += 1
            elif outcome.repeated:
                stats["repeats"] += 1
            else:
                stats["accepted"] += 1
                stats[f"accepted {op.kind}"] += 1
                self.history.append(op)
        stats["races of users on one new ref"] += sum(len(users) > 1 for users in racing.values())


@dataclass
class Outcomes:
    stats: Counter[str]
    failures: list[BaseException]
    error: BaseException | None  # what run_state_machine_as_test raised


def run_machine(database_url: str, machine_settings: settings) -> Outcomes:
    """Run the machine on its own event loop and pool; report what happened instead of raising."""
    loop = asyncio.new_event_loop()
    pool = loop.run_until_complete(db.create_pool(database_url, max_size=MAX_BATCH + 2))

    class Machine(LedgerMachine):
        pass

    Machine.loop, Machine.pool, Machine.stats, Machine.failures = loop, pool, Counter(), []
    error: BaseException | None = None
    try:
        run_state_machine_as_test(Machine, settings=machine_settings)
    except Exception as raised:
        error = raised
    finally:
        loop.run_until_complete(pool.close())
        loop.close()
    return Outcomes(Machine.stats, Machine.failures, error)


def machine_settings(max_examples: int, **more: Any) -> settings:
    return settings(
        max_examples=max_examples,
        stateful_step_count=BATCHES_PER_RUN,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        **more,
    )


def test_concurrent_operations_of_several_users_match_the_oracle(database_url: str) -> None:
    outcomes = run_machine(database_url, machine_settings(EXAMPLES))
    if outcomes.error is not None:
        raise outcomes.error
    stats = outcomes.stats
    summary = ", ".join(f"{name} {count}" for name, count in sorted(stats.items()))
    log.info("wallet property test: %s", summary)
    # Not a vacuous run: a fair share of operations did move money, every kind did at least once,
    # and the cases the test is for happened (users racing on one ref, refusals of each kind).
    assert stats["accepted"] >= 0.25 * stats["ops"], summary
    if EXAMPLES < 30:  # a quick run (WALLET_PROPERTY_EXAMPLES) is too short to meet every case
        return
    for kind in KINDS:
        assert stats[f"accepted {kind}"] > 0, f"no {kind} was ever accepted: {summary}"
    for refusal in ("IdempotencyConflict", "InsufficientFunds", "HoldNotActive", "NothingToRefund"):
        assert stats[f"refused {refusal}"] > 0, f"no {refusal}: {summary}"
    assert stats["conflicts across users"] > 0, summary
    assert stats["races of users on one new ref"] > 0, summary
