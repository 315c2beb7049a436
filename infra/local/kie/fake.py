"""A fake KIE.ai: the market jobs API, the credit balance and the three upload endpoints.

It speaks KIE's envelopes (``{"code", "msg", "data"}``, business code in the body, HTTP 429 for rate
limits), moves every task through waiting → generating → success/fail, serves a real result file
(a generated PNG; a small MP4 or MP3 made with ffmpeg from a test pattern and a sine tone), and then
POSTs the callback to ``callBackUrl``, signed when a webhook HMAC key is set.

Behaviour switches, by a keyword in the prompt (or ``script()`` from a test):
``[fail]`` ``[unsafe]`` ``[nocallback]`` ``[twice]`` ``[402]`` ``[422]`` ``[429]`` ``[500]`` ``[slow]`` ``[big]``
``[stuck]`` (never finishes until ``finish()`` is called).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import itertools
import json
import os
import struct
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import BodyPartReader, web

from creativebot.kie.catalog import CatalogModel, load_catalog

SAMPLES = Path(__file__).with_name("samples")
KEYWORDS = ("fail", "unsafe", "nocallback", "twice", "402", "422", "429", "500", "slow", "big", "stuck")


def png(width: int, height: int, seed: bytes) -> bytes:
    """A real PNG: a smooth two-colour gradient whose colours come from ``seed``."""
    digest = hashlib.sha256(seed).digest()
    start, end = digest[:3], digest[3:6]
    rows = []
    for y in range(height):
        mix = y / max(1, height - 1)
        pixel = bytes(int(a + (b - a) * mix) for a, b in zip(start, end, strict=True))
        rows.append(b"\x00" + pixel * width)
    return _png_file(width, height, b"".join(rows))


def noisy_png(width: int, height: int) -> bytes:
    """A PNG that does not compress: for results over Telegram's 5 MB photo-by-URL limit."""
    raw = b"".join(b"\x00" + os.urandom(width * 3) for _ in range(height))
    return _png_file(width, height, raw, level=0)


def _png_file(width: int, height: int, raw: bytes, level: int = 6) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, level))
        + chunk(b"IEND", b"")
    )


@dataclass
class Task:
    task_id: str
    model: str
    param: dict[str, Any]
    callback_url: str | None
    switches: set[str]
    state: str = "waiting"
    created: float = field(default_factory=time.time)
    updated: float = field(default_factory=time.time)
    completed: float | None = None
    result_urls: list[str] = field(default_factory=list)
    fail_code: str = ""
    fail_msg: str = ""
    callbacks_sent: int = 0

    def record(self) -> dict[str, Any]:
        """The ``data`` of recordInfo and of the callback."""
        data: dict[str, Any] = {
            "taskId": self.task_id,
            "model": self.model,
            "state": self.state,
            "param": json.dumps(self.param),
            "resultJson": json.dumps({"resultUrls": self.result_urls}) if self.state == "success" else None,
            "failCode": self.fail_code or None,
            "failMsg": self.fail_msg or None,
            "costTime": int(((self.completed or time.time()) - self.created) * 1000),
            "completeTime": int(self.completed * 1000) if self.completed else None,
            "createTime": int(self.created * 1000),
            "updateTime": int(self.updated * 1000),
            "creditsConsumed": 4 if self.state == "success" else 0,
        }
        return data


