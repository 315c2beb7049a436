"""Fuzz the webhook through its real ASGI app: no body or header gets a 5xx, and no caller without the
secret puts anything on the queue.

A seeded generator (FUZZ_SEED overrides the seed; FUZZ_CASES the count, at least 10,000 in CI) makes
valid updates of several kinds, random JSON trees, deep nesting, huge and odd numbers, lone surrogates,
invalid UTF-8, wrong types, missing fields, byte-level mutations of valid bodies, oversized bodies and
huge or lying headers, each sent with the right secret, a wrong one or none. ``pytest -s`` prints the
seed, the case count, the time taken and the histogram of statuses.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from creativebot import checkout, queue
from creativebot.observability import logger, metrics
from functions.webhook import app as webhook
from tests.helpers import WEBHOOK_SECRET, Queues

SEED = int(os.environ.get("FUZZ_SEED", "20261128"))
CASES = max(10_000, int(os.environ.get("FUZZ_CASES", "10000")))
INT64_MAX = 2**63 - 1

# --- driving an ASGI app in-process ------------------------------------------------------------------


@dataclass
class Reply:
    status: int
    body: bytes
    error: BaseException | None = None


async def asgi_call(
    app: Any,
    method: str,
    path: str,
    *,
    headers: list[tuple[bytes, bytes]],
    body: bytes = b"",
    query: bytes = b"",
) -> Reply:
    """One HTTP request straight into an ASGI app, as uvicorn or Mangum would make it."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": method,
        "scheme": "https",
        "path": path,
        "raw_path": path.encode("utf-8", "surrogateescape"),
        "root_path": "",
        "query_string": query,
        "headers": headers,
        "client": ("127.0.0.1", 40000),
        "server": ("bot.test.invalid", 443),
    }
    delivered = False
    status = 0
    chunks: list[bytes] = []

    async def receive() -> dict[str, Any]:
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    try:
        await app(scope, receive, send)
    except Exception as exc:  # Starlette re-raises after sending its 500: count it, keep fuzzing
        return Reply(status or 500, b"".join(chunks), exc)
    return Reply(status, b"".join(chunks))


@dataclass
class Tally:
    """Statuses per case, and the cases worth showing when an assertion fails."""

    statuses: Counter[int] = field(default_factory=Counter)
    by_category: dict[str, Counter[int]] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)

    def add(self, category: str, status: int, problem: str | None) -> None:
        self.statuses[status] += 1
        self.by_category.setdefault(category, Counter())[status] += 1
        if problem is not None and len(self.failures) < 20:
            self.failures.append(problem)

    def report(self, name: str, cases: int, seconds: float) -> str:
        histogram = ", ".join(f"{status}: {count}" for status, count in sorted(self.statuses.items()))
        lines = [f"\n{name}: {cases} cases (seed {SEED}) in {seconds:.1f} s; statuses {{{histogram}}}"]
        for category, counts in sorted(self.by_category.items()):
            lines.append(f"  {category:<22} {dict(sorted(counts.items()))}")
        return "\n".join(lines)


