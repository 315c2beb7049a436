"""Run an aiohttp application on its own event loop in a background thread (emulator, fake KIE)."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Awaitable, Callable, Coroutine
from concurrent.futures import Future
from typing import Any, TypeVar

from aiohttp import web

T = TypeVar("T")


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


class BackgroundServer:
    """An aiohttp app served from a daemon thread; ``start()`` returns its base URL."""

    def __init__(
        self,
        make_app: Callable[[], Awaitable[web.Application]],
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        name: str = "server",
    ) -> None:
        self._make_app = make_app
        self.host = host
        self.port = port or free_port(host)
        self.name = name
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._serve, name=name, daemon=True)
        self._ready = threading.Event()
        self._runner: web.AppRunner | None = None
        self._error: BaseException | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> str:
        self._thread.start()
        self._ready.wait(timeout=15)
        if self._error is not None:
            raise RuntimeError(f"{self.name} failed to start") from self._error
        return self.url

    def _serve(self) -> None:
        asyncio.set_event_loop(self.loop)
        try:
            self.loop.run_until_complete(self._setup())
        except BaseException as exc:  # reported to start()
            self._error = exc
            self._ready.set()
            return
        self._ready.set()
        self.loop.run_forever()

    async def _setup(self) -> None:
        app = await self._make_app()
        self._runner = web.AppRunner(app, access_log=None, handler_cancellation=True)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port, reuse_address=True)
        await site.start()

    def call(self, work: Coroutine[Any, Any, T], timeout: float = 30) -> T:
        """Run a coroutine on the server's loop from another thread and wait for its result."""
        future: Future[T] = asyncio.run_coroutine_threadsafe(work, self.loop)
        return future.result(timeout)

    def stop(self) -> None:
        if not self._thread.is_alive():
            return
        if self._runner is not None:
            self.call(self._runner.cleanup())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=10)
        self.loop.close()


class ServedApp:
    """Something served by a BackgroundServer (the emulator, the fake KIE): url, start, stop."""

    server: BackgroundServer

    @property
    def url(self) -> str:
        return self.server.url

    def start(self) -> str:
        return self.server.start()

    def stop(self) -> None:
        self.server.stop()
