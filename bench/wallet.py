"""Wallet operations per second on the local PostgreSQL, with 50 concurrent users.

Each user runs rounds of hold -> charge (a paid generation) with a top-up now and then, each operation
its own transaction with the wallet row locked, as in production. A second run puts all 50 on ONE
wallet, the worst case for the row lock.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from creativebot import db, wallet

USERS = 50
ROUNDS = 40  # per user: hold + charge, plus a top-up every 10 rounds


@dataclass(frozen=True)
class Figures:
    operations: int
    seconds: float

    @property
    def per_second(self) -> float:
        return self.operations / self.seconds


async def _user_rounds(pool: db.Pool, user_id: int, tag: str) -> int:
    operations = 0
    for i in range(ROUNDS):
        if i % 10 == 0:
            await wallet.topup(pool, user_id, 10_000, f"bench-{tag}-topup-{user_id}-{i}")
            operations += 1
        ref = f"bench-{tag}-job-{user_id}-{i}"
        await wallet.hold(pool, user_id, 100, ref)
        await wallet.charge(pool, user_id, ref)
        operations += 2
    return operations


async def run(dsn: str, *, shared_wallet: bool) -> Figures:
    pool = await db.create_pool(dsn, max_size=20)
    tag = "shared" if shared_wallet else "own"
    try:
        ids = [1] * USERS if shared_wallet else list(range(1, USERS + 1))
        await pool.executemany(
            "INSERT INTO users (id) VALUES ($1) ON CONFLICT DO NOTHING", [(i,) for i in set(ids)]
        )
        started = time.perf_counter()
        counts = await asyncio.gather(*(_user_rounds(pool, user, f"{tag}{n}") for n, user in enumerate(ids)))
        elapsed = time.perf_counter() - started
        assert await wallet.verify_wallet_invariants(pool) == []
    finally:
        await pool.close()
    return Figures(sum(counts), elapsed)
