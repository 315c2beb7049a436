"""The worker's engine: one event loop per container, with the pool, Bot and Dispatcher built on it once.

``handle_record`` is the sync record handler that Powertools' SqsFifoPartialProcessor calls: it binds
the record's correlation id, routes by the ``kind`` attribute and runs the work on the container's loop.
Raising fails the record (SQS retries it, then parks it in the DLQ); returning means done.
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable

from aiogram import Bot, Dispatcher
from aiogram.client.session.base import BaseSession
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from creativebot import budget, db, queue
from creativebot.admin.sending import handle_broadcast
from creativebot.config import WorkerSettings, get_settings
from creativebot.container import ContainerLoop
from creativebot.kie.client import KieClient
from creativebot.observability import bind_cid, log_event, logger
from creativebot.telegram.bot import bind, build_bot, routed_dispatcher
from creativebot.telegram.delivery import deliver
from creativebot.telegram.dispatch import UpdateBusy, dispatch
from creativebot.telegram.errors import is_infrastructure_error
from creativebot.telegram.routers.progress import apply_edit
from creativebot.telegram.screens import notify


class UnknownKind(Exception):
    """A message kind this worker does not handle; the record fails and ends in the DLQ."""


class Runtime(ContainerLoop):
    """Everything a warm container reuses: the loop and what lives on it."""

    def __init__(self) -> None:
        super().__init__()
        self.settings: WorkerSettings | None = None
        self.pool: db.Pool | None = None
        self.bot: Bot | None = None
        self.kie: KieClient | None = None
        self.dispatcher: Dispatcher | None = None
        # Tests and the benchmark answer Bot API calls in memory instead of over HTTP.
        self.bot_session: BaseSession | None = None

    async def start(self) -> None:
        if self.dispatcher is not None:
            return
        self.settings = get_settings(WorkerSettings)
        self.pool = await db.get_pool()
        self.bot = build_bot(self.settings.telegram, self.bot_session)
        self.kie = KieClient(self.settings.kie)
        self.dispatcher = bind(take_prebuilt() or routed_dispatcher(), self.pool, self.settings, self.kie)

    async def aclose(self) -> None:
        if self.bot is not None:
            await self.bot.session.close()
        if self.kie is not None:
            await self.kie.aclose()
        await super().aclose()


_runtime: Runtime | None = None
# Routers and middlewares built before a SnapStart snapshot (creativebot.snapstart); the first runtime
# after the restore binds its pool, settings and client to it.
_prebuilt: Dispatcher | None = None


def prebuild() -> None:
    global _prebuilt  # noqa: PLW0603 - one per container, like the runtime
    if _prebuilt is None:
        _prebuilt = routed_dispatcher()


def take_prebuilt() -> Dispatcher | None:
    global _prebuilt
    prebuilt, _prebuilt = _prebuilt, None
    return prebuilt


def get_runtime() -> Runtime:
    global _runtime  # noqa: PLW0603 - one runtime per container is the point
    if _runtime is None:
        _runtime = Runtime()
    return _runtime


def reset_runtime() -> None:
    """Close and forget the container's runtime (tests; the local stack's shutdown)."""
    global _runtime  # noqa: PLW0603
    if _runtime is not None:
        _runtime.close()
        _runtime = None


async def handle_telegram_update(runtime: Runtime, body: str, cid: str) -> None:
    assert runtime.pool is not None and runtime.bot is not None and runtime.dispatcher is not None
    await dispatch(runtime.pool, runtime.bot, runtime.dispatcher, body, cid)


async def handle_delivery(runtime: Runtime, body: str, cid: str) -> None:
    assert runtime.pool is not None and runtime.bot is not None and runtime.settings is not None
    job_id = int(json.loads(body)["job_id"])
    logger.append_keys(job_id=job_id)
    settings = runtime.settings
    await deliver(
        runtime.pool,
        runtime.bot,
        job_id,
        timeout_min=settings.app.job_timeout_min,
        fetch_policy=settings.fetch.policy,
        fetch_deadline_sec=settings.fetch.fetch_deadline_sec,
    )


async def handle_notice(runtime: Runtime, body: str, cid: str) -> None:
    """A message another function wrote for someone (an expired payment, an operator alert)."""
    assert runtime.bot is not None
    notice = json.loads(body)
    await notify(runtime.bot, int(notice["chat_id"]), str(notice["text"]), silent=bool(notice.get("silent")))


async def handle_edit(runtime: Runtime, body: str, cid: str) -> None:
    """An edit of a message the bot sent, written by a function without a Bot (cron's progress)."""
    assert runtime.pool is not None and runtime.bot is not None
    await apply_edit(runtime.pool, runtime.bot, body)


RecordWork = Callable[[Runtime, str, str], Awaitable[None]]

HANDLERS: dict[str, RecordWork] = {
    queue.KIND_TELEGRAM_UPDATE: handle_telegram_update,
    queue.KIND_DELIVER: handle_delivery,
    queue.KIND_NOTICE: handle_notice,
    queue.KIND_BROADCAST: handle_broadcast,
    queue.KIND_EDIT: handle_edit,
}


async def _process(runtime: Runtime, kind: str, body: str, cid: str) -> None:
    await runtime.start()
    work = HANDLERS.get(kind)
    if work is None:
        raise UnknownKind(f"no handler for message kind {kind!r}")
    await work(runtime, body, cid)


def _attribute(record: SQSRecord, name: str) -> str | None:
    # Not .get(): only [] wraps the raw dict in SQSMessageAttribute.
    attribute = record.message_attributes[name] if name in record.message_attributes else None  # noqa: SIM401
    return attribute.string_value if attribute is not None else None


def handle_record(record: SQSRecord, lambda_context: LambdaContext | None = None) -> None:
    """Powertools' record handler: process one SQS record on the container's event loop, every
    outbound call bounded by the invocation's remaining time."""
    kind = _attribute(record, "kind") or "missing"
    cid = bind_cid(_attribute(record, "cid"))
    logger.append_keys(kind=kind, message_id=record.message_id)
    started = time.monotonic()
    remaining = lambda_context.get_remaining_time_in_millis() if lambda_context is not None else None
    try:
        with budget.invocation(remaining):
            get_runtime().run(_process(get_runtime(), kind, record.body, cid))
    except Exception as exc:
        log_event(
            "DISPATCH_FAIL",
            level="error",
            exc_info=not isinstance(exc, (UnknownKind, UpdateBusy)),
            duration_ms=round((time.monotonic() - started) * 1000),
            error=type(exc).__name__,
            infrastructure=is_infrastructure_error(exc),
        )
        raise
    else:
        log_event("DISPATCH_OK", duration_ms=round((time.monotonic() - started) * 1000))
    finally:
        logger.remove_keys(["update_id", "job_id", "kind", "message_id", "screens"])
