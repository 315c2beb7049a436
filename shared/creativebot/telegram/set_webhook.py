"""Point Telegram at our webhook: ``python -m creativebot.telegram.set_webhook [--drop-pending-updates]``.

The URL is PUBLIC_BASE_URL + /telegram/webhook, the secret is TELEGRAM_WEBHOOK_SECRET, and
allowed_updates lists exactly the update types our routers handle.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from aiogram import Router
from aiogram.types import WebhookInfo

from creativebot.config import BotAdminSettings, ConfigError, get_settings
from creativebot.telegram import errors
from creativebot.telegram.bot import build_bot
from creativebot.telegram.routers import build_routers

WEBHOOK_PATH = "/telegram/webhook"


def used_update_types() -> list[str]:
    root = Router(name="root")
    root.include_router(errors.build_router())
    root.include_routers(*build_routers())
    return sorted(root.resolve_used_update_types())


async def set_webhook(settings: BotAdminSettings, *, drop_pending_updates: bool = False) -> WebhookInfo:
    assert settings.app.public_base_url is not None  # BotAdminSettings requires it
    bot = build_bot(settings.telegram)
    try:
        await bot.set_webhook(
            settings.app.public_base_url + WEBHOOK_PATH,
            secret_token=settings.telegram.telegram_webhook_secret.get_secret_value(),
            allowed_updates=used_update_types(),
            drop_pending_updates=drop_pending_updates,
        )
        return await bot.get_webhook_info()
    finally:
        await bot.session.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--drop-pending-updates", action="store_true", help="discard updates Telegram holds")
    args = parser.parse_args(argv)
    try:
        info = asyncio.run(
            set_webhook(get_settings(BotAdminSettings), drop_pending_updates=args.drop_pending_updates)
        )
    except ConfigError as exc:
        sys.stderr.write(f"{exc}\n")
        return 1
    sys.stdout.write(
        f"webhook: {info.url}\nallowed updates: {', '.join(info.allowed_updates or [])}\n"
        f"pending updates: {info.pending_update_count}\n"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
