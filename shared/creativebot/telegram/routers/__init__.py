"""The bot's routers, in the order aiogram tries them: commands, features, then the fallbacks."""

from __future__ import annotations

from aiogram import Router

from creativebot.telegram.routers import admin, common, fallback, generate, money


def build_routers() -> list[Router]:
    return [
        common.build_router(),
        admin.build_router(),
        money.build_router(),
        generate.build_router(),
        fallback.build_router(),
    ]
