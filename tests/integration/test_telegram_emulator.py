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
    BotCommand,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    BufferedInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaPhoto,
    LabeledPrice,
    ReplyParameters,
    Update,
)

from infra.local.kie.fake import png
from infra.local.servers import free_port
from infra.local.telegram import EmulatorServer
from infra.local.telegram.client import ChatUser, is_silent, text_of

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
    assert _error(bad)[1] == "Bad Request: STARS_INVOICE_INVALID"  # Stars take exactly one price
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


# --- the bot's profile: menu and descriptions ------------------------------------------------------------


async def test_command_menus_by_scope_and_language_and_the_descriptions(telegram: EmulatorServer) -> None:
    telegram.emulator.user(USER)
    bot = _bot(telegram)
    everybody = [
        BotCommand(command="start", description="Начать"),
        BotCommand(command="help", description="Помощь"),
    ]
    try:
        assert await bot.set_my_commands(everybody) is True
        await bot.set_my_commands(
            [BotCommand(command="/start", description="Start")],
            scope=BotCommandScopeAllPrivateChats(),
            language_code="en",
        )
        await bot.set_my_commands(
            [BotCommand(command="admin", description="Сводка")], scope=BotCommandScopeChat(chat_id=USER)
        )
        assert [c.command for c in await bot.get_my_commands()] == ["start", "help"]
        english = await bot.get_my_commands(scope=BotCommandScopeAllPrivateChats(), language_code="en")
        assert [(c.command, c.description) for c in english] == [("start", "Start")]  # the slash is dropped
        assert await bot.get_my_commands(language_code="de") == []  # exactly that scope and language
        assert await bot.set_my_description("Креативы за 60 секунд") is True
        await bot.set_my_description("Creatives in 60 seconds", language_code="en")
        await bot.set_my_short_description("Креативы")
        await bot.set_my_name("Креативный бот", language_code="ru")
        assert (await bot.get_my_description(language_code="en")).description == "Creatives in 60 seconds"
        assert (await bot.get_my_short_description()).short_description == "Креативы"
        assert (await bot.get_my_name(language_code="ru")).name == "Креативный бот"
        assert (await bot.get_my_name()).name == "Creative Bot (local)"
        for bad, match in [
            ([BotCommand(command="Start", description="x")], "BOT_COMMAND_INVALID"),
            ([BotCommand(command="start", description=" ")], "Command description must be non-empty"),
            ([BotCommand(command="x" * 33, description="x")], "Command length must not exceed 32"),
            ([BotCommand(command=f"c{n}", description="x") for n in range(101)], "BOT_COMMANDS_TOO_MUCH"),
        ]:
            with pytest.raises(TelegramBadRequest, match=match):
                await bot.set_my_commands(bad)
        with pytest.raises(TelegramBadRequest, match="Invalid language code specified"):
            await bot.set_my_commands(everybody, language_code="rus")
        with pytest.raises(TelegramBadRequest, match="chat not found"):
            await bot.set_my_commands(everybody, scope=BotCommandScopeChat(chat_id=777))
        with pytest.raises(TelegramBadRequest, match="description is too long"):
            await bot.set_my_description("x" * 513)
    finally:
        await bot.session.close()
    # What people see: the first list set in Telegram's order (chat, all private chats, default; each with
    # the person's language first), and the description in an empty chat.
    anna = ChatUser(telegram.url, USER, language_code="ru")
    john = ChatUser(telegram.url, 4243, language_code="en")
    john.send("hi")
    try:
        assert anna.menu() == ["/admin"]
        assert john.menu() == ["/start"]
        profile = john.bot_profile()
        assert (profile["description"], profile["short_description"]) == (
            "Creatives in 60 seconds",
            "Креативы",
        )
        assert anna.bot_profile()["name"] == "Креативный бот"
    finally:
        anna.close()
        john.close()
    bot = _bot(telegram)
    try:
        await bot.delete_my_commands(scope=BotCommandScopeChat(chat_id=USER))
    finally:
        await bot.session.close()
    anna = ChatUser(telegram.url, USER, language_code="ru")
    try:
        assert anna.menu() == ["/start", "/help"]
    finally:
        anna.close()


def test_scopes_and_commands_are_parsed_like_the_bot_api_server(api: httpx.Client) -> None:
    for scope, text in [
        ({"type": "galaxy"}, "Can't parse BotCommandScope: Unsupported type specified"),
        ({"type": "chat"}, "Can't parse BotCommandScope: Empty chat_id specified"),
        ("{oops", "Can't parse BotCommandScope JSON object"),
    ]:
        body = {"commands": json.dumps([{"command": "a", "description": "b"}]), "scope": scope}
        if not isinstance(scope, str):
            body["scope"] = json.dumps(scope)
        assert _error(api.post("/setMyCommands", data=body)) == (400, f"Bad Request: {text}")
    assert _error(api.post("/setMyCommands", data={"commands": "[oops"}))[1] == (
        "Bad Request: Can't parse commands JSON object"
    )
    assert api.post("/setMyCommands", json={"commands": []}).json()["result"] is True


