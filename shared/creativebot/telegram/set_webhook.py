"""Point Telegram at our webhook and publish the bot's profile: ``python -m creativebot.telegram.set_webhook``.

- setWebhook: PUBLIC_BASE_URL + /telegram/webhook, the secret TELEGRAM_WEBHOOK_SECRET, and allowed_updates
  listing exactly the update types our routers handle.
- setMyCommands, setMyDescription and setMyShortDescription in Russian and English, and once more without
  a language code (Russian) for everyone else; the texts live in ``creativebot.texts.profile``.

Settings come through the functions' own loader: the environment first, then the JSON secret named by
APP_SECRETS_ID. That secret is read in ``--region``, else AWS_REGION or AWS_DEFAULT_REGION, else the
region inside an APP_SECRETS_ID that is an ARN.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from dataclasses import dataclass

from aiogram import Bot, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.types import BotCommand, WebhookInfo

from creativebot.config import SECRETS_ID_ENV, BotAdminSettings, ConfigError, get_settings
from creativebot.telegram import errors
from creativebot.telegram.bot import build_bot
from creativebot.telegram.routers import build_routers
from creativebot.texts.profile import FALLBACK, PROFILES, ProfileCopy

WEBHOOK_PATH = "/telegram/webhook"


@dataclass(frozen=True)
class Outcome:
    webhook: WebhookInfo
    profiles: list[str]  # the language codes registered, "default" for the fallback


def used_update_types() -> list[str]:
    root = Router(name="root")
    root.include_router(errors.build_router())
    root.include_routers(*build_routers())
    # The webhook answers pre-checkout queries in its HTTP reply (creativebot.ingest); no router handles
    # them, yet Telegram must keep sending them.
    return sorted({*root.resolve_used_update_types(), "pre_checkout_query"})


def use_region(region: str | None) -> None:
    """Make boto3 (Secrets Manager) work in one region, or explain why no region is known.

    Without this, a shell that sets only APP_SECRETS_ID gets botocore's NoRegionError.
    """
    secret_id = os.environ.get(SECRETS_ID_ENV, "")
    arn_parts = secret_id.split(":")
    arn_region = arn_parts[3] if secret_id.startswith("arn:") and len(arn_parts) > 3 else ""
    chosen = region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or arn_region
    if chosen:
        os.environ["AWS_REGION"] = chosen
        os.environ["AWS_DEFAULT_REGION"] = chosen
    elif secret_id:
        raise ConfigError(
            f"{SECRETS_ID_ENV} is set but no AWS region is: pass --region (make ... REGION=eu-central-1) "
            "or set AWS_REGION"
        )


async def set_profile(bot: Bot) -> list[str]:
    """Commands, description and short description per language, then the fallback; returns what was set."""
    targets: list[tuple[ProfileCopy, str | None]] = [(copy, copy.lang) for copy in PROFILES]
    targets.append((FALLBACK, None))
    for copy, language_code in targets:
        await bot.set_my_commands(
            [BotCommand(command=command, description=text) for command, text in copy.commands()],
            language_code=language_code,
        )
        await bot.set_my_description(description=copy.description, language_code=language_code)
        await bot.set_my_short_description(
            short_description=copy.short_description, language_code=language_code
        )
    return [language_code or "default" for _copy, language_code in targets]


async def set_webhook(settings: BotAdminSettings, *, drop_pending_updates: bool = False) -> Outcome:
    assert settings.app.public_base_url is not None  # BotAdminSettings requires it
    bot = build_bot(settings.telegram)
    try:
        await bot.set_webhook(
            settings.app.public_base_url + WEBHOOK_PATH,
            secret_token=settings.telegram.telegram_webhook_secret.get_secret_value(),
            allowed_updates=used_update_types(),
            drop_pending_updates=drop_pending_updates,
        )
        profiles = await set_profile(bot)
        return Outcome(webhook=await bot.get_webhook_info(), profiles=profiles)
    finally:
        await bot.session.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--drop-pending-updates", action="store_true", help="discard updates Telegram holds")
    parser.add_argument("--region", help="AWS region of the APP_SECRETS_ID secret (default: AWS_REGION)")
    args = parser.parse_args(argv)
    try:
        use_region(args.region)
        outcome = asyncio.run(
            set_webhook(get_settings(BotAdminSettings), drop_pending_updates=args.drop_pending_updates)
        )
    except ConfigError as exc:
        sys.stderr.write(f"{exc}\n")
        return 1
    except TelegramAPIError as exc:
        sys.stderr.write(f"Telegram refused: {exc}\n")
        return 1
    info = outcome.webhook
    sys.stdout.write(
        f"webhook: {info.url}\nallowed updates: {', '.join(info.allowed_updates or [])}\n"
        f"pending updates: {info.pending_update_count}\n"
        f"commands, description and short description: {', '.join(outcome.profiles)}\n"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
