"""A Telegram Bot API server for one bot, on loopback, with the people who talk to it.

Bot side: the Bot API methods the project uses, with Telegram's envelopes, limits and error texts.
User side: people send text, commands and photos, press buttons and pay invoices; updates reach the
bot by webhook (secret header, per-chat order, retries with backoff) or by getUpdates.
Deliberate differences from api.telegram.org: webhooks may use plain http on loopback, and every
user is in a private chat with the bot (chat id = user id).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import mimetypes
import secrets
import struct
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from infra.local.telegram.formatting import EntityParseError, parse, to_display_html

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64
MAX_BUTTONS = 100
MAX_CALLBACK_ANSWER = 200
URL_PHOTO_LIMIT = 5 * 1024 * 1024
URL_OTHER_LIMIT = 20 * 1024 * 1024
UPLOAD_PHOTO_LIMIT = 10 * 1024 * 1024
UPLOAD_OTHER_LIMIT = 50 * 1024 * 1024
GETFILE_LIMIT = 20 * 1024 * 1024
SHORT_LIVED_UPDATES = {"callback_query", "pre_checkout_query"}  # dropped after 150 s undelivered
SHORT_LIVED_SECONDS = 150
PRE_CHECKOUT_TIMEOUT = 10.0
CHAT_ACTIONS = {
    "typing",
    "upload_photo",
    "record_video",
    "upload_video",
    "record_voice",
    "upload_voice",
    "upload_document",
    "choose_sticker",
    "find_location",
    "record_video_note",
    "upload_video_note",
}


class ApiError(Exception):
    """A Bot API error: HTTP status = error_code, body ``{"ok": false, …}``."""

    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"ok": False, "error_code": self.code, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bad_request(detail: str) -> ApiError:
    return ApiError(400, f"Bad Request: {detail}")


@dataclass
class Upload:
    data: bytes
    filename: str
    content_type: str


@dataclass
class ApiRequest:
    """A Bot API call's parameters, from the query string, a JSON body, a form or multipart parts."""

    method: str
    values: dict[str, Any]
    uploads: dict[str, Upload] = field(default_factory=dict)

    def raw(self, name: str) -> Any:
        return self.values.get(name)

    def text(self, name: str, required: bool = False) -> str | None:
        value = self.values.get(name)
        if value is None or value == "":
            if required:
                raise bad_request(f"{name} is empty")
            return None
        return value if isinstance(value, str) else json.dumps(value)

    def integer(self, name: str, required: bool = False) -> int | None:
        value = self.values.get(name)
        if value is None or value == "":
            if required:
                raise bad_request(f"{name} is empty")
            return None
        try:
            return int(value)
        except (TypeError, ValueError):
            raise bad_request(f"invalid {name} specified") from None

    def flag(self, name: str) -> bool:
        value = self.values.get(name)
        if isinstance(value, bool):
            return value
        return str(value).lower() in {"true", "1"} if value is not None else False

    def structured(self, name: str) -> Any:
        value = self.values.get(name)
        if isinstance(value, str):
            try:
                return json.loads(value)
            except json.JSONDecodeError:
                raise bad_request(f"can't parse {name} JSON object") from None
        return value


@dataclass
class StoredFile:
    file_id: str
    unique_id: str
    data: bytes
    mime_type: str
    file_name: str
    file_path: str


@dataclass
class StoredMessage:
    payload: dict[str, Any]  # the Message object as the bot sees it
    seq: int
    html: str = ""  # how the chat page shows its text or caption
    deleted: bool = False
    invoice_paid: bool = False


@dataclass
class Chat:
    id: int
    messages: dict[int, StoredMessage] = field(default_factory=dict)
    next_message_id: int = 1
    seq: int = 0
    toasts: list[dict[str, Any]] = field(default_factory=list)
    changed: asyncio.Event = field(default_factory=asyncio.Event)


@dataclass
class ApiCall:
    method: str
    params: dict[str, Any]
    ok: bool
    at: float


@dataclass
class Fault:
    method: str | None
    code: int
    retry_after: int | None
    times: int


@dataclass
class Webhook:
    url: str
    secret_token: str | None
    allowed_updates: list[str] | None
    max_connections: int
    last_error_date: int | None = None
    last_error_message: str | None = None