# --- what people send: photos, pictures as files, documents -------------------------------------------------


async def test_people_send_photos_with_captions_and_files_the_bot_can_download(
    telegram: EmulatorServer,
) -> None:
    telegram.emulator.user(USER)
    user = ChatUser(telegram.url, USER)
    screenshot = png(40, 30, b"transfer")
    try:
        photo = user.send_photo(
            screenshot, caption="Перевод 500 ₽", file_name="transfer.png", mime_type="image/png"
        )
        as_file = user.send_photo(
            screenshot, as_document=True, file_name="transfer.png", mime_type="image/png"
        )
        pdf = user.send_document(b"%PDF-1.4 receipt", file_name="receipt.pdf", mime_type="application/pdf")
        page_form = httpx.post(  # what the chat page's file picker would send as a form
            f"{telegram.url}/_emu/api/users/{USER}/photo",
            files={"file": ("form.png", screenshot, "image/png")},
            data={"caption": "из формы"},
        )
        page_form.raise_for_status()
        history = user.history()
    finally:
        user.close()
    bot = _bot(telegram)
    try:
        message = Update.model_validate(photo, context={"bot": bot}).message
        assert message is not None and message.photo is not None and message.caption == "Перевод 500 ₽"
        assert (message.photo[-1].width, message.photo[-1].height) == (40, 30)
        downloaded = await bot.download(message.photo[-1].file_id)
        assert downloaded is not None and downloaded.read() == screenshot
        document = Update.model_validate(as_file).message
        assert document is not None and document.document is not None
        assert (document.document.file_name, document.document.mime_type) == ("transfer.png", "image/png")
        receipt = Update.model_validate(pdf).message
        assert receipt is not None and receipt.document is not None
        assert receipt.document.mime_type == "application/pdf"
        assert page_form.json()["message"]["caption"] == "из формы"
        # The bot answers the screenshot as a reply to it
        answer = await bot.send_message(
            USER, "Получили перевод", reply_parameters=ReplyParameters(message_id=message.message_id)
        )
        assert answer.reply_to_message is not None and answer.reply_to_message.photo is not None
        with pytest.raises(TelegramBadRequest, match="message to be replied not found"):
            await bot.send_message(USER, "?", reply_parameters=ReplyParameters(message_id=9999))
        anyway = await bot.send_message(
            USER, "!", reply_parameters=ReplyParameters(message_id=9999, allow_sending_without_reply=True)
        )
        assert anyway.reply_to_message is None
    finally:
        await bot.session.close()
    assert '<img src="' in history[1]["html"]  # a picture sent as a file still shows as a picture
    assert "receipt.pdf" in history[2]["html"]


# --- files sent again by file_id ---------------------------------------------------------------------------


async def test_a_file_sent_again_by_file_id_is_not_downloaded_again(telegram: EmulatorServer) -> None:
    telegram.emulator.user(USER)
    bot = _bot(telegram)
    picture = png(24, 24, b"again")
    try:
        by_url = await bot.send_photo(USER, f"{telegram.url}/_emu/files/{_stored_photo(telegram, picture)}")
        assert by_url.photo is not None
        downloads = list(telegram.emulator.downloads)
        file_id = by_url.photo[-1].file_id
        again = await bot.send_photo(USER, file_id, disable_notification=True)
        album = await bot.send_media_group(
            USER, [InputMediaPhoto(media=file_id), InputMediaPhoto(media=file_id)]
        )
        video = await bot.send_video(USER, BufferedInputFile(b"\x00\x00\x00\x18ftypmp42", "v.mp4"))
        assert video.video is not None
        as_document = await bot.send_document(USER, video.video.file_id)  # the document family may mix
        with pytest.raises(TelegramBadRequest, match="can't use file of type Photo as Document"):
            await bot.send_document(USER, file_id)
        with pytest.raises(TelegramBadRequest, match="can't use file of type Video as Photo"):
            await bot.send_photo(USER, video.video.file_id)
    finally:
        await bot.session.close()
    assert again.photo is not None and again.photo[-1].file_unique_id == by_url.photo[-1].file_unique_id
    assert telegram.emulator.downloads == downloads  # no download after the first
    sources = {r.message_id: r.media_source for r in telegram.emulator.sends(USER)}
    assert sources[by_url.message_id] == "url" and sources[again.message_id] == "file_id"
    assert [sources[m.message_id] for m in album] == ["file_id", "file_id"]
    assert (sources[video.message_id], sources[as_document.message_id]) == ("upload", "file_id")


def _stored_photo(telegram: EmulatorServer, data: bytes) -> str:
    return telegram.emulator.store_file(data, "image/png", "p.png", "photos").file_id


