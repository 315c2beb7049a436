"""Logging: structured events with a correlation id, and no secret in any line."""

from __future__ import annotations

import io
import json
import logging

import pytest
from aws_lambda_powertools import Logger

from creativebot.observability import (
    RedactingFilter,
    RedactingFormatter,
    bind_cid,
    log_event,
    logger,
    redact,
    register_secret,
)

TOKEN = "7654321:ABCdefGHIjklMNOpqrSTUvwxYZ0123456789"
KIE_KEY = "kie-live-key-9f8e7d6c5b4a"
DSN = "postgresql://bot:Very-Secret-Pw@db.internal:5432/creativebot"


def _logger(stream: io.StringIO) -> Logger:
    return Logger(service="redaction-test", stream=stream, logger_formatter=RedactingFormatter())


def test_a_line_with_token_dsn_and_kie_key_comes_out_masked(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given: the secrets are configured
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("KIE_API_KEY", KIE_KEY)
    monkeypatch.setenv("DATABASE_URL", DSN)
    stream = io.StringIO()
    # When: one line carries all three, in the message, an extra key and a traceback
    log = _logger(stream)
    try:
        raise RuntimeError(f"GET https://api.telegram.org/bot{TOKEN}/getMe failed")
    except RuntimeError:
        log.exception(f"calling KIE with {KIE_KEY} on {DSN}", extra={"url": f"https://x/?t={KIE_KEY}"})
    line = stream.getvalue()
    # Then: none of them is readable, and the line is still JSON
    for secret in (TOKEN, KIE_KEY, "Very-Secret-Pw", TOKEN.split(":")[1]):
        assert secret not in line
    record = json.loads(line)
    assert "bot<redacted>/getMe" in record["exception"]
    assert "postgresql://bot:<redacted>@db.internal" in record["message"]


def test_patterns_mask_unknown_values_too() -> None:
    # Given: secrets the process was never told about
    text = (
        "url=https://api.telegram.org/bot1111111:zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz/sendPhoto "
        "Authorization: Bearer sk-abcdef123456 dsn=postgres://u:pw12345678@h/db cb=/kie/callback/7?t=deadbeef"
    )
    # When
    masked = redact(text)
    # Then
    assert "zzzz" not in masked
    assert "sk-abcdef123456" not in masked
    assert "pw12345678" not in masked
    assert "deadbeef" not in masked
    assert masked.count("<redacted>") == 4


def test_registered_secrets_are_masked() -> None:
    # Given
    register_secret("webhook-secret-registered-by-config")
    # Then
    assert redact("header=webhook-secret-registered-by-config") == "header=<redacted>"


def test_the_root_handler_filter_masks_foreign_loggers(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given: a stdlib logger writing through a handler we do not format (the Lambda runtime's)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactingFilter())
    foreign = logging.getLogger("some.library")
    foreign.addHandler(handler)
    foreign.propagate = False
    try:
        # When
        foreign.warning("request to %s", f"https://api.telegram.org/bot{TOKEN}/getUpdates")
    finally:
        foreign.removeHandler(handler)
    # Then
    assert TOKEN not in stream.getvalue()
    assert "bot<redacted>/getUpdates" in stream.getvalue()


def test_events_carry_the_correlation_id() -> None:
    # Given: a correlation id bound for this record, the shared logger writing to a buffer
    cid = bind_cid("cid-abc-123")
    buffer = io.StringIO()
    handler = logger.registered_handler
    assert isinstance(handler, logging.StreamHandler)
    previous = handler.setStream(buffer)
    # When
    try:
        log_event("DISPATCH_OK", update_id=5, duration_ms=12)
    finally:
        handler.setStream(previous)
    # Then
    record = json.loads(buffer.getvalue().strip().splitlines()[-1])
    assert record["event"] == "DISPATCH_OK"
    assert record["cid"] == cid == "cid-abc-123"
    assert record["correlation_id"] == cid
    assert record["update_id"] == 5
    assert record["location"].startswith("test_events_carry_the_correlation_id")
