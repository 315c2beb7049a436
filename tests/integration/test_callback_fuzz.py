"""Fuzz the KIE callback through its real ASGI app: no body, path, token or header gets a 5xx, and no
request without the job's token changes anything or queues anything.

Same seeded generator as the webhook's fuzz (FUZZ_SEED, FUZZ_CASES). The database holds one job that was
really submitted to the fake KIE, so the few well-formed callbacks with the right token settle it once
and queue its delivery once; everything else must be refused before the database (404, 403, 400) or by
the handler's own checks (404 unknown job, 400 foreign task, 401 signature). Half the run has KIE's
HMAC key configured, so the signature headers are fuzzed too.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections.abc import Callable
from typing import Any

import pytest

from creativebot import db, jobs, queue, wallet
from creativebot.config import get_settings
from creativebot.kie.signing import callback_token
from functions.kie_callback import app as callback_app
from infra.local.kie import FakeKieServer
from tests.helpers import Queues
from tests.integration.test_kie_callback import SECRET, _body, _finished, _submitted
from tests.integration.test_webhook_fuzz import (
    CASES,
    SEED,
    SURROGATE_ESCAPES,
    JsonText,
    Tally,
    any_below_500,
    asgi_call,
    exactly,
    quiet_logs,  # noqa: F401 - a fixture, used by name
)

USER = 616161
PRICE = 400  # test_kie_callback's job price


def job_path(rng: random.Random, job_id: int) -> tuple[str, int | None]:
    """The path's job id: the real job, another plausible one, or something that is not a job id."""
    roll = rng.random()
    if roll < 0.6:
        return str(job_id), job_id
    if roll < 0.75:
        other = rng.choice([job_id + 1, 999_999, 2**63 - 1, 1])
        return str(other), other
    odd = rng.choice(
        [
            "0",
            "-1",
            "abc",
            "1" * 5000,
            str(2**63),
            "²",
            "١٢",
            "1.5",
            "%00",
            "12 ",
            "+5",
            "0x10",
            "😀",
            "9" * 19,
        ]
    )
    return odd, None


def token_for(rng: random.Random, job_id: int | None) -> tuple[bytes, bool]:
    """The ?t= query: the job's own token (mostly), or missing, wrong, another job's, huge, odd."""
    if job_id is not None and rng.random() < 0.6:
        return f"t={callback_token(SECRET, job_id)}".encode(), True
    wrong = rng.choice(
        [
            b"",
            b"t=",
            b"t=x",
            b"t=" + b"0" * 64,
            f"t={callback_token(SECRET, (job_id or 0) + 1)}".encode(),
            f"t={callback_token('another-secret-value!!', job_id or 1)}".encode(),
            b"t=" + b"a" * 100_000,
            b"t=%ED%A0%80",
            b"t=%FF%FE",
            b"t=\xff\xfe",
            b"t=%00&t=%00",
        ]
    )
    return wrong, False


