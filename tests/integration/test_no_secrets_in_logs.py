"""Secrets never reach a log line: a whole update path at DEBUG, failures and tracebacks included."""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Iterator

import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

from creativebot.observability import logger
from functions.webhook import app as webhook
from functions.worker import app as worker_app
from infra.local.telegram import EmulatorServer
from tests.conftest import FAKE_ENV
from tests.helpers import FakeLambdaContext, Queues, message_update, queue_event, webhook_event

USER = 313131
SECRETS = [
    FAKE_ENV["TELEGRAM_BOT_TOKEN"],
    FAKE_ENV["TELEGRAM_BOT_TOKEN"].split(":", 1)[1],
    FAKE_ENV["TELEGRAM_WEBHOOK_SECRET"],
    FAKE_ENV["KIE_API_KEY"],
    FAKE_ENV["KIE_CALLBACK_SECRET"],
]
DB_PASSWORD = "Db-Passw0rd-for-tests"


@pytest.fixture
def captured(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[io.StringIO]:
    """Every line our logger and the libraries routed through it write, at DEBUG."""
    if ":@" in database_url:  # the embedded server trusts local connections, so any password works
        monkeypatch.setenv("DATABASE_URL", database_url.replace(":@", f":{DB_PASSWORD}@", 1))
    buffer = io.StringIO()
    handler = logger.registered_handler
    assert isinstance(handler, logging.StreamHandler)
    previous_stream = handler.setStream(buffer)
    previous_levels = {name: logging.getLogger(name).level for name in ("creativebot", "aiogram", "aiohttp")}
    for name in previous_levels:
        logging.getLogger(name).setLevel(logging.DEBUG)
    try:
        yield buffer
    finally:
        handler.setStream(previous_stream)
        for name, level in previous_levels.items():
            logging.getLogger(name).setLevel(level)


@pytest.mark.usefixtures("worker_runtime")
def test_a_whole_update_path_logs_no_secret(
    captured: io.StringIO, sqs: Queues, telegram: EmulatorServer, lambda_context: FakeLambdaContext
) -> None:
    telegram.emulator.user(USER)
    # A refused webhook call, a Telegram outage (a traceback whose URL carries the token), then success.
    webhook.handler(webhook_event(message_update(1, USER, "/start"), secret="wrong"), lambda_context)
    telegram.emulator.inject_fault("sendMessage", 502)
    webhook.handler(webhook_event(message_update(2, USER, "/start")), lambda_context)
    event = queue_event(sqs)
    with pytest.raises(BatchProcessingError):
        worker_app.handler(event, lambda_context)
    assert worker_app.handler(event, lambda_context) == {"batchItemFailures": []}
    output = captured.getvalue()
    # Then: the run did log (tracebacks included), and nothing secret is readable in it
    assert "DISPATCH_FAIL" in output and "TelegramServerError" in output and "DISPATCH_OK" in output
    for secret in [*SECRETS, DB_PASSWORD]:
        assert secret not in output
    assert re.findall(r"bot\d+:[A-Za-z0-9_-]+", output) == []
