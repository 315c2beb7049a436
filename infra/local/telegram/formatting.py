"""Telegram's text formatting, as the Bot API server applies it: HTML and MarkdownV2 to text + entities.

Errors read like the real ones (``can't parse entities: …``) so a bot that forgets to escape user text
fails here exactly as it would in production. Offsets and lengths are in UTF-16 code units.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Any


class EntityParseError(ValueError):
    """The text does not parse in the given mode; str() is Telegram's description after the prefix."""


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


_SIMPLE_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
}
_ALL_TAGS = {*_SIMPLE_TAGS, "a", "span", "tg-emoji"}
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ATTRIBUTE = re.compile(r"""\s*([a-zA-Z-]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?""")


@dataclass
class _Open:
    tag: str
    start: int  # UTF-16 offset in the plain text
    attributes: dict[str, str] = field(default_factory=dict)


def parse_html(source: str) -> tuple[str, list[dict[str, Any]]]:  # noqa: PLR0912, PLR0915 - one pass over the text
    """Telegram's HTML subset to (plain text, entities)."""
    plain: list[str] = []
    offset = 0  # UTF-16 length of plain so far
    entities: list[dict[str, Any]] = []
    stack: list[_Open] = []
    i = 0
    length = len(source)
    while i < length:
        char = source[i]
        if char == "&":
            match = re.match(r"&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);", source[i:])
            decoded = None
            if match:
                name = match.group(1)
                if name.startswith("#x"):
                    decoded = chr(int(name[2:], 16))
                elif name.startswith("#"):
                    decoded = chr(int(name[1:]))
                else:
                    decoded = _NAMED_ENTITIES.get(name)
            if match and decoded is not None:
                plain.append(decoded)
                offset += utf16_len(decoded)
                i += len(match.group(0))
            else:
                plain.append("&")
                offset += 1
                i += 1
            continue
        if char != "<":
            plain.append(char)
            offset += utf16_len(char)
            i += 1
            continue
        byte_offset = len(source[:i].encode())
        end = source.find(">", i)
        if end == -1:
            raise EntityParseError(f"Unclosed start tag at byte offset {byte_offset}")
        inner = source[i + 1 : end]
        if inner.startswith("/"):
            name = inner[1:].strip().lower()
            if not stack:
                raise EntityParseError(f"Unexpected end tag at byte offset {byte_offset}")
            top = stack.pop()
            if name != top.tag:
                raise EntityParseError(
                    f'Unmatched end tag at byte offset {byte_offset}, expected "</{top.tag}>", found "</{name}>"'
                )
            entity = _entity_for(top, offset)
            if entity is not None:
                entities.append(entity)
        else:
            match = re.match(r"([a-zA-Z][a-zA-Z0-9-]*)", inner)
            name = match.group(1).lower() if match else ""
            if name not in _ALL_TAGS:
                raise EntityParseError(f'Unsupported start tag "{name}" at byte offset {byte_offset}')
            attributes = {
                m.group(1).lower(): html.unescape(m.group(2) or m.group(3) or m.group(4) or "")
                for m in _ATTRIBUTE.finditer(inner[len(name) :])
                if m.group(1)
            }
            if name == "span" and attributes.get("class") != "tg-spoiler":
                raise EntityParseError(
                    f'Tag "span" must have class "tg-spoiler" at byte offset {byte_offset}'
                )
            stack.append(_Open(name, offset, attributes))
        i = end + 1
    if stack:
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1].tag}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(plain), entities


def _entity_for(opened: _Open, end: int) -> dict[str, Any] | None:
    length = end - opened.start
    if length <= 0:
        return None
    entity: dict[str, Any] = {"offset": opened.start, "length": length}
    if opened.tag == "a":
        href = opened.attributes.get("href", "")
        if not href:
            return None
        entity.update(type="text_link", url=href)
    elif opened.tag == "span":
        entity["type"] = "spoiler"
    elif opened.tag == "tg-emoji":
        entity.update(type="custom_emoji", custom_emoji_id=opened.attributes.get("emoji-id", ""))
    elif opened.tag == "blockquote" and "expandable" in opened.attributes:
        entity["type"] = "expandable_blockquote"
    else:
        entity["type"] = _SIMPLE_TAGS[opened.tag]
    return entity


_MD_RESERVED = set("_*[]()~`>#+-=|{}.!")
_MD_MARKERS = (("||", "spoiler"), ("__", "underline"), ("*", "bold"), ("_", "italic"), ("~", "strikethrough"))


