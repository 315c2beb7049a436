"""The bot's profile: command menus per scope and language, description, short description and name.

Facts followed (Bot API, https://core.telegram.org/bots/api#setmycommands and #botcommandscope):
- setMyCommands(commands ≤ 100, scope = BotCommandScope (default when absent), language_code = two-letter
  ISO 639-1 or empty); getMyCommands returns the list set for exactly that scope and language, [] if none;
  deleteMyCommands removes it ("higher level commands will be shown to affected users").
- What a person sees in a private chat is the first list set among: chat+language, chat,
  all_private_chats+language, all_private_chats, default+language, default ("Determining list of commands").
- BotCommand.command: 1-32 characters, lowercase English letters, digits and underscores; description:
  1-256 characters. Texts of the errors are tdlib's (td/telegram/BotCommand.cpp: "Command must be non-empty",
  "Command length must not exceed 32", "Command description must be non-empty", "Command description length
  must not exceed 256"; a leading "/" is dropped) and the server's BOT_COMMAND_INVALID for other
  characters; "Invalid language code specified" (td/telegram/misc.cpp validate_bot_language_code); scope
  parsing errors are the Bot API server's (Client.cpp get_bot_command_scope).
- setMyDescription 0-512, setMyShortDescription 0-120, setMyName 0-64 characters; an empty string removes
  the text for that language. Telegram does not document the error for a text over the limit: the emulator
  answers "Bad Request: <field> is too long".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

MAX_COMMANDS = 100
COMMAND_CHARS = re.compile(r"[a-z0-9_]+")
TEXT_LIMITS = {"description": 512, "short_description": 120, "name": 64}
_SCOPES_WITHOUT_CHAT = {"default", "all_private_chats", "all_group_chats", "all_chat_administrators"}
_SCOPES_WITH_CHAT = {"chat", "chat_administrators", "chat_member"}

ScopeKey = tuple[Any, ...]


class ProfileError(ValueError):
    """A request the Bot API would refuse with 400; the message is the text after "Bad Request: "."""


def language(value: str | None) -> str:
    code = value or ""
    if code and not (len(code) == 2 and code.isascii() and code.isalpha() and code.islower()):
        raise ProfileError("Invalid language code specified")
    return code


def scope_key(scope: Any) -> ScopeKey:
    """The BotCommandScope object as a key; a chat_id is kept as given (an integer or "@username")."""
    if scope is None or scope == "":
        return ("default",)
    if not isinstance(scope, dict):
        raise ProfileError("Can't parse BotCommandScope: BotCommandScope must be an Object")
    kind = scope.get("type")
    if not isinstance(kind, str):
        raise ProfileError('Can\'t parse BotCommandScope: Field "type" must be of type String')
    if kind in _SCOPES_WITHOUT_CHAT:
        return (kind,)
    if kind not in _SCOPES_WITH_CHAT:
        raise ProfileError("Can't parse BotCommandScope: Unsupported type specified")
    chat_id = scope.get("chat_id")
    if chat_id is None or chat_id == "":
        raise ProfileError("Can't parse BotCommandScope: Empty chat_id specified")
    chat = int(chat_id) if isinstance(chat_id, int) or str(chat_id).lstrip("-").isdigit() else str(chat_id)
    if kind != "chat_member":
        return (kind, chat)
    try:
        user_id = int(scope.get("user_id") or 0)
    except (TypeError, ValueError):
        user_id = 0
    if user_id <= 0:
        raise ProfileError("Can't parse BotCommandScope: Invalid user_id specified")
    return (kind, chat, user_id)


def commands(value: Any) -> list[dict[str, Any]]:
    """Validated BotCommand objects, as Telegram stores them (trimmed, without a leading slash)."""
    if value is None or value == "":
        return []
    if not isinstance(value, list):
        raise ProfileError("Expected an Array of BotCommand")
    if len(value) > MAX_COMMANDS:
        raise ProfileError("BOT_COMMANDS_TOO_MUCH")
    result = []
    for item in value:
        if not isinstance(item, dict):
            raise ProfileError("Can't parse BotCommand: expected an Object")
        command = str(item.get("command") or "").strip().removeprefix("/")
        description = str(item.get("description") or "").strip()
        if not command:
            raise ProfileError("Command must be non-empty")
        if len(command) > 32:
            raise ProfileError("Command length must not exceed 32")
        if not description:
            raise ProfileError("Command description must be non-empty")
        if len(description) > 256:
            raise ProfileError("Command description length must not exceed 256")
        if not COMMAND_CHARS.fullmatch(command):
            raise ProfileError("BOT_COMMAND_INVALID")
        entry: dict[str, Any] = {"command": command, "description": description}
        if item.get("is_ephemeral") in (True, "true"):
            entry["is_ephemeral"] = True
        result.append(entry)
    return result


@dataclass
class BotProfile:
    """Commands by (scope, language) and texts by language; the empty language is the fallback."""

    commands: dict[tuple[ScopeKey, str], list[dict[str, Any]]] = field(default_factory=dict)
    texts: dict[str, dict[str, str]] = field(
        default_factory=lambda: {"description": {}, "short_description": {}, "name": {}}
    )

    def set_commands(self, scope: ScopeKey, language_code: str, new: list[dict[str, Any]]) -> None:
        if new:
            self.commands[(scope, language_code)] = new
        else:
            self.commands.pop((scope, language_code), None)

    def get_commands(self, scope: ScopeKey, language_code: str) -> list[dict[str, Any]]:
        return list(self.commands.get((scope, language_code), []))

    def delete_commands(self, scope: ScopeKey, language_code: str) -> None:
        self.commands.pop((scope, language_code), None)

    def menu_for(self, chat_id: int, user_language: str | None) -> list[dict[str, Any]]:
        """The commands a person sees in their private chat with the bot (Telegram's resolution order)."""
        lang = (user_language or "")[:2].lower()
        order: list[tuple[ScopeKey, str]] = []
        for scope in (("chat", chat_id), ("all_private_chats",), ("default",)):
            if lang:
                order.append((scope, lang))
            order.append((scope, ""))
        for key in order:
            if key in self.commands:
                return list(self.commands[key])
        return []

    def set_text(self, kind: str, language_code: str, value: str) -> None:
        if len(value) > TEXT_LIMITS[kind]:
            raise ProfileError(f"{kind.replace('_', ' ')} is too long")
        if value:
            self.texts[kind][language_code] = value
        else:
            self.texts[kind].pop(language_code, None)

    def get_text(self, kind: str, language_code: str) -> str:
        """What getMy… returns: the text set for that language, "" if none."""
        return self.texts[kind].get(language_code, "")

    def text_for(self, kind: str, user_language: str | None) -> str:
        """What a person sees: the text for their language, else the one for everybody."""
        lang = (user_language or "")[:2].lower()
        return self.texts[kind].get(lang) or self.texts[kind].get("", "")
