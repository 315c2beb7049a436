"""The fake KIE's family APIs (Veo, Suno, Midjourney, Runway, GPT-4o Image, Flux Kontext) over raw HTTP.

Each family: create → record-info states → callback shape (to a loopback receiver) → result file
downloadable; plus each one's own protocol points (Suno's stages, Veo's 1080P and fallback, MJ's
upscale/vary, 4o's nVariants) and what all share (401, 422 with a reason, the switches).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from aiohttp import web

from infra.local.kie import FakeKieServer
from infra.local.servers import BackgroundServer

KEY = "test-kie-key-not-a-real-one"
HMAC_KEY = "hmac-key"
AUTH = {"Authorization": f"Bearer {KEY}"}

# One pooled client for the module: a fresh httpx client per request costs tens of milliseconds.
HTTP = httpx.Client(timeout=10)


@pytest.fixture(scope="module", autouse=True)
def _close_http() -> Iterator[None]:
    yield
    HTTP.close()


CREATE_PATHS = {
    "veo": "/api/v1/veo/generate",
    "suno": "/api/v1/generate",
    "mj": "/api/v1/mj/generate",
    "runway": "/api/v1/runway/generate",
    "gpt4o": "/api/v1/gpt4o-image/generate",
    "flux": "/api/v1/flux/kontext/generate",
}
RECORD_PATHS = {
    "veo": "/api/v1/veo/record-info",
    "suno": "/api/v1/generate/record-info",
    "mj": "/api/v1/mj/record-info",
    "runway": "/api/v1/runway/record-detail",
    "gpt4o": "/api/v1/gpt4o-image/record-info",
    "flux": "/api/v1/flux/kontext/record-info",
}


def valid_body(
    family: str, callback: str | None = None, prompt: str = "a lighthouse at dusk"
) -> dict[str, Any]:
    """A minimal valid create request of each family."""
    bodies: dict[str, dict[str, Any]] = {
        "veo": {"prompt": prompt, "model": "veo3_fast", "aspectRatio": "16:9"},
        "suno": {"prompt": prompt, "customMode": False, "instrumental": False, "model": "V4_5"},
        "mj": {
            "taskType": "mj_txt2img",
            "prompt": prompt,
            "speed": "fast",
            "aspectRatio": "1:1",
            "version": "7",
        },
        "runway": {"prompt": prompt, "duration": 5, "quality": "720p", "aspectRatio": "16:9"},
        "gpt4o": {"prompt": prompt, "size": "1:1"},
        "flux": {"prompt": prompt, "model": "flux-kontext-pro", "aspectRatio": "16:9"},
    }
    body = bodies[family]
    if callback is not None:
        body["callBackUrl"] = callback
    elif family in ("suno", "runway"):  # callBackUrl is required there
        body["callBackUrl"] = "http://127.0.0.1:9/unused"
    return body


@dataclass
class Receiver:
    """A loopback callback receiver: every POST to /cb/<name> is kept; /fail-once/<name> answers 500 once."""

    server: BackgroundServer
    received: list[tuple[str, dict[str, Any], dict[str, str]]] = field(default_factory=list)
    failed_once: set[str] = field(default_factory=set)

    def url(self, name: str) -> str:
        return f"{self.server.url}/cb/{name}"

    def bodies(self, name: str) -> list[dict[str, Any]]:
        return [body for path, body, _ in self.received if path == name]

    def headers(self, name: str) -> list[dict[str, str]]:
        return [headers for path, _, headers in self.received if path == name]

    def wait(self, name: str, count: int = 1, timeout: float = 5.0) -> list[dict[str, Any]]:
        wait_until(lambda: len(self.bodies(name)) >= count, timeout)
        return self.bodies(name)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    box: dict[str, Receiver] = {}

    async def make_app() -> web.Application:
        async def callback(request: web.Request) -> web.Response:
            name = request.match_info["name"]
            if request.match_info["mode"] == "fail-once" and name not in box["r"].failed_once:
                box["r"].failed_once.add(name)
                return web.json_response({"code": 500}, status=500)
            box["r"].received.append((name, await request.json(), dict(request.headers)))
            return web.json_response({"code": 200, "msg": "success"})

        app = web.Application()
        app.router.add_post("/{mode}/{name}", callback)
        return app

    server = BackgroundServer(make_app, name="callback-receiver")
    box["r"] = Receiver(server)
    server.start()
    yield box["r"]
    server.stop()


@pytest.fixture
def kie() -> Iterator[FakeKieServer]:
    server = FakeKieServer(KEY, waiting_sec=0.05, generating_sec=0.15, webhook_hmac_key=HMAC_KEY)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def slow_kie() -> Iterator[FakeKieServer]:
    """Every state lasts 0.2 s or more: a 10 ms poll sees each one even on a busy machine."""
    server = FakeKieServer(KEY, waiting_sec=0.4, generating_sec=0.6, webhook_hmac_key=HMAC_KEY)
    server.start()
    yield server
    server.stop()


def wait_until(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.01)


def post(kie: FakeKieServer, path: str, body: Any, headers: dict[str, str] | None = None) -> dict[str, Any]:
    response = HTTP.post(f"{kie.url}{path}", json=body, headers=AUTH if headers is None else headers)
    result: dict[str, Any] = response.json()
    return result


def record(kie: FakeKieServer, family: str, task_id: str) -> dict[str, Any]:
    answer: dict[str, Any] = HTTP.get(
        f"{kie.url}{RECORD_PATHS[family]}", params={"taskId": task_id}, headers=AUTH
    ).json()
    assert answer["code"] == 200, answer
    data: dict[str, Any] = answer["data"]
    return data


def create(kie: FakeKieServer, family: str, body: dict[str, Any], path: str | None = None) -> str:
    answer = post(kie, path or CREATE_PATHS[family], body)
    assert answer["code"] == 200 and answer["msg"] == "success", answer
    task_id: str = answer["data"]["taskId"]
    return task_id


def poll(
    kie: FakeKieServer,
    family: str,
    task_id: str,
    done: Callable[[dict[str, Any]], bool],
    timeout: float = 5.0,
) -> list[dict[str, Any]]:
    """Every record seen until ``done`` says the task is over (the last one is the final record)."""
    seen: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        seen.append(record(kie, family, task_id))
        if done(seen[-1]):
            return seen
        time.sleep(0.01)
    raise AssertionError(f"the task never finished: {seen[-1]}")


def download(url: str) -> httpx.Response:
    response = HTTP.get(url)
    assert response.status_code == 200
    return response


def is_png(url: str) -> bool:
    response = download(url)
    return response.headers["content-type"] == "image/png" and response.content.startswith(
        b"\x89PNG\r\n\x1a\n"
    )


def is_mp4(url: str) -> bool:
    response = download(url)
    return response.headers["content-type"] == "video/mp4" and response.content[4:8] == b"ftyp"


def is_mp3(url: str) -> bool:
    response = download(url)
    return response.headers["content-type"] == "audio/mpeg" and response.content[:3] == b"ID3"


def signed_over(headers: dict[str, str], task_id: str) -> bool:
    timestamp = headers["X-Webhook-Timestamp"]
    digest = hmac.new(HMAC_KEY.encode(), f"{task_id}.{timestamp}".encode(), hashlib.sha256).digest()
    return hmac.compare_digest(headers["X-Webhook-Signature"], base64.b64encode(digest).decode())


def ordered(seen: list[str], order: list[str]) -> bool:
    """``seen`` (with repeats) follows ``order`` without ever going back."""
    positions = [order.index(value) for value in seen]
    return positions == sorted(positions)


# --- Veo 3.1 -------------------------------------------------------------------------------------------


def test_veo_generates_a_video_and_calls_back(kie: FakeKieServer, receiver: Receiver) -> None:
    body = valid_body("veo", receiver.url("veo"))
    body["aspectRatio"] = "9:16"
    task_id = create(kie, "veo", body)
    seen = poll(kie, "veo", task_id, lambda r: r["successFlag"] != 0)
    first, final = seen[0], seen[-1]
    assert first["successFlag"] == 0 and first["response"] is None and first["completeTime"] is None
    assert final["successFlag"] == 1 and final["errorCode"] is None and final["fallbackFlag"] is False
    response = final["response"]
    assert response["taskId"] == task_id and response["resolution"] == "720p"
    assert len(response["resultUrls"]) == 1 and is_mp4(response["resultUrls"][0])
    assert response["fullResultUrls"] == response["resultUrls"]
    assert response["originUrls"] and is_mp4(response["originUrls"][0])  # not 16:9: the original is kept
    assert final["createTime"].endswith("Z") and final["completeTime"].endswith("Z")
    assert final["paramJson"] and '"veo3_fast"' in final["paramJson"]

    [callback] = receiver.wait("veo")
    assert callback["code"] == 200
    data = callback["data"]
    assert data["taskId"] == task_id and data["fallbackFlag"] is False
    assert data["info"] == {
        "resultUrls": response["resultUrls"],
        "originUrls": response["originUrls"],
        "resolution": "720p",
    }
    assert signed_over(receiver.headers("veo")[0], task_id)
    task = kie.fake.family_tasks[task_id]
    assert (task.family, task.request, task.callbacks[0]["status"]) == ("veo", body, 200)


def test_veo_16_9_has_no_origin_urls(kie: FakeKieServer) -> None:
    task_id = create(kie, "veo", valid_body("veo"))
    final = poll(kie, "veo", task_id, lambda r: r["successFlag"] != 0)[-1]
    assert final["response"]["originUrls"] is None


def test_veo_1080p_follow_up_only_after_success(kie: FakeKieServer) -> None:
    task_id = create(kie, "veo", valid_body("veo"))

    def hd(index: int = 0) -> dict[str, Any]:
        answer: dict[str, Any] = HTTP.get(
            f"{kie.url}/api/v1/veo/get-1080p-video", params={"taskId": task_id, "index": index}, headers=AUTH
        ).json()
        return answer

    early = hd()
    assert early["code"] == 422 and "not success" in early["msg"]
    poll(kie, "veo", task_id, lambda r: r["successFlag"] == 1)
    assert hd(1)["code"] == 422  # one video only
    processing = hd()
    assert processing["code"] == 400 and "processing" in processing["msg"]
    wait_until(lambda: hd()["code"] == 200)
    ready = hd()
    assert is_mp4(ready["data"]["resultUrl"])
    assert hd()["data"]["resultUrl"] == ready["data"]["resultUrl"]
    missing = HTTP.get(f"{kie.url}/api/v1/veo/get-1080p-video", params={"taskId": "nope"}, headers=AUTH)
    assert missing.json()["code"] == 422


def test_veo_flagged_prompt_suggests_the_fallback_or_uses_it(kie: FakeKieServer, receiver: Receiver) -> None:
    refused = create(kie, "veo", valid_body("veo", receiver.url("no-fallback"), "[422] a crowd"))
    final = poll(kie, "veo", refused, lambda r: r["successFlag"] != 0)[-1]
    assert final["successFlag"] == 2 and final["errorCode"] == 422 and final["response"] is None
    [callback] = receiver.wait("no-fallback")
    assert callback["code"] == 422 and "fallback" in callback["msg"]
    assert callback["data"] == {"taskId": refused, "fallbackFlag": False}

    body = valid_body("veo", receiver.url("fallback"), "[422] a crowd") | {"enableFallback": True}
    rescued = create(kie, "veo", body)
    final = poll(kie, "veo", rescued, lambda r: r["successFlag"] != 0)[-1]
    assert final["successFlag"] == 1 and final["fallbackFlag"] is True
    assert final["response"]["resolution"] == "1080p"
    [callback] = receiver.wait("fallback")
    assert callback["code"] == 200 and callback["data"]["fallbackFlag"] is True
    assert is_mp4(callback["data"]["info"]["resultUrls"][0])
    hd = HTTP.get(f"{kie.url}/api/v1/veo/get-1080p-video", params={"taskId": rescued}, headers=AUTH).json()
    assert hd["code"] == 422  # a fallback video has no 1080P upgrade


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"model": "veo2"}, "model must be one of"),
        ({"prompt": ""}, "prompt is required"),
        ({"duration": "8"}, "duration must be an integer"),
        ({"duration": 5}, "duration must be one of"),
        ({"aspectRatio": "1:1"}, "aspectRatio must be one of"),
        ({"imageUrls": ["a", "b", "c"]}, "1 or 2 imageUrls"),
        (
            {"generationType": "REFERENCE_2_VIDEO", "imageUrls": ["a"], "model": "veo3"},
            "veo3_fast and veo3_lite",
        ),
        ({"generationType": "TEXT_2_VIDEO", "imageUrls": ["a"]}, "must be empty"),
    ],
)
def test_veo_rejects_invalid_input(kie: FakeKieServer, change: dict[str, Any], reason: str) -> None:
    answer = post(kie, CREATE_PATHS["veo"], valid_body("veo") | change)
    assert answer["code"] == 422 and reason in answer["msg"] and answer["data"] is None


# --- Suno ----------------------------------------------------------------------------------------------


SUNO_ORDER = ["PENDING", "TEXT_SUCCESS", "FIRST_SUCCESS", "SUCCESS"]


def test_suno_stages_arrive_in_order_with_two_tracks(slow_kie: FakeKieServer, receiver: Receiver) -> None:
    task_id = create(slow_kie, "suno", valid_body("suno", receiver.url("suno"), "a song about the sea"))
    seen = poll(slow_kie, "suno", task_id, lambda r: r["status"] == "SUCCESS")
    statuses = [r["status"] for r in seen]
    assert ordered(statuses, SUNO_ORDER) and set(statuses) == set(SUNO_ORDER)
    assert seen[0]["response"] is None
    text_record = next(r for r in seen if r["status"] == "TEXT_SUCCESS")
    assert [t["audioUrl"] for t in text_record["response"]["sunoData"]] == ["", ""]
    final = seen[-1]
    assert final["param"] and final["errorCode"] is None and final["operationType"] == "generate"
    tracks = final["response"]["sunoData"]
    assert len(tracks) == 2 and tracks[0]["id"] != tracks[1]["id"]
    for track in tracks:
        assert track["title"] and track["modelName"] and track["tags"] and track["duration"] > 0
        assert is_mp3(track["audioUrl"]) and is_mp3(track["streamAudioUrl"]) and is_png(track["imageUrl"])

    callbacks = receiver.wait("suno", 3)
    assert [c["data"]["callbackType"] for c in callbacks] == ["text", "first", "complete"]
    assert all(c["code"] == 200 and c["data"]["task_id"] == task_id for c in callbacks)
    text, first, complete = (c["data"]["data"] for c in callbacks)
    assert [t["audio_url"] for t in text] == ["", ""] and all(t["duration"] is None for t in text)
    assert [t["id"] for t in first] == [tracks[0]["id"]] and first[0]["audio_url"] == tracks[0]["audioUrl"]
    assert [t["audio_url"] for t in complete] == [t["audioUrl"] for t in tracks]
    assert set(complete[0]) == {
        "id",
        "audio_url",
        "stream_audio_url",
        "image_url",
        "prompt",
        "model_name",
        "title",
        "tags",
        "createTime",
        "duration",
    }
    assert all(signed_over(headers, task_id) for headers in receiver.headers("suno"))


def test_suno_custom_mode_keeps_title_style_and_lyrics(kie: FakeKieServer, receiver: Receiver) -> None:
    body = {
        "customMode": True,
        "instrumental": False,
        "model": "V5",
        "prompt": "[Verse]\nWaves on the shore",
        "style": "indie folk",
        "title": "Shoreline",
        "callBackUrl": receiver.url("custom"),
    }
    task_id = create(kie, "suno", body)
    complete = receiver.wait("custom", 3)[-1]["data"]["data"]
    assert [(t["title"], t["tags"], t["prompt"]) for t in complete] == [
        ("Shoreline", "indie folk", "[Verse]\nWaves on the shore")
    ] * 2
    assert record(kie, "suno", task_id)["status"] == "SUCCESS"


def test_suno_failure_calls_back_531_and_replay_doubles_every_stage(
    kie: FakeKieServer, receiver: Receiver
) -> None:
    failed = create(kie, "suno", valid_body("suno", receiver.url("fail"), "[fail] a song"))
    callbacks = receiver.wait("fail", 2)
    assert [c["data"]["callbackType"] for c in callbacks] == ["text", "error"]
    assert callbacks[-1]["code"] == 531 and "refunded" in callbacks[-1]["msg"]
    assert callbacks[-1]["data"] == {"callbackType": "error", "task_id": failed, "data": None}
    final = record(kie, "suno", failed)
    assert final["status"] == "GENERATE_AUDIO_FAILED" and final["errorCode"] == 531

    create(kie, "suno", valid_body("suno", receiver.url("replay"), "[replay] a song"))
    callbacks = receiver.wait("replay", 6)
    assert [c["data"]["callbackType"] for c in callbacks] == [
        "text",
        "text",
        "first",
        "first",
        "complete",
        "complete",
    ]

    unsafe = create(kie, "suno", valid_body("suno", receiver.url("unsafe"), "[unsafe] a song"))
    [callback] = receiver.wait("unsafe")
    assert callback["code"] == 400 and callback["data"]["callbackType"] == "error"
    assert record(kie, "suno", unsafe)["status"] == "SENSITIVE_WORD_ERROR"


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"callBackUrl": None}, "callBackUrl is required"),
        ({"model": "V3_5"}, "model must be one of"),
        ({"customMode": None}, "customMode is required"),
        ({"prompt": "x" * 501}, "longer than 500"),
        ({"customMode": True, "title": "t"}, "style is required"),
        ({"customMode": True, "style": "pop"}, "title is required"),
        ({"customMode": True, "style": "pop", "title": "t" * 81}, "title is longer than 80"),
        ({"customMode": True, "style": "pop", "title": "t", "prompt": ""}, "lyrics"),
        ({"model": "V4", "customMode": True, "style": "s" * 201, "title": "t"}, "style is longer than 200"),
    ],
)
def test_suno_rejects_invalid_input(kie: FakeKieServer, change: dict[str, Any], reason: str) -> None:
    body = {key: value for key, value in (valid_body("suno") | change).items() if value is not None}
    answer = post(kie, CREATE_PATHS["suno"], body)
    assert answer["code"] == 422 and reason in answer["msg"]


# --- Midjourney ----------------------------------------------------------------------------------------


def test_mj_makes_four_images_then_upscale_and_vary_make_new_tasks(
    kie: FakeKieServer, receiver: Receiver
) -> None:
    grid = create(kie, "mj", valid_body("mj", receiver.url("grid")))
    early = post(kie, "/api/v1/mj/generateUpscale", {"taskId": grid, "imageIndex": 0})
    assert early["code"] == 422 and "not succeeded" in early["msg"]
    seen = poll(kie, "mj", grid, lambda r: r["successFlag"] != 0)
    assert seen[0]["successFlag"] == 0 and seen[0]["resultInfoJson"] is None
    final = seen[-1]
    assert final["successFlag"] == 1 and final["taskType"] == "mj_txt2img" and final["errorCode"] is None
    urls = [item["resultUrl"] for item in final["resultInfoJson"]["resultUrls"]]
    assert len(urls) == 4 and len(set(urls)) == 4 and all(is_png(url) for url in urls)
    [callback] = receiver.wait("grid")
    assert callback["code"] == 200 and callback["data"]["taskId"] == grid
    assert callback["data"]["resultUrls"] == urls and callback["data"]["promptJson"]
    assert signed_over(receiver.headers("grid")[0], grid)

    upscale = create(
        kie,
        "mj",
        {"taskId": grid, "imageIndex": 2, "callBackUrl": receiver.url("up")},
        "/api/v1/mj/generateUpscale",
    )
    vary = create(
        kie,
        "mj",
        {"taskId": grid, "imageIndex": 0, "callBackUrl": receiver.url("vary")},
        "/api/v1/mj/generateVary",
    )
    assert len({grid, upscale, vary}) == 3
    up_record = poll(kie, "mj", upscale, lambda r: r["successFlag"] != 0)[-1]
    assert up_record["taskType"] == "mj_upscale" and len(up_record["resultInfoJson"]["resultUrls"]) == 1
    vary_record = poll(kie, "mj", vary, lambda r: r["successFlag"] != 0)[-1]
    assert vary_record["taskType"] == "mj_vary" and len(vary_record["resultInfoJson"]["resultUrls"]) == 4
    assert len(receiver.wait("up")[0]["data"]["resultUrls"]) == 1
    assert len(receiver.wait("vary")[0]["data"]["resultUrls"]) == 4
    assert kie.fake.family_tasks[upscale].parent_id == grid
    assert post(kie, "/api/v1/mj/generateUpscale", {"taskId": grid, "imageIndex": 4})["code"] == 422
    assert post(kie, "/api/v1/mj/generateVary", {"taskId": "nope", "imageIndex": 1})["code"] == 422
    assert post(kie, "/api/v1/mj/generateUpscale", {"taskId": upscale, "imageIndex": 0})["code"] == 422


def test_mj_video_and_failures(kie: FakeKieServer, receiver: Receiver) -> None:
    body = {"taskType": "mj_video", "prompt": "waves", "fileUrls": ["https://x.test/a.png"], "motion": "low"}
    video = create(kie, "mj", body | {"videoBatchSize": 2})
    final = poll(kie, "mj", video, lambda r: r["successFlag"] != 0)[-1]
    assert [is_mp4(item["resultUrl"]) for item in final["resultInfoJson"]["resultUrls"]] == [True, True]

    failed = create(kie, "mj", valid_body("mj", receiver.url("mj-fail"), "[fail] x"))
    final = poll(kie, "mj", failed, lambda r: r["successFlag"] != 0)[-1]
    assert final["successFlag"] == 3 and final["errorCode"] == 500 and final["resultInfoJson"] is None
    [callback] = receiver.wait("mj-fail")
    assert callback["code"] == 500 and callback["data"]["resultUrls"] == []


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"taskType": "mj_anything"}, "taskType must be one of"),
        ({"speed": None}, "speed is required"),
        ({"taskType": "mj_img2img"}, "fileUrls (or fileUrl) is required"),
        ({"version": 7}, "version must be a string"),
        ({"stylization": 1001}, "stylization must be within 0..1000"),
        ({"aspectRatio": "7:3"}, "aspectRatio must be one of"),
        ({"prompt": "x" * 2001}, "longer than 2000"),
    ],
)
def test_mj_rejects_invalid_input(kie: FakeKieServer, change: dict[str, Any], reason: str) -> None:
    body = {key: value for key, value in (valid_body("mj") | change).items() if value is not None}
    answer = post(kie, CREATE_PATHS["mj"], body)
    assert answer["code"] == 422 and reason in answer["msg"]


# --- Runway --------------------------------------------------------------------------------------------


def test_runway_generates_a_video_with_snake_case_callback(
    slow_kie: FakeKieServer, receiver: Receiver
) -> None:
    kie = slow_kie
    task_id = create(kie, "runway", valid_body("runway", receiver.url("runway")))
    seen = poll(kie, "runway", task_id, lambda r: r["state"] in ("success", "fail"))
    states = [r["state"] for r in seen]
    assert states[0] == "wait" and ordered(states, ["wait", "queueing", "generating", "success"])
    assert seen[0]["videoInfo"] is None
    final = seen[-1]
    assert final["state"] == "success" and final["failCode"] is None and final["expireFlag"] == 0
    info = final["videoInfo"]
    assert (
        info["taskId"] == task_id
        and info["videoId"]
        and is_mp4(info["videoUrl"])
        and is_png(info["imageUrl"])
    )
    assert final["generateParam"]["prompt"] == "a lighthouse at dusk"
    [callback] = receiver.wait("runway")
    assert callback["code"] == 200 and callback["data"] == {
        "task_id": task_id,
        "video_id": info["videoId"],
        "video_url": info["videoUrl"],
        "image_url": info["imageUrl"],
    }
    assert signed_over(receiver.headers("runway")[0], task_id)


def test_runway_moderation_failure(kie: FakeKieServer, receiver: Receiver) -> None:
    task_id = create(kie, "runway", valid_body("runway", receiver.url("bad"), "[unsafe] x"))
    final = poll(kie, "runway", task_id, lambda r: r["state"] in ("success", "fail"))[-1]
    assert final["state"] == "fail" and final["failCode"] == 400 and final["failMsg"]
    [callback] = receiver.wait("bad")
    assert callback["code"] == 400
    assert callback["data"] == {"task_id": task_id, "video_id": "", "video_url": "", "image_url": ""}


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"quality": "1080p", "duration": 10}, "1080p is not available for 10-second"),
        ({"duration": 7}, "duration must be one of"),
        ({"duration": None}, "duration is required"),
        ({"callBackUrl": None}, "callBackUrl is required"),
        ({"prompt": "x" * 1801}, "longer than 1800"),
        ({"aspectRatio": None}, "aspectRatio is required"),
        ({"quality": "4k"}, "quality must be one of"),
    ],
)
def test_runway_rejects_invalid_input(kie: FakeKieServer, change: dict[str, Any], reason: str) -> None:
    body = {key: value for key, value in (valid_body("runway") | change).items() if value is not None}
    answer = post(kie, CREATE_PATHS["runway"], body)
    assert answer["code"] == 422 and reason in answer["msg"]


def test_runway_accepts_the_duration_as_a_string(kie: FakeKieServer) -> None:
    create(kie, "runway", valid_body("runway") | {"duration": "10"})


# --- GPT-4o Image --------------------------------------------------------------------------------------


@pytest.mark.parametrize("variants", [1, 2, 4])
def test_gpt4o_gives_n_variants(kie: FakeKieServer, receiver: Receiver, variants: int) -> None:
    name = f"4o-{variants}"
    task_id = create(
        kie, "gpt4o", valid_body("gpt4o", receiver.url(name)) | {"nVariants": variants, "size": "3:2"}
    )
    seen = poll(kie, "gpt4o", task_id, lambda r: r["successFlag"] != 0)
    assert seen[0]["status"] == "GENERATING" and seen[0]["response"] is None
    assert float(seen[0]["progress"]) < 1
    progress = [float(r["progress"]) for r in seen]
    assert progress == sorted(progress) and all(len(r["progress"]) == 4 for r in seen)
    final = seen[-1]
    assert (final["successFlag"], final["status"], final["progress"]) == (1, "SUCCESS", "1.00")
    assert isinstance(final["createTime"], int) and isinstance(final["completeTime"], int)
    urls = final["response"]["resultUrls"]
    assert len(urls) == variants and all(is_png(url) for url in urls)
    [callback] = receiver.wait(name)
    assert callback == {
        "code": 200,
        "msg": "success",
        "data": {"taskId": task_id, "info": {"result_urls": urls}},
    }


def test_gpt4o_failure_has_null_info(kie: FakeKieServer, receiver: Receiver) -> None:
    task_id = create(kie, "gpt4o", valid_body("gpt4o", receiver.url("4o-fail"), "[fail] x"))
    final = poll(kie, "gpt4o", task_id, lambda r: r["successFlag"] != 0)[-1]
    assert (final["successFlag"], final["status"], final["errorCode"]) == (2, "GENERATE_FAILED", 500)
    [callback] = receiver.wait("4o-fail")
    assert callback["code"] == 500 and callback["data"] == {"taskId": task_id, "info": None}


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"size": None}, "size is required"),
        ({"size": "16:9"}, "size must be one of"),
        ({"nVariants": 3}, "nVariants must be one of"),
        ({"nVariants": True}, "nVariants must be an integer"),
        ({"filesUrl": ["u"] * 6}, "filesUrl is longer than 5 items"),
        ({"prompt": None}, "prompt or filesUrl is required"),
    ],
)
def test_gpt4o_rejects_invalid_input(kie: FakeKieServer, change: dict[str, Any], reason: str) -> None:
    body = {key: value for key, value in (valid_body("gpt4o") | change).items() if value is not None}
    answer = post(kie, CREATE_PATHS["gpt4o"], body)
    assert answer["code"] == 422 and reason in answer["msg"]


# --- Flux Kontext --------------------------------------------------------------------------------------


def test_flux_generates_an_image(kie: FakeKieServer, receiver: Receiver) -> None:
    task_id = create(
        kie, "flux", valid_body("flux", receiver.url("flux")) | {"inputImage": "https://x.test/a.png"}
    )
    seen = poll(kie, "flux", task_id, lambda r: r["successFlag"] != 0)
    assert seen[0]["successFlag"] == 0 and seen[0]["response"] is None
    final = seen[-1]
    assert final["successFlag"] == 1 and final["errorCode"] is None
    assert final["createTime"].endswith("Z") and final["completeTime"].endswith("Z")
    response = final["response"]
    assert is_png(response["resultImageUrl"]) and is_png(response["originImageUrl"])
    [callback] = receiver.wait("flux")
    assert callback["code"] == 200 and callback["data"] == {"taskId": task_id, "info": response}


def test_flux_failures(kie: FakeKieServer, receiver: Receiver) -> None:
    failed = create(kie, "flux", valid_body("flux", receiver.url("flux-fail"), "[unsafe] x"))
    final = poll(kie, "flux", failed, lambda r: r["successFlag"] != 0)[-1]
    assert final["successFlag"] == 2 and final["errorCode"] == 400 and "flagged" in final["errorMessage"]
    [callback] = receiver.wait("flux-fail")
    assert callback["code"] == 400
    assert callback["data"]["info"] == {"originImageUrl": "", "resultImageUrl": ""}
    cases: list[tuple[dict[str, Any], str]] = [
        ({"model": "flux-kontext-ultra"}, "model must be one of"),
        ({"prompt": None}, "prompt is required"),
        ({"outputFormat": "webp"}, "outputFormat must be one of"),
        ({"safetyTolerance": 7}, "safetyTolerance must be within 0..6"),
        ({"safetyTolerance": 4, "inputImage": "https://x.test/a.png"}, "0..2 when editing"),
    ]
    for change, reason in cases:
        body = {key: value for key, value in (valid_body("flux") | change).items() if value is not None}
        answer = post(kie, CREATE_PATHS["flux"], body)
        assert answer["code"] == 422 and reason in answer["msg"], (change, answer)


# --- what every family shares --------------------------------------------------------------------------


@pytest.mark.parametrize("family", sorted(CREATE_PATHS))
def test_bad_auth_is_401_on_every_endpoint(kie: FakeKieServer, family: str) -> None:
    denied = {"code": 401, "msg": "You do not have access permissions", "data": None}
    for headers in ({}, {"Authorization": "Bearer wrong"}):
        assert post(kie, CREATE_PATHS[family], valid_body(family), headers) == denied
        answer = HTTP.get(f"{kie.url}{RECORD_PATHS[family]}", params={"taskId": "x"}, headers=headers)
        assert answer.status_code == 200 and answer.json() == denied
    assert not kie.fake.family_tasks


@pytest.mark.parametrize("family", sorted(CREATE_PATHS))
def test_unknown_tasks_and_bad_bodies(kie: FakeKieServer, family: str) -> None:
    unknown = HTTP.get(f"{kie.url}{RECORD_PATHS[family]}", params={"taskId": "nope"}, headers=AUTH).json()
    assert unknown == {"code": 422, "msg": "recordInfo is null", "data": None}
    assert HTTP.get(f"{kie.url}{RECORD_PATHS[family]}", headers=AUTH).json()["code"] == 400
    broken = HTTP.post(f"{kie.url}{CREATE_PATHS[family]}", content=b"{not json", headers=AUTH).json()
    assert broken["code"] == 400


def test_a_task_id_belongs_to_its_family(kie: FakeKieServer) -> None:
    task_id = create(kie, "gpt4o", valid_body("gpt4o"))
    other = HTTP.get(f"{kie.url}{RECORD_PATHS['flux']}", params={"taskId": task_id}, headers=AUTH).json()
    assert other["code"] == 422


@pytest.mark.parametrize("family", sorted(CREATE_PATHS))
@pytest.mark.parametrize(
    ("keyword", "code", "status"), [("[402]", 402, 200), ("[429]", 429, 429), ("[500]", 500, 500)]
)
def test_error_keywords_refuse_creation(
    kie: FakeKieServer, family: str, keyword: str, code: int, status: int
) -> None:
    response = HTTP.post(
        f"{kie.url}{CREATE_PATHS[family]}", json=valid_body(family, prompt=f"{keyword} x"), headers=AUTH
    )
    assert response.status_code == status and response.json()["code"] == code
    assert not kie.fake.family_tasks and not kie.fake.created


def test_422_keyword_and_scripted_switches(kie: FakeKieServer, receiver: Receiver) -> None:
    answer = post(kie, CREATE_PATHS["flux"], valid_body("flux", prompt="[422] x"))
    assert answer["code"] == 422 and answer["msg"]
    kie.fake.script("twice")
    twice = create(kie, "gpt4o", valid_body("gpt4o", receiver.url("twice")))
    assert [c["data"]["taskId"] for c in receiver.wait("twice", 2)] == [twice, twice]
    kie.fake.script("nocallback")
    silent = create(kie, "runway", valid_body("runway", receiver.url("silent")))
    poll(kie, "runway", silent, lambda r: r["state"] == "success")
    time.sleep(0.1)
    assert receiver.bodies("silent") == [] and kie.fake.family_tasks[silent].callbacks == []
    with pytest.raises(ValueError, match="unknown switches"):
        kie.fake.script("nonsense")


@pytest.mark.parametrize("family", ["gpt4o", "suno", "veo"])
def test_stuck_tasks_finish_on_request(kie: FakeKieServer, receiver: Receiver, family: str) -> None:
    task_id = create(kie, family, valid_body(family, receiver.url(f"stuck-{family}"), "[stuck] x"))
    time.sleep(0.4)
    task = kie.fake.family_tasks[task_id]
    assert task.phase == "generating" and task.completed is None
    kie.server.call(kie.fake.finish(task_id))
    assert task.phase == "success" and task.results
    bodies = receiver.wait(f"stuck-{family}", 3 if family == "suno" else 1)
    assert bodies[-1]["code"] == 200


def test_callbacks_are_retried(kie: FakeKieServer, receiver: Receiver) -> None:
    url = receiver.url("retry").replace("/cb/", "/fail-once/")
    task_id = create(kie, "flux", valid_body("flux", url))
    receiver.wait("retry", timeout=5)
    wait_until(lambda: bool(kie.fake.family_tasks[task_id].callbacks))
    [sent] = kie.fake.family_tasks[task_id].callbacks
    assert sent["status"] == 200 and sent["attempts"] == 2
    assert [entry["status"] for entry in kie.fake.callback_log if entry["task_id"] == task_id] == [500, 200]


def test_big_switch_makes_large_images(kie: FakeKieServer) -> None:
    task_id = create(kie, "gpt4o", valid_body("gpt4o", prompt="[big] x"))
    final = poll(kie, "gpt4o", task_id, lambda r: r["successFlag"] != 0)[-1]
    assert len(download(final["response"]["resultUrls"][0]).content) > 5_000_000
