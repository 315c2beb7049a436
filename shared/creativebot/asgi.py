"""Serving a FastAPI app from Lambda through Mangum, on one event loop kept for the container's life.

Mangum runs each request on the thread's current event loop. Pinning our own loop there before every
call keeps whatever was created on it (the asyncpg pool, HTTP clients) usable across warm invocations,
whoever else touched the thread's loop in between.
"""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import FastAPI
from mangum import Mangum


class LambdaAsgi:
    def __init__(self, app: FastAPI) -> None:
        self.loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self.loop)
        self.mangum = Mangum(app, lifespan="off")

    def __call__(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        asyncio.set_event_loop(self.loop)
        response: dict[str, Any] = self.mangum(event, context)
        return response

    def close(self) -> None:
        """Close what lives on the loop, then the loop (tests; a container never needs it)."""
        from creativebot.db import close_pool  # noqa: PLC0415 - the webhook must not import asyncpg

        self.loop.run_until_complete(close_pool())
        self.loop.close()