# --- copies, forwards, silent messages, edits over time, alerts ----------------------------------------------


async def test_copies_forwards_and_silent_messages(telegram: EmulatorServer) -> None:
    telegram.emulator.user(USER)
    telegram.emulator.user(4244)
    bot = _bot(telegram)
    try:
        original = await bot.send_message(USER, "<b>Итог</b>", parse_mode="HTML")
        photo = await bot.send_photo(USER, BufferedInputFile(png(8, 8, b"c"), "c.png"), caption="старая")
        copied = await bot.copy_message(4244, USER, original.message_id, disable_notification=True)
        recaptioned = await bot.copy_message(4244, USER, photo.message_id, caption="новая")
        forwarded = await bot.forward_message(4244, USER, original.message_id)
        with pytest.raises(TelegramBadRequest, match="message to copy not found"):
            await bot.copy_message(4244, USER, 9999)
        invoice = await bot.send_invoice(
            USER, "T", "D", "p", currency="XTR", prices=[LabeledPrice(label="x", amount=1)]
        )
        with pytest.raises(TelegramBadRequest, match="message can't be copied"):
            await bot.copy_message(4244, USER, invoice.message_id)
    finally:
        await bot.session.close()
    assert forwarded.forward_origin is not None and forwarded.text == "Итог"
    reader = ChatUser(telegram.url, 4244)
    try:
        messages = {m["message_id"]: m for m in reader.history()}
    finally:
        reader.close()
    copy = messages[copied.message_id]["payload"]
    assert copy["text"] == "Итог" and copy["entities"][0]["type"] == "bold" and "forward_origin" not in copy
    assert messages[recaptioned.message_id]["payload"]["caption"] == "новая"
    assert [is_silent(messages[m.message_id]) for m in (copied, recaptioned, forwarded)] == [
        True,
        False,
        False,
    ]
    assert [r.method for r in telegram.emulator.sends(4244)] == [
        "copyMessage",
        "copyMessage",
        "forwardMessage",
    ]


def test_progress_edits_over_time_and_alerts(api: httpx.Client, telegram: EmulatorServer) -> None:
    keyboard = {"inline_keyboard": [[{"text": "Отмена", "callback_data": "cancel"}]]}
    sent = api.post(
        "/sendMessage",
        json={"chat_id": USER, "text": "0%", "reply_markup": keyboard, "disable_notification": True},
    ).json()["result"]
    for percent in (25, 50, 75, 100):
        time.sleep(0.05)
        edited = api.post(
            "/editMessageText",
            json={
                "chat_id": USER,
                "message_id": sent["message_id"],
                "text": f"{percent}%",
                "reply_markup": keyboard,
            },
        ).json()["result"]
        assert edited["edit_date"] >= sent["date"] and edited["reply_markup"] == keyboard
    user = ChatUser(telegram.url, USER)
    try:
        [message] = user.bot_messages()
        assert text_of(message) == "100%" and is_silent(message)
        query = user.press("Отмена")["callback_query"]
        api.post(
            "/answerCallbackQuery",
            json={"callback_query_id": query["id"], "text": "Нельзя отменить", "show_alert": True},
        )
        assert user.toasts()[-1]["alert"] is True
    finally:
        user.close()
    assert len(telegram.emulator.sends(USER)) == 1  # edits are not sends


def test_what_the_chat_page_reads(api: httpx.Client, telegram: EmulatorServer) -> None:
    page = httpx.get(f"{telegram.url}/")
    assert page.status_code == 200
    for control in ('id="menu-button"', 'id="photo"', 'id="document"', "bot-profile", "🔕", "order_info"):
        assert control in page.text
    api.post("/setMyDescription", json={"description": "Что умею"})
    api.post(
        "/sendInvoice",
        json={
            "chat_id": USER,
            "title": "Пополнение",
            "description": "d",
            "payload": "p",
            "provider_token": "1:TEST:x",
            "currency": "RUB",
            "prices": [{"label": "Сумма", "amount": 10000}, {"label": "Скидка", "amount": -1000}],
            "need_name": True,
            "need_shipping_address": True,
            "disable_notification": True,
        },
    )
    profile = httpx.get(f"{telegram.url}/_emu/api/users/{USER}/bot-profile", params={"language_code": "ru"})
    assert profile.json()["description"] == "Что умею" and profile.json()["commands"] == []
    [entry] = httpx.get(f"{telegram.url}/_emu/api/chats/{USER}/history").json()["messages"]
    assert entry["silent"] is True and entry["payload"]["invoice"]["total_amount"] == 9000
    assert entry["checkout"]["needs"] == ["name", "shipping_address"]
    assert [line["amount"] for line in entry["checkout"]["prices"]] == [10000, -1000]
    assert "provider_token" not in json.dumps(entry)
