"""Test rig: real PostgreSQL (embedded through pgserver, or DATABASE_URL), moto SQS, a Lambda context.

Every test starts from the same fake, clearly-not-real environment; no test can reach AWS, Telegram
or KIE (AWS calls go to moto, Telegram and KIE to loopback servers started by the tests).
"""

from __future__ import annotations

import asyncio
import os
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from urllib.parse import urlsplit

import boto3
import pytest
from moto import mock_aws

from creativebot import db, queue
from creativebot.config import CronSettings, get_settings
from creativebot.db.migrate import migrate
from creativebot.kie.client import KieClient
from creativebot.maintenance import CronContext
from creativebot.worker import reset_runtime
from infra.local.kie import FakeKieServer
from infra.local.postgres import drop_database, ensure_database, relax_durability, start_embedded
from infra.local.sqs import create_fifo_queues
from infra.local.telegram import EmulatorServer
from tests.helpers import REGION, FakeLambdaContext, Queues

# Read before any test touches the environment: an external server to use instead of pgserver.
_EXTERNAL_DATABASE_URL = os.environ.get("DATABASE_URL")

FAKE_ENV = {
    "TELEGRAM_BOT_TOKEN": "1234567:test-token-not-a-real-one-0000",
    "TELEGRAM_WEBHOOK_SECRET": "test-webhook-secret",
    "KIE_API_KEY": "test-kie-key-not-a-real-one",
    "KIE_CALLBACK_SECRET": "test-callback-secret-0123456789",
    "PUBLIC_BASE_URL": "https://bot.test.invalid",
    "AWS_REGION": REGION,
    "AWS_DEFAULT_REGION": REGION,
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "POWERTOOLS_TRACE_DISABLED": "1",
    "POWERTOOLS_METRICS_NAMESPACE": "CreativeBotTests",
    "POWERTOOLS_SERVICE_NAME": "creativebot",
}
# Variables a developer's shell may set that must not leak into a test.
_CLEARED_ENV = (
    "TELEGRAM_API_BASE",
    "KIE_API_BASE",
    "KIE_UPLOAD_BASE",
    "KIE_WEBHOOK_HMAC_KEY",
    "UPDATES_QUEUE_URL",
    "ADMIN_IDS",
    "DIAGNOSTICS_TOKEN",
    "APP_SECRETS_ID",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_SQS",
    "AWS_PROFILE",
    "DATABASE_URL",
    "WELCOME_BONUS_RUB",
    "REFERRAL_BONUS_RUB",
    "FETCH_ALLOWED_HTTP_HOSTS",
)


@pytest.fixture(scope="session", autouse=True)
def close_function_loops() -> Iterator[None]:
    """The functions keep one event loop per container; at the end of the run, close them cleanly."""
    yield
    for name in ("functions.webhook.app", "functions.kie_callback.app"):
        module = sys.modules.get(name)
        if module is not None:
            module.asgi_handler.close()
    cron = sys.modules.get("functions.cron.app")
    if cron is not None:
        cron.container.close()


@pytest.fixture(autouse=True)
def fake_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in _CLEARED_ENV:
        monkeypatch.delenv(name, raising=False)
    for name, value in FAKE_ENV.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


# --- PostgreSQL -------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def postgres_admin_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A server for this test process: DATABASE_URL's, or an embedded one of our own."""
    if _EXTERNAL_DATABASE_URL:
        yield _EXTERNAL_DATABASE_URL
        return
    server = start_embedded(tmp_path_factory.mktemp("pg"))
    url: str = server.get_uri()
    asyncio.run(relax_durability(url))
    yield url
    server.cleanup()


@pytest.fixture(scope="session")
def migrated_database_url(postgres_admin_url: str, worker_id: str) -> str:
    """One database per xdist worker, migrated once; tests share it and truncate between them."""
    url = asyncio.run(ensure_database(postgres_admin_url, f"cb_test_{worker_id}", recreate=True))
    asyncio.run(migrate(url))
    return url


