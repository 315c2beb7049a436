"""The Telegram emulator against the Bot API's contract: methods, limits, errors, webhooks, payments.

Bot-side calls go through aiogram (the client we use in production, which validates every response)
or through raw HTTP where the exact error envelope is the point.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramBadRequest, TelegramRetryAfter, TelegramServerError
from aiogram.types import (
    BufferedInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaPhoto,
)

from infra.local.kie.fake import png
from infra.local.servers import free_port
from infra.local.telegram import EmulatorServer
from infra.local.telegram.client import ChatUser, text_of

TOKEN = "1234567:test-token-not-a-real-one-0000"
USER = 4242


@pytest.fixture
def api(telegram: EmulatorServer) -> Iterator[httpx.Client]:
    telegram.emulator.user(USER)
    with httpx.Client(base_url=f"{telegram.url}/bot{TOKEN}", timeout=10) as client:
        yield client


def _bot(telegram: EmulatorServer) -> Bot:
    return Bot(TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(telegram.url)))


def _error(response: httpx.Response) -> tuple[int, str]:
    body = response.json()
    assert body["ok"] is False and body["error_code"] == response.status_code
    return response.status_code, body["description"]


# --- methods through aiogram -----------------------------------------------------------------------


async def test_messages_edits_and_deletes_through_aiogram(telegram: EmulatorServer) -> None:
    telegram.emulator.user(USER)
    bot = _bot(telegram)
    try:
        me = await bot.get_me()
        assert me.is_bot and me.id == 1234567
        keyboard = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="A", callback_data="a")]])
        sent = await bot.send_message(USER, "<b>Привет</b>, мир", parse_mode="HTML", reply_markup=keyboard)
        assert sent.text == "Привет, мир"
        assert sent.entities is not None and sent.entities[0].type == "bold" and sent.entities[0].length == 6
        edited = await bot.edit_message_text("Пока", chat_id=USER, message_id=sent.message_id)
        assert not isinstance(edited, bool) and edited.text == "Пока" and edited.edit_date
        with pytest.raises(TelegramBadRequest, match="message is not modified"):
            await bot.edit_message_text("Пока", chat_id=USER, message_id=sent.message_id)
        await bot.edit_message_reply_markup(chat_id=USER, message_id=sent.message_id, reply_markup=keyboard)
        assert await bot.send_chat_action(USER, "upload_photo") is True
        assert await bot.delete_message(USER, sent.message_id) is True
        with pytest.raises(TelegramBadRequest, match="message to delete not found"):
            await bot.delete_message(USER, sent.message_id)
        with pytest.raises(TelegramBadRequest, match="chat not found"):
            await bot.send_message(999, "nobody")
    finally:
        await bot.session.close()


async def test_media_by_upload_by_url_by_file_id_and_albums(telegram: EmulatorServer) -> None:
    telegram.emulator.user(USER)
    bot = _bot(telegram)
    picture = png(32, 24, b"seed")
    try:
        uploaded = await bot.send_photo(
            USER, BufferedInputFile(picture, "p.png"), caption="<i>подпись</i>", parse_mode="HTML"
        )
        assert uploaded.photo is not None and (uploaded.photo[-1].width, uploaded.photo[-1].height) == (
            32,
            24,
        )
        assert uploaded.caption == "подпись"
        again = await bot.send_photo(USER, uploaded.photo[-1].file_id)  # by file_id
        assert again.photo is not None
        by_url = await bot.send_photo(USER, f"{telegram.url}/_emu/files/{uploaded.photo[-1].file_id}")
        assert by_url.photo is not None
        edited = await bot.edit_message_caption(chat_id=USER, message_id=uploaded.message_id, caption="новая")
        assert not isinstance(edited, bool) and edited.caption == "новая"
        video = await bot.send_video(USER, BufferedInputFile(b"\x00\x00\x00\x18ftypmp42", "v.mp4"))
        audio = await bot.send_audio(USER, BufferedInputFile(b"ID3\x03", "a.mp3"))
        document = await bot.send_document(USER, BufferedInputFile(b"%PDF-1.4", "d.pdf"))
        animation = await bot.send_animation(USER, BufferedInputFile(b"GIF89a", "g.gif"))
        assert video.video and audio.audio and document.document and animation.animation
        album = await bot.send_media_group(
            USER,
            [InputMediaPhoto(media=BufferedInputFile(picture, f"{i}.png")) for i in range(3)],
        )
        assert len(album) == 3 and len({m.media_group_id for m in album}) == 1
        with pytest.raises(TelegramBadRequest, match="there is no caption"):
            await bot.edit_message_caption(
                chat_id=USER, message_id=(await bot.send_message(USER, "t")).message_id, caption="x"
            )
    finally:
        await bot.session.close()


async def test_files_people_send_can_be_fetched_once_and_never_leave_the_emulator(
    telegram: EmulatorServer,
) -> None:
    telegram.emulator.user(USER)
    update = telegram.server.call(_user_photo(telegram, png(20, 20, b"x")))
    file_id = update["message"]["photo"][-1]["file_id"]
    bot = _bot(telegram)
    try:
        file = await bot.get_file(file_id)
        assert file.file_path and file.file_size
        downloaded = await bot.download(file_id)
        assert downloaded is not None and downloaded.read() == png(20, 20, b"x")
        with pytest.raises(TelegramBadRequest, match="wrong file_id"):
            await bot.get_file("nope")
    finally:
        await bot.session.close()


async def _user_photo(telegram: EmulatorServer, data: bytes) -> dict[str, Any]:
    return telegram.emulator.user_photo(USER, data)


# --- limits and error envelopes ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "params", "status", "description"),
    [
        ("sendMessage", {"chat_id": USER, "text": "x" * 4097}, 400, "Bad Request: message is too long"),
        ("sendMessage", {"chat_id": USER, "text": ""}, 400, "Bad Request: message text is empty"),
        (
            "sendMessage",
            {"chat_id": USER, "text": "a < b", "parse_mode": "HTML"},
            400,
            "can't parse entities",
        ),
        ("sendMessage", {"chat_id": USER, "text": "<b>x", "parse_mode": "HTML"}, 400, 'start tag "b"'),
        (
            "sendMessage",
            {"chat_id": USER, "text": "<br>", "parse_mode": "HTML"},
            400,
            'Unsupported start tag "br"',
        ),
        ("sendMessage", {"chat_id": USER, "text": "1.5", "parse_mode": "MarkdownV2"}, 400, "is reserved"),
        (
            "sendMessage",
            {"chat_id": USER, "text": "x", "parse_mode": "Klingon"},
            400,
            "unsupported parse_mode",
        ),
        (
            "sendMessage",
            {
                "chat_id": USER,
                "text": "x",
                "reply_markup": {"inline_keyboard": [[{"text": "b", "callback_data": "x" * 65}]]},
            },
            400,
            "BUTTON_DATA_INVALID",
        ),
        (
            "sendMessage",
            {
                "chat_id": USER,
                "text": "x",
                "reply_markup": {"inline_keyboard": [[{"text": "b", "callback_data": ""}]]},
            },
            400,
            "BUTTON_DATA_INVALID",
        ),
        (
            "sendMessage",
            {
                "chat_id": USER,
                "text": "x",
                "reply_markup": {
                    "inline_keyboard": [[{"text": str(i), "callback_data": str(i)}] for i in range(101)]
                },
            },
            400,
            "reply markup is too long",
        ),
        (
            "sendPhoto",
            {"chat_id": USER, "photo": "no-such-file-id", "caption": "c"},
            400,
            "wrong file identifier",
        ),
        ("sendChatAction", {"chat_id": USER, "action": "dancing"}, 400, "wrong parameter action"),
        ("answerCallbackQuery", {"callback_query_id": "123"}, 400, "query is too old"),
        ("getUpdatez", {}, 404, "Not Found: method not found"),
    ],
)
def test_limits_answer_with_telegram_shaped_errors(
    api: httpx.Client, method: str, params: dict[str, Any], status: int, description: str
) -> None:
    code, text = _error(api.post(f"/{method}", json=params))
    assert code == status
    assert description in text


def test_caption_limit_and_form_encoded_requests(api: httpx.Client) -> None:
    response = api.post(
        "/sendPhoto",
        files={"photo": ("p.png", png(8, 8, b"c"), "image/png")},
        data={"chat_id": str(USER), "caption": "y" * 1025},
    )
    assert _error(response) == (400, "Bad Request: message caption is too long")
    form = api.post("/sendMessage", data={"chat_id": str(USER), "text": "form"})
    assert form.json()["result"]["text"] == "form"
    query = api.get("/sendMessage", params={"chat_id": USER, "text": "query"})
    assert query.json()["ok"] is True


def test_a_wrong_token_is_unauthorized(telegram: EmulatorServer) -> None:
    response = httpx.post(f"{telegram.url}/bot1:wrong-token-value-xx/getMe")
    assert _error(response) == (401, "Unauthorized")


async def test_injected_429_and_5xx_reach_aiogram_as_its_exceptions(telegram: EmulatorServer) -> None:
    telegram.emulator.user(USER)
    telegram.emulator.inject_fault("sendMessage", 429, retry_after=7)
    telegram.emulator.inject_fault("sendMessage", 502)
    bot = _bot(telegram)
    try:
        with pytest.raises(TelegramRetryAfter) as limited:
            await bot.send_message(USER, "a")
        assert limited.value.retry_after == 7
        with pytest.raises(TelegramServerError):
            await bot.send_message(USER, "b")
        assert (await bot.send_message(USER, "c")).text == "c"
    finally:
        await bot.session.close()


# --- updates: webhook and getUpdates -----------------------------------------------------------------------


class _Webhook(BaseHTTPRequestHandler):
    """A webhook that fails its first ``fail_first`` requests with 500, then accepts."""

    received: list[dict[str, Any]]
    headers_seen: list[str | None]
    fail_first: int

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).headers_seen.append(self.headers.get("X-Telegram-Bot-Api-Secret-Token"))
        if type(self).fail_first > 0:
            type(self).fail_first -= 1
            self.send_response(500)
            self.end_headers()
            return
        type(self).received.append(body)
        self.send_response(200)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def webhook_server() -> Iterator[tuple[str, type[_Webhook]]]:
    handler = type("Hook", (_Webhook,), {"received": [], "headers_seen": [], "fail_first": 2})
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook", handler
    server.shutdown()
    server.server_close()


def test_the_webhook_gets_updates_in_order_with_the_secret_and_retries_on_500(
    api: httpx.Client, telegram: EmulatorServer, webhook_server: tuple[str, type[_Webhook]]
) -> None:
    url, hook = webhook_server
    assert _error(api.post("/setWebhook", json={"url": url, "secret_token": "bad secret!"}))[1].endswith(
        "secret token contains unallowed characters"
    )
    assert api.post("/setWebhook", json={"url": url, "secret_token": "s3cr3t_-ok"}).json()["result"] is True
    user = ChatUser(telegram.url, USER)
    for text in ("one", "two", "three"):
        user.send(text)
    deadline = time.monotonic() + 10
    while len(hook.received) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [u["message"]["text"] for u in hook.received] == ["one", "two", "three"]
    assert hook.headers_seen[:3] == ["s3cr3t_-ok"] * 3  # two refusals of "one", then "one" accepted
    info = api.get("/getWebhookInfo").json()["result"]
    assert info["url"] == url and "500" in info["last_error_message"]
    assert _error(api.get("/getUpdates"))[0] == 409
    user.close()


def test_get_updates_long_polls_and_confirms_by_offset(api: httpx.Client, telegram: EmulatorServer) -> None:
    assert api.post("/deleteWebhook").json()["result"] is True
    started = time.monotonic()
    assert api.get("/getUpdates", params={"timeout": 1}).json()["result"] == []
    assert time.monotonic() - started >= 0.9
    user = ChatUser(telegram.url, USER)
    user.send("/start")
    user.send("hi")
    updates = api.get("/getUpdates", params={"timeout": 2}).json()["result"]
    assert [u["message"]["text"] for u in updates] == ["/start", "hi"]
    assert updates[0]["message"]["entities"][0]["type"] == "bot_command"
    rest = api.get("/getUpdates", params={"offset": updates[0]["update_id"] + 1}).json()["result"]
    assert [u["message"]["text"] for u in rest] == ["hi"]
    user.close()


# --- buttons and payments ----------------------------------------------------------------------------------


def test_a_press_becomes_a_callback_query_answered_once(api: httpx.Client, telegram: EmulatorServer) -> None:
    keyboard = {"inline_keyboard": [[{"text": "Жми", "callback_data": "press:1"}]]}
    api.post("/sendMessage", json={"chat_id": USER, "text": "кнопка", "reply_markup": keyboard})
    user = ChatUser(telegram.url, USER)
    update = user.press("Жми")
    query = update["callback_query"]
    assert query["data"] == "press:1" and query["message"]["text"] == "кнопка"
    assert api.post("/answerCallbackQuery", json={"callback_query_id": query["id"], "text": "ок"}).json()[
        "ok"
    ]
    assert user.toasts()[-1]["text"] == "ок"
    assert _error(api.post("/answerCallbackQuery", json={"callback_query_id": query["id"]}))[0] == 400
    user.close()


def test_stars_invoice_pre_checkout_payment_and_refund(api: httpx.Client, telegram: EmulatorServer) -> None:
    prices = [{"label": "100 ⭐", "amount": 100}]
    bad = api.post(
        "/sendInvoice",
        json={
            "chat_id": USER,
            "title": "T",
            "description": "D",
            "payload": "p",
            "currency": "XTR",
            "prices": prices * 2,
        },
    )
    assert "only one price" in _error(bad)[1]
    link = api.post(
        "/createInvoiceLink",
        json={"title": "T", "description": "D", "payload": "p", "currency": "XTR", "prices": prices},
    ).json()["result"]
    assert link.startswith("https://t.me/$")
    sent = api.post(
        "/sendInvoice",
        json={
            "chat_id": USER,
            "title": "Пополнение",
            "description": "150 ₽",
            "payload": "topup:1",
            "currency": "XTR",
            "prices": prices,
        },
    ).json()
    assert sent["result"]["invoice"]["total_amount"] == 100
    api.post("/deleteWebhook")
    user = ChatUser(telegram.url, USER)
    payer = threading.Thread(target=lambda: results.append(user.pay()), daemon=True)
    results: list[dict[str, Any]] = []
    payer.start()
    # the bot sees the pre-checkout query and agrees within 10 s
    query = None
    for _ in range(100):
        updates = api.get("/getUpdates").json()["result"]
        query = next((u["pre_checkout_query"] for u in updates if "pre_checkout_query" in u), None)
        if query:
            break
        time.sleep(0.05)
    assert query is not None and query["invoice_payload"] == "topup:1" and query["currency"] == "XTR"
    assert api.post(
        "/answerPreCheckoutQuery", json={"pre_checkout_query_id": query["id"], "ok": True}
    ).json()["ok"]
    payer.join(timeout=10)
    charge = results[0]["telegram_payment_charge_id"]
    paid = api.get("/getUpdates", params={"offset": 0}).json()["result"]
    payment = next(
        u["message"]["successful_payment"] for u in paid if "successful_payment" in u.get("message", {})
    )
    assert payment == {
        "currency": "XTR",
        "total_amount": 100,
        "invoice_payload": "topup:1",
        "telegram_payment_charge_id": charge,
        "provider_payment_charge_id": "",
    }
    assert api.post(
        "/refundStarPayment", json={"user_id": USER, "telegram_payment_charge_id": charge}
    ).json()["ok"]
    assert _error(
        api.post("/refundStarPayment", json={"user_id": USER, "telegram_payment_charge_id": charge})
    )[1] == ("Bad Request: CHARGE_ALREADY_REFUNDED")
    assert _error(api.post("/refundStarPayment", json={"user_id": USER, "telegram_payment_charge_id": "x"}))[
        1
    ] == ("Bad Request: CHARGE_NOT_FOUND")
    assert any("Refunded" in text_of(m) or "refunded_payment" in m["payload"] for m in user.history())
    user.close()
