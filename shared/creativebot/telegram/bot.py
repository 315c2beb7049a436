"""Building the Bot (pointed at TELEGRAM_API_BASE) and the Dispatcher with every router."""

from __future__ import annotations

from datetime import timedelta

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.utils.callback_answer import CallbackAnswerMiddleware

from creativebot.config import TelegramSettings, WorkerSettings
from creativebot.db import Pool
from creativebot.kie.client import KieClient
from creativebot.telegram import errors
from creativebot.telegram.fsm import PostgresStorage
from creativebot.telegram.middlewares import UserMiddleware
from creativebot.telegram.routers import build_routers

# A wizard left half-way is forgotten after a week; its draft with it.
FSM_TTL = timedelta(days=7)


def build_bot(settings: TelegramSettings) -> Bot:
    session = AiohttpSession(api=TelegramAPIServer.from_base(settings.telegram_api_base))
    return Bot(
        settings.telegram_bot_token.get_secret_value(),
        session=session,
        default=DefaultBotProperties(parse_mode=ParseMode.HTML, link_preview_is_disabled=True),
    )


def build_dispatcher(pool: Pool, settings: WorkerSettings, kie: KieClient) -> Dispatcher:
    dispatcher = Dispatcher(
        storage=PostgresStorage(pool, state_ttl=FSM_TTL, data_ttl=FSM_TTL),
        pool=pool,
        settings=settings,
        kie=kie,
    )
    dispatcher.update.outer_middleware(UserMiddleware(pool))
    # Answer every button press before its handler runs, so the spinner stops even if work is slow.
    dispatcher.callback_query.middleware(CallbackAnswerMiddleware(pre=True))
    dispatcher.include_router(errors.build_router())
    dispatcher.include_routers(*build_routers())
    return dispatcher