def _image_size(data: bytes) -> tuple[int, int]:
    """Width and height of a PNG or JPEG, or a plausible default."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return int(width), int(height)
    if data[:2] == b"\xff\xd8":
        index = 2
        while index + 9 < len(data):
            if data[index] != 0xFF:
                break
            marker = data[index + 1]
            segment = int.from_bytes(data[index + 2 : index + 4], "big")
            if marker in (0xC0, 0xC1, 0xC2):
                height = int.from_bytes(data[index + 5 : index + 7], "big")
                width = int.from_bytes(data[index + 7 : index + 9], "big")
                return width, height
            index += 2 + segment
    return 1280, 1280


_MEDIA_KINDS = ("photo", "video", "audio", "document", "animation")


FIRST_UPDATE_ID = 700_000_001  # like Telegram's, far from 0; the local stack starts above what its DB saw


class TelegramEmulator:
    """The state of one bot's Telegram world; methods run on the serving event loop."""

    def __init__(
        self,
        bot_token: str,
        *,
        bot_username: str = "creativebot_local_bot",
        bot_name: str = "Creative Bot (local)",
        webhook_retry_base: float = 1.0,
        webhook_retry_cap: float = 60.0,
        first_update_id: int = FIRST_UPDATE_ID,
    ) -> None:
        self.token = bot_token
        self.bot_id = int(bot_token.split(":", 1)[0])
        self.bot_user = {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": bot_name,
            "username": bot_username,
            "can_join_groups": False,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }
        self.webhook_retry_base = webhook_retry_base
        self.webhook_retry_cap = webhook_retry_cap
        self.lock = threading.RLock()  # guards reads from other threads (tests)
        self.users: dict[int, dict[str, Any]] = {}
        self.blocked: set[int] = set()
        self.chats: dict[int, Chat] = {}
        self.files: dict[str, StoredFile] = {}
        self.calls: list[ApiCall] = []
        self.faults: list[Fault] = []
        self.callback_queries: dict[str, dict[str, Any]] = {}
        self.pre_checkouts: dict[str, dict[str, Any]] = {}
        self.charges: dict[str, dict[str, Any]] = {}
        self._invoices: dict[tuple[int, int], dict[str, Any]] = {}  # (chat, message id) -> invoice
        self._invoice_links: dict[str, dict[str, Any]] = {}
        self.webhook: Webhook | None = None
        self.pending: list[dict[str, Any]] = []  # updates not yet confirmed (getUpdates) or delivered
        self._update_ids = itertools.count(first_update_id)
        self._file_ids = itertools.count(1)
        self._new_updates = asyncio.Event()
        self._queues: dict[tuple[str, int], asyncio.Queue[dict[str, Any]]] = {}
        self._workers: dict[tuple[str, int], asyncio.Task[None]] = {}
        self._http: aiohttp.ClientSession | None = None
        self.public_url = ""  # set by the server so files get absolute URLs

    # --- bookkeeping ------------------------------------------------------------------------------

    async def http(self) -> aiohttp.ClientSession:
        if self._http is None or self._http.closed:
            self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
        return self._http

    async def close(self) -> None:
        for task in self._workers.values():
            task.cancel()
        if self._http is not None:
            await self._http.close()

    def record(self, method: str, params: dict[str, Any], ok: bool) -> None:
        with self.lock:
            self.calls.append(ApiCall(method, params, ok, time.time()))

    def calls_of(self, method: str) -> list[ApiCall]:
        with self.lock:
            return [call for call in self.calls if call.method.lower() == method.lower()]

    def inject_fault(
        self, method: str | None, code: int, *, retry_after: int | None = None, times: int = 1
    ) -> None:
        """The next ``times`` calls of ``method`` (any method when None) fail with ``code``."""
        with self.lock:
            self.faults.append(Fault(method.lower() if method else None, code, retry_after, times))

    def take_fault(self, method: str) -> ApiError | None:
        with self.lock:
            for fault in self.faults:
                if fault.method in (None, method.lower()) and fault.times > 0:
                    fault.times -= 1
                    if fault.code == 429:
                        retry_after = fault.retry_after or 1
                        return ApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after)
                    return ApiError(
                        fault.code, "Internal Server Error" if fault.code >= 500 else "Bad Request"
                    )
        return None

    def user(self, user_id: int, first_name: str = "Тестовый", language_code: str = "ru") -> dict[str, Any]:
        with self.lock:
            if user_id not in self.users:
                self.users[user_id] = {
                    "id": user_id,
                    "is_bot": False,
                    "first_name": first_name,
                    "username": f"user{user_id}",
                    "language_code": language_code,
                }
                self.chats[user_id] = Chat(user_id)
            return self.users[user_id]

    def _chat_object(self, chat_id: int) -> dict[str, Any]:
        user = self.users[chat_id]
        return {
            "id": chat_id,
            "type": "private",
            "first_name": user["first_name"],
            "username": user["username"],
        }

    def _chat(self, chat_id: int | None) -> Chat:
        if chat_id is None or chat_id not in self.chats:
            raise bad_request("chat not found")
        if chat_id in self.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        return self.chats[chat_id]

    def _touch(self, chat: Chat, stored: StoredMessage) -> None:
        chat.seq += 1
        stored.seq = chat.seq
        chat.changed.set()
        chat.changed = asyncio.Event()

    def _notify(self, chat: Chat, text: str, *, alert: bool) -> None:
        """A notice the person sees outside the message list (a callback answer, a declined payment)."""
        chat.seq += 1
        chat.toasts.append({"seq": chat.seq, "text": text, "alert": alert})
        chat.changed.set()
        chat.changed = asyncio.Event()

    def _store(self, chat: Chat, payload: dict[str, Any], html: str) -> StoredMessage:
        stored = StoredMessage(payload=payload, seq=0, html=html)
        with self.lock:
            chat.messages[payload["message_id"]] = stored
        self._touch(chat, stored)
        return stored

    def _new_message(self, chat: Chat, sender: dict[str, Any]) -> dict[str, Any]:
        message_id = chat.next_message_id
        chat.next_message_id += 1
        return {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": self._chat_object(chat.id),
            "from": sender,
        }

    def _message(self, chat: Chat, message_id: int | None) -> StoredMessage:
        stored = chat.messages.get(message_id or -1)
        if stored is None or stored.deleted:
            raise bad_request("message to edit not found")
        return stored

    # --- validation shared by methods ---------------------------------------------------------------

    def _formatted(
        self, req: ApiRequest, name: str, limit: int, required: bool
    ) -> tuple[str, list[Any], str]:
        source = req.text(name) or ""
        if not source:
            if required:
                raise bad_request("message text is empty")
            return "", [], ""
        entities = req.structured(f"{'caption_' if name == 'caption' else ''}entities")
        parse_mode = req.text("parse_mode")
        if entities and parse_mode:
            raise bad_request("can't use both parse_mode and entities")
        try:
            text, parsed = parse(source, parse_mode)
        except EntityParseError as exc:
            raise bad_request(f"can't parse entities: {exc}") from None
        except ValueError:
            raise bad_request("unsupported parse_mode") from None
        entities = entities or parsed
        if not text.strip() and required:
            raise bad_request("message text is empty")
        if len(text) > limit:
            raise bad_request("message is too long" if name == "text" else "message caption is too long")
        return text, entities, to_display_html(text, entities)

    @staticmethod
    def _markup(req: ApiRequest) -> dict[str, Any] | None:
        markup = req.structured("reply_markup")
        if not markup:
            return None
        if not isinstance(markup, dict):
            raise bad_request("can't parse reply keyboard markup JSON object")
        rows = markup.get("inline_keyboard")
        if rows is None:
            return markup  # reply keyboards and removals are passed through untouched
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise bad_request(
                'field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays'
            )
        buttons = [button for row in rows for button in row]
        if len(buttons) > MAX_BUTTONS:
            raise bad_request("reply markup is too long")
        actions = {"url", "callback_data", "web_app", "login_url", "switch_inline_query", "pay", "copy_text"}
        for button in buttons:
            if not isinstance(button, dict) or not str(button.get("text", "")).strip():
                raise bad_request(
                    "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
                )
            present = [key for key in button if key in actions or key.startswith("switch_inline")]
            if len(present) != 1:
                raise bad_request(
                    "can't parse inline keyboard button: exactly one of the optional fields must be used"
                )
            if "callback_data" in button:
                data = str(button["callback_data"]).encode()
                if not 1 <= len(data) <= MAX_CALLBACK_DATA:
                    raise bad_request("BUTTON_DATA_INVALID")
        return markup

    # --- updates and their delivery -------------------------------------------------------------------

    def _queue_key(self, update: dict[str, Any]) -> tuple[str, int]:
        if "callback_query" in update:
            return ("user", int(update["callback_query"]["from"]["id"]))
        if "pre_checkout_query" in update:
            return ("user", int(update["pre_checkout_query"]["from"]["id"]))
        return ("chat", int(update["message"]["chat"]["id"]))

    def push_update(self, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        update = {"update_id": next(self._update_ids), kind: payload}
        created = time.time()
        with self.lock:
            self.pending.append(update)
        update_meta = {"update": update, "created": created, "kind": kind}
        if self.webhook is not None:
            key = self._queue_key(update)
            queue = self._queues.setdefault(key, asyncio.Queue())
            queue.put_nowait(update_meta)
            worker = self._workers.get(key)
            if worker is None or worker.done():
                self._workers[key] = asyncio.get_running_loop().create_task(self._deliver_queue(queue))
        self._new_updates.set()
        return update

    def _expired(self, meta: dict[str, Any]) -> bool:
        limit = SHORT_LIVED_SECONDS if meta["kind"] in SHORT_LIVED_UPDATES else 24 * 3600
        return bool(time.time() - float(meta["created"]) > limit)

    async def _deliver_queue(self, queue: asyncio.Queue[dict[str, Any]]) -> None:
        while not queue.empty():
            meta = queue.get_nowait()
            attempt = 0
            while self.webhook is not None and not self._expired(meta):
                delay = await self._post_update(meta["update"])
                if delay is None:
                    break
                attempt += 1
                # Like the Bot API server: retry at once, then 2, 4, 8 … seconds up to a cap.
                wait = (
                    0.0
                    if attempt == 1
                    else min(self.webhook_retry_base * 2 ** (attempt - 1), self.webhook_retry_cap)
                )
                await asyncio.sleep(max(delay, wait))
            with self.lock:
                if meta["update"] in self.pending:
                    self.pending.remove(meta["update"])

    async def _post_update(self, update: dict[str, Any]) -> float | None:
        """POST one update to the webhook; None when accepted, else seconds to wait before a retry."""
        webhook = self.webhook
        assert webhook is not None
        kind = next(key for key in update if key != "update_id")
        if webhook.allowed_updates and kind not in webhook.allowed_updates:
            return None
        headers = {"Content-Type": "application/json"}
        if webhook.secret_token:
            headers["X-Telegram-Bot-Api-Secret-Token"] = webhook.secret_token
        session = await self.http()
        try:
            async with session.post(webhook.url, data=json.dumps(update), headers=headers) as response:
                body = await response.read()
                if 200 <= response.status < 300:
                    await self._webhook_reply(body)
                    return None
                webhook.last_error_date = int(time.time())
                webhook.last_error_message = (
                    f"Wrong response from the webhook: {response.status} {response.reason}"
                )
                retry_after = response.headers.get("Retry-After", "")
                return min(float(retry_after), 3600.0) if retry_after.isdigit() else 0.0
        except (TimeoutError, aiohttp.ClientError) as exc:
            webhook.last_error_date = int(time.time())
            webhook.last_error_message = f"Connection error: {type(exc).__name__}"
            return 0.0

    async def _webhook_reply(self, body: bytes) -> None:
        """A method in the webhook's answer is executed, as Telegram does (get* methods are ignored)."""
        with contextlib.suppress(ValueError):
            reply = json.loads(body or b"{}")
            method = reply.get("method") if isinstance(reply, dict) else None
            if isinstance(method, str) and not method.lower().startswith(
                ("get", "setwebhook", "deletewebhook")
            ):
                with contextlib.suppress(ApiError):
                    await self.call(ApiRequest(method, {k: v for k, v in reply.items() if k != "method"}))

    # --- the Bot API -----------------------------------------------------------------------------------

    async def call(self, req: ApiRequest) -> Any:
        handler = getattr(self, f"api_{req.method.lower()}", None)
        if handler is None:
            raise ApiError(404, "Not Found: method not found")
        fault = self.take_fault(req.method)
        if fault is not None:
            raise fault
        return await handler(req)

    async def api_getme(self, req: ApiRequest) -> Any:
        return self.bot_user

    async def api_setwebhook(self, req: ApiRequest) -> Any:
        url = req.text("url") or ""
        secret = req.text("secret_token")
        if secret is not None:
            if len(secret) > 256:
                raise bad_request("secret token is too long")
            if not all(c.isalnum() or c in "_-" for c in secret) or not secret.isascii():
                raise bad_request("secret token contains unallowed characters")
        if req.flag("drop_pending_updates"):
            with self.lock:
                self.pending.clear()
        if not url:
            self.webhook = None
            return True
        if not url.startswith(("https://", "http://127.", "http://localhost")):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        allowed = req.structured("allowed_updates")
        self.webhook = Webhook(url, secret, allowed or None, req.integer("max_connections") or 40)
        # Updates that waited for a webhook now flow to it, in order.
        with self.lock:
            waiting, self.pending = list(self.pending), []
        for update in waiting:
            kind = next(key for key in update if key != "update_id")
            self.push_update(kind, update[kind])
        return True

    async def api_deletewebhook(self, req: ApiRequest) -> Any:
        self.webhook = None
        if req.flag("drop_pending_updates"):
            with self.lock:
                self.pending.clear()
        return True

    async def api_getwebhookinfo(self, req: ApiRequest) -> Any:
        info: dict[str, Any] = {
            "url": "",
            "has_custom_certificate": False,
            "pending_update_count": len(self.pending),
        }
        if self.webhook is not None:
            info.update(url=self.webhook.url, max_connections=self.webhook.max_connections)
            if self.webhook.allowed_updates:
                info["allowed_updates"] = self.webhook.allowed_updates
            if self.webhook.last_error_date:
                info["last_error_date"] = self.webhook.last_error_date
                info["last_error_message"] = self.webhook.last_error_message
        return info

    async def api_getupdates(self, req: ApiRequest) -> Any:
        if self.webhook is not None:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
            )
        offset = req.integer("offset") or 0
        limit = max(1, min(req.integer("limit") or 100, 100))
        timeout = max(0, min(req.integer("timeout") or 0, 50))
        allowed = req.structured("allowed_updates") or None
        with self.lock:
            if offset:
                self.pending = [u for u in self.pending if u["update_id"] >= offset]
        deadline = time.monotonic() + timeout
        while True:
            with self.lock:
                ready = [
                    u for u in self.pending if not allowed or any(k in allowed for k in u if k != "update_id")
                ]
            if ready or time.monotonic() >= deadline:
                return ready[:limit]
            self._new_updates.clear()
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(
                    self._new_updates.wait(), timeout=max(0.05, deadline - time.monotonic())
                )

    async def api_sendmessage(self, req: ApiRequest) -> Any:
        chat = self._chat(req.integer("chat_id", required=True))
        text, entities, html = self._formatted(req, "text", MAX_TEXT, required=True)
        markup = self._markup(req)
        payload = self._new_message(chat, self.bot_user)
        payload["text"] = text
        if entities:
            payload["entities"] = entities
        if markup:
            payload["reply_markup"] = markup
        self._store(chat, payload, html)
        return payload

    async def api_editmessagetext(self, req: ApiRequest) -> Any:
        chat = self._chat(req.integer("chat_id", required=True))
        stored = self._message(chat, req.integer("message_id", required=True))
        if "text" not in stored.payload:
            raise bad_request("there is no text in the message to edit")
        text, entities, html = self._formatted(req, "text", MAX_TEXT, required=True)
        markup = self._markup(req)
        if (
            text == stored.payload["text"]
            and entities == stored.payload.get("entities", [])
            and markup == stored.payload.get("reply_markup")
        ):
            raise bad_request(
                "message is not modified: specified new message content and reply markup are exactly the same "
                "as a current content and reply markup of the message"
            )
        stored.payload.update(text=text, edit_date=int(time.time()))
        stored.payload.pop("entities", None)
        stored.payload.pop("reply_markup", None)
        if entities:
            stored.payload["entities"] = entities
        if markup:
            stored.payload["reply_markup"] = markup
        stored.html = html
        self._touch(chat, stored)
        return stored.payload

    async def api_editmessagecaption(self, req: ApiRequest) -> Any:
        chat = self._chat(req.integer("chat_id", required=True))
        stored = self._message(chat, req.integer("message_id", required=True))
        if not any(kind in stored.payload for kind in _MEDIA_KINDS):
            raise bad_request("there is no caption in the message to edit")
        caption, entities, html = self._formatted(req, "caption", MAX_CAPTION, required=False)
        markup = self._markup(req)
        stored.payload.pop("caption", None)
        stored.payload.pop("caption_entities", None)
        stored.payload.pop("reply_markup", None)
        if caption:
            stored.payload["caption"] = caption
        if entities:
            stored.payload["caption_entities"] = entities
        if markup:
            stored.payload["reply_markup"] = markup
        stored.payload["edit_date"] = int(time.time())
        stored.html = html
        self._touch(chat, stored)
        return stored.payload

    async def api_editmessagereplymarkup(self, req: ApiRequest) -> Any:
        chat = self._chat(req.integer("chat_id", required=True))
        stored = self._message(chat, req.integer("message_id", required=True))
        markup = self._markup(req)
        if markup == stored.payload.get("reply_markup"):
            raise bad_request(
                "message is not modified: specified new message content and reply markup are exactly the same "
                "as a current content and reply markup of the message"
            )
        stored.payload.pop("reply_markup", None)
        if markup:
            stored.payload["reply_markup"] = markup
        stored.payload["edit_date"] = int(time.time())
        self._touch(chat, stored)
        return stored.payload

    async def api_deletemessage(self, req: ApiRequest) -> Any:
        chat = self._chat(req.integer("chat_id", required=True))
        stored = chat.messages.get(req.integer("message_id", required=True) or -1)
        if stored is None or stored.deleted:
            raise bad_request("message to delete not found")
        if time.time() - stored.payload["date"] > 48 * 3600:
            raise bad_request("message can't be deleted")
        stored.deleted = True
        self._touch(chat, stored)
        return True

    async def api_answercallbackquery(self, req: ApiRequest) -> Any:
        query_id = req.text("callback_query_id", required=True) or ""
        query = self.callback_queries.get(query_id)
        if query is None or query["answered"] or time.time() - query["created"] > SHORT_LIVED_SECONDS:
            raise bad_request("query is too old and response timeout expired or query ID is invalid")
        text = req.text("text") or ""
        if len(text) > MAX_CALLBACK_ANSWER:
            raise bad_request("MESSAGE_TOO_LONG")
        query["answered"] = True
        query["answered_at"] = time.time()
        if text:
            self._notify(self.chats[query["user_id"]], text, alert=req.flag("show_alert"))
        return True

    async def api_sendchataction(self, req: ApiRequest) -> Any:
        self._chat(req.integer("chat_id", required=True))
        if req.text("action") not in CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        return True

    # --- files and media -----------------------------------------------------------------------------------

    def store_file(self, data: bytes, mime_type: str, file_name: str, folder: str) -> StoredFile:
        number = next(self._file_ids)
        file_id = f"EMU{folder[:3].upper()}{number:06d}{secrets.token_hex(6)}"
        extension = file_name.rsplit(".", 1)[-1] if "." in file_name else "bin"
        stored = StoredFile(
            file_id, f"U{number:08d}", data, mime_type, file_name, f"{folder}/file_{number}.{extension}"
        )
        with self.lock:
            self.files[file_id] = stored
        return stored

    async def _input_file(self, req: ApiRequest, name: str, kind: str) -> StoredFile:
        upload = req.uploads.get(name)
        value = req.text(name)
        if upload is None and value and value.startswith("attach://"):
            upload = req.uploads.get(value.removeprefix("attach://"))
        if upload is not None:
            limit = UPLOAD_PHOTO_LIMIT if kind == "photo" else UPLOAD_OTHER_LIMIT
            if len(upload.data) > limit:
                raise ApiError(413, "Request Entity Too Large")
            # Like Telegram, tell the type from the file when the client did not say.
            mime = upload.content_type
            if mime == "application/octet-stream":
                mime = mimetypes.guess_type(upload.filename)[0] or mime
            return self.store_file(upload.data, mime, upload.filename, kind + "s")
        if not value:
            raise bad_request(f"there is no {kind} in the request")
        if value in self.files:
            return self.files[value]
        if not value.startswith(("http://", "https://")):
            raise bad_request("wrong file identifier/HTTP URL specified")
        return await self._download(value, kind)

    async def _download(self, url: str, kind: str) -> StoredFile:
        limit = URL_PHOTO_LIMIT if kind == "photo" else URL_OTHER_LIMIT
        session = await self.http()
        try:
            async with session.get(url) as response:
                if response.status != 200:
                    raise bad_request("failed to get HTTP URL content")
                declared = response.content_length
                if declared is not None and declared > limit:
                    raise bad_request("wrong file identifier/HTTP URL specified")
                data = await response.content.read(limit + 1)
                mime = response.content_type or "application/octet-stream"
        except (TimeoutError, aiohttp.ClientError):
            raise bad_request("failed to get HTTP URL content") from None
        if len(data) > limit:
            raise bad_request("wrong file identifier/HTTP URL specified")
        if kind == "document" and mime not in {"application/pdf", "application/zip", "image/gif"}:
            raise bad_request("wrong type of the web page content")
        file_name = url.rsplit("/", 1)[-1].split("?", 1)[0] or f"{kind}.bin"
        return self.store_file(data, mime, file_name, kind + "s")

    def media_object(self, kind: str, stored: StoredFile) -> Any:
        base = {"file_id": stored.file_id, "file_unique_id": stored.unique_id, "file_size": len(stored.data)}
        if kind == "photo":
            width, height = _image_size(stored.data)
            if width + height > 10_000 or max(width, height) > 20 * max(1, min(width, height)):
                raise bad_request("PHOTO_INVALID_DIMENSIONS")
            small = {
                **base,
                "file_id": stored.file_id + "s",
                "width": min(width, 90),
                "height": min(height, 90),
            }
            self.files[str(small["file_id"])] = stored
            return [small, {**base, "width": width, "height": height}]
        if kind in {"video", "animation"}:
            return {
                **base,
                "width": 1280,
                "height": 720,
                "duration": 5,
                "mime_type": stored.mime_type,
                "file_name": stored.file_name,
            }
        if kind == "audio":
            return {**base, "duration": 5, "mime_type": stored.mime_type, "file_name": stored.file_name}
        return {**base, "file_name": stored.file_name, "mime_type": stored.mime_type}

    def file_url(self, stored: StoredFile) -> str:
        return f"{self.public_url}/_emu/files/{stored.file_id}"

    def _media_html(self, kind: str, stored: StoredFile, caption_html: str) -> str:
        url = self.file_url(stored)
        tags = {
            "photo": f'<img src="{url}" alt="photo">',
            "video": f'<video src="{url}" controls></video>',
            "animation": f'<video src="{url}" autoplay loop muted></video>',
            "audio": f'<audio src="{url}" controls></audio>',
            "document": f'<a class="doc" href="{url}" download="{stored.file_name}">📄 {stored.file_name}</a>',
        }
        return tags[kind] + (f'<div class="caption">{caption_html}</div>' if caption_html else "")

    async def _send_media(self, req: ApiRequest, kind: str) -> Any:
        chat = self._chat(req.integer("chat_id", required=True))
        caption, entities, caption_html = self._formatted(req, "caption", MAX_CAPTION, required=False)
        markup = self._markup(req)
        stored = await self._input_file(req, kind, kind)
        payload = self._new_message(chat, self.bot_user)
        payload[kind] = self.media_object(kind, stored)
        if kind == "animation":
            payload["document"] = self.media_object("document", stored)
        if caption:
            payload["caption"] = caption
        if entities:
            payload["caption_entities"] = entities
        if markup:
            payload["reply_markup"] = markup
        self._store(chat, payload, self._media_html(kind, stored, caption_html))
        return payload

    async def api_sendphoto(self, req: ApiRequest) -> Any:
        return await self._send_media(req, "photo")

    async def api_sendvideo(self, req: ApiRequest) -> Any:
        return await self._send_media(req, "video")

    async def api_sendaudio(self, req: ApiRequest) -> Any:
        return await self._send_media(req, "audio")

    async def api_senddocument(self, req: ApiRequest) -> Any:
        return await self._send_media(req, "document")

    async def api_sendanimation(self, req: ApiRequest) -> Any:
        return await self._send_media(req, "animation")

    async def api_sendmediagroup(self, req: ApiRequest) -> Any:
        chat = self._chat(req.integer("chat_id", required=True))
        media = req.structured("media")
        if not isinstance(media, list) or not 2 <= len(media) <= 10:
            raise bad_request("wrong number of media in the album: must be between 2 and 10")
        kinds = {item.get("type") for item in media if isinstance(item, dict)}
        if not kinds <= {"photo", "video", "audio", "document"}:
            raise bad_request("wrong type of media in the album")
        for lone in ("audio", "document"):
            if lone in kinds and len(kinds) > 1:
                raise bad_request(f"{lone} can't be mixed with other media types")
        group_id = str(next(self._file_ids) * 1000 + 7)
        prepared = []
        for item in media:
            item_req = ApiRequest(req.method, {**item, item["type"]: item.get("media")}, req.uploads)
            caption, entities, caption_html = self._formatted(
                item_req, "caption", MAX_CAPTION, required=False
            )
            stored = await self._input_file(item_req, item["type"], item["type"])
            prepared.append((item["type"], stored, caption, entities, caption_html))
        messages = []
        for kind, stored, caption, entities, caption_html in prepared:
            payload = self._new_message(chat, self.bot_user)
            payload["media_group_id"] = group_id
            payload[kind] = self.media_object(kind, stored)
            if caption:
                payload["caption"] = caption
            if entities:
                payload["caption_entities"] = entities
            self._store(chat, payload, self._media_html(kind, stored, caption_html))
            messages.append(payload)
        return messages

    async def api_getfile(self, req: ApiRequest) -> Any:
        stored = self.files.get(req.text("file_id", required=True) or "")
        if stored is None:
            raise bad_request("wrong file_id or the file is temporarily unavailable")
        if len(stored.data) > GETFILE_LIMIT:
            raise bad_request("file is too big")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.unique_id,
            "file_size": len(stored.data),
            "file_path": stored.file_path,
        }

    def file_by_path(self, file_path: str) -> StoredFile | None:
        with self.lock:
            return next((f for f in self.files.values() if f.file_path == file_path), None)

    # --- payments (Telegram Stars) ----------------------------------------------------------------------

    def _invoice(self, req: ApiRequest) -> dict[str, Any]:
        title = req.text("title", required=True) or ""
        description = req.text("description", required=True) or ""
        payload = req.text("payload", required=True) or ""
        currency = req.text("currency", required=True) or ""
        prices = req.structured("prices")
        if not 1 <= len(title) <= 32:
            raise bad_request("invoice title length must be between 1 and 32 characters")
        if not 1 <= len(description) <= 255:
            raise bad_request("invoice description length must be between 1 and 255 characters")
        if not 1 <= len(payload.encode()) <= 128:
            raise bad_request("invoice payload length must be between 1 and 128 bytes")
        if not isinstance(prices, list) or not prices:
            raise bad_request("can't parse prices JSON object")
        if currency == "XTR":
            if len(prices) != 1:
                raise bad_request("only one price must be specified for payments in Telegram Stars")
            if req.text("provider_token"):
                raise bad_request("provider_token must be empty for payments in Telegram Stars")
        total = sum(int(price.get("amount", 0)) for price in prices)
        if total <= 0:
            raise bad_request("CURRENCY_TOTAL_AMOUNT_INVALID")
        return {
            "title": title,
            "description": description,
            "payload": payload,
            "currency": currency,
            "total_amount": total,
        }

    async def api_sendinvoice(self, req: ApiRequest) -> Any:
        chat = self._chat(req.integer("chat_id", required=True))
        invoice = self._invoice(req)
        markup = self._markup(req)
        payload = self._new_message(chat, self.bot_user)
        payload["invoice"] = {
            "title": invoice["title"],
            "description": invoice["description"],
            "start_parameter": req.text("start_parameter") or "",
            "currency": invoice["currency"],
            "total_amount": invoice["total_amount"],
        }
        if markup:
            payload["reply_markup"] = markup
        self._store(chat, payload, "")
        self._invoices[(chat.id, payload["message_id"])] = invoice
        return payload

    async def api_createinvoicelink(self, req: ApiRequest) -> Any:
        invoice = self._invoice(req)
        slug = secrets.token_urlsafe(12)
        self._invoice_links[slug] = invoice
        return f"https://t.me/${slug}"

    async def api_answerprecheckoutquery(self, req: ApiRequest) -> Any:
        query = self.pre_checkouts.get(req.text("pre_checkout_query_id", required=True) or "")
        if query is None or query["answered"] or time.time() - query["created"] > PRE_CHECKOUT_TIMEOUT:
            raise bad_request("query is too old and response timeout expired or query ID is invalid")
        ok = req.flag("ok")
        error_message = req.text("error_message")
        if not ok and not error_message:
            raise bad_request("error_message must be non-empty if ok is false")
        query["answered"] = True
        query["answer"].set_result((ok, error_message))
        return True

    async def api_refundstarpayment(self, req: ApiRequest) -> Any:
        user_id = req.integer("user_id", required=True)
        charge = self.charges.get(req.text("telegram_payment_charge_id", required=True) or "")
        if charge is None or charge["user_id"] != user_id:
            raise bad_request("CHARGE_NOT_FOUND")
        if charge["refunded"]:
            raise bad_request("CHARGE_ALREADY_REFUNDED")
        charge["refunded"] = True
        chat = self.chats[charge["user_id"]]
        payload = self._new_message(chat, self.users[charge["user_id"]])
        payload["refunded_payment"] = {
            "currency": "XTR",
            "total_amount": charge["total_amount"],
            "invoice_payload": charge["invoice_payload"],
            "telegram_payment_charge_id": charge["id"],
        }
        self._store(chat, payload, f"↩️ Refunded {charge['total_amount']} ⭐")
        self.push_update("message", payload)
        return True

    # --- the people's side ---------------------------------------------------------------------------------

    def user_text(self, user_id: int, text: str) -> dict[str, Any]:
        """A person types ``text`` (a command when it starts with /)."""
        chat = self.chats[user_id]
        payload = self._new_message(chat, self.users[user_id])
        payload["text"] = text
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            payload["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        self._store(chat, payload, to_display_html(text, []))
        return self.push_update("message", payload)

    def user_photo(
        self,
        user_id: int,
        data: bytes,
        *,
        caption: str | None = None,
        as_document: bool = False,
        file_name: str = "photo.jpg",
        mime_type: str = "image/jpeg",
    ) -> dict[str, Any]:
        """A person sends a picture: compressed as a photo, or as a file (document)."""
        chat = self.chats[user_id]
        kind = "document" if as_document else "photo"
        stored = self.store_file(data, mime_type, file_name, kind + "s")
        payload = self._new_message(chat, self.users[user_id])
        payload[kind] = self.media_object(kind, stored)
        if caption:
            payload["caption"] = caption
        self._store(chat, payload, self._media_html(kind, stored, to_display_html(caption or "", [])))
        return self.push_update("message", payload)

    def press(self, user_id: int, message_id: int, callback_data: str) -> dict[str, Any]:
        """A person presses an inline button of one of the bot's messages."""
        chat = self.chats[user_id]
        stored = chat.messages.get(message_id)
        if stored is None or stored.deleted:
            raise bad_request("message not found")
        query_id = str(next(self._file_ids) * 7919)
        query = {
            "id": query_id,
            "from": self.users[user_id],
            "message": stored.payload,
            "chat_instance": str(user_id * 31),
            "data": callback_data,
        }
        self.callback_queries[query_id] = {"answered": False, "created": time.time(), "user_id": user_id}
        return self.push_update("callback_query", query)

    def last_unpaid_invoice(self, user_id: int) -> int | None:
        chat = self.chats.get(user_id)
        unpaid = [
            message_id
            for (chat_id, message_id) in self._invoices
            if chat is not None and chat_id == user_id and not chat.messages[message_id].invoice_paid
        ]
        return max(unpaid, default=None)

    async def pay(self, user_id: int, message_id: int) -> dict[str, Any]:
        """A person taps Pay on an invoice: pre-checkout to the bot, then the payment if it agrees."""
        chat = self.chats[user_id]
        invoice = self._invoices.get((user_id, message_id))
        stored = chat.messages.get(message_id)
        if invoice is None or stored is None:
            raise bad_request("invoice not found")
        if stored.invoice_paid:
            raise bad_request("invoice is already paid")
        query_id = str(next(self._file_ids) * 104729)
        answer: asyncio.Future[tuple[bool, str | None]] = asyncio.get_running_loop().create_future()
        self.pre_checkouts[query_id] = {"answered": False, "created": time.time(), "answer": answer}
        self.push_update(
            "pre_checkout_query",
            {
                "id": query_id,
                "from": self.users[user_id],
                "currency": invoice["currency"],
                "total_amount": invoice["total_amount"],
                "invoice_payload": invoice["payload"],
            },
        )
        try:
            ok, error_message = await asyncio.wait_for(answer, timeout=PRE_CHECKOUT_TIMEOUT)
        except TimeoutError:
            ok, error_message = False, "The bot did not confirm the payment in time"
        if not ok:
            self._notify(chat, error_message or "Payment declined", alert=True)
            return {"ok": False, "error": error_message}
        stored.invoice_paid = True
        self._touch(chat, stored)
        charge_id = "stxEMU" + secrets.token_hex(12)
        self.charges[charge_id] = {
            "id": charge_id,
            "user_id": user_id,
            "total_amount": invoice["total_amount"],
            "invoice_payload": invoice["payload"],
            "refunded": False,
        }
        payload = self._new_message(chat, self.users[user_id])
        payload["successful_payment"] = {
            "currency": invoice["currency"],
            "total_amount": invoice["total_amount"],
            "invoice_payload": invoice["payload"],
            "telegram_payment_charge_id": charge_id,
            "provider_payment_charge_id": "",
        }
        self._store(
            chat,
            payload,
            f"✅ Paid {invoice['total_amount']} {'⭐' if invoice['currency'] == 'XTR' else invoice['currency']}",
        )
        self.push_update("message", payload)
        return {"ok": True, "telegram_payment_charge_id": charge_id}

    def history(self, chat_id: int, after: int = 0) -> dict[str, Any]:
        """What the chat page shows: messages and notices changed since sequence number ``after``."""
        chat = self.chats.get(chat_id)
        if chat is None:
            return {"seq": 0, "messages": [], "toasts": []}
        with self.lock:
            changed = sorted(
                (m for m in chat.messages.values() if m.seq > after), key=lambda m: m.payload["message_id"]
            )
            messages = [
                {
                    "message_id": m.payload["message_id"],
                    "seq": m.seq,
                    "from_bot": m.payload["from"]["id"] == self.bot_id,
                    "deleted": m.deleted,
                    "html": m.html,
                    "payload": m.payload,
                    "invoice_paid": m.invoice_paid,
                }
                for m in changed
            ]
            toasts = [t for t in chat.toasts if t["seq"] > after]
        return {"seq": chat.seq, "messages": messages, "toasts": toasts}

    async def wait_for_change(self, chat_id: int, after: int, wait_seconds: float) -> dict[str, Any]:
        chat = self.chats.get(chat_id)
        if chat is not None and chat.seq <= after:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(chat.changed.wait(), timeout=wait_seconds)
        return self.history(chat_id, after)
