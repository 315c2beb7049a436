"""A Telegram Bot API server for one bot, on loopback, with the people who talk to it.

Bot side: the Bot API methods the project uses, with Telegram's envelopes, limits and error texts;
sending limits (ratelimit.py), invoices in Stars and through a payments provider (payments.py), the
bot's command menu and descriptions (profile.py).
User side: people send text, commands, photos and files, press buttons, pay invoices and get refunds;
updates reach the bot by webhook (secret header, per-chat order, retries with backoff, a method in the
webhook's answer is executed) or by getUpdates.
Deliberate differences from api.telegram.org: webhooks may use plain http on loopback, and every
user is in a private chat with the bot (chat id = user id).
"""

from __future__ import annotations

import asyncio
import contextlib
import email
import email.policy
import itertools
import json
import mimetypes
import secrets
import struct
import threading
import time
import urllib.parse
import uuid
from dataclasses import dataclass, field
from html import escape as html_escape
from typing import Any

import aiohttp

from infra.local.telegram.api import ApiError, ApiRequest, Upload, bad_request
from infra.local.telegram.formatting import EntityParseError, parse, to_display_html
from infra.local.telegram.payments import CURRENCY_LIMITS, Invoice, parse_invoice
from infra.local.telegram.payments import order_info as _order_info
from infra.local.telegram.profile import BotProfile, ProfileError, commands, language, scope_key
from infra.local.telegram.ratelimit import RateLimits, Refusal, SendLimiter, SendLog, SendRecord

__all__ = ["ApiError", "ApiRequest", "Charge", "RateLimits", "TelegramEmulator", "Upload", "bad_request"]

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


@dataclass
class StoredFile:
    file_id: str
    unique_id: str
    data: bytes
    mime_type: str
    file_name: str
    file_path: str
    kind: str = "document"  # photo, video, audio, document or animation: a file_id keeps its type


@dataclass
class StoredMessage:
    payload: dict[str, Any]  # the Message object as the bot sees it
    seq: int
    html: str = ""  # how the chat page shows its text or caption
    deleted: bool = False
    invoice_paid: bool = False
    silent: bool = False  # sent with disable_notification (not part of Telegram's Message object)
    media_source: str | None = None  # how the bot gave the file: "upload", "url" or "file_id"


@dataclass
class Charge:
    """A payment as Telegram keeps it; ``status`` is "paid" or "refunded"."""

    id: str  # telegram_payment_charge_id
    user_id: int
    currency: str
    total_amount: int
    invoice_payload: str
    provider_payment_charge_id: str
    paid_at: float
    message_id: int | None = None  # the invoice message, None for an invoice link
    order_info: dict[str, Any] | None = None
    status: str = "paid"
    refunded_at: float | None = None
    refunded_by: str | None = None  # "bot" (refundStarPayment) or "telegram" (support, a chargeback)

    def as_dict(self) -> dict[str, Any]:
        return {
            "telegram_payment_charge_id": self.id,
            "user_id": self.user_id,
            "currency": self.currency,
            "total_amount": self.total_amount,
            "invoice_payload": self.invoice_payload,
            "provider_payment_charge_id": self.provider_payment_charge_id,
            "paid_at": self.paid_at,
            "message_id": self.message_id,
            "order_info": self.order_info,
            "status": self.status,
            "refunded_at": self.refunded_at,
            "refunded_by": self.refunded_by,
        }


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
    via: str = "http"  # "http", or "webhook_reply" for a method returned in the webhook's answer


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
_DOCUMENT_FAMILY = {"document", "video", "audio", "animation"}
_CONTENT_KEYS = {"text", "entities", "caption", "caption_entities", *_MEDIA_KINDS, "link_preview_options"}
_COPYABLE_KEYS = {"text", *_MEDIA_KINDS}
SEND_METHODS = {"copymessage", "forwardmessage"}  # sending methods whose names do not start with "send"
IGNORED_IN_WEBHOOK_REPLY = {"setwebhook", "deletewebhook", "close", "logout"}


def _money(amount: int, currency: str) -> str:
    if currency == "XTR":
        return f"{amount} ⭐"
    exp = CURRENCY_LIMITS.get(currency, (2, 0, 0))[0]
    return f"{amount / 10**exp:.{exp}f} {currency}"


def _chat_key(value: Any) -> object:
    try:
        return int(value)
    except (TypeError, ValueError):
        return str(value)