class FakeKie:
    """State and behaviour of the fake; its routes are in build_app()."""

    def __init__(
        self,
        api_key: str,
        *,
        waiting_sec: float = 0.5,
        generating_sec: float = 2.0,
        webhook_hmac_key: str | None = None,
        credits: float = 10_000.0,
    ) -> None:
        self.api_key = api_key
        self.waiting_sec = waiting_sec
        self.generating_sec = generating_sec
        self.webhook_hmac_key = webhook_hmac_key
        self.credits = credits
        self.base_url = ""
        self.tasks: dict[str, Task] = {}
        self.uploads: list[dict[str, Any]] = []
        self.files: dict[str, tuple[bytes, str]] = {}
        self.create_requests: list[dict[str, Any]] = []
        self.callback_log: list[dict[str, Any]] = []
        self.scripted: list[set[str]] = []  # switches for the next tasks, whatever their prompt
        self._ids = itertools.count(1)
        self._http: aiohttp.ClientSession | None = None
        self._background: set[asyncio.Task[None]] = set()

    def script(self, *switches: str) -> None:
        """The next createTask behaves as if its prompt carried these keywords."""
        unknown = set(switches) - set(KEYWORDS)
        if unknown:
            raise ValueError(f"unknown switches {unknown}")
        self.scripted.append(set(switches))

    async def close(self) -> None:
        for task in self._background:
            task.cancel()
        if self._http is not None:
            await self._http.close()

    # --- helpers ---------------------------------------------------------------------------------------

    def authorized(self, request: web.Request) -> bool:
        header = request.headers.get("Authorization", "")
        return hmac.compare_digest(header.encode(), f"Bearer {self.api_key}".encode())

    def store(self, data: bytes, mime: str, name: str) -> str:
        key = f"{next(self._ids):06d}-{name}"
        self.files[key] = (data, mime)
        return f"{self.base_url}/files/{key}"

    def _result_files(self, model: CatalogModel, task: Task) -> list[str]:
        if model.result == "video":
            return [self.store((SAMPLES / "sample.mp4").read_bytes(), "video/mp4", "result.mp4")]
        if model.result == "audio":
            return [self.store((SAMPLES / "sample.mp3").read_bytes(), "audio/mpeg", "result.mp3")]
        if "big" in task.switches:
            return [self.store(noisy_png(1500, 1400), "image/png", "result.png")]
        count = 2 if model.id.startswith("grok-imagine/") else 1
        seed = json.dumps(task.param, sort_keys=True).encode()
        return [
            self.store(png(512, 512, seed + bytes([i])), "image/png", f"result-{i}.png") for i in range(count)
        ]

    # --- the task's life ---------------------------------------------------------------------------------

    def start(self, task: Task, model: CatalogModel) -> None:
        runner = asyncio.get_running_loop().create_task(self._run(task, model))
        self._background.add(runner)
        runner.add_done_callback(self._background.discard)

    async def _run(self, task: Task, model: CatalogModel) -> None:
        slow = 5.0 if "slow" in task.switches else 1.0
        await asyncio.sleep(self.waiting_sec * slow)
        task.state, task.updated = "generating", time.time()
        if "stuck" in task.switches:
            return  # until finish()
        await asyncio.sleep(self.generating_sec * slow)
        await self._complete(task, model)

    async def finish(self, task_id: str, *, callback: bool = True) -> None:
        """Let a ``[stuck]`` task succeed now (a late result), with or without its callback."""
        task = self.tasks[task_id]
        model = load_catalog().get(task.model)
        assert model is not None
        task.switches.discard("stuck")
        if not callback:
            task.switches.add("nocallback")
        await self._complete(task, model)

    async def _complete(self, task: Task, model: CatalogModel) -> None:
        if "fail" in task.switches:
            task.state, task.fail_code, task.fail_msg = "fail", "500", "Internal server error"
        elif "unsafe" in task.switches:
            task.state, task.fail_code = "fail", "400"
            task.fail_msg = "Your prompt was flagged by Website as violating content policies"
        else:
            task.result_urls = self._result_files(model, task)
            task.state = "success"
        task.completed = task.updated = time.time()
        if task.callback_url and "nocallback" not in task.switches:
            for _ in range(2 if "twice" in task.switches else 1):
                await self._callback(task)

    async def _callback(self, task: Task) -> None:
        assert task.callback_url is not None
        success = task.state == "success"
        body = {
            "code": 200 if success else 501,
            "msg": "Playground task completed successfully." if success else "Playground task failed.",
            "data": task.record(),
        }
        headers = {"Content-Type": "application/json"}
        if self.webhook_hmac_key:
            timestamp = str(int(time.time()))
            digest = hmac.new(
                self.webhook_hmac_key.encode(), f"{task.task_id}.{timestamp}".encode(), hashlib.sha256
            )
            headers["X-Webhook-Timestamp"] = timestamp
            headers["X-Webhook-Signature"] = base64.b64encode(digest.digest()).decode()
        if self._http is None or self._http.closed:
            self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=15))
        # KIE gives a callback 15 s and stops after three failed retries.
        for attempt in range(4):
            status = 0
            with contextlib.suppress(aiohttp.ClientError, asyncio.TimeoutError):
                async with self._http.post(
                    task.callback_url, data=json.dumps(body), headers=headers
                ) as response:
                    status = response.status
            self.callback_log.append({"task_id": task.task_id, "status": status, "attempt": attempt})
            if status == 200:
                task.callbacks_sent += 1
                return
            await asyncio.sleep(0.5 * (attempt + 1))

    # --- validation of createTask input -----------------------------------------------------------------

    @staticmethod
    def invalid_input(model: CatalogModel, given: dict[str, Any]) -> str | None:
        for spec in model.inputs:
            value = given.get(spec.name)
            if value is None:
                if spec.required:
                    return f"{spec.name} is required"
                continue
            if spec.enum is not None and value not in spec.enum:
                return f"{spec.name} must be one of {spec.enum}"
            if spec.type == "string" and not isinstance(value, str):
                return f"{spec.name} must be a string"
            if spec.type == "array" and not isinstance(value, list):
                return f"{spec.name} must be an array"
            if spec.type == "string" and spec.max is not None and len(value) > spec.max:
                return f"{spec.name} is longer than {int(spec.max)} characters"
            if spec.type == "array" and spec.max is not None and len(value) > spec.max:
                return f"{spec.name} has more than {int(spec.max)} items"
            if spec.type in {"number", "integer"} and not isinstance(value, bool):
                if not isinstance(value, (int, float)):
                    return f"{spec.name} must be a number"
                if (spec.min is not None and value < spec.min) or (spec.max is not None and value > spec.max):
                    return f"{spec.name} is out of range"
        return None


