"""The webhook's whole job: tell Telegram's calls from others, read just enough of the update, enqueue it.

Kept free of aiogram and asyncpg on purpose: this runs on every update and its import time is the
webhook's cold start.

Any body gets an answer below 500: the JSON is parsed within bounds (:mod:`creativebot.safejson`), and
the fields the queue relies on are type-checked, so a body that would fail in the worker on every retry
is refused here with 400 instead. A ``pre_checkout_query`` is not queued at all: Telegram wants its
answer within 10 seconds, so it is checked here (no database, no queue) and answered in the HTTP reply.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeGuard

from creativebot import checkout, queue, safejson
from creativebot.config import WebhookSettings
from creativebot.observability import bind_cid, log_event
from creativebot.texts import copy_for, language_for

# SQS takes 256 KiB per message, attributes included; a real update is a few KiB at most.
MAX_BODY_BYTES = 255 * 1024
MAX_DEPTH = 64
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name, not a secret
PRE_CHECKOUT = "pre_checkout_query"
# The objects whose "id" is read (for the queue's group) or checked, relative to the update's payload.
_ID_PATHS = (("chat",), ("from",), ("user",), ("message", "chat"), ("message", "from"))
# SQS refuses these two characters (its allowed set skips U+FFFE and U+FFFF); inside a JSON string
# they can be written as escapes, and outside one the parser has already refused them.
_KIND_NAME = re.compile(r"[a-z_]{1,40}", re.ASCII)
_SQS_UNSAFE = str.maketrans({"\ufffe": "\\ufffe", "\uffff": "\\uffff"})


class RejectedUpdate(Exception):
    """The request cannot be accepted; ``status`` and ``reason`` go back to the caller."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass(frozen=True)
class IncomingUpdate:
    update_id: int
    update_type: str
    group_id: str
    body: str
    payload: Mapping[str, Any]
    # A Bot API call to answer with in the HTTP reply (Telegram executes it); None for queued updates.
    reply: dict[str, Any] | None = None


def secret_matches(received: str | None, expected: str) -> bool:
    """Constant-time comparison of the secret header with TELEGRAM_WEBHOOK_SECRET."""
    if not received:
        return False
    return hmac.compare_digest(received.encode(), expected.encode())


def _label(kind: str) -> str:
    """The update's kind as it may appear in a reason or a log line: echoed only when it looks like one."""
    return kind if _KIND_NAME.fullmatch(kind) else "the update's kind"


def _is_int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _checked_id(payload: Mapping[str, Any], path: tuple[str, ...], kind: str) -> int | None:
    """The id at ``payload[path...]["id"]`` when present; 400 when something on the way has a wrong type."""
    obj: Any = payload
    where = _label(kind)
    for key in path:
        obj = obj.get(key)
        where += f".{key}"
        if obj is None:
            return None
        if not isinstance(obj, dict):
            raise RejectedUpdate(400, f"{where} must be an object")
    value = obj.get("id")
    if value is None:
        return None
    if not _is_int(value) or not INT64_MIN <= value <= INT64_MAX:
        raise RejectedUpdate(400, f"{where}.id must be a 64-bit integer")
    return value


def _group_of(kind: str, payload: Mapping[str, Any], update_id: int) -> str:
    """The chat id, like Telegram's own per-chat delivery queue; the user id when there is no chat."""
    ids = {path: _checked_id(payload, path, kind) for path in _ID_PATHS}
    chat_id = ids[("chat",)] or ids[("message", "chat")]
    user_id = ids[("from",)] or ids[("user",)]
    key = chat_id if chat_id is not None else user_id
    return str(key) if key is not None else f"update-{update_id}"