@pytest.fixture
def quiet_logs(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Ten thousand requests would write ten thousand log lines and a metrics blob every hundred;
    only error lines are kept for the fuzz, and metrics are not collected."""
    level = logger.log_level
    logger.setLevel("ERROR")
    monkeypatch.setattr(metrics, "add_metric", lambda **_kwargs: None)
    yield
    logger.setLevel(level)


# --- generating JSON text, valid and otherwise ---------------------------------------------------------

WORDS = ["start", "привет", "😀", "a b", "x" * 50, "", "null", "{", "]", "\\", '"', "é", "中文", "\t"]
SURROGATE_ESCAPES = ["\\ud800", "\\udfff", "\\udc00x", "\\ude00\\ud83d", "\\uD834", "a\\udbff"]


class JsonText:
    """Random JSON-ish text; ``valid=False`` lets in the kinds of damage a fuzzer should try."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def string(self, *, valid: bool = True) -> str:
        rng = self.rng
        pieces = []
        for _ in range(rng.randint(0, 4)):
            roll = rng.random()
            if roll < 0.5:
                pieces.append(json.dumps(rng.choice(WORDS), ensure_ascii=rng.random() < 0.5)[1:-1])
            elif roll < 0.6:
                pieces.append(
                    rng.choice(["\\n", '\\"', "\\\\", "\\/", "\\u00e9", "\\ud83d\\ude00", "\\u0000"])
                )
            elif roll < 0.7:
                pieces.append(rng.choice(["\ufffe", "\uffff", "\u2028", "\x7f", "\U0010ffff"]))
            elif not valid and roll < 0.85:
                pieces.append(rng.choice(SURROGATE_ESCAPES))
            elif not valid:
                pieces.append(rng.choice(["\\x", "\\u12", "\x01", "\\", "\n"]))
            else:
                pieces.append(chr(rng.randint(0x20, 0x7E)).replace("\\", "/").replace('"', "'"))
        return '"' + "".join(pieces) + '"'

    def number(self, *, valid: bool = True) -> str:
        rng = self.rng
        choices = [
            str(rng.randint(-(2**31), 2**31)),
            str(rng.choice([0, -1, 2**53, INT64_MAX, INT64_MAX + 1, -(2**63), 2**64])),
            repr(rng.uniform(-1e6, 1e6)),
            rng.choice(["1e308", "-0.0", "1.5e-300", "0.1"]),
        ]
        if not valid:
            choices += [
                "1" * rng.choice([30, 70, 5000]),
                "1e400",
                "-1e999",
                "NaN",
                "Infinity",
                "01",
                "1.",
                ".5",
                "+1",
            ]
        return rng.choice(choices)

    def value(self, depth: int = 0, *, valid: bool = True) -> str:
        rng = self.rng
        roll = rng.random()
        if depth > 5 or roll < 0.35:
            scalar = rng.random()
            if scalar < 0.4:
                return self.string(valid=valid)
            if scalar < 0.75:
                return self.number(valid=valid)
            return rng.choice(["true", "false", "null"])
        if roll < 0.65:
            items = [self.value(depth + 1, valid=valid) for _ in range(rng.randint(0, 4))]
            return "[" + ",".join(items) + "]"
        members = [
            f"{self.string(valid=valid)}:{self.value(depth + 1, valid=valid)}"
            for _ in range(rng.randint(0, 4))
        ]
        return "{" + ",".join(members) + "}"

    def deep(self) -> str:
        """Nesting from just over the limit to far beyond what json.loads survives."""
        rng = self.rng
        levels = rng.choice([65, 100, 1000, 10_000, rng.randint(65, 200_000)])
        if rng.random() < 0.5:
            return "[" * levels + "1" + "]" * levels * rng.randint(0, 1)
        return '{"a":' * levels + "null" + "}" * levels * rng.randint(0, 1)

    def mutate(self, text: bytes) -> bytes:
        """Byte-level damage to a valid body: flips, insertions, deletions, truncation, stray bytes."""
        rng = self.rng
        data = bytearray(text)
        for _ in range(rng.randint(1, 4)):
            if not data:
                break
            at = rng.randrange(len(data))
            roll = rng.random()
            if roll < 0.25:
                data[at] = rng.randrange(256)
            elif roll < 0.45:
                data[at:at] = rng.choice(
                    [b"\xff", b"\xc3", b"\xed\xa0\x80", b"[", b"{", b'"', b"\\", b"\x00"]
                )
            elif roll < 0.65:
                del data[at : at + rng.randint(1, 8)]
            elif roll < 0.8:
                del data[at:]
            else:
                data[at:at] = data[max(0, at - 20) : at]
        return bytes(data)


# --- Telegram-shaped updates --------------------------------------------------------------------------


def person(rng: random.Random, user_id: int) -> dict[str, Any]:
    return {
        "id": user_id,
        "is_bot": False,
        "first_name": rng.choice(["Анна", "Bob", "😀", "x" * 64]),
        "language_code": rng.choice(["ru", "en", "uk", "en-US"]),
    }


def valid_update(rng: random.Random, update_id: int, text: JsonText) -> dict[str, Any]:
    user_id = rng.choice([rng.randint(1, 2**31), rng.randint(2**32, 2**52), 777000])
    sender = person(rng, user_id)
    chat = {"id": user_id, "type": "private", "first_name": sender["first_name"]}
    message = {
        "message_id": rng.randint(1, 2**31),
        "date": 1795867200,
        "chat": chat,
        "from": sender,
        "text": json.loads(text.string()),
    }
    kind = rng.choice(["message", "edited_message", "callback_query", "my_chat_member", "pre_checkout_query"])
    if kind in ("message", "edited_message"):
        payload: dict[str, Any] = message
    elif kind == "callback_query":
        payload = {"id": str(rng.getrandbits(60)), "from": sender, "message": message, "data": "m:main"}
    elif kind == "my_chat_member":
        member = {"status": "member", "user": sender}
        payload = {
            "chat": chat,
            "from": sender,
            "date": 1795867200,
            "old_chat_member": member,
            "new_chat_member": member,
        }
    else:
        invoice = checkout.encode(
            "s", user_id=user_id, units=100, kopecks=15000, payment_ref=checkout.new_payment_ref()
        )
        payload = {
            "id": str(rng.getrandbits(60)),
            "from": sender,
            "currency": rng.choice(["XTR", "XTR", "RUB"]),
            "total_amount": rng.choice([100, 100, 99]),
            "invoice_payload": rng.choice([invoice, "topup:1:100:15000", "junk"]),
        }
    return {"update_id": update_id, kind: payload}


def broken_update(rng: random.Random, update_id: int, text: JsonText) -> tuple[str, bytes]:
    """An update with exactly one thing wrong that the webhook must refuse with 4xx."""
    update = valid_update(rng, update_id, text)
    kind = next(key for key in update if key != "update_id")
    flaw = rng.choice(
        [
            "update_id",
            "kind_type",
            "id_type",
            "id_range",
            "two_kinds",
            "missing_id",
            "not_object",
            "nested_id",
        ]
    )
    if flaw == "update_id":
        update["update_id"] = rng.choice(
            [str(update_id), None, True, 1.5, [update_id], {"id": 1}, 0, -5, INT64_MAX + 1, 2**64, 10**30]
        )
    elif flaw == "kind_type":
        update[kind] = rng.choice(["text", 5, None, [update[kind]], True, 1.5])
    elif flaw == "id_type":
        holder = update[kind].get("chat") or update[kind]["from"]
        holder["id"] = rng.choice([str(holder["id"]), 1.5, True, [1], {"id": 1}])
    elif flaw == "id_range":
        holder = update[kind]["from"]
        holder["id"] = rng.choice([INT64_MAX + 1, -(2**63) - 1, 10**40])
    elif flaw == "two_kinds":
        update["message" if kind != "message" else "edited_message"] = {"text": "x"}
    elif flaw == "missing_id":
        del update["update_id"]
    elif flaw == "nested_id":
        update[kind]["from"] = rng.choice(["someone", 5, [1, 2], True])
    else:
        return flaw, json.dumps([update]).encode()
    return flaw, json.dumps(update, ensure_ascii=rng.random() < 0.5).encode()


# --- the cases ----------------------------------------------------------------------------------------


@dataclass
class Case:
    category: str
    body: bytes
    headers: list[tuple[bytes, bytes]]
    authorized: bool  # carries exactly the right secret
    expect: Callable[[int], bool]  # what the status must be, beyond "below 500"


def any_below_500(status: int) -> bool:
    return 0 < status < 500


def exactly(*statuses: int) -> Callable[[int], bool]:
    return lambda status: status in statuses


def secret_headers(rng: random.Random) -> tuple[list[tuple[bytes, bytes]], bool]:
    """The secret header: right (most of the time), wrong, near-miss, huge, duplicated, or absent."""
    headers = [(b"content-type", b"application/json")]
    roll = rng.random()
    if roll < 0.7:
        headers.append((b"x-telegram-bot-api-secret-token", WEBHOOK_SECRET.encode()))
        return headers, True
    wrong = rng.choice(
        [
            b"",
            b"wrong-secret",
            WEBHOOK_SECRET.encode() + b" ",
            WEBHOOK_SECRET.encode()[:-1],
            WEBHOOK_SECRET.upper().encode(),
            b"\xff\xfe\xc3\xa9",
            b"s" * 100_000,
            None,
        ]
    )
    if wrong is not None:
        headers.append((b"x-telegram-bot-api-secret-token", wrong))
    return headers, False


def odd_headers(rng: random.Random, headers: list[tuple[bytes, bytes]], body: bytes) -> bool:
    """Huge, many, or lying headers (Content-Length in particular); True when it declares a body too big."""
    roll = rng.random()
    if roll < 0.3:
        headers.append((b"content-length", str(len(body)).encode()))
        return len(body) > 255 * 1024
    if roll < 0.45:
        declared = rng.choice(
            [b"-1", b"1e9", b"\xb2\xb3", b"9" * 5000, b"99999999999999999999", b"0", b" 12", b"", b"\xd9\xa1"]
        )
        headers.append((b"content-length", declared))
        return declared.isdigit() and int(declared[:20]) > 255 * 1024
    if roll < 0.55:
        headers.extend(
            (f"x-junk-{i}".encode(), b"v" * rng.randint(0, 2000)) for i in range(rng.randint(1, 200))
        )
    elif roll < 0.6:
        headers.append((b"x-huge", b"h" * rng.choice([100_000, 1_000_000])))
    return False


def make_case(rng: random.Random, index: int, text: JsonText) -> Case:  # noqa: PLR0912 - a branch per category
    update_id = 1_000_000 + index
    headers, authorized = secret_headers(rng)
    roll = rng.random()
    expect: Callable[[int], bool] = any_below_500
    if roll < 0.30:
        category = "valid update"
        body = json.dumps(valid_update(rng, update_id, text), ensure_ascii=rng.random() < 0.5).encode()
        expect = exactly(200)
    elif roll < 0.42:
        category = "wrong type/missing"
        _flaw, body = broken_update(rng, update_id, text)
        expect = exactly(400)
    elif roll < 0.54:
        category = "random JSON tree"
        tree = text.value(valid=rng.random() < 0.5)
        body = (f'{{"update_id":{update_id},"message":{tree}}}' if rng.random() < 0.5 else tree).encode(
            "utf-8", "surrogatepass"
        )
    elif roll < 0.62:
        category = "deep nesting"
        where = rng.choice(["top", "text", "kind"])
        deep = text.deep()
        if where == "top":
            body = deep.encode()
        elif where == "text":
            body = f'{{"update_id":{update_id},"message":{{"chat":{{"id":1}},"x":{deep}}}}}'.encode()
        else:
            body = f'{{"update_id":{update_id},"message":{deep}}}'.encode()
        expect = exactly(400, 413)
    elif roll < 0.68:
        category = "huge/odd numbers"
        number = rng.choice(
            [
                str(INT64_MAX + 1),
                str(2**64),
                "1" * 5000,
                "1" * 30,
                "-1",
                "0",
                "1e400",
                "NaN",
                "1.0",
                "-0",
                "9" * 19,
            ]
        )
        body = rng.choice(
            [
                f'{{"update_id":{number},"message":{{"chat":{{"id":1}}}}}}',
                f'{{"update_id":{update_id},"message":{{"chat":{{"id":{number}}}}}}}',
                f'{{"update_id":{update_id},"callback_query":{{"from":{{"id":{number}}}}}}}',
            ]
        ).encode()
    elif roll < 0.74:
        category = "lone surrogate"
        escape = rng.choice(SURROGATE_ESCAPES)
        body = rng.choice(
            [
                f'{{"update_id":{update_id},"message":{{"chat":{{"id":1}},"text":"{escape}"}}}}'.encode(),
                f'{{"update_id":{update_id},"message":{{"{escape}":1}}}}'.encode(),
                f'{{"update_id":{update_id},"message":{{"text":"'.encode() + b"\xed\xa0\x80" + b'"}}',
            ]
        )
        expect = exactly(400)
    elif roll < 0.80:
        category = "invalid UTF-8"
        valid = json.dumps(valid_update(rng, update_id, text), ensure_ascii=False).encode()
        at = rng.randrange(len(valid))
        body = (
            valid[:at]
            + rng.choice([b"\xff", b"\xc3\x28", b"\xe2\x82", b"\xf0\x9f\x98", b"\xc0\xaf"])
            + valid[at:]
        )
        expect = exactly(400)
    elif roll < 0.90:
        category = "mutated valid body"
        body = text.mutate(json.dumps(valid_update(rng, update_id, text), ensure_ascii=False).encode())
    elif roll < 0.93:
        category = "missing/empty"
        body = rng.choice(
            [b"", b"{}", b"[]", b"null", b'{"message":{}}', b'""', b" ", b"0", b'{"update_id":']
        )
        expect = exactly(400)
    elif roll < 0.935:
        category = "oversized body"
        size = rng.choice([255 * 1024 + 1, 300_000, 1_100_000])
        body = f'{{"update_id":{update_id},"message":{{"text":"{"x" * size}"}}}}'.encode()
        expect = exactly(413)
    else:
        category = "binary/garbage"
        body = rng.randbytes(rng.randint(0, 300))
        expect = exactly(400)
    if odd_headers(rng, headers, body):
        expect = exactly(413)  # refused on the declared length, before the body is read
    if not authorized:
        expect = exactly(401)
    return Case(category, body, headers, authorized, expect)


@pytest.mark.usefixtures("quiet_logs")
def test_no_body_or_header_gets_a_5xx_and_no_stranger_reaches_the_queue(
    sqs: Queues, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given: every queue send recorded with whether the request that made it carried the secret
    current: dict[str, Any] = {"authorized": False}
    sends: list[tuple[bool, str]] = []
    original_send = queue.send

    def recording_send(*args: Any, **kwargs: Any) -> str:
        sends.append((current["authorized"], kwargs["deduplication_id"]))
        return original_send(*args, **kwargs)

    monkeypatch.setattr(queue, "send", recording_send)
    monkeypatch.setenv("MOTO_SQS_ENFORCE_STRICT_QUEUE_PURGE_BEHAVIOUR", "false")  # drain() purges often
    rng = random.Random(SEED)
    text = JsonText(rng)
    tally = Tally()
    loop = webhook.asgi_handler.loop
    asyncio.set_event_loop(loop)
    queued_seen = 0

    def drain() -> int:
        """Check the queue holds exactly one message per update id sent since the last drain; empty it.

        (moto's SendMessage gets slower with every message on the queue, so it is kept short.)
        """
        depth = sqs.client.get_queue_attributes(
            QueueUrl=sqs.url, AttributeNames=["ApproximateNumberOfMessages"]
        )["Attributes"]["ApproximateNumberOfMessages"]
        fresh = {dedup for _authorized, dedup in sends[queued_seen:]}
        assert int(depth) == len(fresh), (depth, len(fresh))
        sqs.client.purge_queue(QueueUrl=sqs.url)
        return len(sends)

    started = time.perf_counter()
    # When
    for index in range(CASES):
        if index % 200 == 0:
            queued_seen = drain()
        case = make_case(rng, index, text)
        current["authorized"] = case.authorized
        reply = loop.run_until_complete(
            asgi_call(webhook.app, "POST", "/telegram/webhook", headers=case.headers, body=case.body)
        )
        problem = None
        if reply.error is not None or reply.status >= 500 or not case.expect(reply.status):
            problem = (
                f"#{index} {case.category}: {reply.status} {reply.body[:200]!r} "
                f"error={reply.error!r} body={case.body[:160]!r}"
            )
        tally.add(case.category, reply.status, problem)
    elapsed = time.perf_counter() - started
    print(tally.report("webhook fuzz", CASES, elapsed))  # noqa: T201 - the figures, for pytest -s
    # Then
    assert sum(tally.statuses.values()) == CASES >= 10_000
    assert not [status for status in tally.statuses if status >= 500], tally.failures
    assert tally.failures == []
    assert [dedup for authorized, dedup in sends if not authorized] == []
    print(f"  queued: {len(sends)} sends, all from requests with the secret; 0 without")  # noqa: T201 - the figures, for pytest -s
    drain()
    assert len({dedup for _authorized, dedup in sends}) == len(sends) > 0
    assert tally.statuses[200] > 0 and tally.statuses[401] > 0 and tally.statuses[400] > 0
