"""One ASGI app for the local HTTP server: /kie/* goes to the KIE callback app, the rest to the webhook app.

Both apps are served unchanged, the same objects Mangum serves on Lambda.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def combined_app() -> ASGIApp:
    from functions.kie_callback.app import app as callback_app  # noqa: PLC0415 - env must be final first
    from functions.webhook.app import app as webhook_app  # noqa: PLC0415

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        target = callback_app if str(scope.get("path", "")).startswith("/kie/") else webhook_app
        await target(scope, receive, send)

    return app