def parse_update(raw: bytes) -> IncomingUpdate:
    """Validate what the queue and the worker rely on: a JSON object with a positive int64 update_id,
    at most one kind, which is an object, and 64-bit integer chat and user ids."""
    if len(raw) > MAX_BODY_BYTES:
        raise RejectedUpdate(413, f"body is larger than {MAX_BODY_BYTES // 1024} KiB")
    try:
        data, text = safejson.decode(raw, max_bytes=MAX_BODY_BYTES, max_depth=MAX_DEPTH)
    except safejson.JsonRejected as rejected:
        if rejected.problem in ("encoding", "syntax"):
            raise RejectedUpdate(400, f"body is not valid JSON: {rejected.reason}") from None
        raise RejectedUpdate(400, f"body is refused: {rejected.reason}") from None
    if not isinstance(data, dict):
        raise RejectedUpdate(400, "body must be a JSON object (a Telegram Update)")
    update_id = data.get("update_id")
    if not _is_int(update_id):
        raise RejectedUpdate(400, "update_id is missing or not an integer")
    if not 0 < update_id <= INT64_MAX:
        raise RejectedUpdate(400, "update_id must be a positive 64-bit integer")
    kinds = [key for key in data if key != "update_id"]
    if len(kinds) > 1:
        raise RejectedUpdate(400, "an update carries at most one kind besides update_id")
    kind, payload = (kinds[0], data[kinds[0]]) if kinds else ("unknown", {})
    if not isinstance(payload, dict):
        raise RejectedUpdate(400, f"{_label(kind)} must be an object")
    group_id = _group_of(kind, payload, update_id)
    body = text.translate(_SQS_UNSAFE)
    if len(body.encode()) > MAX_BODY_BYTES:
        raise RejectedUpdate(413, f"body is larger than {MAX_BODY_BYTES // 1024} KiB")
    return IncomingUpdate(update_id, kind, group_id, body, payload)


def answer_pre_checkout(query: Mapping[str, Any]) -> dict[str, Any]:
    """The answerPreCheckoutQuery call for a pre-checkout query: ok only for our invoice, for this user,
    in its currency, for exactly its amount (:func:`creativebot.checkout.check`); else a reason to show."""
    query_id = query.get("id")
    if not isinstance(query_id, str) or not 0 < len(query_id) <= 256:
        raise RejectedUpdate(400, "pre_checkout_query.id must be a non-empty string")
    sender = query.get("from")
    if not isinstance(sender, dict) or not _is_int(sender.get("id")):
        raise RejectedUpdate(400, "pre_checkout_query.from.id is required")
    language_code = sender.get("language_code")
    if language_code is not None and not isinstance(language_code, str):
        raise RejectedUpdate(400, "pre_checkout_query.from.language_code must be a string")
    for name, expected in (("currency", str), ("invoice_payload", str), ("total_amount", int)):
        value = query.get(name)
        if not isinstance(value, expected) or isinstance(value, bool):
            raise RejectedUpdate(400, f"pre_checkout_query.{name} must be a {expected.__name__}")
    ok = checkout.check(
        query["invoice_payload"],
        user_id=sender["id"],
        currency=query["currency"],
        total_amount=query["total_amount"],
    )
    answer: dict[str, Any] = {"method": "answerPreCheckoutQuery", "pre_checkout_query_id": query_id, "ok": ok}
    if not ok:
        answer["error_message"] = copy_for(language_for(language_code)).invoice_stale
    return answer


def accept_update(raw: bytes, secret_header: str | None, settings: WebhookSettings) -> IncomingUpdate:
    """Check, parse and enqueue one webhook call; a pre-checkout query is answered instead of queued.

    Raises RejectedUpdate, or a queue error for 503.
    """
    if not secret_matches(secret_header, settings.telegram.telegram_webhook_secret.get_secret_value()):
        log_event("UPDATE_REJECTED", level="warning", reason="secret header missing or wrong")
        raise RejectedUpdate(401, "secret token header is missing or wrong")
    try:
        update = parse_update(raw)
    except RejectedUpdate as rejected:
        log_event("UPDATE_REJECTED", level="warning", status=rejected.status, reason=rejected.reason)
        raise
    cid = bind_cid(None)
    log_event(
        "UPDATE_RECEIVED",
        update_id=update.update_id,
        update_type=_label(update.update_type),
        group=update.group_id,
    )
    if update.update_type == PRE_CHECKOUT:
        try:
            reply = answer_pre_checkout(update.payload)
        except RejectedUpdate as rejected:
            log_event("UPDATE_REJECTED", level="warning", status=rejected.status, reason=rejected.reason)
            raise
        log_event(
            "PRE_CHECKOUT",
            update_id=update.update_id,
            ok=reply["ok"],
            currency=str(update.payload["currency"])[:8],
            total_amount=update.payload["total_amount"],
        )
        return IncomingUpdate(
            update.update_id, update.update_type, update.group_id, update.body, update.payload, reply
        )
    try:
        message_id = queue.send(
            settings.queue,
            kind=queue.KIND_TELEGRAM_UPDATE,
            body=update.body,
            group_id=update.group_id,
            deduplication_id=str(update.update_id),
            cid=cid,
        )
    except queue.QUEUE_ERRORS as exc:
        log_event("ENQUEUE_FAIL", level="error", update_id=update.update_id, error=type(exc).__name__)
        raise
    log_event("ENQUEUE_OK", update_id=update.update_id, message_id=message_id)
    return update
