"""A Stars payment the bot cannot match to an invoice of its own: nobody is credited, the payer is told,
and the charge is kept (a failed payment) so an operator can refund it."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import asyncpg
import pytest

from creativebot.texts import RU
from functions.webhook import app as webhook
from functions.worker import app as worker_app
from infra.local.telegram import EmulatorServer
from tests.helpers import FakeLambdaContext, Queues, queue_event, webhook_event

USER = 424242

pytestmark = pytest.mark.usefixtures("worker_runtime", "kie")


def _paid(update_id: int, payload: str) -> dict[str, Any]:
    """The service message Telegram sends after a Stars payment."""
    person = {"id": USER, "is_bot": False, "first_name": "Анна", "language_code": "ru"}
    return {
        "update_id": update_id,
        "message": {
            "message_id": 7,
            "date": 1795867200,
            "chat": {"id": USER, "type": "private", "first_name": "Анна"},
            "from": person,
            "successful_payment": {
                "currency": "XTR",
                "total_amount": 100,
                "invoice_payload": payload,
                "telegram_payment_charge_id": "stxTESTCHARGE0001",
                "provider_payment_charge_id": "",
            },
        },
    }


async def _ledger_rows(url: str) -> int:
    conn = await asyncpg.connect(url)
    try:
        return int(await conn.fetchval("SELECT count(*) FROM ledger"))
    finally:
        await conn.close()


async def _payments(url: str) -> list[tuple[str, str, int, int]]:
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch("SELECT method, state, units, kopecks FROM payments")
        return [tuple(row) for row in rows]
    finally:
        await conn.close()


@pytest.mark.parametrize(
    "payload",
    ["topup:999:100:15000", "something-else", "topup:424242:77:100"],
    ids=["other user", "foreign", "no such pack"],
)
def test_an_unmatched_payment_credits_nobody_and_tells_the_payer(
    database_url: str,
    sqs: Queues,
    telegram: EmulatorServer,
    lambda_context: FakeLambdaContext,
    payload: str,
) -> None:
    telegram.emulator.user(USER)
    assert webhook.handler(webhook_event(_paid(5001, payload)), lambda_context)["statusCode"] == 200
    assert worker_app.handler(queue_event(sqs), lambda_context) == {"batchItemFailures": []}
    # Then: no money anywhere, the charge kept for an operator to refund, and the payer knows where to turn
    assert asyncio.run(_ledger_rows(database_url)) == 0
    assert asyncio.run(_payments(database_url)) == [("stars", "failed", 100, 0)]
    [reply] = [call.params for call in telegram.emulator.calls_of("sendMessage") if call.ok]
    assert reply["text"] == RU.payment_unmatched
    assert RU.btn_main_menu in json.dumps(json.loads(reply["reply_markup"]), ensure_ascii=False)