def _webhook_reply_request(body: bytes, content_type: str) -> ApiRequest | None:
    """The Bot API call inside a webhook's answer, or None when there is none to execute."""
    values: dict[str, Any] = {}
    uploads: dict[str, Upload] = {}
    kind = content_type.split(";", 1)[0].strip().lower()
    if not body.strip():
        return None
    if kind == "application/x-www-form-urlencoded":
        values = dict(urllib.parse.parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    elif kind == "multipart/form-data":
        parsed = email.message_from_bytes(
            f"Content-Type: {content_type}\r\n\r\n".encode() + body, policy=email.policy.HTTP
        )
        for part in parsed.iter_parts() if parsed.is_multipart() else []:
            name = part.get_param("name", header="content-disposition")
            if not isinstance(name, str):
                continue
            data = part.get_payload(decode=True)
            data = data if isinstance(data, bytes) else b""
            filename = part.get_filename()
            if filename:
                uploads[name] = Upload(data, filename, part.get_content_type())
            else:
                values[name] = data.decode(part.get_content_charset() or "utf-8", "replace")
    else:
        try:
            parsed_json = json.loads(body)
        except ValueError:
            return None
        if not isinstance(parsed_json, dict):
            return None
        values = parsed_json
    method = values.pop("method", None)
    if not isinstance(method, str) or not method:
        return None
    if method.lower().startswith("get") or method.lower() in IGNORED_IN_WEBHOOK_REPLY:
        return None
    return ApiRequest(method, values, uploads)


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
        rate_limits: RateLimits | None = None,
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
        self.charges: dict[str, Charge] = {}
        self._invoices: dict[tuple[int, int], Invoice] = {}  # (chat, message id) -> invoice
        self.invoice_links: dict[str, Invoice] = {}  # link -> invoice
        self.profile = BotProfile()
        self.limiter = SendLimiter(rate_limits or RateLimits())
        self.send_log = SendLog()
        self.downloads: list[str] = []  # every URL the emulator fetched for a send*, in order
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

    def record(self, method: str, params: dict[str, Any], ok: bool, via: str = "http") -> None:
        with self.lock:
            self.calls.append(ApiCall(method, params, ok, time.time(), via))

    # --- sending limits and the log of sends (see ratelimit.py) ------------------------------------

    @property
    def rate_limits(self) -> RateLimits:
        return self.limiter.limits

    def set_rate_limits(self, limits: RateLimits) -> None:
        """New limits, with full buckets (tests switch them off or tighten them)."""
        self.limiter.configure(limits)

    def sends(self, chat_id: int | None = None, *, since: float | None = None) -> list[SendRecord]:
        """Messages the bot sent, oldest first (``since`` is a time.monotonic() value)."""
        return self.send_log.of(chat_id, since=since)

    def max_sends_per_second(
        self, chat_id: int | None = None, *, window: float = 1.0, since: float | None = None
    ) -> int:
        """The most messages sent within any ``window`` seconds, to everybody or to one chat."""
        return self.send_log.max_in_window(chat_id, window=window, since=since)

    def max_sends_per_second_per_chat(self, *, window: float = 1.0, since: float | None = None) -> int:
        """The most messages any single chat got within any ``window`` seconds."""
        return self.send_log.max_in_window_per_chat(window=window, since=since)

    def send_stats(self, chat_id: int | None = None, since: float | None = None) -> dict[str, Any]:
        return {
            "messages": len(self.sends(chat_id, since=since)),
            "max_per_second": self.max_sends_per_second(chat_id, since=since),
            "max_per_second_in_one_chat": self.max_sends_per_second_per_chat(since=since),
            "rate_limited": len(
                [r for r in self.send_log.refusals if chat_id is None or r.chat_id == chat_id]
            ),
            "limits": self.rate_limits.as_dict(),
        }

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

    def _store(
        self,
        chat: Chat,
        payload: dict[str, Any],
        html: str,
        *,
        silent: bool = False,
        media_source: str | None = None,
    ) -> StoredMessage:
        stored = StoredMessage(payload=payload, seq=0, html=html, silent=silent, media_source=media_source)
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

    def _reply_to(self, req: ApiRequest, chat: Chat) -> dict[str, Any] | None:
        """The message a send replies to (reply_parameters, or the older reply_to_message_id)."""
        params = req.structured("reply_parameters")
        if not isinstance(params, dict):
            params = (
                {"message_id": req.integer("reply_to_message_id")} if req.has("reply_to_message_id") else {}
            )
        if not params.get("message_id"):
            return None
        stored = chat.messages.get(int(params["message_id"]))
        if stored is None or stored.deleted:
            if params.get("allow_sending_without_reply") in (True, "true"):
                return None
            raise bad_request("message to be replied not found")
        return {key: value for key, value in stored.payload.items() if key != "reply_to_message"}

    def _outgoing(self, chat: Chat, reply_to: dict[str, Any] | None) -> dict[str, Any]:
        payload = self._new_message(chat, self.bot_user)
        if reply_to is not None:
            payload["reply_to_message"] = reply_to
        return payload

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
                    await self._webhook_reply(body, response.headers.get("Content-Type", ""))
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

    async def _webhook_reply(self, body: bytes, content_type: str) -> None:
        """A method in the webhook's answer is executed, as Telegram does: JSON, a form or multipart, with
        the method's name in ``method``; get* methods, setWebhook, deleteWebhook, close and logOut are
        ignored (Bot API "Making requests when getting updates"; WebhookActor.cpp). Its result is lost;
        the call log keeps it with via="webhook_reply"."""
        req = _webhook_reply_request(body, content_type)
        if req is None:
            return
        try:
            await self.call(req)
        except ApiError:
            self.record(req.method, req.loggable(), ok=False, via="webhook_reply")
            return
        self.record(req.method, req.loggable(), ok=True, via="webhook_reply")

    # --- the Bot API -----------------------------------------------------------------------------------

    def _sent_count(self, req: ApiRequest) -> int:
        """How many messages this call would send, for the limits (0 for anything that is not a send)."""
        method = req.method.lower()
        if method == "sendmediagroup":
            with contextlib.suppress(ApiError):
                media = req.structured("media")
                if isinstance(media, list):
                    return max(1, len(media))
            return 1
        if (method.startswith("send") and method != "sendchataction") or method in SEND_METHODS:
            return 1
        if method.startswith("edit") and self.rate_limits.count_edits:
            return 1
        return 0

    def _log_sends(self, req: ApiRequest, result: Any, accepted_at: float) -> None:
        try:
            chat_id = int(req.raw("chat_id"))
        except (TypeError, ValueError):
            return
        items = result if isinstance(result, list) else [result]
        chat = self.chats.get(chat_id)
        for item in items:
            if not isinstance(item, dict) or "message_id" not in item:
                continue
            stored = chat.messages.get(item["message_id"]) if chat is not None else None
            self.send_log.add(
                SendRecord(
                    at=accepted_at,
                    chat_id=chat_id,
                    message_id=int(item["message_id"]),
                    method=req.method,
                    silent=stored.silent if stored is not None else False,
                    media_source=stored.media_source if stored is not None else None,
                )
            )

    async def call(self, req: ApiRequest) -> Any:
        handler = getattr(self, f"api_{req.method.lower()}", None)
        if handler is None:
            raise ApiError(404, "Not Found: method not found")
        fault = self.take_fault(req.method)
        if fault is not None:
            raise fault
        count = self._sent_count(req)
        chat_key = _chat_key(req.raw("chat_id"))
        accepted_at = self.limiter.clock()
        if count:
            retry_after = self.limiter.reserve(chat_key, count, at=accepted_at)
            if retry_after is not None:
                self.send_log.refuse(Refusal(accepted_at, chat_key, req.method, retry_after))
                raise ApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after)
        try:
            result = await handler(req)
        except BaseException:
            self.limiter.release(chat_key, count, at=accepted_at)
            raise
        if count:
            self._log_sends(req, result, accepted_at)
        return result

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
        payload = self._outgoing(chat, self._reply_to(req, chat))
        payload["text"] = text
        if entities:
            payload["entities"] = entities
        if markup:
            payload["reply_markup"] = markup
        self._store(chat, payload, html, silent=req.flag("disable_notification"))
        return payload

    def _source_message(self, req: ApiRequest, what: str) -> StoredMessage:
        from_chat = _chat_key(req.required("from_chat_id"))
        chat = self.chats.get(from_chat) if isinstance(from_chat, int) else None
        if chat is None:
            raise bad_request("chat not found")
        stored = chat.messages.get(req.integer("message_id") or -1)
        if stored is None or stored.deleted:
            raise bad_request(f"{what} not found")
        return stored

    def _copied_content(self, source: StoredMessage) -> dict[str, Any]:
        return {key: value for key, value in source.payload.items() if key in _CONTENT_KEYS}

    async def api_copymessage(self, req: ApiRequest) -> Any:
        """A copy without a link to the original (returns MessageId); service messages and invoices can't
        be copied (Bot API copyMessage; errors "message to copy not found", "message can't be copied")."""
        chat = self._chat(req.integer("chat_id", required=True))
        source = self._source_message(req, "message to copy")
        if not any(key in source.payload for key in _COPYABLE_KEYS):
            raise bad_request("message can't be copied")
        content = self._copied_content(source)
        html = source.html
        if req.has("caption") and any(kind in content for kind in _MEDIA_KINDS):
            caption, entities, caption_html = self._formatted(req, "caption", MAX_CAPTION, required=False)
            content.pop("caption", None)
            content.pop("caption_entities", None)
            if caption:
                content["caption"] = caption
            if entities:
                content["caption_entities"] = entities
            kind = next(kind for kind in _MEDIA_KINDS if kind in content)
            media = content[kind][-1] if kind == "photo" else content[kind]
            html = self._media_html(kind, self.files[media["file_id"]], caption_html)
        markup = self._markup(req)
        payload = {**self._new_message(chat, self.bot_user), **content}
        if markup:
            payload["reply_markup"] = markup
        self._store(
            chat, payload, html, silent=req.flag("disable_notification"), media_source=source.media_source
        )
        return {"message_id": payload["message_id"]}

    async def api_forwardmessage(self, req: ApiRequest) -> Any:
        """The same content with forward_origin telling whose it was (Bot API forwardMessage, MessageOrigin)."""
        chat = self._chat(req.integer("chat_id", required=True))
        source = self._source_message(req, "message to forward")
        if not any(key in source.payload for key in _COPYABLE_KEYS | {"invoice"}):
            raise bad_request("message can't be forwarded")
        payload = {**self._new_message(chat, self.bot_user), **self._copied_content(source)}
        if "invoice" in source.payload:
            payload["invoice"] = source.payload["invoice"]
        payload["forward_origin"] = {
            "type": "user",
            "date": source.payload["date"],
            "sender_user": source.payload["from"],
        }
        self._store(
            chat,
            payload,
            source.html,
            silent=req.flag("disable_notification"),
            media_source=source.media_source,
        )
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

    # --- the bot's profile: commands, descriptions, name (see profile.py) ----------------------------------

    def _scope(self, req: ApiRequest) -> tuple[Any, ...]:
        raw = req.raw("scope")
        if isinstance(raw, str) and raw:
            try:
                raw = json.loads(raw)
            except json.JSONDecodeError:
                raise bad_request("Can't parse BotCommandScope JSON object") from None
        try:
            key = scope_key(raw)
        except ProfileError as error:
            raise bad_request(str(error)) from None
        if len(key) > 1 and key[1] not in self.chats:
            raise bad_request("chat not found")
        return key

    def _language(self, req: ApiRequest) -> str:
        try:
            return language(req.text("language_code"))
        except ProfileError as error:
            raise bad_request(str(error)) from None

    async def api_setmycommands(self, req: ApiRequest) -> Any:
        raw = req.raw("commands")
        if isinstance(raw, str) and raw:
            try:
                raw = json.loads(raw)
            except json.JSONDecodeError:
                raise bad_request("Can't parse commands JSON object") from None
        try:
            new = commands(raw)
        except ProfileError as error:
            raise bad_request(str(error)) from None
        scope, lang = self._scope(req), self._language(req)
        with self.lock:
            self.profile.set_commands(scope, lang, new)
        return True

    async def api_getmycommands(self, req: ApiRequest) -> Any:
        scope, lang = self._scope(req), self._language(req)
        return self.profile.get_commands(scope, lang)

    async def api_deletemycommands(self, req: ApiRequest) -> Any:
        scope, lang = self._scope(req), self._language(req)
        with self.lock:
            self.profile.delete_commands(scope, lang)
        return True

    def _set_text(self, req: ApiRequest, kind: str) -> bool:
        lang = self._language(req)
        try:
            with self.lock:
                self.profile.set_text(kind, lang, req.text(kind) or "")
        except ProfileError as error:
            raise bad_request(str(error)) from None
        return True

    async def api_setmydescription(self, req: ApiRequest) -> Any:
        return self._set_text(req, "description")

    async def api_getmydescription(self, req: ApiRequest) -> Any:
        return {"description": self.profile.text_for("description", self._language(req))}

    async def api_setmyshortdescription(self, req: ApiRequest) -> Any:
        return self._set_text(req, "short_description")

    async def api_getmyshortdescription(self, req: ApiRequest) -> Any:
        return {"short_description": self.profile.text_for("short_description", self._language(req))}

    async def api_setmyname(self, req: ApiRequest) -> Any:
        lang = self._language(req)
        name = req.text("name") or ""
        if not lang:
            if len(name) > 64:
                raise bad_request("name is too long")
            if name:  # the name for everybody is the bot's own (getMe's first_name)
                self.bot_user["first_name"] = name
            return True
        return self._set_text(req, "name")

    async def api_getmyname(self, req: ApiRequest) -> Any:
        lang = self._language(req)
        return {"name": self.profile.get_text("name", lang) or str(self.bot_user["first_name"])}

    def page_profile(self, user_id: int, language_code: str | None) -> dict[str, Any]:
        """What a person's app shows about the bot: its menu, and the description in an empty chat."""
        lang = (language_code or "")[:2].lower()
        return {
            "name": self.profile.get_text("name", lang) or str(self.bot_user["first_name"]),
            "username": self.bot_user["username"],
            "commands": self.profile.menu_for(user_id, lang),
            "description": self.profile.text_for("description", lang),
            "short_description": self.profile.text_for("short_description", lang),
        }

    # --- files and media -----------------------------------------------------------------------------------

    def store_file(
        self, data: bytes, mime_type: str, file_name: str, folder: str, kind: str | None = None
    ) -> StoredFile:
        number = next(self._file_ids)
        file_id = f"EMU{folder[:3].upper()}{number:06d}{secrets.token_hex(6)}"
        extension = file_name.rsplit(".", 1)[-1] if "." in file_name else "bin"
        stored = StoredFile(
            file_id,
            f"U{number:08d}",
            data,
            mime_type,
            file_name,
            f"{folder}/file_{number}.{extension}",
            kind or folder.removesuffix("s"),
        )
        with self.lock:
            self.files[file_id] = stored
        return stored

    async def _input_file(self, req: ApiRequest, name: str, kind: str) -> tuple[StoredFile, str]:
        """The file of a send* call and how it came: "upload" (multipart), "url" (the emulator downloads
        it, like Telegram) or "file_id" (a file Telegram already has: no download, no upload)."""
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
            return self.store_file(upload.data, mime, upload.filename, kind + "s"), "upload"
        if not value:
            raise bad_request(f"there is no {kind} in the request")
        if value in self.files:
            stored = self.files[value]
            # "It is not possible to change the file type when resending by file_id" (Bot API, Sending
            # files); files of the document family may be sent as a document.
            if stored.kind != kind and not (kind == "document" and stored.kind in _DOCUMENT_FAMILY):
                raise bad_request(f"can't use file of type {stored.kind.capitalize()} as {kind.capitalize()}")
            return stored, "file_id"
        if not value.startswith(("http://", "https://")):
            raise bad_request("wrong file identifier/HTTP URL specified")
        return await self._download(value, kind), "url"

    async def _download(self, url: str, kind: str) -> StoredFile:
        limit = URL_PHOTO_LIMIT if kind == "photo" else URL_OTHER_LIMIT
        session = await self.http()
        with self.lock:
            self.downloads.append(url)
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
                "file_unique_id": stored.unique_id + "s",
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
        name = html_escape(stored.file_name)
        tags = {
            "photo": f'<img src="{url}" alt="photo">',
            "video": f'<video src="{url}" controls></video>',
            "animation": f'<video src="{url}" autoplay loop muted></video>',
            "audio": f'<audio src="{url}" controls></audio>',
            "document": f'<a class="doc" href="{url}" download="{name}">📄 {name}</a>',
        }
        if kind == "document" and stored.mime_type.startswith("image/"):
            tags["document"] = (
                f'<a class="doc" href="{url}" download="{name}"><img src="{url}" alt="{name}"></a>'
            )
        return tags[kind] + (f'<div class="caption">{caption_html}</div>' if caption_html else "")

    async def _send_media(self, req: ApiRequest, kind: str) -> Any:
        chat = self._chat(req.integer("chat_id", required=True))
        caption, entities, caption_html = self._formatted(req, "caption", MAX_CAPTION, required=False)
        markup = self._markup(req)
        reply_to = self._reply_to(req, chat)
        stored, source = await self._input_file(req, kind, kind)
        payload = self._outgoing(chat, reply_to)
        payload[kind] = self.media_object(kind, stored)
        if kind == "animation":
            payload["document"] = self.media_object("document", stored)
        if caption:
            payload["caption"] = caption
        if entities:
            payload["caption_entities"] = entities
        if markup:
            payload["reply_markup"] = markup
        self._store(
            chat,
            payload,
            self._media_html(kind, stored, caption_html),
            silent=req.flag("disable_notification"),
            media_source=source,
        )
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
            stored, source = await self._input_file(item_req, item["type"], item["type"])
            prepared.append((item["type"], stored, source, caption, entities, caption_html))
        messages = []
        silent = req.flag("disable_notification")
        reply_to = self._reply_to(req, chat)
        for kind, stored, source, caption, entities, caption_html in prepared:
            payload = self._outgoing(chat, reply_to)
            payload["media_group_id"] = group_id
            payload[kind] = self.media_object(kind, stored)
            if caption:
                payload["caption"] = caption
            if entities:
                payload["caption_entities"] = entities
            self._store(
                chat,
                payload,
                self._media_html(kind, stored, caption_html),
                silent=silent,
                media_source=source,
            )
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

    # --- payments: Telegram Stars and payments providers (see payments.py) ------------------------------

    async def api_sendinvoice(self, req: ApiRequest) -> Any:
        chat = self._chat(req.integer("chat_id", required=True))
        invoice = parse_invoice(req)
        markup = self._markup(req)
        payload = self._outgoing(chat, self._reply_to(req, chat))
        payload["invoice"] = invoice.message_object()
        if markup:
            payload["reply_markup"] = markup
        with self.lock:
            self._invoices[(chat.id, payload["message_id"])] = invoice
        self._store(chat, payload, "", silent=req.flag("disable_notification"))
        return payload

    async def api_createinvoicelink(self, req: ApiRequest) -> Any:
        invoice = parse_invoice(req, link=True)
        link = f"https://t.me/${secrets.token_urlsafe(12)}"
        with self.lock:
            self.invoice_links[link] = invoice
        return link

    async def api_answerprecheckoutquery(self, req: ApiRequest) -> Any:
        query = self.pre_checkouts.get(req.text("pre_checkout_query_id", required=True) or "")
        if query is None or query["answered"] or time.time() - query["created"] > PRE_CHECKOUT_TIMEOUT:
            raise bad_request("query is too old and response timeout expired or query ID is invalid")
        ok = req.flag("ok")
        error_message = req.text("error_message")
        if not ok and not error_message:
            raise bad_request("error_message must be non-empty if ok is false")
        query["answered"] = True
        if not query["answer"].done():
            query["answer"].set_result((ok, error_message))
        return True

    def _user_id(self, req: ApiRequest) -> int:
        """user_id as the Bot API server reads it ("Invalid user_id specified"), of a known person."""
        try:
            user_id = int(req.raw("user_id") or 0)
        except (TypeError, ValueError):
            user_id = 0
        if user_id <= 0:
            raise bad_request("Invalid user_id specified")
        if user_id not in self.users:
            raise bad_request("user not found")
        return user_id

    async def api_refundstarpayment(self, req: ApiRequest) -> Any:
        """Refunds a Stars payment once: CHARGE_ALREADY_REFUNDED after that (payments.refundStarsCharge);
        an unknown charge, another person's or a provider's is CHARGE_NOT_FOUND. Telegram then puts a
        refunded_payment service message in the chat, and the bot gets it as an update: the Bot API server
        does not skip this outgoing service message (Client.cpp need_skip_update_message)."""
        user_id = self._user_id(req)
        charge = self.charges.get(req.required("telegram_payment_charge_id"))
        if charge is None or charge.user_id != user_id or charge.currency != "XTR":
            raise bad_request("CHARGE_NOT_FOUND")
        if charge.status == "refunded":
            raise bad_request("CHARGE_ALREADY_REFUNDED")
        self._refund(charge, by="bot")
        return True

    def refund_outside_bot(self, charge_id: str) -> dict[str, Any]:
        """Telegram refunds a Stars payment without the bot (support, a store chargeback): the same
        refunded_payment update reaches the bot. Runs on the server's loop (the people's API calls it)."""
        charge = self.charges.get(charge_id)
        if charge is None or charge.currency != "XTR":
            raise bad_request("CHARGE_NOT_FOUND")
        if charge.status == "refunded":
            raise bad_request("CHARGE_ALREADY_REFUNDED")
        return self._refund(charge, by="telegram")

    def _refund(self, charge: Charge, *, by: str) -> dict[str, Any]:
        with self.lock:
            charge.status = "refunded"
            charge.refunded_at = time.time()
            charge.refunded_by = by
        chat = self.chats[charge.user_id]
        # The service message is the bot's (it returned the Stars): an outgoing message of the bot's.
        payload = self._new_message(chat, self.bot_user)
        refunded: dict[str, Any] = {
            "currency": charge.currency,
            "total_amount": charge.total_amount,
            "invoice_payload": charge.invoice_payload,
            "telegram_payment_charge_id": charge.id,
        }
        if charge.provider_payment_charge_id:
            refunded["provider_payment_charge_id"] = charge.provider_payment_charge_id
        payload["refunded_payment"] = refunded
        self._store(chat, payload, f"↩️ Refunded {_money(charge.total_amount, charge.currency)}")
        return self.push_update("message", payload)

    def star_balance(self) -> int:
        """The bot's Stars: paid Stars invoices minus refunds."""
        with self.lock:
            return sum(
                c.total_amount for c in self.charges.values() if c.currency == "XTR" and c.status == "paid"
            )

    def charges_of(self, user_id: int | None = None) -> list[Charge]:
        with self.lock:
            return [c for c in self.charges.values() if user_id is None or c.user_id == user_id]

    async def api_getmystarbalance(self, req: ApiRequest) -> Any:
        return {"amount": self.star_balance()}

    async def api_getstartransactions(self, req: ApiRequest) -> Any:
        """Incoming payments (source) and refunds (receiver), oldest first; a refund keeps the payment's id."""
        offset = max(0, req.integer("offset") or 0)
        limit = max(1, min(req.integer("limit") or 100, 100))
        rows: list[tuple[float, dict[str, Any]]] = []
        for charge in self.charges_of():
            if charge.currency != "XTR":
                continue
            partner = {
                "type": "user",
                "transaction_type": "invoice_payment",
                "user": self.users[charge.user_id],
                "invoice_payload": charge.invoice_payload,
            }
            rows.append(
                (
                    charge.paid_at,
                    {
                        "id": charge.id,
                        "amount": charge.total_amount,
                        "date": int(charge.paid_at),
                        "source": partner,
                    },
                )
            )
            if charge.refunded_at is not None:
                rows.append(
                    (
                        charge.refunded_at,
                        {
                            "id": charge.id,
                            "amount": charge.total_amount,
                            "date": int(charge.refunded_at),
                            "receiver": partner,
                        },
                    )
                )
        rows.sort(key=lambda row: row[0])
        return {"transactions": [row for _, row in rows][offset : offset + limit]}

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
        if len(data) > (UPLOAD_PHOTO_LIMIT if kind == "photo" else UPLOAD_OTHER_LIMIT):
            raise bad_request("file is too big")
        stored = self.store_file(data, mime_type, file_name, kind + "s")
        payload = self._new_message(chat, self.users[user_id])
        payload[kind] = self.media_object(kind, stored)
        if caption:
            payload["caption"] = caption
        self._store(chat, payload, self._media_html(kind, stored, to_display_html(caption or "", [])))
        return self.push_update("message", payload)

    def user_document(
        self,
        user_id: int,
        data: bytes,
        *,
        file_name: str,
        mime_type: str = "application/octet-stream",
        caption: str | None = None,
    ) -> dict[str, Any]:
        """A person sends a file (a PDF, or a picture sent "as a file", uncompressed)."""
        return self.user_photo(
            user_id, data, caption=caption, as_document=True, file_name=file_name, mime_type=mime_type
        )

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

    def invoice_of(self, user_id: int, message_id: int) -> Invoice | None:
        return self._invoices.get((user_id, message_id))

    def _invoice_to_pay(
        self, user_id: int, message_id: int | None, link: str | None
    ) -> tuple[Invoice, StoredMessage | None]:
        if link is not None:
            invoice, stored = self.invoice_links.get(link), None
        else:
            invoice = self._invoices.get((user_id, message_id or -1))
            stored = self.chats[user_id].messages.get(message_id or -1)
        if invoice is None or (link is None and stored is None):
            raise bad_request("invoice not found")
        if stored is not None and stored.invoice_paid:
            raise bad_request("invoice is already paid")
        if invoice.is_flexible:
            raise bad_request("flexible invoices (shipping queries) are not emulated")
        return invoice, stored

    async def _pre_checkout(
        self, user_id: int, invoice: Invoice, total: int, info: dict[str, Any] | None
    ) -> tuple[bool, str | None]:
        query_id = str(next(self._file_ids) * 104729)
        answer: asyncio.Future[tuple[bool, str | None]] = asyncio.get_running_loop().create_future()
        self.pre_checkouts[query_id] = {"answered": False, "created": time.time(), "answer": answer}
        query: dict[str, Any] = {
            "id": query_id,
            "from": self.users[user_id],
            "currency": invoice.currency,
            "total_amount": total,
            "invoice_payload": invoice.payload,
        }
        if info:
            query["order_info"] = info
        self.push_update("pre_checkout_query", query)
        try:
            return await asyncio.wait_for(asyncio.shield(answer), timeout=PRE_CHECKOUT_TIMEOUT)
        except TimeoutError:
            return False, "The bot did not confirm the payment in time"

    def _new_charge(
        self, user_id: int, invoice: Invoice, total: int, info: dict[str, Any] | None, message_id: int | None
    ) -> Charge:
        number = next(self._file_ids)
        if invoice.stars:
            charge_id, provider_charge_id = "stxEMU" + secrets.token_hex(12), ""
        else:
            charge_id = f"{self.bot_id}_{user_id}_{number}_{secrets.randbelow(10**18):018d}"
            provider_charge_id = str(uuid.uuid4())
        charge = Charge(
            id=charge_id,
            user_id=user_id,
            currency=invoice.currency,
            total_amount=total,
            invoice_payload=invoice.payload,
            provider_payment_charge_id=provider_charge_id,
            paid_at=time.time(),
            message_id=message_id,
            order_info=info,
        )
        with self.lock:
            self.charges[charge_id] = charge
        return charge

    async def pay(
        self,
        user_id: int,
        message_id: int | None = None,
        *,
        link: str | None = None,
        order_info: dict[str, Any] | None = None,
        tip_amount: int = 0,
    ) -> dict[str, Any]:
        """A person taps Pay on an invoice message (or opens an invoice link): the order info the invoice
        asks for goes to the bot in a pre_checkout_query, the bot has 10 s to agree (answerPreCheckoutQuery,
        also as the webhook's answer), then the successful_payment service message arrives."""
        chat = self.chats[user_id]
        invoice, stored = self._invoice_to_pay(user_id, message_id, link)
        if tip_amount and not 0 < tip_amount <= invoice.max_tip_amount:
            raise bad_request("tip amount is invalid")
        info = _order_info(invoice, order_info, self.users[user_id])
        total = invoice.total_amount + tip_amount
        ok, error_message = await self._pre_checkout(user_id, invoice, total, info)
        if not ok:
            self._notify(chat, error_message or "Payment declined", alert=True)
            return {"ok": False, "error": error_message}
        if stored is not None:
            stored.invoice_paid = True
            self._touch(chat, stored)
        charge = self._new_charge(user_id, invoice, total, info, message_id if link is None else None)
        successful: dict[str, Any] = {
            "currency": invoice.currency,
            "total_amount": total,
            "invoice_payload": invoice.payload,
            "telegram_payment_charge_id": charge.id,
            "provider_payment_charge_id": charge.provider_payment_charge_id,
        }
        if invoice.subscription_period:
            successful["subscription_expiration_date"] = int(charge.paid_at) + invoice.subscription_period
            successful["is_recurring"] = True
            successful["is_first_recurring"] = True
        if info:
            successful["order_info"] = info
        payload = self._new_message(chat, self.users[user_id])
        payload["successful_payment"] = successful
        self._store(chat, payload, f"✅ Paid {_money(total, invoice.currency)}")
        self.push_update("message", payload)
        return {
            "ok": True,
            "telegram_payment_charge_id": charge.id,
            "provider_payment_charge_id": charge.provider_payment_charge_id,
            "total_amount": total,
            "order_info": info,
        }

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
                    "silent": m.silent,
                    "media_source": m.media_source,
                    "checkout": self._checkout(chat_id, m),
                }
                for m in changed
            ]
            toasts = [t for t in chat.toasts if t["seq"] > after]
        return {"seq": chat.seq, "messages": messages, "toasts": toasts}

    def _checkout(self, chat_id: int, stored: StoredMessage) -> dict[str, Any] | None:
        invoice = self._invoices.get((chat_id, stored.payload["message_id"]))
        return invoice.for_page() if invoice is not None else None

    async def wait_for_change(self, chat_id: int, after: int, wait_seconds: float) -> dict[str, Any]:
        chat = self.chats.get(chat_id)
        if chat is not None and chat.seq <= after:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(chat.changed.wait(), timeout=wait_seconds)
        return self.history(chat_id, after)
