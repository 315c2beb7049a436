"""The KIE callback: token, shape, signature, recordInfo as the truth, one settlement, one delivery."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import time
from typing import Any

import asyncpg
import pytest

from creativebot import callbacks, generation, jobs, wallet
from creativebot.config import CallbackSettings, get_settings
from creativebot.db import Pool
from creativebot.kie.catalog import load_catalog
from creativebot.kie.client import KieClient
from creativebot.kie.signing import callback_token
from functions.kie_callback import app as callback_app
from infra.local.kie import FakeKieServer
from infra.local.lambda_events import http_api_event
from tests.helpers import FakeLambdaContext, Queues

PRICE = 400
SECRET = "test-callback-secret-0123456789"


async def _submitted(pool: Pool, kie: FakeKieServer, user_id: int, *switches: str) -> jobs.Job:
    """A paid job submitted to the fake KIE, which will not call back on its own."""
    await pool.execute("INSERT INTO users (id) VALUES ($1) ON CONFLICT DO NOTHING", user_id)
    await wallet.topup(pool, user_id, 100_00, f"stars:{user_id}")
    model = load_catalog().get("google/nano-banana")
    assert model is not None
    draft = jobs.NewJob(
        user_id=user_id,
        chat_id=user_id,
        draft_id=f"d{user_id}",
        model_id=model.id,
        prompt="a lighthouse",
        options={"aspect_ratio": "1:1"},
        image_urls=[],
        inputs={"prompt": "a lighthouse", "aspect_ratio": "1:1"},
        price=PRICE,
        language="ru",
        cid=f"cid-{user_id}",
    )
    job, created = await jobs.create(pool, draft)
    assert created
    kie.fake.script("nocallback", *switches)
    settings = get_settings(CallbackSettings)
    async with KieClient(settings.kie) as client:
        target = generation.CallbackTarget("https://bot.test.invalid", SECRET)
        submitted = await generation.submit(pool, client, job, target, settings.queue)
    assert submitted.status == "submitted" and submitted.task_id
    return submitted


async def _finished(kie: FakeKieServer, task_id: str) -> dict[str, Any]:
    for _ in range(100):
        task = kie.fake.tasks[task_id]
        if task.state in ("success", "fail"):
            return task.record()
        await asyncio.sleep(0.02)
    raise AssertionError("the fake task did not finish")


def _body(record: dict[str, Any]) -> bytes:
    return json.dumps(
        {"code": 200, "msg": "Playground task completed successfully.", "data": record}
    ).encode()


async def _call(
    pool: Pool, job_id: int, raw: bytes, token: str | None = None, **headers: str
) -> callbacks.Reply:
    settings = get_settings(CallbackSettings)
    async with KieClient(settings.kie) as client:
        return await callbacks.handle(
            pool,
            client,
            settings,
            job_id=job_id,
            token=token if token is not None else callback_token(SECRET, job_id),
            raw=raw,
            headers=headers,
        )


def _deliveries(sqs: Queues) -> list[int]:
    return [
        json.loads(m["Body"])["job_id"]
        for m in sqs.receive_all()
        if m["MessageAttributes"]["kind"]["StringValue"] == "deliver"
    ]


async def _charges(pool: Pool) -> int:
    return int(await pool.fetchval("SELECT count(*) FROM ledger WHERE kind = 'charge'"))


pytestmark = pytest.mark.usefixtures("sqs")


async def test_a_valid_callback_settles_once_and_queues_one_delivery(
    pool: Pool, kie: FakeKieServer, sqs: Queues
) -> None:
    job = await _submitted(pool, kie, 1)
    assert job.task_id is not None
    record = await _finished(kie, job.task_id)
    # When: KIE calls back five times (it retries and may duplicate)
    replies = [await _call(pool, job.id, _body(record)) for _ in range(5)]
    # Then
    assert [r.status for r in replies] == [200] * 5
    assert replies[0].body == {"code": 200, "msg": "success"}
    settled = await jobs.get(pool, job.id)
    assert settled is not None and settled.status == "succeeded"
    assert settled.result_urls == json.loads(record["resultJson"])["resultUrls"]
    assert await _charges(pool) == 1
    assert await wallet.balance_of(pool, 1) == wallet.Balance(100_00 - PRICE, 0)
    assert _deliveries(sqs) == [job.id]


async def test_a_forged_token_is_refused_and_changes_nothing(pool: Pool, kie: FakeKieServer) -> None:
    job = await _submitted(pool, kie, 2)
    assert job.task_id is not None
    record = await _finished(kie, job.task_id)
    for token in (
        "",
        "0" * 64,
        callback_token("another-secret-value!!", job.id),
        callback_token(SECRET, job.id + 1),
    ):
        assert (await _call(pool, job.id, _body(record), token=token)).status == 403
    still = await jobs.get(pool, job.id)
    assert still is not None and still.status == "submitted"
    assert await wallet.balance_of(pool, 2) == wallet.Balance(100_00, PRICE)


@pytest.mark.parametrize(
    "raw", [b"not json", b"[]", b"{}", b'{"data": {}}', b'{"data": {"taskId": 5}}', b'{"data": "x"}']
)
async def test_a_malformed_body_gets_400(pool: Pool, kie: FakeKieServer, raw: bytes) -> None:
    job = await _submitted(pool, kie, 3)
    reply = await _call(pool, job.id, raw)
    assert reply.status == 400
    assert "taskId" in reply.body["msg"]


async def test_an_unknown_job_gets_404(pool: Pool, kie: FakeKieServer) -> None:
    reply = await _call(pool, 999_999, _body({"taskId": "task_x"}))
    assert reply.status == 404


async def test_another_jobs_task_is_refused(pool: Pool, kie: FakeKieServer) -> None:
    mine, other = await _submitted(pool, kie, 4), await _submitted(pool, kie, 5)
    assert other.task_id is not None
    record = await _finished(kie, other.task_id)
    reply = await _call(pool, mine.id, _body(record))
    assert reply.status == 400
    assert await _charges(pool) == 0


async def test_the_outcome_comes_from_record_info_not_from_the_body(pool: Pool, kie: FakeKieServer) -> None:
    # Given: a task still generating, and a callback body that claims success
    job = await _submitted(pool, kie, 6, "stuck")
    assert job.task_id is not None
    lie = {
        "taskId": job.task_id,
        "state": "success",
        "resultJson": json.dumps({"resultUrls": ["https://evil/x.png"]}),
    }
    # When
    reply = await _call(pool, job.id, _body(lie))
    # Then: acknowledged, but nothing settled or charged
    assert reply.status == 200
    still = await jobs.get(pool, job.id)
    assert still is not None and still.status == "submitted" and still.result_urls is None
    assert await _charges(pool) == 0


async def test_a_failed_task_releases_the_hold_and_queues_the_notice(
    pool: Pool, kie: FakeKieServer, sqs: Queues
) -> None:
    job = await _submitted(pool, kie, 7, "fail")
    assert job.task_id is not None
    record = await _finished(kie, job.task_id)
    reply = await _call(pool, job.id, _body(record))
    assert reply.status == 200
    failed = await jobs.get(pool, job.id)
    assert failed is not None and failed.status == "failed" and failed.fail_code == "500"
    assert await wallet.balance_of(pool, 7) == wallet.Balance(100_00, 0)
    assert _deliveries(sqs) == [job.id]


def _signature(key: str, task_id: str, timestamp: int) -> str:
    digest = hmac.new(key.encode(), f"{task_id}.{timestamp}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


async def test_kie_signatures_are_checked_when_a_key_is_configured(
    pool: Pool, kie: FakeKieServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KIE_WEBHOOK_HMAC_KEY", "kie-hmac-key-for-tests")
    get_settings.cache_clear()
    job = await _submitted(pool, kie, 8)
    assert job.task_id is not None
    body = _body(await _finished(kie, job.task_id))
    now = int(time.time())
    good = _signature("kie-hmac-key-for-tests", job.task_id, now)
    assert (await _call(pool, job.id, body)).status == 401
    assert (
        await _call(pool, job.id, body, **{"x-webhook-timestamp": str(now), "x-webhook-signature": "AAAA"})
    ).status == 401
    old = now - 301
    stale = {
        "x-webhook-timestamp": str(old),
        "x-webhook-signature": _signature("kie-hmac-key-for-tests", job.task_id, old),
    }
    assert (await _call(pool, job.id, body, **stale)).status == 401
    assert await _charges(pool) == 0
    fresh = {"x-webhook-timestamp": str(now), "x-webhook-signature": good}
    assert (await _call(pool, job.id, body, **fresh)).status == 200
    assert await _charges(pool) == 1


async def test_a_finished_job_never_changes_status(pool: Pool, kie: FakeKieServer) -> None:
    job = await _submitted(pool, kie, 9)
    assert job.task_id is not None
    await _call(pool, job.id, _body(await _finished(kie, job.task_id)))
    for statement in (
        "UPDATE jobs SET status = 'failed' WHERE id = $1",
        "UPDATE jobs SET price = 1 WHERE id = $1",
        "UPDATE jobs SET result_urls = '[]' WHERE id = $1",
    ):
        with pytest.raises(asyncpg.RaiseError, match="cannot change"):
            await pool.execute(statement, job.id)
    # and an open job cannot go backwards
    other = await _submitted(pool, kie, 10, "stuck")
    with pytest.raises(asyncpg.RaiseError, match="cannot go from submitted to created"):
        await pool.execute("UPDATE jobs SET status = 'created' WHERE id = $1", other.id)


def test_the_lambda_answers_kie_in_its_own_envelope(
    database_url: str, kie: FakeKieServer, lambda_context: FakeLambdaContext
) -> None:
    event = http_api_event("POST", "/kie/callback/abc", body=b"{}", query={"t": "x"})
    response = callback_app.handler(event, lambda_context)
    assert response["statusCode"] == 404
    assert json.loads(response["body"]) == {"code": 404, "msg": "unknown job"}
    event = http_api_event("POST", "/kie/callback/12345", body=b"{}", query={"t": "x"})
    response = callback_app.handler(event, lambda_context)
    assert response["statusCode"] == 403
