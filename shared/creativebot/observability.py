"""Logging, metrics and tracing, built once per container, with secrets masked in every line.

Every log line that matters carries an ``event`` key (UPDATE_RECEIVED, DISPATCH_OK, …) and the
correlation id ``cid`` of the user action it belongs to, so one Logs Insights query by ``cid`` tells a
user's whole story across the four functions.
"""

from __future__ import annotations

import logging
import os
import re
import uuid
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Literal

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers

if TYPE_CHECKING:
    from aws_lambda_powertools import Tracer

SERVICE_NAME = "creativebot"
METRICS_NAMESPACE = "CreativeBot"

# Environment variables whose values must never reach a log line, whatever text they hide in.
SECRET_ENV_VARS = (
    "TELEGRAM_BOT_TOKEN",
    "TELEGRAM_WEBHOOK_SECRET",
    "KIE_API_KEY",
    "KIE_CALLBACK_SECRET",
    "KIE_WEBHOOK_HMAC_KEY",
    "DIAGNOSTICS_TOKEN",
)
REDACTED = "<redacted>"
_MIN_SECRET_LENGTH = 6  # shorter values would mask ordinary words

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # Bot API URLs carry the token in the path: https://api.telegram.org/bot<id>:<secret>/sendMessage
    (re.compile(r"bot\d+:[A-Za-z0-9_-]+"), "bot" + REDACTED),
    # A bare bot token anywhere else.
    (re.compile(r"\b\d{5,}:[A-Za-z0-9_-]{30,}\b"), REDACTED),
    # The password part of a PostgreSQL DSN.
    (re.compile(r"(?i)(postgres(?:ql)?://[^:/@\s]*:)[^@\s]+@"), r"\1" + REDACTED + "@"),
    # Authorization headers (the KIE key travels as a bearer token).
    (re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+"), r"\1" + REDACTED),
    # Per-job callback tokens and similar secrets in query strings.
    (re.compile(r"(?i)([?&](?:t|token|secret|secret_token)=)[^&\s\"']+"), r"\1" + REDACTED),
)

_registered_secrets: set[str] = set()


def register_secret(value: str | None) -> None:
    """Mask this exact value in every later log line (config calls it for each secret it loads)."""
    if value and len(value) >= _MIN_SECRET_LENGTH:
        _registered_secrets.add(value)
        if ":" in value and value.startswith(("postgres://", "postgresql://")):
            _registered_secrets.discard(value)  # DSNs are masked by pattern, keep only the password
            password = _dsn_password(value)
            if password and len(password) >= _MIN_SECRET_LENGTH:
                _registered_secrets.add(password)


def _dsn_password(dsn: str) -> str | None:
    match = re.match(r"(?i)postgres(?:ql)?://[^:/@\s]*:([^@\s]+)@", dsn)
    return match.group(1) if match else None


def redact(text: str) -> str:
    """Mask bot tokens, API keys, webhook and callback secrets and DSN passwords in ``text``."""
    secrets = set(_registered_secrets)
    for name in SECRET_ENV_VARS:
        value = os.environ.get(name)
        if value and len(value) >= _MIN_SECRET_LENGTH:
            secrets.add(value)
    dsn_password = _dsn_password(os.environ.get("DATABASE_URL", ""))
    if dsn_password and len(dsn_password) >= _MIN_SECRET_LENGTH:
        secrets.add(dsn_password)
    # Longest first, so a secret that contains another is masked whole.
    for secret in sorted(secrets, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, REDACTED)
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactingFormatter(LambdaPowertoolsFormatter):
    """Powertools' JSON formatter whose finished line (message, keys, traceback) goes through redact()."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


class RedactingFilter(logging.Filter):
    """For handlers we do not own (the Lambda runtime's root handler): mask message and traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = None
        if record.exc_info:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


logger = Logger(
    service=os.environ.get("POWERTOOLS_SERVICE_NAME", SERVICE_NAME), logger_formatter=RedactingFormatter()
)
metrics = Metrics(namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE", METRICS_NAMESPACE))

# Libraries whose own loggers must use our masked JSON format (httpx and aiohttp log request URLs).
_THIRD_PARTY_LOGGERS = {"aiogram", "aiohttp", "asyncpg", "botocore", "httpx", "httpcore", "uvicorn", "mangum"}


@lru_cache(maxsize=1)
def get_tracer() -> Tracer:
    """The X-Ray tracer; built on first use because importing its SDK costs ~0.3 s of cold start."""
    from aws_lambda_powertools import Tracer  # noqa: PLC0415 - deliberately lazy, see docstring

    return Tracer(service=logger.service)


def configure_logging() -> None:
    """Route third-party loggers through the masked formatter and quiet the chatty ones."""
    copy_config_to_registered_loggers(source_logger=logger, include=_THIRD_PARTY_LOGGERS)
    for name in ("httpx", "httpcore", "botocore", "aiohttp.access"):
        logging.getLogger(name).setLevel(logging.WARNING)
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())


def new_cid() -> str:
    return uuid.uuid4().hex


def bind_cid(cid: str | None) -> str:
    """Attach the correlation id to every following log line of this record or request."""
    cid = cid or new_cid()
    logger.set_correlation_id(cid)
    logger.append_keys(cid=cid)
    return cid


LogLevel = Literal["debug", "info", "warning", "error"]


def log_event(event: str, *, level: LogLevel = "info", exc_info: bool = False, **fields: Any) -> None:
    """One structured line: ``event`` names what happened, ``fields`` say about what."""
    getattr(logger, level)(event, exc_info=exc_info, stacklevel=3, extra={"event": event, **fields})
