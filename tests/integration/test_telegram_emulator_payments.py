"""The emulator's payments against the Bot API's contract: Stars refunds (by the bot and by Telegram),
rouble invoices through a provider with order info, and the 10-second pre-checkout answered either by a
call or inside the webhook's answer (JSON, a form, or aiogram's own multipart reply)."""

from __future__ import annotations

import asyncio
import json
import threading
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from aiogram import Bot, Dispatcher, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramBadRequest
from aiogram.methods import AnswerPreCheckoutQuery
from aiogram.types import LabeledPrice, Message, PreCheckoutQuery, Update
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web

from infra.local.servers import BackgroundServer, free_port
from infra.local.telegram import EmulatorServer
from infra.local.telegram import emulator as emulator_module
from infra.local.telegram.client import ChatUser

TOKEN = "1234567:test-token-not-a-real-one-0000"
USER = 4343
PROVIDER_TOKEN = "381764678:TEST:12345"
RUB_PRICES: list[dict[str, Any]] = [
    {"label": "Пополнение", "amount": 15000},
    {"label": "Комиссия", "amount": 450},
]


def _bot(telegram: EmulatorServer) -> Bot:
    return Bot(TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(telegram.url)))


def _error(response: httpx.Response) -> tuple[int, str]:
    body = response.json()
    assert body["ok"] is False and body["error_code"] == response.status_code
    return response.status_code, body["description"]


@pytest.fixture
def api(telegram: EmulatorServer) -> Iterator[httpx.Client]:
    telegram.emulator.user(USER)
    with httpx.Client(base_url=f"{telegram.url}/bot{TOKEN}", timeout=10) as client:
        yield client


# --- a webhook that answers pre-checkout queries in its HTTP reply ---------------------------------------


class _Shop(BaseHTTPRequestHandler):
    """Answers every pre_checkout_query inside the webhook reply, in ``reply_as`` form."""

    received: list[dict[str, Any]]
    reply_as: str  # "json", "form", "multipart", "decline" or "nothing"

    def do_POST(self) -> None:
        update = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).received.append(update)
        body, content_type = b"", "application/json"
        query = update.get("pre_checkout_query")
        if query is not None and self.reply_as != "nothing":
            fields = {"method": "answerPreCheckoutQuery", "pre_checkout_query_id": query["id"], "ok": "true"}
            if self.reply_as == "decline":
                fields.update(ok="false", error_message="Товар закончился")
            if self.reply_as in {"json", "decline"}:
                body = json.dumps({**fields, "ok": fields["ok"] == "true"}).encode()
            elif self.reply_as == "form":
                body = httpx.QueryParams(fields).__str__().encode()
                content_type = "application/x-www-form-urlencoded"
            else:
                boundary = uuid.uuid4().hex
                parts = [
                    f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
                    for name, value in fields.items()
                ]
                body = ("".join(parts) + f"--{boundary}--\r\n").encode()
                content_type = f"multipart/form-data; boundary={boundary}"
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def shop(api: httpx.Client) -> Iterator[type[_Shop]]:
    handler = type("Shop", (_Shop,), {"received": [], "reply_as": "json"})
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    assert api.post("/setWebhook", json={"url": url}).json()["result"] is True
    yield handler
    api.post("/deleteWebhook")
    server.shutdown()
    server.server_close()


