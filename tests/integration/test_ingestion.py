"""The spine: API Gateway event -> webhook -> SQS FIFO (moto) -> worker -> Telegram (emulator)."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import subprocess
import sys
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from aiogram import Router
from aiogram.filters import Command
from aiogram.types import Message
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

from creativebot import worker
from creativebot.observability import logger
from creativebot.texts import RU
from functions.webhook import app as webhook
from functions.worker import app as worker_app
from infra.local.esm import EventSourceMapping
from infra.local.lambda_events import http_api_event, sqs_event
from infra.local.telegram import EmulatorServer
from tests.helpers import REGION, FakeLambdaContext, Queues, message_update, queue_event, webhook_event

ROOT = Path(__file__).resolve().parents[2]
USER = 111111

pytestmark = pytest.mark.usefixtures("database_url", "worker_runtime")


def _menu_replies(telegram: EmulatorServer, chat_id: int = USER) -> list[dict[str, Any]]:
    return [
        call.params
        for call in telegram.emulator.calls_of("sendMessage")
        if call.ok
        and int(call.params["chat_id"]) == chat_id
        and RU.welcome.split("\n")[0] in call.params["text"]
    ]


def _buttons(params: dict[str, Any]) -> list[str]:
    return [b["text"] for row in json.loads(params["reply_markup"])["inline_keyboard"] for b in row]


def _deliver(sqs: Queues, context: FakeLambdaContext) -> dict[str, Any] | None:
    """One round of the event source mapping: receive, invoke the worker, delete what succeeded."""
    return EventSourceMapping(sqs.client, sqs.url, worker_app.handler, REGION).poll_once()


def test_start_goes_from_webhook_through_the_queue_to_the_main_menu(
    sqs: Queues, telegram: EmulatorServer, lambda_context: FakeLambdaContext
) -> None:
    # Given: a person who opened the bot
    telegram.emulator.user(USER)
    # When: Telegram posts /start to the webhook
    response = webhook.handler(webhook_event(message_update(1001, USER, "/start")), lambda_context)
    # Then: 200 {"ok": true} and one FIFO message grouped by chat, deduplicated by update_id
    assert response["statusCode"] == 200
    assert json.loads(response["body"]) == {"ok": True}
    messages = sqs.receive_all()
    assert len(messages) == 1
    assert messages[0]["Attributes"]["MessageGroupId"] == str(USER)
    assert messages[0]["Attributes"]["MessageDeduplicationId"] == "1001"
    assert messages[0]["MessageAttributes"]["kind"]["StringValue"] == "telegram_update"
    assert json.loads(messages[0]["Body"])["update_id"] == 1001
    # When: the worker gets the batch
    arn = sqs.client.get_queue_attributes(QueueUrl=sqs.url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    result = worker_app.handler(sqs_event(messages, arn, REGION), lambda_context)
    # Then: no failures, and the person got the welcome with the main menu
    assert result == {"batchItemFailures": []}
    replies = _menu_replies(telegram)
    assert len(replies) == 1
    assert {RU.btn_balance, RU.btn_help} <= set(_buttons(replies[0]))


def test_the_same_update_delivered_twice_gets_exactly_one_reply(
    sqs: Queues, telegram: EmulatorServer, lambda_context: FakeLambdaContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    telegram.emulator.user(USER)
    update = message_update(2002, USER, "/start")
    # When: Telegram retries the webhook call, and SQS redelivers the message after a lost delete
    for _ in range(2):
        assert webhook.handler(webhook_event(update), lambda_context)["statusCode"] == 200
    event = queue_event(sqs)
    assert len(event["Records"]) == 1  # FIFO deduplication by update_id
    for _ in range(2):
        assert worker_app.handler(event, lambda_context) == {"batchItemFailures": []}
    sqs.delete(event)
    # ... and once more after SQS's 5-minute deduplication window has passed
    from moto.sqs import models as sqs_models

    monkeypatch.setattr(sqs_models, "DEDUPLICATION_TIME_IN_SECONDS", 0)
    assert webhook.handler(webhook_event(update), lambda_context)["statusCode"] == 200
    assert worker_app.handler(queue_event(sqs), lambda_context) == {"batchItemFailures": []}
    # Then
    assert len(_menu_replies(telegram)) == 1


@pytest.mark.parametrize(
    ("secret", "expected"),
    [(None, 401), ("wrong-secret", 401), ("test-webhook-secret-but-longer", 401), ("", 401)],
)
def test_a_missing_or_wrong_secret_is_refused_and_nothing_is_enqueued(
    sqs: Queues, lambda_context: FakeLambdaContext, secret: str | None, expected: int
) -> None:
    response = webhook.handler(
        webhook_event(message_update(3003, USER, "/start"), secret=secret), lambda_context
    )
    assert response["statusCode"] == expected
    assert sqs.receive_all() == []


@pytest.mark.parametrize(
    ("body", "status", "reason"),
    [
        (b"not json at all", 400, "not valid JSON"),
        (b"\xff\xfe\x00", 400, "not valid JSON"),
        (b"[1, 2, 3]", 400, "JSON object"),
        (b'{"message": {}}', 400, "update_id"),
        (b'{"update_id": "12"}', 400, "update_id"),
        (b'{"update_id": true}', 400, "update_id"),
        (b'{"update_id": 5, "message": {"text": "' + b"x" * (1024 * 1024) + b'"}}', 413, "255 KiB"),
        (b'{"update_id": 5, "message": {"text": "' + b"x" * (256 * 1024) + b'"}}', 413, "255 KiB"),
        (b'{"update_id": 9223372036854775808, "message": {}}', 400, "positive 64-bit"),
        (b'{"update_id": 0, "message": {}}', 400, "positive 64-bit"),
        (b'{"update_id": -7, "message": {}}', 400, "positive 64-bit"),
        (b'{"update_id": 5.0, "message": {}}', 400, "update_id"),
        (b'{"update_id": ' + b"1" * 5000 + b', "message": {}}', 400, "longer than 64"),
        (b'{"update_id": 5, "message": "hi"}', 400, "message must be an object"),
        (b'{"update_id": 5, "message": [1]}', 400, "message must be an object"),
        (b'{"update_id": 5, "message": {}, "edited_message": {}}', 400, "at most one kind"),
        (b'{"update_id": 5, "message": {"chat": {"id": "1"}}}', 400, "message.chat.id must be a 64-bit"),
        (b'{"update_id": 5, "message": {"chat": {"id": 9223372036854775808}}}', 400, "64-bit"),
        (b'{"update_id": 5, "message": {"from": {"id": true}}}', 400, "message.from.id"),
        (b'{"update_id": 5, "message": {"chat": 7}}', 400, "message.chat must be an object"),
        (b'{"update_id": 5, "callback_query": {"message": []}}', 400, "callback_query.message must be"),
        (b'{"update_id": 5, "' + b"k" * 5000 + b'": 1}', 400, "the update's kind must be an object"),
        (b'{"update_id": 5, "message": {"text": "\\ud800"}}', 400, "surrogate"),
        (b'{"update_id": 5, "message": {"text": "\xed\xa0\x80"}}', 400, "UTF-8"),
        (b'{"update_id": 5, "message": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", 400, "deeper than 64"),
        (b'{"update_id": 5, "message": {"x": NaN}}', 400, "not valid JSON"),
    ],
)
def test_malformed_bodies_get_a_4xx_with_a_reason(
    sqs: Queues, lambda_context: FakeLambdaContext, body: bytes, status: int, reason: str
) -> None:
    response = webhook.handler(webhook_event(body), lambda_context)
    assert response["statusCode"] == status
    assert reason in json.loads(response["body"])["error"]
    assert sqs.receive_all() == []


def test_an_update_with_characters_sqs_refuses_is_queued_with_them_escaped(
    sqs: Queues, lambda_context: FakeLambdaContext
) -> None:
    # Given: text with U+FFFF and U+FFFE (valid JSON and UTF-8, outside what SQS accepts) and an emoji
    update = message_update(3103, USER, "a\uffffb\ufffe😀")
    # When
    response = webhook.handler(webhook_event(update), lambda_context)
    # Then: queued, and the worker reads exactly the text that was sent
    assert response["statusCode"] == 200
    [message] = sqs.receive_all()
    assert "\uffff" not in message["Body"] and "\ufffe" not in message["Body"]
    assert json.loads(message["Body"]) == update


@pytest.mark.parametrize(
    ("declared", "status"),
    [("9" * 5000, 413), ("99999999999999999999", 413), ("²", 200), ("-1", 200), ("1e9", 200), ("", 200)],
)
def test_odd_content_length_headers_never_fail_the_webhook(
    sqs: Queues, lambda_context: FakeLambdaContext, declared: str, status: int
) -> None:
    # A declared length that is too big is refused before the body is read; anything else is ignored
    event = webhook_event(message_update(3104, USER, "/start"))
    event["headers"]["content-length"] = declared
    assert webhook.handler(event, lambda_context)["statusCode"] == status


def test_an_oversized_body_without_the_secret_is_refused_as_unauthorized(
    sqs: Queues, lambda_context: FakeLambdaContext
) -> None:
    body = b'{"update_id": 5, "x": "' + b"y" * (2 * 1024 * 1024) + b'"}'
    assert webhook.handler(webhook_event(body, secret=None), lambda_context)["statusCode"] == 401


def test_sqs_down_answers_503_with_retry_after(
    lambda_context: FakeLambdaContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given: the queue's endpoint does not answer
    from creativebot import queue

    queue.sqs_client.cache_clear()
    monkeypatch.setenv("UPDATES_QUEUE_URL", "http://127.0.0.1:9/123456789012/updates.fifo")
    monkeypatch.setenv("AWS_ENDPOINT_URL_SQS", "http://127.0.0.1:9")
    try:
        # When
        response = webhook.handler(webhook_event(message_update(4004, USER, "/start")), lambda_context)
    finally:
        queue.sqs_client.cache_clear()
    # Then: Telegram is told to come back
    assert response["statusCode"] == 503
    assert response["headers"]["retry-after"] == "5"


def test_the_webhook_module_never_loads_aiogram_or_asyncpg() -> None:
    # Given: a fresh interpreter
    code = (
        "import sys, json, time; t = time.perf_counter(); import functions.webhook.app; "
        "print(json.dumps({'modules': sorted(sys.modules), 'seconds': time.perf_counter() - t}))"
    )
    # When
    output = subprocess.run(  # noqa: S603 - fixed command
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout
    modules = json.loads(output.strip().splitlines()[-1])["modules"]
    # Then
    assert not [m for m in modules if m.split(".")[0] in {"aiogram", "asyncpg"}]
    assert "fastapi" in modules and "boto3" in modules


def test_health_version_and_guarded_diagnostics(
    sqs: Queues, lambda_context: FakeLambdaContext, monkeypatch: pytest.MonkeyPatch, database_url: str
) -> None:
    monkeypatch.setenv("DIAGNOSTICS_TOKEN", "diag-token-for-tests")
    monkeypatch.setenv("GIT_SHA", "abc1234")

    def get(path: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, Any]]:
        response = webhook.handler(http_api_event("GET", path, headers=headers), lambda_context)
        return response["statusCode"], json.loads(response["body"])

    assert get("/health") == (200, {"status": "ok"})
    status, version = get("/version")
    assert status == 200
    assert version["git_sha"] == "abc1234" and version["function"] == "creativebot-test"
    assert version["python"].count(".") == 2
    # diagnostics need the token
    assert get("/diagnostics")[0] == 403
    assert get("/diagnostics", {"x-diagnostics-token": "nope"})[0] == 403
    status, report = get("/diagnostics", {"x-diagnostics-token": "diag-token-for-tests"})
    assert status == 200
    assert report["database"]["reachable"] is True
    assert report["database"]["migration_version"] >= 2
    assert report["queue"] == {"reachable": True, "visible": 0, "in_flight": 0}
    # and nothing secret leaks into any answer
    dumped = json.dumps(report) + json.dumps(version)
    for secret in ("diag-token-for-tests", "test-webhook-secret", database_url):
        assert secret not in dumped


def test_warm_invocations_reuse_the_loop_pool_and_bot(
    sqs: Queues, telegram: EmulatorServer, lambda_context: FakeLambdaContext
) -> None:
    telegram.emulator.user(USER)
    seen = []
    for update_id in (5005, 5006):
        webhook.handler(webhook_event(message_update(update_id, USER, "/help")), lambda_context)
        assert _deliver(sqs, lambda_context) == {"batchItemFailures": []}
        runtime = worker.get_runtime()
        seen.append((runtime.loop, runtime.pool, runtime.bot, runtime.dispatcher))
    assert seen[0][0] is seen[1][0]
    assert seen[0][1] is seen[1][1]
    assert seen[0][2] is seen[1][2]
    assert seen[0][3] is seen[1][3]
    assert not seen[0][0].is_closed()


def test_a_bug_in_a_handler_gets_an_apology_and_the_record_succeeds(
    sqs: Queues, telegram: EmulatorServer, lambda_context: FakeLambdaContext
) -> None:
    # Given: a handler with a bug, added to the real dispatcher
    telegram.emulator.user(USER)
    broken = Router(name="broken")

    @broken.message(Command("boom"))
    async def boom(message: Message) -> None:
        raise ValueError("a bug")

    runtime = worker.get_runtime()
    runtime.run(runtime.start())
    assert runtime.dispatcher is not None
    runtime.dispatcher.sub_routers[0].include_router(broken)  # tried before the bot's own routers
    # When
    webhook.handler(webhook_event(message_update(6006, USER, "/boom")), lambda_context)
    result = _deliver(sqs, lambda_context)
    # Then: the record is done (not retried) and the person got an apology with a way back
    assert result == {"batchItemFailures": []}
    apology = [
        c.params for c in telegram.emulator.calls_of("sendMessage") if RU.error_apology in c.params["text"]
    ]
    assert len(apology) == 1
    assert RU.btn_main_menu in _buttons(apology[0])


def test_a_telegram_outage_fails_the_record_and_the_retry_replies_once(
    sqs: Queues, telegram: EmulatorServer, lambda_context: FakeLambdaContext
) -> None:
    # Given: Telegram answers 502 to the next sendMessage
    telegram.emulator.user(USER)
    telegram.emulator.inject_fault("sendMessage", 502)
    webhook.handler(webhook_event(message_update(7007, USER, "/start")), lambda_context)
    event = queue_event(sqs)
    # When: the worker runs (the only record fails, so the invocation fails), and SQS redelivers it
    with pytest.raises(BatchProcessingError):
        worker_app.handler(event, lambda_context)
    second = worker_app.handler(event, lambda_context)
    # Then
    assert second == {"batchItemFailures": []}
    assert len(_menu_replies(telegram)) == 1


def test_a_429_fails_the_record_so_sqs_retries_later(
    sqs: Queues, telegram: EmulatorServer, lambda_context: FakeLambdaContext
) -> None:
    telegram.emulator.user(USER)
    telegram.emulator.inject_fault("sendMessage", 429, retry_after=3)
    webhook.handler(webhook_event(message_update(7008, USER, "/help")), lambda_context)
    result = _deliver(sqs, lambda_context)
    assert result is not None and len(result["batchItemFailures"]) == 1


def test_after_a_failure_only_that_chats_later_records_are_returned(
    sqs: Queues, telegram: EmulatorServer, lambda_context: FakeLambdaContext
) -> None:
    # Given: two chats; the first chat's first reply hits an outage
    other = 222222
    for user in (USER, other):
        telegram.emulator.user(user)
    telegram.emulator.inject_fault("sendMessage", 500)
    webhook.handler(webhook_event(message_update(8001, USER, "/start")), lambda_context)
    webhook.handler(webhook_event(message_update(8002, other, "/start")), lambda_context)
    webhook.handler(webhook_event(message_update(8003, USER, "/help")), lambda_context)
    event = queue_event(sqs)
    by_update = {json.loads(r["body"])["update_id"]: r["messageId"] for r in event["Records"]}
    # When
    result = worker_app.handler(event, lambda_context)
    # Then: the failed chat's records come back in order; the other chat was served
    failed = [item["itemIdentifier"] for item in result["batchItemFailures"]]
    assert failed == [by_update[8001], by_update[8003]]
    assert len(_menu_replies(telegram, other)) == 1


def test_a_button_press_is_answered_before_the_handler_replies(
    sqs: Queues, telegram: EmulatorServer, lambda_context: FakeLambdaContext
) -> None:
    # Given: the main menu on screen
    telegram.emulator.user(USER)
    webhook.handler(webhook_event(message_update(9001, USER, "/start")), lambda_context)
    _deliver(sqs, lambda_context)
    menu = telegram.emulator.calls_of("sendMessage")[-1]
    menu_id = max(telegram.emulator.chats[USER].messages)
    data = next(
        b["callback_data"]
        for row in json.loads(menu.params["reply_markup"])["inline_keyboard"]
        for b in row
        if b["text"] == RU.btn_help
    )
    # When: the person presses Help
    press = telegram.server.call(_press(telegram, menu_id, data))
    webhook.handler(webhook_event(press), lambda_context)
    _deliver(sqs, lambda_context)
    # Then: answerCallbackQuery came first, then the help screen edited in place
    methods = [c.method for c in telegram.emulator.calls if c.ok]
    answer_at = methods.index("answerCallbackQuery")
    assert methods[answer_at + 1] == "editMessageText"
    assert "Как это работает" in telegram.emulator.chats[USER].messages[menu_id].payload["text"]


async def _press(telegram: EmulatorServer, message_id: int, data: str) -> dict[str, Any]:
    return telegram.emulator.press(USER, message_id, data)


def test_an_unknown_kind_fails_its_record(sqs: Queues, lambda_context: FakeLambdaContext) -> None:
    sqs.client.send_message(
        QueueUrl=sqs.url,
        MessageBody="{}",
        MessageGroupId="1",
        MessageDeduplicationId="odd-1",
        MessageAttributes={"kind": {"DataType": "String", "StringValue": "broadcast-v9"}},
    )
    event = queue_event(sqs)
    with pytest.raises(BatchProcessingError, match="All records failed"):
        worker_app.handler(event, lambda_context)


def test_every_line_of_a_record_carries_its_correlation_id(
    sqs: Queues, telegram: EmulatorServer, lambda_context: FakeLambdaContext
) -> None:
    telegram.emulator.user(USER)
    webhook.handler(webhook_event(message_update(9101, USER, "/help")), lambda_context)
    event = queue_event(sqs)
    cid = event["Records"][0]["messageAttributes"]["cid"]["stringValue"]
    buffer = io.StringIO()
    handler = logger.registered_handler
    assert isinstance(handler, logging.StreamHandler)
    previous = handler.setStream(buffer)
    try:
        worker_app.handler(event, lambda_context)
    finally:
        handler.setStream(previous)
    lines = [json.loads(line) for line in buffer.getvalue().splitlines() if line.startswith("{")]
    events = {line.get("event") for line in lines}
    assert "DISPATCH_OK" in events
    assert all(line.get("cid") == cid for line in lines if line.get("event"))
    dispatch = next(line for line in lines if line.get("event") == "DISPATCH_OK")
    assert dispatch["update_id"] == 9101 and isinstance(dispatch["duration_ms"], int)
    assert dispatch["screens"] == "help"  # what the update showed, on its one line


def test_a_crash_mid_handling_is_retried_and_a_success_is_not_repeated(database_url: str) -> None:
    from creativebot import updates

    async def scenario() -> list[updates.Claim]:
        pool = await asyncpg.create_pool(database_url, min_size=1, max_size=2)
        try:
            seen = [await updates.claim(pool, 42)]
            seen.append(await updates.claim(pool, 42))  # a second worker while the first holds the lease
            await pool.execute("UPDATE processed_updates SET claimed_at = now() - interval '10 minutes'")
            seen.append(await updates.claim(pool, 42))  # the first worker died: its lease ran out
            await updates.finish(pool, 42)
            seen.append(await updates.claim(pool, 42))  # redelivered after success
            return seen
        finally:
            await pool.close()

    assert asyncio.run(scenario()) == [
        updates.Claim.FIRST,
        updates.Claim.BUSY,
        updates.Claim.RETRY,
        updates.Claim.DUPLICATE,
    ]
