"""A person in the emulator, driven from Python: type, send photos and files, press buttons, pay (with the
order info a provider invoice asks for), get a refund from Telegram, read the chat and the bot's menu."""

from __future__ import annotations

import base64
import time
from collections.abc import Callable
from typing import Any

import httpx

Message = dict[str, Any]


class ChatUser:
    def __init__(
        self,
        base_url: str,
        user_id: int,
        *,
        first_name: str = "Анна",
        language_code: str = "ru",
        timeout: float = 15.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.user_id = user_id
        self.first_name = first_name
        self.language_code = language_code
        self.timeout = timeout
        self._http = httpx.Client(base_url=self.base_url, timeout=40.0)
        self._messages: dict[int, Message] = {}
        self._toasts: list[dict[str, Any]] = []
        self._seq = 0
        self._mark = 0  # the last message id when the person last acted

    def close(self) -> None:
        self._http.close()

    # --- acting ------------------------------------------------------------------------------------

    def _post(self, path: str, **kwargs: Any) -> Any:
        self._sync(0)
        self._mark = max(self._messages, default=0)
        response = self._http.post(f"/_emu/api/users/{self.user_id}/{path}", **kwargs)
        response.raise_for_status()
        return response.json()

    def _identity(self) -> dict[str, Any]:
        return {"first_name": self.first_name, "language_code": self.language_code}

    def send(self, text: str) -> Any:
        """Type a message (a command when it starts with /)."""
        return self._post("text", json={"text": text, **self._identity()})

    def send_photo(
        self,
        data: bytes,
        *,
        caption: str | None = None,
        as_document: bool = False,
        file_name: str = "photo.jpg",
        mime_type: str = "image/jpeg",
    ) -> Any:
        body = {
            "data_base64": base64.b64encode(data).decode(),
            "caption": caption,
            "as_document": as_document,
            "file_name": file_name,
            "mime_type": mime_type,
            **self._identity(),
        }
        return self._post("photo", json=body)

    def send_document(
        self,
        data: bytes,
        *,
        file_name: str,
        mime_type: str = "application/octet-stream",
        caption: str | None = None,
    ) -> Any:
        """Send any file (a PDF, a screenshot "as a file"): the bot gets a message with ``document``."""
        body = {
            "data_base64": base64.b64encode(data).decode(),
            "caption": caption,
            "file_name": file_name,
            "mime_type": mime_type,
            **self._identity(),
        }
        return self._post("document", json=body)

    def press(self, button_text: str) -> Any:
        """Press the newest inline button whose text is (or contains) ``button_text``."""
        return self._post("press", json={"text": button_text})

    def press_data(self, message_id: int, data: str) -> Any:
        """Send exactly this callback data, as a forged or outdated client could."""
        return self._post("press", json={"message_id": message_id, "data": data})

    def pay(
        self,
        message_id: int | None = None,
        *,
        order_info: dict[str, Any] | None = None,
        tip_amount: int | None = None,
        link: str | None = None,
    ) -> Any:
        """Pay an invoice (the newest unpaid one by default, or an invoice link). ``order_info`` gives the
        fields the invoice asks for ({name, phone_number, email, shipping_address}); the ones not given
        come from what the person "saved" (their name, a test phone and e-mail). Returns {"ok": …,
        "telegram_payment_charge_id", "provider_payment_charge_id", "total_amount", "order_info"} or
        {"ok": false, "error": …} when the bot declined or did not answer within 10 s."""
        body: dict[str, Any] = {}
        if message_id:
            body["message_id"] = message_id
        if link:
            body["link"] = link
        if order_info is not None:
            body["order_info"] = order_info
        if tip_amount:
            body["tip_amount"] = tip_amount
        return self._post("pay", json=body)

    def support_refund(self, telegram_payment_charge_id: str) -> Any:
        """Telegram's support refunds one of this person's Stars payments (not the bot): the bot gets a
        message with ``refunded_payment``. Returns that update."""
        self._sync(0)
        response = self._http.post(f"/_emu/api/charges/{telegram_payment_charge_id}/refund")
        response.raise_for_status()
        return response.json()

    def charges(self) -> list[dict[str, Any]]:
        """This person's payments as Telegram keeps them, each with ``status`` "paid" or "refunded"."""
        response = self._http.get("/_emu/api/charges", params={"user_id": self.user_id})
        response.raise_for_status()
        return list(response.json()["charges"])

    def bot_profile(self) -> dict[str, Any]:
        """The bot as this person's app shows it: name, ``commands`` (the menu for their language, per
        Telegram's scope order), ``description`` (shown in an empty chat) and ``short_description``."""
        response = self._http.get(
            f"/_emu/api/users/{self.user_id}/bot-profile", params={"language_code": self.language_code}
        )
        response.raise_for_status()
        return dict(response.json())

    def menu(self) -> list[str]:
        """The commands in the bot's menu for this person, as "/command"."""
        return ["/" + str(command["command"]) for command in self.bot_profile()["commands"]]

    # --- reading ----------------------------------------------------------------------------------

    def _sync(self, wait: float) -> bool:
        response = self._http.get(
            f"/_emu/api/chats/{self.user_id}/history", params={"after": self._seq, "wait": wait}
        )
        response.raise_for_status()
        history = response.json()
        for message in history["messages"]:
            self._messages[message["message_id"]] = message
        self._toasts.extend(history["toasts"])
        changed = bool(history["seq"] > self._seq)
        self._seq = max(self._seq, history["seq"])
        return changed

    def history(self) -> list[Message]:
        """The chat as the person sees it now, oldest first (deleted messages left out)."""
        self._sync(0)
        return [m for _, m in sorted(self._messages.items()) if not m["deleted"]]

    def bot_messages(self) -> list[Message]:
        return [m for m in self.history() if m["from_bot"]]

    def toasts(self) -> list[dict[str, Any]]:
        self._sync(0)
        return list(self._toasts)

    def wait_for(
        self, predicate: Callable[[Message], bool], *, timeout: float | None = None, what: str = ""
    ) -> Message:
        """The first message (in its current version) that satisfies ``predicate``."""
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            for message in self.history():
                if predicate(message):
                    return message
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                texts = [text_of(m)[:80] for m in self.history()[-6:]]
                raise TimeoutError(f"no message {what or 'matching'} within the timeout; last: {texts}")
            self._sync(min(remaining, 5.0))

    def next_bot_message(self, *, timeout: float | None = None) -> Message:
        """The first bot message sent after the person's last action."""
        mark = self._mark
        return self.wait_for(
            lambda m: m["from_bot"] and m["message_id"] > mark, timeout=timeout, what="from the bot"
        )

    def wait_for_text(self, fragment: str, *, timeout: float | None = None) -> Message:
        mark = self._mark
        return self.wait_for(
            lambda m: m["from_bot"] and m["message_id"] > mark and fragment in text_of(m),
            timeout=timeout,
            what=f"containing {fragment!r}",
        )


def text_of(message: Message) -> str:
    payload = message["payload"]
    return str(payload.get("text") or payload.get("caption") or "")


def is_silent(message: Message) -> bool:
    """Whether the bot sent it with disable_notification (the chat page marks it with 🔕)."""
    return bool(message.get("silent"))


def buttons_of(message: Message) -> list[str]:
    rows = message["payload"].get("reply_markup", {}).get("inline_keyboard", [])
    return [str(button["text"]) for row in rows for button in row]
