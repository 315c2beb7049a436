"""Bounded JSON: every refusal has a reason, nothing recurses, and ordinary JSON parses as json.loads does."""

from __future__ import annotations

import json
import sys
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from creativebot import safejson
from creativebot.safejson import JsonRejected


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        (b"[" * 100_000, "depth"),
        (b'{"a":' * 65 + b"1" + b"}" * 65, "depth"),
        (b"[" * 65 + b"]" * 65, "depth"),
        (b'{"a": "\\ud800"}', "surrogate"),
        (b'{"a": "\\udfff x"}', "surrogate"),
        (b'{"a": "\\ud83d"}', "surrogate"),  # a high surrogate without its pair
        (b'{"a": "\\ude00\\ud83d"}', "surrogate"),  # a pair in the wrong order
        (b'{"\\udc00": 1}', "surrogate"),  # in a key
        (b'["\\uD800"]', "surrogate"),  # upper-case hex
        (b'{"a": "\xed\xa0\x80"}', "encoding"),  # a surrogate encoded raw in the bytes
        (b"\xff\xfe{}", "encoding"),
        (b'{"a": "\xc3"}', "encoding"),  # a truncated sequence
        (b"\xfe\xff\x00{\x00}", "encoding"),  # UTF-16 with a BOM: json.loads would take it
        (b"", "syntax"),
        (b"not json", "syntax"),
        (b"NaN", "syntax"),
        (b'{"a": -Infinity}', "syntax"),
        (b'{"a": "x\x01y"}', "syntax"),  # a raw control character in a string
        (b'"unterminated', "syntax"),
        (b"1" * 65, "number"),
        (b"[1e400]", "number"),
        (b"-" + b"9" * 5000, "number"),
        (b'"' + b"x" * 300, "syntax"),
    ],
)
def test_refusals_name_their_reason(raw: bytes, problem: str) -> None:
    with pytest.raises(JsonRejected) as caught:
        safejson.loads(raw, max_bytes=1024 * 1024)
    assert caught.value.problem == problem
    assert caught.value.reason


def test_a_text_over_the_size_limit_is_refused_before_parsing() -> None:
    with pytest.raises(JsonRejected) as caught:
        safejson.loads(b"[" + b"1," * 600 + b"1]", max_bytes=1000)
    assert caught.value.problem == "size"
    assert safejson.loads(b"[1]", max_bytes=3) == [1]


def test_a_lone_surrogate_in_a_str_is_refused_raw() -> None:
    with pytest.raises(JsonRejected) as caught:
        safejson.loads('{"a": "\ud800"}')
    assert caught.value.problem == "surrogate"


@pytest.mark.parametrize(
    "raw",
    [
        b'{"a": "\\ud83d\\ude00"}',  # a proper pair
        b'{"a": "\\\\ud800"}',  # an escaped backslash, then the letters "ud800"
        b'{"a": "\\"[[[[[[["}',  # brackets inside a string do not nest
        '{"emoji": "😀", "ru": "Привет"}'.encode(),
        b'{"n": -9223372036854775808, "f": 1.5e300, "z": -0.0}',
        b"[" * 64 + b"]" * 64,
    ],
)
def test_what_json_loads_reads_and_is_in_bounds_parses_the_same(raw: bytes) -> None:
    assert safejson.loads(raw) == json.loads(raw)


def test_depth_is_measured_outside_strings_and_without_recursion() -> None:
    assert safejson.max_depth_of('{"a": [1, {"b": "]]]]"}]}') == 3
    assert safejson.max_depth_of('"\\\\"[[') == 2  # the string is "\\", the brackets are outside
    assert safejson.max_depth_of('["\\"[", 1]') == 1
    assert safejson.max_depth_of("[" * 1_000_000) == 1_000_000
    assert safejson.max_depth_of("") == 0


def test_the_depth_limit_holds_even_with_little_stack_left() -> None:
    # Given: a caller already deep in its own stack
    def nested(levels: int) -> object:
        if levels:
            return nested(levels - 1)
        return safejson.loads(b"[" * 64 + b"]" * 64)

    depth, frame = 0, sys._getframe()
    while frame.f_back is not None:
        depth, frame = depth + 1, frame.f_back
    # When/Then: 64 levels parse with only 100 frames to spare; 100,000 are refused before parsing
    assert nested(sys.getrecursionlimit() - depth - 100) is not None
    with pytest.raises(JsonRejected):
        safejson.loads(b"[" * 100_000)


def test_pathological_texts_are_handled_in_linear_time() -> None:
    # A long unterminated string made of escaped quotes: a naive string regex rescans it from every quote.
    for raw in (b'"' + b'\\"' * 130_000, b"[" * 260_000, b'{"a":' * 50_000, b"[]," * 80_000):
        started = time.perf_counter()
        with pytest.raises(JsonRejected):
            safejson.loads(raw, max_bytes=1024 * 1024)
        assert time.perf_counter() - started < 1.0


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_any_json_value_round_trips_or_is_refused_with_a_reason(value: object) -> None:
    raw = json.dumps(value, ensure_ascii=False).encode("utf-8", "surrogatepass")
    try:
        parsed = safejson.loads(raw)
    except JsonRejected as rejected:
        # Only lone surrogates and long numbers are refused from what json.dumps writes
        assert rejected.problem in {"surrogate", "encoding", "number"}
        return
    assert parsed == json.loads(raw)
