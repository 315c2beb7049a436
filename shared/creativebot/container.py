"""One event loop for a Lambda container's life: what is built on it (pools, clients) survives warm starts."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

from creativebot import db

T = TypeVar("T")


class ContainerLoop:
    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()

    def run(self, work: Coroutine[Any, Any, T]) -> T:
        return self.loop.run_until_complete(work)

    async def aclose(self) -> None:
        await db.close_pool()

    def close(self) -> None:
        self.run(self.aclose())
        self.loop.close()
