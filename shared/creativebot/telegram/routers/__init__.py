"""The bot's routers, in the order aiogram tries them: commands, features, then the fallbacks."""

from __future__ import annotations

from aiogram import Router

from creativebot.telegram.routers import (
    admin,
    common,
    fallback,
    gallery,
    generate,
    money,
    payments_admin,
    progress,
    promo,
    results,
    settings,
    support,
    voices,
)


def build_routers() -> list[Router]:
    return [
        common.build_router(),
        admin.build_router(),
        promo.build_router(),
        money.build_router(),
        payments_admin.build_router(),
        support.build_router(),
        settings.build_router(),
        gallery.build_router(),
        progress.build_router(),
        voices.build_router(),
        generate.build_router(),
        results.build_router(),
        fallback.build_router(),
    ]
