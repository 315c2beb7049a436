"""A fake KIE.ai: the market jobs API, the family APIs, the credit balance and the three upload endpoints.

It speaks KIE's envelopes (``{"code", "msg", "data"}``, business code in the body, HTTP 429 for rate
limits), moves every task through waiting → generating → success/fail, serves a real result file
(a generated PNG; a small MP4 or MP3 made with ffmpeg from a test pattern and a sine tone), and then
POSTs the callback to ``callBackUrl``, signed when a webhook HMAC key is set.

The market API (``/api/v1/jobs/*``) validates models and inputs against the bot's catalog. The family
APIs (Veo, Suno, Midjourney, Runway, GPT-4o Image, Flux Kontext) live in families.py with their own tables.
A seeded transport-fault plan (faults.py) can break createTask and record-info calls on purpose.

Behaviour switches, by a keyword in the prompt (or ``script()`` from a test):
``[fail]`` ``[unsafe]`` ``[nocallback]`` ``[twice]`` ``[402]`` ``[422]`` ``[429]`` ``[500]`` ``[slow]`` ``[big]``
``[stuck]`` (never finishes until ``finish()`` is called); the family APIs also know ``[replay]``.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import itertools
import json
import time
from collections import Counter
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import BodyPartReader, web

from creativebot.kie.catalog import CatalogModel, load_catalog
from infra.local.kie.families import Families, FamilyTask
from infra.local.kie.faults import FaultPlan, guarded
from infra.local.kie.media import (
    FAMILY_KEYWORDS,
    KEYWORDS,
    SAMPLES,
    envelope,
    noisy_png,
    png,
)

__all__ = [
    "KEYWORDS",
    "SAMPLES",
    "FakeKie",
    "FamilyTask",
    "FaultPlan",
    "Task",
    "build_app",
    "noisy_png",
    "png",
]


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
        # The family APIs: their tasks, and every create request they received.
        self.family_tasks: dict[str, FamilyTask] = {}
        self.family_requests: list[dict[str, Any]] = []
        self.families = Families(self)
        # Transport faults (faults.py); None: none. Tests may swap it at any time.
        self.faults: FaultPlan | None = None
        # Every task created, market or family, faults or not: (family, task id, callBackUrl).
        self.created: list[tuple[str, str, str | None]] = []
        self.tasks_per_callback: Counter[str] = Counter()  # by callBackUrl ("" when none)
        self._ids = itertools.count(1)
        self._http: aiohttp.ClientSession | None = None
        self._background: set[asyncio.Task[None]] = set()

    def script(self, *switches: str) -> None:
        """The next createTask (market or family) behaves as if its prompt carried these keywords."""
        unknown = set(switches) - set(FAMILY_KEYWORDS)
        if unknown:
            raise ValueError(f"unknown switches {unknown}")
        self.scripted.append(set(switches))

    def register_created(self, family: str, task_id: str, callback_url: str | None) -> None:
        self.created.append((family, task_id, callback_url))
        self.tasks_per_callback[callback_url or ""] += 1

    def callback_url_of(self, task_id: str | None) -> str | None:
        for _family, created_id, callback_url in reversed(self.created):
            if created_id == task_id:
                return callback_url
        return None

    def max_tasks_per_callback(self) -> int:
        """The most tasks created for one callBackUrl (the bot's per-job URL: it must stay ≤ 1)."""
        counts = [count for url, count in self.tasks_per_callback.items() if url]
        return max(counts, default=0)

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
        self.start_background(self._run(task, model))

    def start_background(self, work: Coroutine[Any, Any, None]) -> None:
        runner = asyncio.get_running_loop().create_task(work)
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
        family_task = self.family_tasks.get(task_id)
        if family_task is not None:
            await self.families.finish(family_task, callback=callback)
            return
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
        status, _attempts = await self.deliver(task.callback_url, body, task.task_id)
        if status == 200:
            task.callbacks_sent += 1

    async def deliver(self, url: str, body: dict[str, Any], task_id: str) -> tuple[int, int]:
        """POST one callback, signed over ``task_id``; KIE's 15 s timeout and three retries.

        Returns the last HTTP status (0: no answer) and the number of attempts.
        """
        headers = {"Content-Type": "application/json"}
        if self.webhook_hmac_key:
            timestamp = str(int(time.time()))
            digest = hmac.new(
                self.webhook_hmac_key.encode(), f"{task_id}.{timestamp}".encode(), hashlib.sha256
            )
            headers["X-Webhook-Timestamp"] = timestamp
            headers["X-Webhook-Signature"] = base64.b64encode(digest.digest()).decode()
        if self._http is None or self._http.closed:
            self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=15))
        status = 0
        for attempt in range(4):
            status = 0
            with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                async with self._http.post(url, data=json.dumps(body), headers=headers) as response:
                    status = response.status
            self.callback_log.append({"task_id": task_id, "status": status, "attempt": attempt})
            if status == 200:
                return status, attempt + 1
            if attempt < 3:
                await asyncio.sleep(0.5 * (attempt + 1))
        return status, 4

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


