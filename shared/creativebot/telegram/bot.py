"""Building the Bot (pointed at TELEGRAM_API_BASE) and the Dispatcher with every router."""

from __future__ import annotations

from datetime import timedelta

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.base import BaseSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.methods import TelegramMethod
from aiogram.methods.base import TelegramType

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


def build_dispatcher(pool: Pool, settings: WorkerSettings, kie: KieClient) -> Dispatcher:
    """Routers and middlewares, built once per container. Per update, ``dispatch`` passes the update's
    connection (``db``) and user; ``settings`` and ``kie`` are the container's."""
    dispatcher = Dispatcher(
        storage=PostgresStorage(pool, state_ttl=FSM_TTL, data_ttl=FSM_TTL), settings=settings, kie=kie
    )
    dispatcher.update.outer_middleware(Services(settings, kie))
    dispatcher.callback_query.middleware(AnswerPress())
    dispatcher.include_router(errors.build_router())
    dispatcher.include_routers(*build_routers())
    return dispatcher