async def _truncate_all(url: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        tables = await conn.fetch(
            "SELECT quote_ident(tablename) AS name FROM pg_tables "
            "WHERE schemaname = 'public' AND tablename <> 'schema_migrations'"
        )
        if tables:
            names = ", ".join(row["name"] for row in tables)
            await conn.execute(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
    finally:
        await conn.close()


@pytest.fixture
def database_url(migrated_database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """A migrated database with every table empty; DATABASE_URL points at it."""
    asyncio.run(_truncate_all(migrated_database_url))
    monkeypatch.setenv("DATABASE_URL", migrated_database_url)
    return migrated_database_url


@pytest.fixture
def empty_database_url(postgres_admin_url: str) -> Iterator[str]:
    """A brand-new database with no tables at all, dropped after the test."""
    name = f"cb_empty_{uuid.uuid4().hex[:12]}"
    url = asyncio.run(ensure_database(postgres_admin_url, name))
    yield url
    asyncio.run(drop_database(postgres_admin_url, name))


@pytest.fixture
async def pool(database_url: str) -> AsyncIterator[db.Pool]:
    """An asyncpg pool on the test's event loop (the same kind the functions use)."""
    created = await db.create_pool(database_url, max_size=10)
    yield created
    await created.close()


# --- SQS (moto) -------------------------------------------------------------------------------


@pytest.fixture
def sqs(monkeypatch: pytest.MonkeyPatch) -> Iterator[Queues]:
    """moto SQS with the FIFO updates queue and its DLQ; UPDATES_QUEUE_URL points at it."""
    # A client cached while a local stack ran points at that stack's endpoint: start from none.
    queue.sqs_client.cache_clear()
    with mock_aws():
        client = boto3.client("sqs", region_name=REGION)
        url, dlq_url = create_fifo_queues(client)
        monkeypatch.setenv("UPDATES_QUEUE_URL", url)
        yield Queues(client=client, url=url, dlq_url=dlq_url)
    queue.sqs_client.cache_clear()


# --- Lambda -----------------------------------------------------------------------------------


@pytest.fixture
def lambda_context() -> FakeLambdaContext:
    return FakeLambdaContext()


# --- Telegram emulator and the worker runtime ----------------------------------------------------


@pytest.fixture
def telegram(monkeypatch: pytest.MonkeyPatch) -> Iterator[EmulatorServer]:
    """The Telegram emulator on a free loopback port; TELEGRAM_API_BASE points at it."""
    server = EmulatorServer(FAKE_ENV["TELEGRAM_BOT_TOKEN"], webhook_retry_base=0.05, webhook_retry_cap=0.5)
    server.start()
    monkeypatch.setenv("TELEGRAM_API_BASE", server.url)
    yield server
    server.stop()


@pytest.fixture
def worker_runtime() -> Iterator[None]:
    """A fresh worker runtime for the test, closed afterwards (it caches settings, pool and Bot)."""
    reset_runtime()
    yield
    reset_runtime()


@pytest.fixture
def kie(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeKieServer]:
    """The fake KIE on a free loopback port, fast; KIE_API_BASE and KIE_UPLOAD_BASE point at it."""
    server = FakeKieServer(FAKE_ENV["KIE_API_KEY"], waiting_sec=0.05, generating_sec=0.15)
    server.start()
    monkeypatch.setenv("KIE_API_BASE", server.url)
    monkeypatch.setenv("KIE_UPLOAD_BASE", server.url)
    monkeypatch.setenv("FETCH_ALLOWED_HTTP_HOSTS", urlsplit(server.url).netloc)
    yield server
    server.stop()


@pytest.fixture
async def cron_context(pool: db.Pool, kie: FakeKieServer, sqs: Queues) -> AsyncIterator[CronContext]:
    """What a cron run works with: the pool, a KIE client on the fake, the callback function's settings."""
    settings = get_settings(CronSettings)
    async with KieClient(settings.kie) as client:
        yield CronContext(pool=pool, kie=client, settings=settings)