FAKE_KEY = web.AppKey("fake_kie", FakeKie)


async def create_task(request: web.Request) -> web.Response:
    fake = request.app[FAKE_KEY]
    if not fake.authorized(request):
        return envelope(401, "You do not have access permissions")
    try:
        body = await request.json()
    except json.JSONDecodeError:
        return envelope(400, "Invalid JSON body")
    if not isinstance(body, dict):
        return envelope(400, "Invalid JSON body")
    fake.create_requests.append(body)
    model = load_catalog().get(str(body.get("model", "")))
    given = body.get("input")
    if model is None:
        return envelope(422, "The model does not exist or is not supported")
    if not isinstance(given, dict):
        return envelope(422, "input is required")
    prompt = json.dumps(given, ensure_ascii=False)
    switches = {word for word in KEYWORDS if f"[{word}]" in prompt}
    if fake.scripted:
        switches |= fake.scripted.pop(0)
    if "429" in switches:
        return envelope(429, "Rate limit exceeded: 20 requests per 10 seconds", status=429)
    if "500" in switches:
        return envelope(500, "Server error, please retry later", status=500)
    if "402" in switches:
        return envelope(402, "Credits insufficient")
    if "422" in switches:
        return envelope(422, "prompt is not supported in this language")
    problem = fake.invalid_input(model, given)
    if problem:
        return envelope(422, problem)
    task = Task(
        task_id=f"task_{model.id.replace('/', '_')}_{int(time.time() * 1000)}{next(fake._ids)}",
        model=model.id,
        param={"model": model.id, "callBackUrl": body.get("callBackUrl"), "input": given},
        callback_url=body.get("callBackUrl"),
        switches=switches,
    )
    fake.tasks[task.task_id] = task
    fake.register_created("market", task.task_id, task.callback_url)
    fake.start(task, model)
    return envelope(200, "success", {"taskId": task.task_id})


async def record_info(request: web.Request) -> web.Response:
    fake = request.app[FAKE_KEY]
    if not fake.authorized(request):
        return envelope(401, "You do not have access permissions")
    task_id = request.query.get("taskId", "")
    if not task_id:
        return envelope(400, "taskId parameter is required")
    task = fake.tasks.get(task_id)
    if task is None:
        return envelope(422, "recordInfo is null")
    return envelope(200, "success", task.record())


async def credit(request: web.Request) -> web.Response:
    fake = request.app[FAKE_KEY]
    if not fake.authorized(request):
        return envelope(401, "You do not have access permissions")
    return envelope(200, "success", fake.credits)


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
    app.router.add_post("/api/v1/jobs/createTask", guarded(fake, "create", create_task))
    app.router.add_get("/api/v1/jobs/recordInfo", guarded(fake, "record", record_info))
    for verb, path, fault_method, handler in fake.families.routes():
        app.router.add_route(verb, path, guarded(fake, fault_method, handler) if fault_method else handler)
    app.router.add_get("/api/v1/chat/credit", credit)
    app.router.add_post("/api/file-base64-upload", upload_base64)
    app.router.add_post("/api/file-url-upload", upload_url)
    app.router.add_post("/api/file-stream-upload", upload_stream)
    app.router.add_get("/files/{key}", serve_file)

    async def close(_app: web.Application) -> None:
        await fake.close()

    app.on_cleanup.append(close)
    return app
