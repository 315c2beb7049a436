"""Telegram webhook: check the secret header, enqueue the update, answer 200. No aiogram, no database.

A pre-checkout query is answered in the reply itself (answerPreCheckoutQuery), never queued.
"""

from __future__ import annotations

import platform
import re
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from creativebot import __version__, diagnostics, ingest, queue
from creativebot.asgi import LambdaAsgi
from creativebot.config import ConfigError, WebhookSettings, get_settings
from creativebot.observability import configure_logging, log_event, logger, metrics

configure_logging()
_DIGITS = re.compile(r"[0-9]+", re.ASCII)
app = FastAPI(title="Creative Bot webhook", version=__version__, docs_url=None, redoc_url=None)


def _error(status: int, reason: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"ok": False, "error": reason}, status_code=status, headers=headers)


@app.exception_handler(ConfigError)
async def _misconfigured(_request: Request, exc: ConfigError) -> JSONResponse:
    log_event("CONFIG_INVALID", level="error", detail=str(exc))
    return _error(503, "service is misconfigured", {"Retry-After": "60"})


@app.post("/telegram/webhook")
async def telegram_webhook(request: Request) -> JSONResponse:
    settings = get_settings(WebhookSettings)
    if _declared_length(request.headers.get("content-length")) > ingest.MAX_BODY_BYTES:
        # Checked before reading, so an oversized body is never buffered; the secret is checked first.
        if ingest.secret_matches(
            request.headers.get(ingest.SECRET_HEADER),
            settings.telegram.telegram_webhook_secret.get_secret_value(),
        ):
            return _error(413, f"body is larger than {ingest.MAX_BODY_BYTES // 1024} KiB")
        return _error(401, "secret token header is missing or wrong")
    try:
        update = ingest.accept_update(
            await request.body(), request.headers.get(ingest.SECRET_HEADER), settings
        )
    except ingest.RejectedUpdate as rejected:
        return _error(rejected.status, rejected.reason)
    except queue.QUEUE_ERRORS:
        metrics.add_metric(name="EnqueueFailed", unit="Count", value=1)
        return _error(503, "queue unavailable, retry later", {"Retry-After": "5"})
    if update.reply is not None:
        # Telegram executes a Bot API call found in a 2xx webhook reply (answerPreCheckoutQuery here).
        metrics.add_metric(name="PreCheckoutAnswered", unit="Count", value=1)
        return JSONResponse(update.reply)
    metrics.add_metric(name="UpdatesReceived", unit="Count", value=1)
    return JSONResponse({"ok": True})


def _declared_length(value: str | None) -> int:
    """Content-Length as a number; 0 when absent or not plain ASCII digits (the body is measured anyway)."""
    if value is None or not _DIGITS.fullmatch(value):
        return 0
    return int(value) if len(value) <= 18 else 10**18


@app.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


@app.get("/version")
async def version(request: Request) -> dict[str, Any]:
    settings = get_settings(WebhookSettings)
    context = request.scope.get("aws.context")
    return {
        "version": __version__,
        "git_sha": settings.app.git_sha,
        "python": platform.python_version(),
        "function": getattr(context, "function_name", "local"),
    }


@app.get("/diagnostics", response_model=None)
async def diagnostics_report(request: Request) -> dict[str, Any] | JSONResponse:
    settings = get_settings(WebhookSettings)
    if not diagnostics.token_allows(request.headers.get(diagnostics.DIAGNOSTICS_HEADER), settings):
        return _error(403, "a valid X-Diagnostics-Token header is required")
    return await diagnostics.collect(settings)


asgi_handler = LambdaAsgi(app)


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics(capture_cold_start_metric=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    response: dict[str, Any] = asgi_handler(event, context)
    return response