def _updates_with(shop: type[_Shop], key: str, count: int = 1, timeout: float = 10) -> list[dict[str, Any]]:
    """The webhook's updates carrying ``key`` (at the top or in the message), once there are ``count``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [u for u in shop.received if key in u or key in u.get("message", {})]
        if len(found) >= count:
            return found
        time.sleep(0.05)
    raise AssertionError(f"fewer than {count} updates with {key}: {shop.received}")


def _stars_invoice(api: httpx.Client, amount: int = 100, payload: str = "topup:1") -> int:
    sent = api.post(
        "/sendInvoice",
        json={
            "chat_id": USER,
            "title": "Пополнение",
            "description": "Звёзды на баланс",
            "payload": payload,
            "currency": "XTR",
            "prices": [{"label": f"{amount} ⭐", "amount": amount}],
        },
    ).json()
    return int(sent["result"]["message_id"])


def _paid_stars(api: httpx.Client, telegram: EmulatorServer, shop: type[_Shop], amount: int = 100) -> str:
    user = ChatUser(telegram.url, USER)
    try:
        result = user.pay(_stars_invoice(api, amount))
    finally:
        user.close()
    assert result["ok"] is True, result
    return str(result["telegram_payment_charge_id"])


# --- Stars refunds -----------------------------------------------------------------------------------------


async def test_a_bot_refund_happens_once_reaches_the_bot_and_returns_the_stars(
    api: httpx.Client, telegram: EmulatorServer, shop: type[_Shop]
) -> None:
    charge_id = _paid_stars(api, telegram, shop, 100)
    emulator = telegram.emulator
    assert emulator.charges[charge_id].status == "paid" and emulator.star_balance() == 100
    bot = _bot(telegram)
    try:
        assert (await bot.get_my_star_balance()).amount == 100
        assert await bot.refund_star_payment(USER, charge_id) is True
        with pytest.raises(TelegramBadRequest, match="CHARGE_ALREADY_REFUNDED"):
            await bot.refund_star_payment(USER, charge_id)
        with pytest.raises(TelegramBadRequest, match="CHARGE_NOT_FOUND"):
            await bot.refund_star_payment(USER, "stxEMUnot-a-charge")
        with pytest.raises(TelegramBadRequest, match="user not found"):
            await bot.refund_star_payment(999_999, charge_id)
        transactions = (await bot.get_star_transactions()).transactions
    finally:
        await bot.session.close()
    # Then: the refund is a service message in the chat that the bot also gets as an update
    [update] = _updates_with(shop, "refunded_payment")
    message = Update.model_validate(update).message
    assert message is not None and message.refunded_payment is not None
    assert message.refunded_payment.model_dump(exclude_none=True) == {
        "currency": "XTR",
        "total_amount": 100,
        "invoice_payload": "topup:1",
        "telegram_payment_charge_id": charge_id,
    }
    assert message.from_user is not None and message.from_user.id == emulator.bot_id  # the bot returned them
    charge = emulator.charges[charge_id]
    assert (charge.status, charge.refunded_by) == ("refunded", "bot")
    assert emulator.star_balance() == 0
    assert [(t.id, t.source is not None, t.receiver is not None) for t in transactions] == [
        (charge_id, True, False),
        (charge_id, False, True),
    ]


def test_a_refund_by_telegram_support_reaches_the_bot_too(
    api: httpx.Client, telegram: EmulatorServer, shop: type[_Shop]
) -> None:
    charge_id = _paid_stars(api, telegram, shop, 250)
    user = ChatUser(telegram.url, USER)
    try:
        assert [c["status"] for c in user.charges()] == ["paid"]
        user.support_refund(charge_id)  # the person asked Telegram, not the bot
        [update] = _updates_with(shop, "refunded_payment")
        assert update["message"]["refunded_payment"]["telegram_payment_charge_id"] == charge_id
        assert [(c["status"], c["refunded_by"]) for c in user.charges()] == [("refunded", "telegram")]
        with pytest.raises(httpx.HTTPStatusError):
            user.support_refund(charge_id)
        assert any("refunded_payment" in m["payload"] for m in user.history())
    finally:
        user.close()
    # The bot's own refund afterwards is refused as Telegram would
    refused = api.post("/refundStarPayment", json={"user_id": USER, "telegram_payment_charge_id": charge_id})
    assert _error(refused) == (400, "Bad Request: CHARGE_ALREADY_REFUNDED")
    assert telegram.emulator.star_balance() == 0


# --- rouble invoices through a provider -----------------------------------------------------------------


def _rub(**overrides: Any) -> dict[str, Any]:
    return {
        "chat_id": USER,
        "title": "Пополнение",
        "description": "150 ₽ на баланс",
        "payload": "topup:rub:1",
        "provider_token": PROVIDER_TOKEN,
        "currency": "RUB",
        "prices": RUB_PRICES,
        **overrides,
    }


@pytest.mark.parametrize(
    ("overrides", "description"),
    [
        ({"provider_token": ""}, "PAYMENT_PROVIDER_INVALID"),
        ({"provider_token": "381764678:LIVE:12345"}, "PAYMENT_PROVIDER_INVALID"),
        ({"provider_token": "not-a-token"}, "PAYMENT_PROVIDER_INVALID"),
        ({"currency": "TXR", "provider_token": ""}, "PAYMENT_PROVIDER_INVALID"),
        ({"currency": "ZZZ"}, "CURRENCY_INVALID"),
        ({"prices": [{"label": "мало", "amount": 5000}]}, "CURRENCY_TOTAL_AMOUNT_INVALID"),
        ({"prices": [{"label": "много", "amount": 90_000_000}]}, "CURRENCY_TOTAL_AMOUNT_INVALID"),
        (
            {"prices": [{"label": "a", "amount": 100}, {"label": "b", "amount": -100}]},
            "Total price must be positive",
        ),
        ({"prices": []}, "There must be at least one price"),
        ({"prices": [{"label": "", "amount": 10000}]}, "LabeledPrice label must be non-empty"),
        ({"prices": [{"label": "x", "amount": "1.5"}]}, 'Field "amount" must be a valid Number'),
        ({"prices": "not json"}, "Can't parse prices JSON object"),
        ({"provider_data": "{not json"}, "DATA_JSON_INVALID"),
        ({"max_tip_amount": 100, "suggested_tip_amounts": [50, 200]}, "can't be bigger than max_tip_amount"),
        (
            {"max_tip_amount": 100, "suggested_tip_amounts": [1, 2, 3, 4, 5]},
            "at most 4 suggested tip amounts",
        ),
        ({"start_parameter": "has spaces"}, "START_PARAM_INVALID"),
        ({"title": ""}, 'Parameter "title" is required'),
        ({"currency": "XTR"}, "STARS_INVOICE_INVALID"),  # a token and two prices
        (
            {
                "currency": "XTR",
                "provider_token": "",
                "prices": [{"label": "x", "amount": 5}],
                "max_tip_amount": 3,
            },
            "STARS_INVOICE_INVALID",
        ),
    ],
)
def test_invoices_are_checked_like_telegram(
    api: httpx.Client, overrides: dict[str, Any], description: str
) -> None:
    body = _rub(**overrides)
    if isinstance(body["prices"], str):
        response = api.post("/sendInvoice", data={**body, "prices": body["prices"]})
    else:
        response = api.post("/sendInvoice", json=body)
    code, text = _error(response)
    assert code == 400 and description in text
    link = api.post("/createInvoiceLink", json={k: v for k, v in body.items() if k != "chat_id"})
    assert link.status_code == 400  # the same checks apply to invoice links


async def _rouble_invoice_and_link(telegram: EmulatorServer) -> tuple[Message, str]:
    """Through aiogram: an invoice of two price lines asking for an e-mail and a phone for the provider's
    receipt, and an invoice link."""
    bot = _bot(telegram)
    try:
        sent = await bot.send_invoice(
            USER,
            title="Пополнение",
            description="150 ₽ на баланс",
            payload="topup:rub:7",
            provider_token=PROVIDER_TOKEN,
            currency="RUB",
            prices=[LabeledPrice(**price) for price in RUB_PRICES],
            need_email=True,
            send_email_to_provider=True,
            send_phone_number_to_provider=True,
            provider_data=json.dumps({"receipt": {"items": [{"description": "Пополнение", "quantity": 1}]}}),
            photo_url="https://example.invalid/topup.png",
        )
        link = await bot.create_invoice_link(
            title="Пополнение",
            description="Ссылка",
            payload="topup:rub:link",
            provider_token=PROVIDER_TOKEN,
            currency="RUB",
            prices=[LabeledPrice(label="Пополнение", amount=20000)],
        )
    finally:
        await bot.session.close()
    return sent, link


def test_a_rouble_invoice_is_paid_with_the_order_info_it_asks_for(
    api: httpx.Client, telegram: EmulatorServer, shop: type[_Shop]
) -> None:
    shop.reply_as = "form"
    sent, link = asyncio.run(_rouble_invoice_and_link(telegram))
    assert sent.invoice is not None and sent.invoice.total_amount == 15450 and sent.invoice.currency == "RUB"
    user = ChatUser(telegram.url, USER, first_name="Анна")
    try:
        invoice_message = user.history()[-1]
        assert invoice_message["checkout"]["needs"] == [
            "phone_number",
            "email",
        ]  # implied by send_*_to_provider
        paid = user.pay(order_info={"email": "anna@example.com", "name": "not asked for"})
        with pytest.raises(httpx.HTTPStatusError):
            user.pay(sent.message_id)  # an invoice message is paid once
        by_link = user.pay(link=link)
    finally:
        user.close()
    assert paid["ok"] is True and by_link["ok"] is True
    queries = [
        Update.model_validate(u).pre_checkout_query for u in _updates_with(shop, "pre_checkout_query", 2)
    ]
    first = queries[0]
    assert isinstance(first, PreCheckoutQuery) and first.order_info is not None
    assert first.order_info.model_dump(exclude_none=True) == {
        "email": "anna@example.com",
        "phone_number": "79990000000",
    }
    assert (first.currency, first.total_amount, first.invoice_payload) == ("RUB", 15450, "topup:rub:7")
    payments = [Update.model_validate(u).message for u in _updates_with(shop, "successful_payment", count=2)]
    assert len(payments) == 2
    first_payment = payments[0]
    assert isinstance(first_payment, Message) and first_payment.successful_payment is not None
    successful = first_payment.successful_payment
    assert successful.telegram_payment_charge_id == paid["telegram_payment_charge_id"]
    assert successful.provider_payment_charge_id == paid["provider_payment_charge_id"] != ""
    assert successful.order_info is not None and successful.order_info.email == "anna@example.com"
    second = payments[1]
    assert second is not None and second.successful_payment is not None
    assert (second.successful_payment.total_amount, second.successful_payment.order_info) == (20000, None)
    answers = telegram.emulator.calls_of("answerPreCheckoutQuery")
    assert [call.via for call in answers] == ["webhook_reply", "webhook_reply"]
    refund = api.post(
        "/refundStarPayment",
        json={"user_id": USER, "telegram_payment_charge_id": paid["telegram_payment_charge_id"]},
    )
    assert _error(refund)[1] == "Bad Request: CHARGE_NOT_FOUND"  # refundStarPayment is for Stars only


def test_stars_invoices_ignore_the_order_info_fields(api: httpx.Client, telegram: EmulatorServer) -> None:
    sent = api.post(
        "/sendInvoice",
        json={
            "chat_id": USER,
            "title": "Stars",
            "description": "d",
            "payload": "p",
            "currency": "XTR",
            "prices": [{"label": "x", "amount": 5}],
            "need_email": True,
            "need_name": True,
        },
    ).json()["result"]
    user = ChatUser(telegram.url, USER)
    try:
        assert user.history()[-1]["checkout"]["needs"] == []
        assert sent["invoice"]["total_amount"] == 5
    finally:
        user.close()


# --- the pre-checkout: 10 seconds, answered by a call or in the webhook's reply -----------------------------


@pytest.mark.parametrize("reply_as", ["json", "form", "multipart"])
def test_the_webhook_reply_can_answer_the_pre_checkout(
    api: httpx.Client, telegram: EmulatorServer, shop: type[_Shop], reply_as: str
) -> None:
    shop.reply_as = reply_as
    charge_id = _paid_stars(api, telegram, shop)
    [answer] = telegram.emulator.calls_of("answerPreCheckoutQuery")
    assert answer.ok and answer.via == "webhook_reply"
    assert telegram.emulator.charges[charge_id].status == "paid"


def test_a_decline_in_the_webhook_reply_reaches_the_person(
    api: httpx.Client, telegram: EmulatorServer, shop: type[_Shop]
) -> None:
    shop.reply_as = "decline"
    user = ChatUser(telegram.url, USER)
    try:
        result = user.pay(_stars_invoice(api))
        assert result == {"ok": False, "error": "Товар закончился"}
        toast = user.toasts()[-1]
        assert (toast["text"], toast["alert"]) == ("Товар закончился", True)
    finally:
        user.close()
    assert telegram.emulator.charges == {}


def test_an_answer_after_the_deadline_is_too_late(
    api: httpx.Client, telegram: EmulatorServer, shop: type[_Shop], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(emulator_module, "PRE_CHECKOUT_TIMEOUT", 0.5)  # Telegram's is 10 s
    shop.reply_as = "nothing"
    user = ChatUser(telegram.url, USER)
    try:
        result = user.pay(_stars_invoice(api))
    finally:
        user.close()
    assert result["ok"] is False
    [update] = _updates_with(shop, "pre_checkout_query")
    late = api.post(
        "/answerPreCheckoutQuery",
        json={"pre_checkout_query_id": update["pre_checkout_query"]["id"], "ok": True},
    )
    assert "query is too old" in _error(late)[1]


def test_aiogram_returning_the_answer_from_its_webhook_handler_pays(
    api: httpx.Client, telegram: EmulatorServer
) -> None:
    """aiogram's own webhook handler serializes a returned method as multipart; the emulator runs it."""
    router = Router()
    payments: list[Message] = []

    @router.pre_checkout_query()
    async def agree(query: PreCheckoutQuery) -> AnswerPreCheckoutQuery:
        return query.answer(ok=True)

    @router.message()
    async def paid(message: Message) -> None:
        payments.append(message)

    dispatcher = Dispatcher()
    dispatcher.include_router(router)
    bot = _bot(telegram)

    async def make_app() -> web.Application:
        app = web.Application()
        SimpleRequestHandler(dispatcher, bot, handle_in_background=False).register(app, path="/hook")
        return app

    hook = BackgroundServer(make_app, name="aiogram-webhook")
    hook.start()
    try:
        assert api.post("/setWebhook", json={"url": f"{hook.url}/hook"}).json()["result"] is True
        user = ChatUser(telegram.url, USER)
        try:
            result = user.pay(_stars_invoice(api))
        finally:
            user.close()
        assert result["ok"] is True
        deadline = time.monotonic() + 10
        while not payments and time.monotonic() < deadline:
            time.sleep(0.05)
        assert payments and payments[0].successful_payment is not None
        [answer] = telegram.emulator.calls_of("answerPreCheckoutQuery")
        assert answer.via == "webhook_reply" and answer.ok
    finally:
        api.post("/deleteWebhook")
        hook.call(bot.session.close())
        hook.stop()
