"""JSON from strangers, parsed within bounds: size, UTF-8, nesting depth, numbers, lone surrogates.

``json.loads`` recurses once per nesting level, so a body of 100,000 ``[`` raises RecursionError, and it
accepts things no JSON producer we talk to sends (lone UTF-16 surrogates such as ``"\\ud800"``, which
later fail to encode; ``NaN``; integers of thousands of digits). :func:`loads` checks what it can
before parsing, with no recursion: the size, strict UTF-8, and the nesting depth from a linear scan of
the text with the strings taken out. Only then does ``json.loads`` run, on a text whose depth is known
to be small. Strings are checked for lone surrogates afterwards by walking the parsed value with an
explicit stack.

Only the standard library: the webhook imports this on every cold start.
"""

from __future__ import annotations

import json
import math
import re
from itertools import accumulate
from typing import Any, Final, Literal

DEFAULT_MAX_BYTES: Final = 256 * 1024
DEFAULT_MAX_DEPTH: Final = 64
DEFAULT_MAX_NUMBER_CHARS: Final = 64

Problem = Literal["size", "encoding", "syntax", "depth", "number", "surrogate"]

# A JSON string token: quote, runs of plain characters and escapes, then the closing quote or, for an
# unterminated string, the end of the text. Every match attempt succeeds and consumes what it scanned,
# so taking all strings out is linear (no rescanning from each quote of a long unterminated string).
_STRING: Final = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*(?:"|\\?\Z)', re.DOTALL)
_NOT_BRACKET: Final = re.compile(r"[^\[\]{}]+")
_STEP: Final = {"[": 1, "{": 1, "]": -1, "}": -1}
_SURROGATE: Final = re.compile("[\ud800-\udfff]")
# An escape that may stand for a surrogate (\uD800-\uDFFF): only then are the parsed strings walked.
_SURROGATE_ESCAPE_HINT: Final = re.compile(r"\\u[dD][89a-fA-F]")


class JsonRejected(ValueError):
    """The text is refused; ``problem`` says which check failed, ``reason`` says it for people."""

    def __init__(self, problem: Problem, reason: str) -> None:
        super().__init__(reason)
        self.problem: Problem = problem
        self.reason = reason


def max_depth_of(text: str) -> int:
    """The deepest nesting of arrays and objects in ``text``, outside strings; linear, no recursion.

    Strings are found as a JSON parser finds them, so up to the first syntax error the count is the
    parser's own; an unterminated string hides the rest of the text, which no parser gets to.
    """
    skeleton = _NOT_BRACKET.sub("", _STRING.sub("", text))
    return max(accumulate(map(_STEP.__getitem__, skeleton)), default=0)


def _reject_constant(name: str) -> Any:
    raise JsonRejected("syntax", f"{name} is not a JSON number")


def _bounded_int(max_chars: int) -> Any:
    def parse_int(digits: str) -> int:
        if len(digits) > max_chars:
            raise JsonRejected("number", f"a number longer than {max_chars} characters")
        return int(digits)

    return parse_int


def _bounded_float(max_chars: int) -> Any:
    def parse_float(text: str) -> float:
        if len(text) > max_chars:
            raise JsonRejected("number", f"a number longer than {max_chars} characters")
        value = float(text)
        if not math.isfinite(value):
            raise JsonRejected("number", "a number out of the range of a double")
        return value

    return parse_float


def _has_lone_surrogate(value: Any) -> bool:
    """Whether any string (key or value) in a parsed JSON value holds a surrogate; explicit stack."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if _SURROGATE.search(item):
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def decode(
    raw: bytes | str,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_depth: int = DEFAULT_MAX_DEPTH,
    max_number_chars: int = DEFAULT_MAX_NUMBER_CHARS,
) -> tuple[Any, str]:
    """Parse ``raw`` within the limits; return the value and the text it was parsed from.

    Raises :class:`JsonRejected` for a text over ``max_bytes`` (UTF-8), bytes that are not strict UTF-8
    (which also refuses encoded surrogates), invalid JSON (including ``NaN`` and ``Infinity``), nesting
    deeper than ``max_depth``, a number longer than ``max_number_chars`` or out of a double's range,
    and any string holding a lone surrogate, escaped (``"\\udc00"``) or raw.
    """
    size = len(raw) if isinstance(raw, bytes) else len(raw.encode("utf-8", "surrogatepass"))
    if size > max_bytes:
        raise JsonRejected("size", f"larger than {max_bytes} bytes")
    if isinstance(raw, bytes):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise JsonRejected("encoding", "not valid UTF-8") from None
    else:
        if _SURROGATE.search(raw):
            raise JsonRejected("surrogate", "a lone UTF-16 surrogate in the text")
        text = raw
    depth = max_depth_of(text)
    if depth > max_depth:
        raise JsonRejected("depth", f"nested deeper than {max_depth} levels")
    try:
        value = json.loads(
            text,
            parse_int=_bounded_int(max_number_chars),
            parse_float=_bounded_float(max_number_chars),
            parse_constant=_reject_constant,
        )
    except JsonRejected:
        raise
    except ValueError as exc:  # JSONDecodeError, and int()'s own digit limit as a last resort
        raise JsonRejected("syntax", _syntax_reason(exc)) from None
    if _SURROGATE_ESCAPE_HINT.search(text) and _has_lone_surrogate(value):
        raise JsonRejected("surrogate", "a lone UTF-16 surrogate in a string")
    return value, text


def loads(
    raw: bytes | str,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_depth: int = DEFAULT_MAX_DEPTH,
    max_number_chars: int = DEFAULT_MAX_NUMBER_CHARS,
) -> Any:
    """Like ``json.loads``, within bounds; raises :class:`JsonRejected` with a reason (see :func:`decode`)."""
    value, _text = decode(raw, max_bytes=max_bytes, max_depth=max_depth, max_number_chars=max_number_chars)
    return value


def _syntax_reason(exc: ValueError) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"{exc.msg} (character {exc.pos})"
    return "malformed JSON"
