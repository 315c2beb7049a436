"""The fake KIE against KIE's documented contract, through our own client and through raw HTTP."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from aiohttp import web

from creativebot.config import KieSettings, get_settings
from creativebot.kie.catalog import CatalogModel, load_catalog
from creativebot.kie.client import KieClient, KieError, TaskNotFound
from infra.local.kie import FakeKieServer
from infra.local.servers import BackgroundServer

KEY = "test-kie-key-not-a-real-one"


def _model(model_id: str) -> CatalogModel:
    model = load_catalog().get(model_id)
    assert model is not None, model_id
    return model


Z_IMAGE = _model("z-image")


@pytest.fixture
async def client(kie: FakeKieServer) -> AsyncIterator[KieClient]:
    async with KieClient(KieSettings()) as kie_client:
        yield kie_client


async def _until_finished(client: KieClient, task_id: str, model: CatalogModel = Z_IMAGE) -> Any:
    for _ in range(100):
        record = await client.record_info(model, task_id)
        if record.finished:
            return record
        await asyncio.sleep(0.03)
    raise AssertionError("the task never finished")


async def test_a_task_moves_waiting_generating_success_with_a_real_file(
    client: KieClient, kie: FakeKieServer
) -> None:
    task_id = await client.create_task(
        Z_IMAGE, {"prompt": "маяк", "aspect_ratio": "1:1"}, "http://127.0.0.1:9/cb"
    )
    first = await client.record_info(Z_IMAGE, task_id)
    assert first.state in ("waiting", "generating")
    assert first.callback_url == "http://127.0.0.1:9/cb"
    done = await _until_finished(client, task_id)
    assert done.state == "success" and len(done.result_urls) == 1
    image = httpx.get(done.result_urls[0])
    assert image.headers["content-type"] == "image/png" and image.content.startswith(b"\x89PNG\r\n\x1a\n")


@pytest.mark.parametrize(
    ("model", "mime"),
    [("kling-2.6/text-to-video", "video/mp4"), ("elevenlabs/text-to-speech-turbo-2-5", "audio/mpeg")],
)
async def test_video_and_audio_models_produce_playable_files(
    client: KieClient, model: str, mime: str
) -> None:
    payload = {"prompt": "волны", "sound": False, "aspect_ratio": "16:9", "duration": "5"}
    if model.startswith("eleven"):
        payload = {"text": "Привет", "voice": "EkK5I93UQWFDigLMpZcX"}
    catalog_model = _model(model)
    done = await _until_finished(
        client, await client.create_task(catalog_model, payload, None), catalog_model
    )
    assert httpx.get(done.result_urls[0]).headers["content-type"] == mime


@pytest.mark.parametrize(
    ("keyword", "code"), [("[402]", 402), ("[422]", 422), ("[429]", 429), ("[500]", 500)]
)
async def test_error_switches_answer_with_kie_codes(client: KieClient, keyword: str, code: int) -> None:
    with pytest.raises(KieError) as error:
        await client.create_task(Z_IMAGE, {"prompt": f"{keyword} кот", "aspect_ratio": "1:1"}, None)
    assert error.value.code == code
    assert error.value.retryable is (code in (429, 500))


async def test_inputs_are_validated_like_kie(client: KieClient) -> None:
    for model, payload, problem in [
        (Z_IMAGE, {"aspect_ratio": "1:1"}, "prompt is required"),
        (Z_IMAGE, {"prompt": "x", "aspect_ratio": "2:1"}, "aspect_ratio must be one of"),
        (Z_IMAGE, {"prompt": "x" * 1001, "aspect_ratio": "1:1"}, "longer than 1000"),
        (Z_IMAGE.model_copy(update={"kie_model": "no/such-model"}), {"prompt": "x"}, "does not exist"),
    ]:
        with pytest.raises(KieError, match=problem) as error:
            await client.create_task(model, payload, None)
        assert error.value.code == 422


async def test_failures_and_unknown_tasks(client: KieClient) -> None:
    failed = await _until_finished(
        client, await client.create_task(Z_IMAGE, {"prompt": "[fail] x", "aspect_ratio": "1:1"}, None)
    )
    assert (failed.state, failed.fail_code, failed.result_urls) == ("fail", "500", [])
    unsafe = await _until_finished(
        client, await client.create_task(Z_IMAGE, {"prompt": "[unsafe] x", "aspect_ratio": "1:1"}, None)
    )
    assert unsafe.fail_code == "400" and "violating content policies" in (unsafe.fail_msg or "")
    with pytest.raises(TaskNotFound):
        await client.record_info(Z_IMAGE, "task_does_not_exist")


def test_envelopes_and_authentication(kie: FakeKieServer) -> None:
    no_key = httpx.post(f"{kie.url}/api/v1/jobs/createTask", json={"model": "z-image", "input": {}})
    assert no_key.status_code == 200 and no_key.json() == {
        "code": 401,
        "msg": "You do not have access permissions",
        "data": None,
    }
    headers = {"Authorization": f"Bearer {KEY}"}
    assert httpx.get(f"{kie.url}/api/v1/jobs/recordInfo", headers=headers).json()["code"] == 400
    assert httpx.get(f"{kie.url}/api/v1/jobs/recordInfo", params={"taskId": "x"}, headers=headers).json() == {
        "code": 422,
        "msg": "recordInfo is null",
        "data": None,
    }
    limited = httpx.post(
        f"{kie.url}/api/v1/jobs/createTask",
        headers=headers,
        json={"model": "z-image", "input": {"prompt": "[429]"}},
    )
    assert limited.status_code == 429 and limited.json()["code"] == 429
    assert httpx.get(f"{kie.url}/api/v1/chat/credit", headers=headers).json() == {
        "code": 200,
        "msg": "success",
        "data": 10000.0,
    }


async def test_the_three_upload_endpoints_return_a_download_url(
    client: KieClient, kie: FakeKieServer
) -> None:
    headers = {"Authorization": f"Bearer {KEY}"}
    stream_url = await client.upload(b"stream-bytes", "a.png", "image/png")
    assert httpx.get(stream_url).content == b"stream-bytes"
    encoded = base64.b64encode(b"base64-bytes").decode()
    via_base64 = httpx.post(
        f"{kie.url}/api/file-base64-upload",
        headers=headers,
        json={"base64Data": f"data:image/png;base64,{encoded}", "uploadPath": "p", "fileName": "b.png"},
    ).json()
    assert via_base64["success"] is True and via_base64["data"]["mimeType"] == "image/png"
    assert httpx.get(via_base64["data"]["downloadUrl"]).content == b"base64-bytes"
    via_url = httpx.post(
        f"{kie.url}/api/file-url-upload", headers=headers, json={"fileUrl": stream_url, "uploadPath": "p"}
    ).json()
    assert httpx.get(via_url["data"]["downloadUrl"]).content == b"stream-bytes"
    missing = httpx.post(
        f"{kie.url}/api/file-base64-upload", headers=headers, json={"uploadPath": "p"}
    ).json()
    assert missing["code"] == 400 and missing["success"] is False


async def test_callbacks_are_posted_signed_and_twice_on_request(monkeypatch: pytest.MonkeyPatch) -> None:
    received: list[tuple[dict[str, Any], dict[str, str]]] = []

    async def make_app() -> web.Application:
        async def callback(request: web.Request) -> web.Response:
            received.append((await request.json(), dict(request.headers)))
            return web.json_response({"code": 200, "msg": "success"})

        app = web.Application()
        app.router.add_post("/cb", callback)
        return app

    receiver = BackgroundServer(make_app, name="callback-receiver")
    receiver.start()
    fake = FakeKieServer(KEY, waiting_sec=0.01, generating_sec=0.05, webhook_hmac_key="hmac-key")
    fake.start()
    monkeypatch.setenv("KIE_API_BASE", fake.url)
    get_settings.cache_clear()
    try:
        async with KieClient(KieSettings()) as kie_client:
            task_id = await kie_client.create_task(
                Z_IMAGE, {"prompt": "[twice] x", "aspect_ratio": "1:1"}, f"{receiver.url}/cb"
            )
            for _ in range(100):
                if len(received) >= 2:
                    break
                await asyncio.sleep(0.03)
    finally:
        fake.stop()
        receiver.stop()
    assert len(received) == 2
    body, headers = received[0]
    assert body["code"] == 200 and body["data"]["taskId"] == task_id and body["data"]["state"] == "success"
    assert json.loads(body["data"]["resultJson"])["resultUrls"]
    timestamp = headers["X-Webhook-Timestamp"]
    expected = base64.b64encode(
        hmac.new(b"hmac-key", f"{task_id}.{timestamp}".encode(), hashlib.sha256).digest()
    )
    assert headers["X-Webhook-Signature"] == expected.decode()