def _envelope(code: int, msg: str, data: Any = None, *, status: int = 200) -> web.Response:
    return web.json_response({"code": code, "msg": msg, "data": data}, status=status)


FAKE_KEY = web.AppKey("fake_kie", FakeKie)


async def create_task(request: web.Request) -> web.Response:
    fake = request.app[FAKE_KEY]
    if not fake.authorized(request):
        return _envelope(401, "You do not have access permissions")
    try:
        body = await request.json()
    except json.JSONDecodeError:
        return _envelope(400, "Invalid JSON body")
    if not isinstance(body, dict):
        return _envelope(400, "Invalid JSON body")
    fake.create_requests.append(body)
    model = load_catalog().get(str(body.get("model", "")))
    given = body.get("input")
    if model is None:
        return _envelope(422, "The model does not exist or is not supported")
    if not isinstance(given, dict):
        return _envelope(422, "input is required")
    prompt = json.dumps(given, ensure_ascii=False)
    switches = {word for word in KEYWORDS if f"[{word}]" in prompt}
    if fake.scripted:
        switches |= fake.scripted.pop(0)
    if "429" in switches:
        return _envelope(429, "Rate limit exceeded: 20 requests per 10 seconds", status=429)
    if "500" in switches:
        return _envelope(500, "Server error, please retry later", status=500)
    if "402" in switches:
        return _envelope(402, "Credits insufficient")
    if "422" in switches:
        return _envelope(422, "prompt is not supported in this language")
    problem = fake.invalid_input(model, given)
    if problem:
        return _envelope(422, problem)
    task = Task(
        task_id=f"task_{model.id.replace('/', '_')}_{int(time.time() * 1000)}{next(fake._ids)}",
        model=model.id,
        param={"model": model.id, "callBackUrl": body.get("callBackUrl"), "input": given},
        callback_url=body.get("callBackUrl"),
        switches=switches,
    )
    fake.tasks[task.task_id] = task
    fake.start(task, model)
    return _envelope(200, "success", {"taskId": task.task_id})


async def record_info(request: web.Request) -> web.Response:
    fake = request.app[FAKE_KEY]
    if not fake.authorized(request):
        return _envelope(401, "You do not have access permissions")
    task_id = request.query.get("taskId", "")
    if not task_id:
        return _envelope(400, "taskId parameter is required")
    task = fake.tasks.get(task_id)
    if task is None:
        return _envelope(422, "recordInfo is null")
    return _envelope(200, "success", task.record())