def parse_markdown_v2(source: str) -> tuple[str, list[dict[str, Any]]]:  # noqa: PLR0912, PLR0915 - one pass
    """MarkdownV2 to (plain text, entities); reserved characters must be escaped with a backslash."""
    plain: list[str] = []
    offset = 0
    entities: list[dict[str, Any]] = []
    open_marks: dict[str, int] = {}
    i = 0
    while i < len(source):
        char = source[i]
        if char == "\\" and i + 1 < len(source):
            plain.append(source[i + 1])
            offset += utf16_len(source[i + 1])
            i += 2
            continue
        if source.startswith("```", i):
            close = source.find("```", i + 3)
            if close == -1:
                raise EntityParseError(
                    "Can't find end of PreCode entity at byte offset " + str(len(source[:i].encode()))
                )
            body = source[i + 3 : close]
            language, _, code = body.partition("\n") if "\n" in body else ("", "", body)
            plain.append(code)
            entity: dict[str, Any] = {"type": "pre", "offset": offset, "length": utf16_len(code)}
            if language:
                entity["language"] = language
            entities.append(entity)
            offset += utf16_len(code)
            i = close + 3
            continue
        if char == "`":
            close = source.find("`", i + 1)
            if close == -1:
                raise EntityParseError(
                    "Can't find end of Code entity at byte offset " + str(len(source[:i].encode()))
                )
            code = source[i + 1 : close]
            plain.append(code)
            entities.append({"type": "code", "offset": offset, "length": utf16_len(code)})
            offset += utf16_len(code)
            i = close + 1
            continue
        if char == "[":
            match = re.match(r"\[((?:\\.|[^\]\\])*)\]\(((?:\\.|[^)\\])*)\)", source[i:])
            if match:
                label = re.sub(r"\\(.)", r"\1", match.group(1))
                plain.append(label)
                entities.append(
                    {"type": "text_link", "offset": offset, "length": utf16_len(label), "url": match.group(2)}
                )
                offset += utf16_len(label)
                i += len(match.group(0))
                continue
        marker = next((m for m, _ in _MD_MARKERS if source.startswith(m, i)), None)
        if marker is not None:
            kind = dict(_MD_MARKERS)[marker]
            if kind in open_marks:
                start = open_marks.pop(kind)
                if offset > start:
                    entities.append({"type": kind, "offset": start, "length": offset - start})
            else:
                open_marks[kind] = offset
            i += len(marker)
            continue
        if char in _MD_RESERVED:
            raise EntityParseError(
                f"Character '{char}' is reserved and must be escaped with the preceding '\\'"
            )
        plain.append(char)
        offset += utf16_len(char)
        i += 1
    if open_marks:
        kind = next(iter(open_marks))
        raise EntityParseError(
            f"Can't find end of {kind.capitalize()} entity at byte offset {len(source.encode())}"
        )
    return "".join(plain), entities


def parse(text: str, parse_mode: str | None) -> tuple[str, list[dict[str, Any]]]:
    """Apply a Bot API ``parse_mode``; raises EntityParseError or ValueError for an unknown mode."""
    if not parse_mode:
        return text, []
    mode = parse_mode.lower()
    if mode == "html":
        return parse_html(text)
    if mode == "markdownv2":
        return parse_markdown_v2(text)
    if mode == "markdown":
        # The legacy mode is lenient; treat it as plain text with its markers removed.
        return re.sub(r"[*_`]", "", text), []
    raise ValueError("unsupported parse_mode")


_HTML_FOR = {
    "bold": ("<b>", "</b>"),
    "italic": ("<i>", "</i>"),
    "underline": ("<u>", "</u>"),
    "strikethrough": ("<s>", "</s>"),
    "spoiler": ('<span class="spoiler">', "</span>"),
    "code": ("<code>", "</code>"),
    "pre": ("<pre>", "</pre>"),
    "blockquote": ("<blockquote>", "</blockquote>"),
    "expandable_blockquote": ("<blockquote>", "</blockquote>"),
}


def to_display_html(text: str, entities: list[dict[str, Any]]) -> str:
    """Safe HTML for the chat page: escaped text with the entities as tags, newlines as <br>."""
    units = text.encode("utf-16-le")
    opens: dict[int, list[str]] = {}
    closes: dict[int, list[str]] = {}
    for entity in entities:
        kind = entity["type"]
        if kind == "text_link":
            url = html.escape(str(entity.get("url", "")), quote=True)
            start_tag, end_tag = f'<a href="{url}" target="_blank" rel="noopener">', "</a>"
        else:
            start_tag, end_tag = _HTML_FOR.get(kind, ("", ""))
        opens.setdefault(entity["offset"], []).append(start_tag)
        closes.setdefault(entity["offset"] + entity["length"], []).insert(0, end_tag)
    out: list[str] = []
    position = 0
    total = len(units) // 2
    while position <= total:
        out.extend(closes.get(position, []))
        out.extend(opens.get(position, []))
        if position == total:
            break
        unit = units[position * 2 : position * 2 + 2]
        width = 1
        if 0xD800 <= int.from_bytes(unit, "little") <= 0xDBFF:
            unit = units[position * 2 : position * 2 + 4]
            width = 2
        out.append(html.escape(unit.decode("utf-16-le")))
        position += width
    return "".join(out).replace("\n", "<br>")
