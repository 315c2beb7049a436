"""Building the Bot (pointed at TELEGRAM_API_BASE) and the Dispatcher with every router."""

from __future__ import annotations

from datetime import timedelta
from functools import cache
from typing import cast

from aiogram import Bot, Dispatcher, methods
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.base import BaseSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.methods import TelegramMethod
from aiogram.methods.base import Response, TelegramType

from creativebot import budget
from creativebot.config import TelegramSettings, WorkerSettings
from creativebot.db import Pool
from creativebot.kie.client import KieClient
from creativebot.telegram import errors
from creativebot.telegram.fsm import PostgresStorage
from creativebot.telegram.middlewares import AnswerPress, Services
from creativebot.telegram.routers import build_routers

# A wizard left half-way is forgotten after a week; its draft with it.
FSM_TTL = timedelta(days=7)


@cache
def pin_response_types() -> tuple[type, ...]:
    """aiogram reads every answer as ``Response[<the method's result>]``. pydantic keeps such a generic
    class only while something refers to it, so without these references it rebuilds them (milliseconds
    each) on many updates; held here, each is built once per container (in the SnapStart snapshot)."""
    return tuple(
        Response[method.__returning__]  # type: ignore[name-defined]
        for method in vars(methods).values()
        if isinstance(method, type) and issubclass(method, TelegramMethod) and method is not TelegramMethod
    )


class BudgetedSession(AiohttpSession):
    """Every Bot API request ends within the invocation's time budget (creativebot.budget)."""

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[TelegramType],
        timeout: int | None = None,  # noqa: ASYNC109 - aiogram's signature
    ) -> TelegramType:
        limit = budget.timeout(float(timeout if timeout is not None else self.timeout))
        return await super().make_request(bot, method, timeout=limit)  # type: ignore[arg-type]


def build_bot(settings: TelegramSettings, session: BaseSession | None = None) -> Bot:
    session = session or BudgetedSession(api=TelegramAPIServer.from_base(settings.telegram_api_base))
    return Bot(
        settings.telegram_bot_token.get_secret_value(),
        session=session,
        default=DefaultBotProperties(parse_mode=ParseMode.HTML, link_preview_is_disabled=True),
    )


def routed_dispatcher() -> Dispatcher:
    """Routers and middlewares, with no pool, settings or client: what a SnapStart snapshot may hold."""
    pin_response_types()
    dispatcher = Dispatcher(storage=PostgresStorage(state_ttl=FSM_TTL, data_ttl=FSM_TTL))
    dispatcher.update.outer_middleware(Services())
    dispatcher.callback_query.middleware(AnswerPress())
    dispatcher.include_router(errors.build_router())
    dispatcher.include_routers(*build_routers())
    return dispatcher


def bind(dispatcher: Dispatcher, pool: Pool, settings: WorkerSettings, kie: KieClient) -> Dispatcher:
    """Give a routed dispatcher the container's pool, settings and KIE client (after a restore). Per
    update, ``dispatch`` passes the update's connection (``db``) and user."""
    cast(PostgresStorage, dispatcher.fsm.storage).bind(pool)
    dispatcher["settings"] = settings
    dispatcher["kie"] = kie
    return dispatcher


def build_dispatcher(pool: Pool, settings: WorkerSettings, kie: KieClient) -> Dispatcher:
    return bind(routed_dispatcher(), pool, settings, kie)