async def credit(request: web.Request) -> web.Response:
    fake = request.app[FAKE_KEY]
    if not fake.authorized(request):
        return _envelope(401, "You do not have access permissions")
    return _envelope(200, "success", fake.credits)


def _uploaded(fake: FakeKie, data: bytes, mime: str, upload_path: str, file_name: str | None) -> web.Response:
    name = file_name or f"upload-{next(fake._ids)}"
    url = fake.store(data, mime, name)
    record = {
        "fileName": name,
        "filePath": f"{upload_path.strip('/')}/{name}",
        "downloadUrl": url,
        "fileSize": len(data),
        "mimeType": mime,
        "uploadedAt": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    fake.uploads.append(record)
    return web.json_response(
        {"success": True, "code": 200, "msg": "File uploaded successfully", "data": record}
    )


def _upload_error(code: int, msg: str) -> web.Response:
    return web.json_response({"success": False, "code": code, "msg": msg, "data": None})


async def upload_base64(request: web.Request) -> web.Response:
    fake = request.app[FAKE_KEY]
    if not fake.authorized(request):
        return _upload_error(401, "You do not have access permissions")
    body = await request.json()
    raw, path = str(body.get("base64Data") or ""), str(body.get("uploadPath") or "")
    if not raw or not path:
        return _upload_error(400, "base64Data and uploadPath are required")
    mime = "application/octet-stream"
    if raw.startswith("data:"):
        header, _, raw = raw.partition(",")
        mime = header.removeprefix("data:").split(";")[0] or mime
    try:
        data = base64.b64decode(raw, validate=True)
    except ValueError:
        return _upload_error(400, "Invalid base64 data")
    return _uploaded(fake, data, mime, path, body.get("fileName"))


async def upload_url(request: web.Request) -> web.Response:
    fake = request.app[FAKE_KEY]
    if not fake.authorized(request):
        return _upload_error(401, "You do not have access permissions")
    body = await request.json()
    url, path = str(body.get("fileUrl") or ""), str(body.get("uploadPath") or "")
    if not url or not path:
        return _upload_error(400, "fileUrl and uploadPath are required")
    async with (
        aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session,
        session.get(url) as response,
    ):
        if response.status != 200:
            return _upload_error(400, "Failed to download the file")
        data, mime = await response.read(), response.content_type
    return _uploaded(fake, data, mime, path, body.get("fileName"))


async def upload_stream(request: web.Request) -> web.Response:
    fake = request.app[FAKE_KEY]
    if not fake.authorized(request):
        return _upload_error(401, "You do not have access permissions")
    if request.content_type != "multipart/form-data":
        return _upload_error(400, "multipart/form-data with file and uploadPath is required")
    fields: dict[str, str] = {}
    data, mime = b"", "application/octet-stream"
    reader = await request.multipart()
    while (part := await reader.next()) is not None:
        if not isinstance(part, BodyPartReader):
            continue
        if part.name == "file":
            data = await part.read()
            mime = part.headers.get("Content-Type", mime)
        elif part.name:
            fields[part.name] = await part.text()
    if not data or not fields.get("uploadPath"):
        return _upload_error(400, "file and uploadPath are required")
    return _uploaded(fake, data, mime, fields["uploadPath"], fields.get("fileName"))


async def serve_file(request: web.Request) -> web.Response:
    stored = request.app[FAKE_KEY].files.get(request.match_info["key"])
    if stored is None:
        raise web.HTTPNotFound()
    data, mime = stored
    return web.Response(body=data, content_type=mime)


def build_app(fake: FakeKie) -> web.Application:
    app = web.Application(client_max_size=120 * 1024 * 1024)
    app[FAKE_KEY] = fake
    app.router.add_post("/api/v1/jobs/createTask", create_task)
    app.router.add_get("/api/v1/jobs/recordInfo", record_info)
    app.router.add_get("/api/v1/chat/credit", credit)
    app.router.add_post("/api/file-base64-upload", upload_base64)
    app.router.add_post("/api/file-url-upload", upload_url)
    app.router.add_post("/api/file-stream-upload", upload_stream)
    app.router.add_get("/files/{key}", serve_file)

    async def close(_app: web.Application) -> None:
        await fake.close()

    app.on_cleanup.append(close)
    return app