def callback_body(
    rng: random.Random, text: JsonText, task_id: str, record: dict[str, Any]
) -> tuple[str, bytes, Callable[[int], bool] | None]:
    """A body and, when the guard must refuse it whatever the job, the status it must get."""
    roll = rng.random()
    refused = exactly(400)
    if roll < 0.06:
        return "valid callback", _body(record), None
    if roll < 0.10:
        data = {rng.choice(["taskId", "task_id"]): rng.choice([task_id, "task_other", "é" * 200, "x"])}
        return "well-formed, other task", json.dumps({"code": 200, "data": data}).encode(), None
    if roll < 0.30:
        wrong = rng.choice(
            [
                {
                    "data": {
                        "taskId": rng.choice([5, None, True, 1.5, [task_id], {"id": task_id}, "", "x" * 201])
                    }
                },
                {"data": rng.choice(["x", 5, None, [], [{"taskId": task_id}]])},
                {"code": 200},
                {"taskId": task_id},
                [{"data": {"taskId": task_id}}],
                {"data": {"task_id": 7, "taskId": ""}},
            ]
        )
        return "wrong type/missing", json.dumps(wrong).encode(), refused
    if roll < 0.42:
        tree = text.value(valid=rng.random() < 0.5)
        wrapped = f'{{"data":{tree}}}' if rng.random() < 0.5 else tree
        return "random JSON tree", wrapped.encode("utf-8", "surrogatepass"), None
    if roll < 0.52:
        deep = text.deep()
        nested = rng.choice([deep, f'{{"data":{{"taskId":"{task_id}","x":{deep}}}}}', f'{{"data":{deep}}}'])
        return "deep nesting", nested.encode(), refused
    if roll < 0.60:
        number = rng.choice(["1" * 5000, "1" * 70, "1e400", "NaN", "-Infinity", str(2**64)])
        numeric = f'{{"code":{number},"data":{{"taskId":"{task_id}","n":{number}}}}}'
        return "huge/odd numbers", numeric.encode(), None if number == str(2**64) else refused
    if roll < 0.68:
        escape = rng.choice(SURROGATE_ESCAPES)
        body = rng.choice(
            [
                f'{{"data":{{"taskId":"{escape}"}}}}'.encode(),
                f'{{"data":{{"taskId":"{task_id}","msg":"{escape}"}}}}'.encode(),
                b'{"data":{"taskId":"\xed\xa0\x80"}}',
            ]
        )
        return "lone surrogate", body, refused
    if roll < 0.74:
        valid = _body(record)
        at = rng.randrange(len(valid))
        body = valid[:at] + rng.choice([b"\xff", b"\xc3\x28", b"\xe2\x82", b"\xc0\xaf"]) + valid[at:]
        return "invalid UTF-8", body, refused
    if roll < 0.86:
        return "mutated valid body", text.mutate(_body(record)), None
    if roll < 0.90:
        body = rng.choice([b"", b"{}", b"[]", b"null", b'""', b" ", b"0", b'{"data":'])
        return "missing/empty", body, refused
    if roll < 0.905:
        size = rng.choice([256 * 1024 + 1, 1_100_000])
        return "oversized body", f'{{"data":{{"taskId":"{task_id}","x":"{"x" * size}"}}}}'.encode(), refused
    return "binary/garbage", rng.randbytes(rng.randint(0, 300)), refused


def odd_headers(rng: random.Random) -> list[tuple[bytes, bytes]]:
    """KIE's signature headers (valid-looking, wrong, or malformed) and other odd headers."""
    headers = [(b"content-type", b"application/json")]
    roll = rng.random()
    if roll < 0.35:
        stamp = rng.choice(
            [
                str(int(time.time())).encode(),
                b"\xb2\xb3",
                b"1" * 5000,
                b"-5",
                b"",
                b"1e9",
                b"\xd9\xa1",
                b"0" * 13,
            ]
        )
        headers.append((b"x-webhook-timestamp", stamp))
        headers.append((b"x-webhook-signature", rng.choice([b"AAAA", b"", b"\xff" * 10, b"s" * 10_000])))
    elif roll < 0.45:
        headers.extend(
            (f"x-junk-{i}".encode(), b"v" * rng.randint(0, 2000)) for i in range(rng.randint(1, 200))
        )
    elif roll < 0.5:
        headers.append((b"x-huge", b"h" * rng.choice([100_000, 1_000_000])))
    elif roll < 0.6:
        headers.append((b"content-length", rng.choice([b"-1", b"9" * 5000, b"\xb2", b"0"])))
    return headers


