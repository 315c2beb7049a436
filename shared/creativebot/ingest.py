"""The webhook's whole job: tell Telegram's calls from others, read just enough of the update, enqueue it.

Kept free of aiogram and asyncpg on purpose: this runs on every update and its import time is the
webhook's cold start.
"""

from __future__ import annotations

import hmac
import json
from dataclasses import dataclass
from typing import Any

from creativebot import queue
from creativebot.config import WebhookSettings
from creativebot.observability import bind_cid, log_event

MAX_BODY_BYTES = 1024 * 1024
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name, not a secret


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


def secret_matches(received: str | None, expected: str) -> bool:
    """Constant-time comparison of the secret header with TELEGRAM_WEBHOOK_SECRET."""
    if not received:
        return False
    return hmac.compare_digest(received.encode(), expected.encode())


def _id_of(obj: Any, *path: str) -> int | None:
    for key in path:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj if isinstance(obj, int) and not isinstance(obj, bool) else None


def _group_of(payload: dict[str, Any], update_id: int) -> str:
    """The chat id, like Telegram's own per-chat delivery queue; the user id when there is no chat."""
    chat_id = _id_of(payload, "chat", "id") or _id_of(payload, "message", "chat", "id")
    user_id = _id_of(payload, "from", "id") or _id_of(payload, "user", "id")
    key = chat_id if chat_id is not None else user_id
    return str(key) if key is not None else f"update-{update_id}"


def parse_update(raw: bytes) -> IncomingUpdate:
    """Validate the minimum the queue needs: a JSON object with an integer update_id."""
    if len(raw) > MAX_BODY_BYTES:
        raise RejectedUpdate(413, "body is larger than 1 MB")
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise RejectedUpdate(400, "body is not valid JSON") from None
    if not isinstance(data, dict):
        raise RejectedUpdate(400, "body must be a JSON object (a Telegram Update)")
    update_id = data.get("update_id")
    if not isinstance(update_id, int) or isinstance(update_id, bool):
        raise RejectedUpdate(400, "update_id is missing or not an integer")
    update_type, payload = next(
        ((key, value) for key, value in data.items() if key != "update_id" and isinstance(value, dict)),
        ("unknown", {}),
    )
    return IncomingUpdate(update_id, update_type, _group_of(payload, update_id), raw.decode())


def accept_update(raw: bytes, secret_header: str | None, settings: WebhookSettings) -> IncomingUpdate:
    """Check, parse and enqueue one webhook call. Raises RejectedUpdate, or a queue error for 503."""
    if not secret_matches(secret_header, settings.telegram.telegram_webhook_secret.get_secret_value()):
        log_event("UPDATE_REJECTED", level="warning", reason="secret header missing or wrong")
        raise RejectedUpdate(401, "secret token header is missing or wrong")
    update = parse_update(raw)
    cid = bind_cid(None)
    log_event(
        "UPDATE_RECEIVED", update_id=update.update_id, update_type=update.update_type, group=update.group_id
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
