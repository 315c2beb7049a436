"""The local stack (make run's) on free ports, for tests that walk a person's whole path."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

from creativebot import wallet
from creativebot.db import Pool, create_pool
from infra.local.stack import LocalStack, StackConfig
from infra.local.telegram.client import ChatUser

T = TypeVar("T")

# What `make run` decides from the environment must not see the unit tests' fake values.
STACK_DECIDES = (
    "TELEGRAM_BOT_TOKEN",
    "TELEGRAM_API_BASE",
    "TELEGRAM_WEBHOOK_SECRET",
    "KIE_API_KEY",
    "KIE_API_BASE",
    "KIE_UPLOAD_BASE",
    "KIE_CALLBACK_SECRET",
    "PUBLIC_BASE_URL",
    "UPDATES_QUEUE_URL",
    "ADMIN_IDS",
)


@pytest.fixture
def stack_env() -> dict[str, str]:
    """Extra environment for the stack; a test module overrides this fixture to set bonuses etc."""
    return {}


@pytest.fixture
def stack(
    tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch, stack_env: dict[str, str]
) -> Iterator[LocalStack]:
    for name in STACK_DECIDES:
        monkeypatch.delenv(name, raising=False)
    for name, value in stack_env.items():
        monkeypatch.setenv(name, value)
    saved = dict(os.environ)
    config = StackConfig.ephemeral(
        tmp_path / "local",
        kie_waiting_sec=0.05,
        kie_generating_sec=0.2,
        webhook_retry_base=0.05,
        run_cron=False,
        queue_visibility_sec=2,
    )
    local = LocalStack(config)
    try:
        local.start()
        yield local
    finally:
        local.stop()
        os.environ.clear()
        os.environ.update(saved)


@pytest.fixture
def person(stack: LocalStack) -> Iterator[ChatUser]:
    """Анна, an ordinary user, chatting through the emulator's people API."""
    assert stack.emulator is not None
    user = ChatUser(stack.emulator.url, 100001, first_name="Анна", timeout=20)
    yield user
    user.close()


class Database:
    """Direct access to the stack's database, for a test's setup and checks (never instead of the bot)."""

    def __init__(self, url: str) -> None:
        self.url = url

    def run(self, work: Callable[[Pool], Awaitable[T]]) -> T:
        async def scoped() -> T:
            pool = await create_pool(self.url, max_size=2)
            try:
                return await work(pool)
            finally:
                await pool.close()

        return asyncio.run(scoped())

    def fetchval(self, query: str, *args: Any) -> Any:
        return self.run(lambda pool: pool.fetchval(query, *args))

    def execute(self, query: str, *args: Any) -> Any:
        return self.run(lambda pool: pool.execute(query, *args))

    def topup(self, user_id: int, kopecks: int) -> None:
        self.run(lambda pool: wallet.topup(pool, user_id, kopecks, f"test-topup:{user_id}:{kopecks}"))

    def balance(self, user_id: int) -> wallet.Balance:
        return self.run(lambda pool: wallet.balance_of(pool, user_id))


@pytest.fixture
def database(database_url: str) -> Database:
    return Database(database_url)
