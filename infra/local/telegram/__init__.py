"""The Telegram emulator: a Bot API server and a chat page on loopback (see emulator.py)."""

from __future__ import annotations

from aiohttp import web

from infra.local.servers import BackgroundServer, ServedApp
from infra.local.telegram.emulator import FIRST_UPDATE_ID, TelegramEmulator
from infra.local.telegram.ratelimit import RateLimits
from infra.local.telegram.webapp import build_app


class EmulatorServer(ServedApp):
    """The emulator served from a background thread: ``start()`` returns the base URL."""

    def __init__(
        self,
        bot_token: str,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        admin_ids: tuple[int, ...] = (),
        webhook_retry_base: float = 1.0,
        webhook_retry_cap: float = 60.0,
        first_update_id: int = FIRST_UPDATE_ID,
        rate_limits: RateLimits | None = None,
    ) -> None:
        self.emulator = TelegramEmulator(
            bot_token,
            webhook_retry_base=webhook_retry_base,
            webhook_retry_cap=webhook_retry_cap,
            first_update_id=first_update_id,
            rate_limits=rate_limits,
        )
        self.admin_ids = admin_ids
        self.server = BackgroundServer(self._app, host=host, port=port, name="telegram-emulator")

    async def _app(self) -> web.Application:
        self.emulator.public_url = self.server.url
        return build_app(self.emulator, admin_ids=self.admin_ids)


__all__ = ["FIRST_UPDATE_ID", "EmulatorServer", "RateLimits", "TelegramEmulator"]
