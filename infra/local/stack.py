"""The whole bot on one machine: the same handlers as on AWS, with embedded or emulated parts.

PostgreSQL (pgserver) unless DATABASE_URL is set; SQS on moto's server unless UPDATES_QUEUE_URL is set;
the Telegram emulator unless TELEGRAM_BOT_TOKEN or TELEGRAM_API_BASE is set (a real token without a
public URL gets a long-polling bridge); the fake KIE unless KIE_API_KEY or KIE_API_BASE is set.
One HTTP server serves the webhook and KIE-callback apps unchanged; a worker loop plays Lambda's SQS
event source mapping and a cron loop plays EventBridge Scheduler.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import secrets
import threading
import time
from collections.abc import MutableMapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import boto3
import httpx

from infra.local.esm import EventSourceMapping, LocalContext
from infra.local.lambda_events import scheduler_event
from infra.local.postgres import ensure_database, start_embedded
from infra.local.servers import free_port
from infra.local.sqs import create_fifo_queues

log = logging.getLogger("creativebot.local")

EMULATOR_TOKEN = "5000000001:local-emulator-token-not-a-secret"  # noqa: S105 - only the emulator accepts it
FAKE_KIE_KEY = "local-fake-kie-key"
REGION = "eu-central-1"
DEFAULT_ADMIN = "100002"


@dataclass
class StackConfig:
    port: int = 8080
    emulator_port: int = 8081
    kie_port: int = 8082
    sqs_port: int = 8083
    host: str = "127.0.0.1"
    data_dir: Path = Path(".local")
    kie_waiting_sec: float = 1.0
    kie_generating_sec: float = 4.0
    webhook_retry_base: float = 1.0
    worker_wait_sec: int = 1
    cron_interval_sec: float = 60.0
    run_cron: bool = True
    queue_visibility_sec: int = 30
    env: MutableMapping[str, str] = field(default_factory=lambda: os.environ)

    @classmethod
    def ephemeral(cls, data_dir: Path, **overrides: Any) -> StackConfig:
        """Every port free and chosen now: for tests and parallel stacks."""
        return cls(data_dir=data_dir, **overrides).on_free_ports()

    def on_free_ports(self) -> StackConfig:
        return replace(
            self, port=free_port(), emulator_port=free_port(), kie_port=free_port(), sqs_port=free_port()
        )


@dataclass
class Parts:
    """What runs, and which parts are real."""

    database: str = ""
    queue: str = ""
    telegram: str = ""
    kie: str = ""
    chat_url: str | None = None
    public_url: str = ""
    ready_sec: float = 0.0

    def summary(self) -> str:
        lines = [
            f"  PostgreSQL : {self.database}",
            f"  SQS        : {self.queue}",
            f"  Telegram   : {self.telegram}",
            f"  KIE        : {self.kie}",
            f"  HTTP       : {self.public_url}  (webhook, KIE callback, /health)",
        ]
        if self.chat_url:
            lines.append(f"\n  Chat page  : {self.chat_url}")
        return "\n".join(lines)


class LocalStack:
    def __init__(self, config: StackConfig) -> None:
        self.config = config
        self.env = config.env
        self.parts = Parts()
        self.stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._closers: list[Any] = []
        self.emulator: Any = None
        self.fake_kie: Any = None
        self._uvicorn: Any = None

    # --- configuration --------------------------------------------------------------------------

    def _secret(self, name: str, store: dict[str, str]) -> str:
        if self.env.get(name):
            return self.env[name]
        if name not in store:
            store[name] = secrets.token_urlsafe(24).replace("-", "_")
        self.env[name] = store[name]
        return store[name]

    def _load_secrets(self) -> dict[str, str]:
        path = self.config.data_dir / "secrets.json"
        stored: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
        for name in ("TELEGRAM_WEBHOOK_SECRET", "KIE_CALLBACK_SECRET", "DIAGNOSTICS_TOKEN"):
            self._secret(name, stored)
        path.write_text(json.dumps(stored, indent=2))
        path.chmod(0o600)
        return stored

    def _database(self) -> None:
        if self.env.get("DATABASE_URL"):
            self.parts.database = "DATABASE_URL (yours)"
            return
        server = start_embedded(self.config.data_dir / "pg")
        self._closers.append(server.cleanup)
        url = asyncio.run(ensure_database(server.get_uri(), "creativebot"))
        self.env["DATABASE_URL"] = url
        self.parts.database = f"embedded (pgserver), data in {self.config.data_dir / 'pg'}"

    def _queue(self) -> None:
        self.env.setdefault("AWS_REGION", REGION)
        if self.env.get("UPDATES_QUEUE_URL"):
            self.parts.queue = "UPDATES_QUEUE_URL (yours)"
            return
        from moto.server import ThreadedMotoServer  # noqa: PLC0415 - local-only dependency

        server = ThreadedMotoServer(ip_address=self.config.host, port=self.config.sqs_port, verbose=False)
        server.start()
        self._closers.append(server.stop)
        endpoint = f"http://{self.config.host}:{self.config.sqs_port}"
        for name, value in {
            "AWS_ENDPOINT_URL_SQS": endpoint,
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
        }.items():
            self.env[name] = value
        client = boto3.client("sqs", region_name=self.env["AWS_REGION"], endpoint_url=endpoint)
        # moto keeps its queues in the process, not in the server: a stack started after another one in the
        # same process (the tests) would find that stack's queues with their leftover messages.
        for queue_url in client.list_queues(QueueNamePrefix="updates").get("QueueUrls", []):
            client.delete_queue(QueueUrl=queue_url)
        url, _dlq = create_fifo_queues(client, visibility_sec=self.config.queue_visibility_sec)
        self.env["UPDATES_QUEUE_URL"] = url
        self.parts.queue = f"moto server on {endpoint} (updates.fifo + DLQ)"

    def _telegram(self, highest_update_id: int) -> None:
        if self.env.get("TELEGRAM_API_BASE"):
            self.parts.telegram = f"TELEGRAM_API_BASE {self.env['TELEGRAM_API_BASE']}"
            return
        if self.env.get("TELEGRAM_BOT_TOKEN"):
            self.parts.telegram = "real Telegram (api.telegram.org)"
            return
        from infra.local.telegram import FIRST_UPDATE_ID, EmulatorServer  # noqa: PLC0415

        admins = tuple(
            int(x) for x in self.env.setdefault("ADMIN_IDS", DEFAULT_ADMIN).split(",") if x.strip()
        )
        self.emulator = EmulatorServer(
            EMULATOR_TOKEN,
            host=self.config.host,
            port=self.config.emulator_port,
            admin_ids=admins,
            webhook_retry_base=self.config.webhook_retry_base,
            # The data outlives the emulator: an update id the bot already handled would be skipped.
            first_update_id=max(FIRST_UPDATE_ID, highest_update_id + 1),
        )
        self.emulator.start()
        self._closers.append(self.emulator.stop)
        self.env["TELEGRAM_BOT_TOKEN"] = EMULATOR_TOKEN
        self.env["TELEGRAM_API_BASE"] = self.emulator.url
        self.parts.telegram = f"emulator on {self.emulator.url}"
        self.parts.chat_url = self.emulator.url + "/"

    def _kie(self) -> None:
        if self.env.get("KIE_API_BASE") or self.env.get("KIE_API_KEY"):
            self.parts.kie = f"real KIE ({self.env.get('KIE_API_BASE', 'https://api.kie.ai')})"
            return
        from infra.local.kie import FakeKieServer  # noqa: PLC0415

        self.fake_kie = FakeKieServer(
            FAKE_KIE_KEY,
            host=self.config.host,
            port=self.config.kie_port,
            waiting_sec=self.config.kie_waiting_sec,
            generating_sec=self.config.kie_generating_sec,
        )
        self.fake_kie.start()
        self._closers.append(self.fake_kie.stop)
        for name in ("KIE_API_BASE", "KIE_UPLOAD_BASE"):
            self.env[name] = self.fake_kie.url
        self.env["KIE_API_KEY"] = FAKE_KIE_KEY
        # The fake serves its result files over http on loopback: the one host the fetch fence trusts.
        self.env["FETCH_ALLOWED_HTTP_HOSTS"] = urlsplit(self.fake_kie.url).netloc
        self.parts.kie = f"fake KIE on {self.fake_kie.url} (prompt keywords: [fail] [slow] [402] …)"

    # --- lifecycle ---------------------------------------------------------------------------------

    def start(self) -> Parts:
        started = time.monotonic()
        self.config.data_dir.mkdir(parents=True, exist_ok=True)
        self._load_secrets()
        self.env.setdefault("PUBLIC_BASE_URL", f"http://{self.config.host}:{self.config.port}")
        self.parts.public_url = self.env["PUBLIC_BASE_URL"]
        self._database()
        highest_update_id = asyncio.run(_migrate(self.env["DATABASE_URL"]))
        self._queue()
        self._telegram(highest_update_id)
        self._kie()

        from creativebot import queue  # noqa: PLC0415 - after the environment is final
        from creativebot.config import get_settings  # noqa: PLC0415

        # Caches built from another environment (an earlier stack in this process) must not survive.
        get_settings.cache_clear()
        queue.sqs_client.cache_clear()
        self._serve_http()
        self._connect_telegram()
        self._start_loop("worker", self._worker_loop)
        if self.config.run_cron:
            self._start_loop("cron", self._cron_loop)
        self.parts.ready_sec = time.monotonic() - started
        return self.parts

    def _serve_http(self) -> None:
        import uvicorn  # noqa: PLC0415

        from infra.local.http import combined_app  # noqa: PLC0415

        config = uvicorn.Config(
            combined_app(), host=self.config.host, port=self.config.port, log_level="warning", lifespan="off"
        )
        self._uvicorn = uvicorn.Server(config)
        thread = threading.Thread(target=self._uvicorn.run, name="http", daemon=True)
        thread.start()
        deadline = time.monotonic() + 15
        while not self._uvicorn.started and time.monotonic() < deadline:
            time.sleep(0.02)
        if not self._uvicorn.started:
            raise RuntimeError(f"the HTTP server did not start on port {self.config.port}")
        self._threads.append(thread)

    def _connect_telegram(self) -> None:
        from creativebot.config import BotAdminSettings, get_settings  # noqa: PLC0415
        from creativebot.telegram.set_webhook import set_webhook  # noqa: PLC0415

        public = self.env["PUBLIC_BASE_URL"]
        real_telegram = "TELEGRAM_API_BASE" not in self.env or self.parts.telegram.startswith("real")
        if real_telegram and not public.startswith("https://"):
            # No tunnel: poll Telegram and hand each update to our webhook, secret header and all.
            self._start_loop("telegram-bridge", self._polling_bridge)
            self.parts.telegram += ", long polling -> local webhook"
            return
        asyncio.run(set_webhook(get_settings(BotAdminSettings)))

    def _start_loop(self, name: str, target: Any) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def _worker_loop(self) -> None:
        from functions.worker import app as worker  # noqa: PLC0415

        mapping = EventSourceMapping(
            boto3.client(
                "sqs", region_name=self.env["AWS_REGION"], endpoint_url=self.env.get("AWS_ENDPOINT_URL_SQS")
            ),
            self.env["UPDATES_QUEUE_URL"],
            worker.handler,
            self.env["AWS_REGION"],
        )
        while not self.stopping.is_set():
            try:
                mapping.poll_once(wait_seconds=self.config.worker_wait_sec)
            except Exception:
                log.exception("worker loop: receive failed; retrying")
                self.stopping.wait(1.0)

    def run_cron_once(self) -> dict[str, Any]:
        from functions.cron import app as cron  # noqa: PLC0415

        result: dict[str, Any] = cron.handler(scheduler_event(), LocalContext("cron"))
        return result

    def _cron_loop(self) -> None:
        while not self.stopping.wait(self.config.cron_interval_sec):
            try:
                self.run_cron_once()
            except Exception:
                log.exception("cron loop: run failed")

    def _polling_bridge(self) -> None:
        token = self.env["TELEGRAM_BOT_TOKEN"]
        base = self.env.get("TELEGRAM_API_BASE", "https://api.telegram.org")
        webhook = f"http://{self.config.host}:{self.config.port}/telegram/webhook"
        headers = {"X-Telegram-Bot-Api-Secret-Token": self.env["TELEGRAM_WEBHOOK_SECRET"]}
        offset = 0
        with httpx.Client(timeout=40) as http:
            http.post(f"{base}/bot{token}/deleteWebhook")
            while not self.stopping.is_set():
                try:
                    reply = http.get(
                        f"{base}/bot{token}/getUpdates", params={"offset": offset, "timeout": 25}
                    ).json()
                    for update in reply.get("result", []):
                        while http.post(webhook, json=update, headers=headers).status_code >= 500:
                            self.stopping.wait(2.0)  # like Telegram: retry until our webhook takes it
                        offset = update["update_id"] + 1
                except httpx.HTTPError:
                    log.warning("telegram bridge: Telegram unreachable, retrying")
                    self.stopping.wait(3.0)

    def stop(self) -> None:
        self.stopping.set()
        if self._uvicorn is not None:
            self._uvicorn.should_exit = True
        for thread in self._threads:
            thread.join(timeout=15)
        with contextlib.suppress(Exception):
            from creativebot.worker import reset_runtime  # noqa: PLC0415

            reset_runtime()
        with contextlib.suppress(Exception):
            from functions.cron import app as cron  # noqa: PLC0415

            cron.container.run(cron.container.aclose())
        for close in reversed(self._closers):
            with contextlib.suppress(Exception):
                close()


async def _migrate(database_url: str) -> int:
    """Apply the migrations; return the newest Telegram update id the database has handled."""
    import asyncpg  # noqa: PLC0415

    from creativebot import updates  # noqa: PLC0415
    from creativebot.db.migrate import migrate  # noqa: PLC0415

    await migrate(database_url)
    conn = await asyncpg.connect(database_url)
    try:
        return await updates.highest_seen(conn)
    finally:
        await conn.close()
