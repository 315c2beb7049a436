"""Paying an invoice on the local stack while the worker is held: the webhook's own HTTP reply answers
the pre-checkout query (the emulator executes a method found in a webhook reply, as Telegram does)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from creativebot.texts import RU
from functions.worker import app as worker_app
from infra.local.stack import LocalStack
from infra.local.telegram.client import ChatUser, buttons_of, text_of
from tests.e2e.conftest import Database
from tests.e2e.flows import start

RUB = 100


class HeldWorker:
    """Wraps the worker's handler: while held, a batch waits before it is handled; kinds are recorded."""

    def __init__(self, handler: Any) -> None:
        self.handler = handler
        self.released = threading.Event()
        self.released.set()
        self.update_kinds: list[str] = []

    def __call__(self, event: dict[str, Any], context: Any) -> Any:
        deadline = time.monotonic() + 20  # never wedge the stack's shutdown, whatever the test does
        while not self.released.wait(0.02) and time.monotonic() < deadline:
            pass
        for record in event["Records"]:
            if record["messageAttributes"]["kind"]["stringValue"] == "telegram_update":
                update = json.loads(record["body"])
                self.update_kinds.extend(key for key in update if key != "update_id")
        return self.handler(event, context)


@pytest.fixture
def held_worker(monkeypatch: pytest.MonkeyPatch) -> Iterator[HeldWorker]:
    """Installed before the stack starts, so its worker loop calls the wrapper."""
    held = HeldWorker(worker_app.handler)
    monkeypatch.setattr(worker_app, "handler", held)
    yield held
    held.released.set()


@pytest.fixture
def stack_env(held_worker: HeldWorker) -> dict[str, str]:
    return {}


def test_an_invoice_is_paid_while_the_worker_is_held(
    stack: LocalStack, person: ChatUser, database: Database, held_worker: HeldWorker
) -> None:
    # Given: a person with a Stars invoice in the chat (the worker sent it)
    start(person)
    person.press(RU.btn_balance)
    person.wait_for(lambda m: RU.btn_topup in buttons_of(m), what="the balance screen")
    person.press(RU.btn_topup)
    person.wait_for(lambda m: "⭐ 100 → 150 ₽" in buttons_of(m), what="the packs")
    person.press("⭐ 100 → 150 ₽")
    person.wait_for(lambda m: "invoice" in m["payload"], what="the invoice")
    # When: the worker is held, and the person pays
    held_worker.released.clear()
    try:
        started = time.perf_counter()
        paid = person.pay()
        elapsed = time.perf_counter() - started
    finally:
        held_worker.released.set()
    # Then: the payment went through without the worker; Telegram's 10 s were never at risk
    print(f"\npay -> pre_checkout_query -> webhook reply -> answerPreCheckoutQuery: {elapsed * 1000:.0f} ms")  # noqa: T201 - the figures, for pytest -s
    assert paid["ok"] is True, paid
    assert elapsed < 5
    # ... and once the worker runs again, the payment is credited once, from the new payload format
    receipt = person.wait_for_text("Оплата прошла")
    assert "+150 ₽" in text_of(receipt)
    assert database.balance(person.user_id).balance == 150 * RUB
    meta = database.fetchval("SELECT meta FROM ledger WHERE kind = 'topup'")
    meta = json.loads(meta) if isinstance(meta, str) else meta
    assert meta["stars"] == 100 and len(meta["payment_ref"]) == 16
    # ... and the worker never saw the pre-checkout query at all
    assert "pre_checkout_query" not in held_worker.update_kinds
    assert "message" in held_worker.update_kinds