@pytest.mark.usefixtures("quiet_logs")
def test_no_callback_gets_a_5xx_and_no_stranger_changes_anything(
    database_url: str, sqs: Queues, kie: FakeKieServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given: one job really submitted to the fake KIE and finished there, on the app's own event loop
    loop = callback_app.asgi_handler.loop
    asyncio.set_event_loop(loop)

    async def setup() -> tuple[jobs.Job, dict[str, Any]]:
        pool = await db.get_pool()
        job = await _submitted(pool, kie, USER)
        assert job.task_id is not None
        return job, await _finished(kie, job.task_id)

    job, record = loop.run_until_complete(setup())
    assert job.task_id is not None
    # ... and every queue send recorded with whether its request carried the job's token
    current: dict[str, Any] = {"authorized": False}
    sends: list[bool] = []
    original_send = queue.send

    def recording_send(*args: Any, **kwargs: Any) -> str:
        sends.append(current["authorized"])
        return original_send(*args, **kwargs)

    monkeypatch.setattr(queue, "send", recording_send)
    rng = random.Random(SEED + 1)
    text = JsonText(rng)
    tally = Tally()
    started = time.perf_counter()
    # When
    for index in range(CASES):
        if index == CASES // 2:  # the second half with KIE's signature check switched on
            monkeypatch.setenv("KIE_WEBHOOK_HMAC_KEY", "kie-hmac-key-for-tests")
            get_settings.cache_clear()
        path_id, target = job_path(rng, job.id)
        query, authorized = token_for(rng, target)
        category, body, refused = callback_body(rng, text, job.task_id, record)
        if index == 0:  # the first case settles the job, whatever the second half's signature check
            path_id, target, query, authorized = (
                str(job.id),
                job.id,
                f"t={callback_token(SECRET, job.id)}".encode(),
                True,
            )
            category, body, refused = "valid callback", _body(record), exactly(200)
        elif (
            authorized
            and target is not None
            and callback_app.body_problem(body) is None
            and rng.random() < 0.75
        ):
            # A case that would reach the handler opens an HTTP client to KIE (~30-50 ms, most of the
            # run's time): three in four of them are sent with a wrong token instead.
            query, authorized = b"t=x", False
        expect: Callable[[int], bool]
        if target is None:
            expect = exactly(404)
        elif not authorized:
            expect = exactly(403)
        else:
            expect = refused or any_below_500
        current["authorized"] = authorized and target == job.id
        reply = loop.run_until_complete(
            asgi_call(
                callback_app.app,
                "POST",
                f"/kie/callback/{path_id}",
                headers=odd_headers(rng),
                body=body,
                query=query,
            )
        )
        problem = None
        if reply.error is not None or reply.status >= 500 or not expect(reply.status):
            problem = (
                f"#{index} {category}: {reply.status} {reply.body[:200]!r} "
                f"error={reply.error!r} path={path_id[:40]!r} body={body[:160]!r}"
            )
        tally.add(category, reply.status, problem)
    elapsed = time.perf_counter() - started
    print(tally.report("KIE callback fuzz", CASES, elapsed))  # noqa: T201 - the figures, for pytest -s
    # Then: never a 5xx, and only requests with the job's token touched the queue
    assert sum(tally.statuses.values()) == CASES >= 10_000
    assert not [status for status in tally.statuses if status >= 500], tally.failures
    assert tally.failures == []
    assert sends and all(sends)
    print(f"  queued: {len(sends)} sends, all from requests with the job's token; 0 without")  # noqa: T201 - the figures, for pytest -s
    # ... and the job was settled once, charged once, and its delivery queued once
    depth = sqs.client.get_queue_attributes(QueueUrl=sqs.url, AttributeNames=["ApproximateNumberOfMessages"])[
        "Attributes"
    ]["ApproximateNumberOfMessages"]
    assert int(depth) == 1

    async def outcome() -> tuple[jobs.Job | None, wallet.Balance, int]:
        pool = await db.get_pool()
        charges = await pool.fetchval("SELECT count(*) FROM ledger WHERE kind = 'charge'")
        return await jobs.get(pool, job.id), await wallet.balance_of(pool, USER), int(charges)

    settled, balance, charges = loop.run_until_complete(outcome())
    assert settled is not None and settled.status == "succeeded"
    assert charges == 1 and balance == wallet.Balance(100_00 - PRICE, 0)
    assert tally.statuses[200] > 0 and tally.statuses[403] > 0 and tally.statuses[400] > 0
