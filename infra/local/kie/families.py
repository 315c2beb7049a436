"""KIE's separate family APIs in the fake: Veo 3.1, Suno, Midjourney, Runway, GPT-4o Image, Flux Kontext.

Each family speaks its own documented protocol (paths, request fields, record shape, callback shape;
see /work/shared/kie/API.md §3 and the KIE docs it cites) with what every API of the fake shares: the
``{"code", "msg", "data"}`` envelope, Bearer auth (``code`` 401 otherwise), ``code`` 422 with a reason for
invalid input, the prompt keywords / ``script()`` switches, real result files under ``/files/<key>``,
callbacks retried like the market's (15 s timeout, 3 retries), HMAC headers when a webhook key is set.

The valid models and enums are this module's own tables, taken from the family docs; they do not come
from the bot's catalog (which describes the market models and changes independently).

Where the sources disagree, the choice is noted in a comment at the place it matters. Every task is kept
in ``fake.family_tasks`` as a :class:`FamilyTask`: its family, the create request as received, its state
and every callback POSTed (body, HTTP status, attempts).
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from aiohttp import web

from infra.local.kie.media import (
    FAMILY_KEYWORDS,
    SAMPLE_MP3,
    SAMPLE_MP3_SECONDS,
    SAMPLE_MP4,
    envelope,
    iso,
    millis,
    noisy_png,
    plain_time,
    png,
)

if TYPE_CHECKING:
    from infra.local.kie.fake import FakeKie

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

# --- the fake's own tables of valid values (from the family docs, not from the bot's catalog) ----------

VEO_MODELS = ("veo3", "veo3_fast", "veo3_lite")
VEO_GENERATION_TYPES = ("TEXT_2_VIDEO", "FIRST_AND_LAST_FRAMES_2_VIDEO", "REFERENCE_2_VIDEO")
VEO_ASPECT_RATIOS = ("16:9", "9:16", "Auto")
VEO_DURATIONS = (4, 6, 8)
VEO_RESOLUTIONS = ("720p", "1080p", "4k")

SUNO_MODELS = ("V4", "V4_5", "V4_5PLUS", "V4_5ALL", "V5", "V5_5")
SUNO_MODEL_NAMES = {
    "V4": "chirp-v4",
    "V4_5": "chirp-v4-5",
    "V4_5PLUS": "chirp-v4-5-plus",
    "V4_5ALL": "chirp-v4-5-all",
    "V5": "chirp-v5",
    "V5_5": "chirp-v5-5",
}
SUNO_SIMPLE_PROMPT_MAX = 500
SUNO_TITLE_MAX = 80

MJ_TASK_TYPES = (
    "mj_txt2img",
    "mj_img2img",
    "mj_style_reference",
    "mj_omni_reference",
    "mj_video",
    "mj_video_hd",
)
MJ_IMAGE_TYPES = ("mj_txt2img", "mj_img2img", "mj_style_reference", "mj_omni_reference")
MJ_VIDEO_TYPES = ("mj_video", "mj_video_hd")
MJ_SPEEDS = ("relaxed", "fast", "turbo")
MJ_ASPECT_RATIOS = ("1:2", "9:16", "2:3", "3:4", "5:6", "6:5", "4:3", "3:2", "1:1", "16:9", "2:1")
MJ_VERSIONS = ("7", "6.1", "6", "5.2", "5.1", "niji6")
# Not in KIE's docs: the taskType this fake gives the tasks made by generateUpscale / generateVary.
MJ_UPSCALE, MJ_VARY = "mj_upscale", "mj_vary"

RUNWAY_ASPECT_RATIOS = ("16:9", "4:3", "1:1", "3:4", "9:16")
RUNWAY_QUALITIES = ("720p", "1080p")
RUNWAY_PROMPT_MAX = 1800

GPT4O_SIZES = ("1:1", "3:2", "2:3")
GPT4O_VARIANTS = (1, 2, 4)
GPT4O_FALLBACK_MODELS = ("GPT_IMAGE_1", "FLUX_MAX")
GPT4O_FILES_MAX = 5
GPT4O_PIXELS = {"1:1": (512, 512), "3:2": (576, 384), "2:3": (384, 576)}

FLUX_MODELS = ("flux-kontext-pro", "flux-kontext-max")
FLUX_ASPECT_RATIOS = ("21:9", "16:9", "4:3", "1:1", "3:4", "9:16")
FLUX_FORMATS = ("jpeg", "png")

FLAGGED = "Your prompt was flagged by Website as violating content policies"


# --- request validation --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Spec:
    """One request field: its JSON type, whether it is required, and its limits."""

    name: str
    type: str  # string | boolean | integer | number | array (of strings)
    required: bool = False
    enum: tuple[Any, ...] | None = None
    max_len: int | None = None  # characters of a string, items of an array
    low: float | None = None
    high: float | None = None

    def problem(self, value: Any) -> str | None:
        if self.type == "string" and not isinstance(value, str):
            return f"{self.name} must be a string"
        if self.type == "boolean" and not isinstance(value, bool):
            return f"{self.name} must be a boolean"
        if self.type in {"integer", "number"}:
            wanted = int if self.type == "integer" else (int, float)
            if isinstance(value, bool) or not isinstance(value, wanted):
                return f"{self.name} must be {'an integer' if self.type == 'integer' else 'a number'}"
        if self.type == "array" and (
            not isinstance(value, list) or not all(isinstance(item, str) for item in value)
        ):
            return f"{self.name} must be an array of strings"
        if self.enum is not None and not _one_of(value, self.enum):
            return f"{self.name} must be one of {list(self.enum)}"
        if self.max_len is not None and len(value) > self.max_len:
            unit = "characters" if self.type == "string" else "items"
            return f"{self.name} is longer than {self.max_len} {unit}"
        if (self.low is not None and value < self.low) or (self.high is not None and value > self.high):
            return f"{self.name} must be within {_num(self.low)}..{_num(self.high)}"
        return None


def _one_of(value: Any, allowed: Sequence[Any]) -> bool:
    # True == 1 in Python; a boolean is never one of a list of numbers or strings.
    return not isinstance(value, bool) and value in allowed


def _num(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def _check(body: dict[str, Any], specs: Sequence[Spec]) -> str | None:
    for spec in specs:
        value = body.get(spec.name)
        if value is None or (spec.required and value in ("", [])):
            if spec.required:
                return f"{spec.name} is required"
            continue
        problem = spec.problem(value)
        if problem:
            return problem
    return None


# --- a task of a family API ---------------------------------------------------------------------------


@dataclass
class FamilyTask:
    """One task of a family API, with everything a test may want to look at."""

    family: str  # veo | suno | mj | runway | gpt4o | flux
    task_id: str
    endpoint: str  # the path that created it
    request: dict[str, Any]  # the create request, as received
    callback_url: str | None
    switches: set[str]
    kind: str = "generate"  # MJ: taskType; Veo: generationType
    parent_id: str | None = None  # MJ upscale / vary: the task whose image it works on
    phase: str = "waiting"  # waiting → queueing → generating → success | fail
    created: float = field(default_factory=time.time)
    updated: float = field(default_factory=time.time)
    completed: float | None = None
    results: list[str] = field(default_factory=list)  # result file URLs
    extra: dict[str, Any] = field(default_factory=dict)  # family-specific state
    error_code: int | None = None
    error_msg: str = ""
    callbacks: list[dict[str, Any]] = field(default_factory=list)  # {"body", "status", "attempts"}

    def done(self) -> bool:
        return self.phase in ("success", "fail")

    def move(self, phase: str) -> None:
        self.phase, self.updated = phase, time.time()


class Family:
    """What the six families share; each subclass is one documented protocol."""

    name: ClassVar[str]
    create_path: ClassVar[str]
    record_path: ClassVar[str | None]
    id_style: ClassVar[str] = "hex"
    keyword_422_on_create: ClassVar[bool] = True  # Veo answers [422] with its fallback suggestion instead

    def __init__(self, fake: FakeKie) -> None:
        self.fake = fake

    # --- to be given by each family ---------------------------------------------------------------------

    def validate(self, body: dict[str, Any]) -> str | None:
        raise NotImplementedError

    def prepare(self, task: FamilyTask) -> None:
        """Fill in what the request implies (kind, defaults) right after creation."""

    def produce(self, task: FamilyTask) -> None:
        """Store the result files of a successful task."""
        raise NotImplementedError

    def failure(self, task: FamilyTask, reason: str) -> None:
        """Set the error of a failed task; reason is ``fail`` or ``unsafe``."""
        raise NotImplementedError

    def record(self, task: FamilyTask) -> dict[str, Any]:
        raise NotImplementedError

    def final_callback(self, task: FamilyTask) -> dict[str, Any]:
        raise NotImplementedError

    # --- the life of a task -----------------------------------------------------------------------------

    def new_id(self) -> str:
        return str(uuid.uuid4()) if self.id_style == "uuid" else uuid.uuid4().hex

    def slowness(self, task: FamilyTask) -> float:
        return 5.0 if "slow" in task.switches else 1.0

    async def run(self, task: FamilyTask) -> None:
        slow = self.slowness(task)
        await asyncio.sleep(self.fake.waiting_sec * slow / 2)
        if task.done():  # finish() came first
            return
        task.move("queueing")
        await asyncio.sleep(self.fake.waiting_sec * slow / 2)
        if task.done():
            return
        task.move("generating")
        task.extra["generating_until"] = time.time() + self.fake.generating_sec * slow
        if "stuck" in task.switches:
            return  # until finish()
        await asyncio.sleep(self.fake.generating_sec * slow)
        if not task.done():
            await self.complete(task)

    async def complete(self, task: FamilyTask) -> None:
        if task.done():
            return
        if "fail" in task.switches:
            self.failure(task, "fail")
        elif "unsafe" in task.switches:
            self.failure(task, "unsafe")
        else:
            self.produce(task)
        if task.error_code is None:
            task.move("success")
        else:
            task.move("fail")
        task.completed = task.updated
        await self.send(task, self.final_callback(task), times=2 if "twice" in task.switches else 1)

    async def send(self, task: FamilyTask, body: dict[str, Any], *, times: int = 1) -> None:
        if not task.callback_url or "nocallback" in task.switches:
            return
        for _ in range(times):
            status, attempts = await self.fake.deliver(task.callback_url, body, task.task_id)
            task.callbacks.append({"body": body, "status": status, "attempts": attempts})

    # --- files --------------------------------------------------------------------------------------------

    def images(self, task: FamilyTask, count: int, size: tuple[int, int] = (512, 512)) -> list[str]:
        if "big" in task.switches:
            return [self.fake.store(noisy_png(1500, 1400), "image/png", "result.png") for _ in range(count)]
        seed = json.dumps(task.request, sort_keys=True).encode() + task.task_id.encode()
        return [
            self.fake.store(png(*size, seed + bytes([i])), "image/png", f"result-{i}.png")
            for i in range(count)
        ]

    def video(self) -> str:
        return self.fake.store(SAMPLE_MP4.read_bytes(), "video/mp4", "result.mp4")


# --- Veo 3.1 -------------------------------------------------------------------------------------------


VEO_SPECS = (
    Spec("prompt", "string", required=True),
    Spec("model", "string", enum=VEO_MODELS),
    Spec("imageUrls", "array"),
    Spec("generationType", "string", enum=VEO_GENERATION_TYPES),
    Spec("aspectRatio", "string", enum=VEO_ASPECT_RATIOS),
    Spec("duration", "integer", enum=VEO_DURATIONS),
    Spec("resolution", "string", enum=VEO_RESOLUTIONS),
    Spec("enableFallback", "boolean"),
    Spec("enableTranslation", "boolean"),
    Spec("watermark", "string"),
    Spec("callBackUrl", "string"),
)
VEO_REJECTED_BY_FLOW = (
    f"Your request was rejected by Flow({FLAGGED}). You may consider using our other fallback channels, "
    "which are likely to succeed. Please refer to the documentation."
)
VEO_HD_PROCESSING = "1080P is processing. It should be ready in 1-2 minutes. Please check back shortly."


class Veo(Family):
    """``/api/v1/veo/*``: successFlag 0/1/2/3, results in ``response.resultUrls``; 1080P on request.

    ``[422]``: the prompt is flagged upstream. With ``enableFallback: true`` and 16:9 the fallback model
    makes the video (``fallbackFlag: true``, 1080p, no 1080P follow-up); otherwise the task fails with
    callback ``code`` 422 and the "rejected by Flow ... fallback channels" message (the callback doc's
    "fallback failure" case; the create doc lists the same text under its 422, but the failure is only
    known once generation runs, so the fake reports it there). ``enableFallback`` is marked deprecated
    in the current docs; it is honoured here because API.md and older clients use it.
    """

    name = "veo"
    create_path = "/api/v1/veo/generate"
    record_path = "/api/v1/veo/record-info"
    keyword_422_on_create = False

    def validate(self, body: dict[str, Any]) -> str | None:
        problem = _check(body, VEO_SPECS)
        if problem:
            return problem
        images = body.get("imageUrls") or []
        kind = body.get("generationType") or ("FIRST_AND_LAST_FRAMES_2_VIDEO" if images else "TEXT_2_VIDEO")
        if kind == "TEXT_2_VIDEO" and images:
            return "imageUrls must be empty for TEXT_2_VIDEO"
        if kind == "FIRST_AND_LAST_FRAMES_2_VIDEO" and not 1 <= len(images) <= 2:
            return "FIRST_AND_LAST_FRAMES_2_VIDEO takes 1 or 2 imageUrls"
        if kind == "REFERENCE_2_VIDEO":
            if not 1 <= len(images) <= 3:
                return "REFERENCE_2_VIDEO takes 1 to 3 imageUrls"
            if body.get("model", "veo3_fast") == "veo3":
                return "REFERENCE_2_VIDEO supports veo3_fast and veo3_lite only"
            if body.get("duration", 8) != 8:
                return "REFERENCE_2_VIDEO supports a duration of 8 seconds only"
            if body.get("aspectRatio", "16:9") == "Auto":
                return "REFERENCE_2_VIDEO supports aspectRatio 16:9 and 9:16 only"
        return None

    def prepare(self, task: FamilyTask) -> None:
        images = task.request.get("imageUrls") or []
        task.kind = task.request.get("generationType") or (
            "FIRST_AND_LAST_FRAMES_2_VIDEO" if images else "TEXT_2_VIDEO"
        )
        task.extra.update(fallback=False, hd={}, flag=0)

    def _fallback_allowed(self, task: FamilyTask) -> bool:
        return (
            task.request.get("enableFallback") is True and task.request.get("aspectRatio", "16:9") == "16:9"
        )

    async def complete(self, task: FamilyTask) -> None:
        if "422" in task.switches and not task.done():
            if self._fallback_allowed(task):
                task.extra["fallback"] = True
            else:
                task.extra["flag"], task.error_code, task.error_msg = 2, 422, VEO_REJECTED_BY_FLOW
        await super().complete(task)

    def produce(self, task: FamilyTask) -> None:
        if task.error_code is not None:
            return  # the [422] rejection above
        task.results = [self.video()]
        fallback = task.extra["fallback"]
        # originUrls: "only when aspectRatio is not 16:9" (callback doc); the fallback answer has none.
        task.extra["origin"] = (
            None if fallback or task.request.get("aspectRatio", "16:9") == "16:9" else [self.video()]
        )
        task.extra["resolution"] = "1080p" if fallback else task.request.get("resolution", "720p")

    def failure(self, task: FamilyTask, reason: str) -> None:
        if reason == "unsafe":
            task.extra["flag"], task.error_code, task.error_msg = 2, 400, FLAGGED
        else:
            task.extra["flag"], task.error_code = 3, 500
            task.error_msg = "Internal Error, Please try again later."

    def record(self, task: FamilyTask) -> dict[str, Any]:
        success = task.phase == "success"
        return {
            "taskId": task.task_id,
            "paramJson": json.dumps(task.request, ensure_ascii=False),
            "completeTime": iso(task.completed),
            "response": {
                "taskId": task.task_id,
                "resultUrls": task.results,
                "originUrls": task.extra["origin"],
                "resolution": task.extra["resolution"],
                "fullResultUrls": task.results,
            }
            if success
            else None,
            "successFlag": 1 if success else (task.extra["flag"] if task.phase == "fail" else 0),
            "errorCode": task.error_code,
            "errorMessage": task.error_msg,
            "createTime": iso(task.created),
            "fallbackFlag": task.extra["fallback"],
        }

    def final_callback(self, task: FamilyTask) -> dict[str, Any]:
        if task.phase != "success":
            return {
                "code": task.error_code,
                "msg": task.error_msg,
                "data": {"taskId": task.task_id, "fallbackFlag": task.extra["fallback"]},
            }
        return {
            "code": 200,
            "msg": "Veo3.1 video generated successfully.",
            "data": {
                "taskId": task.task_id,
                "promptJson": json.dumps(task.request, ensure_ascii=False),
                "info": {
                    "resultUrls": task.results,
                    "originUrls": task.extra["origin"],
                    "resolution": task.extra["resolution"],
                },
                "fallbackFlag": task.extra["fallback"],
            },
        }

    async def get_1080p(self, request: web.Request) -> web.StreamResponse:
        """``GET /api/v1/veo/get-1080p-video?taskId=&index=``: a 400 "processing" first, then the URL."""
        if not self.fake.authorized(request):
            return envelope(401, "You do not have access permissions")
        task_id = request.query.get("taskId", "")
        if not task_id:
            return envelope(400, "taskId parameter is required")
        try:
            index = int(request.query.get("index", "0"))
        except ValueError:
            return envelope(422, "index must be an integer")
        task = self.fake.family_tasks.get(task_id)
        if task is None or task.family != self.name:
            return envelope(422, "Record is null.")
        if task.phase != "success":
            return envelope(422, "Record status is not success.")
        if task.extra["fallback"]:
            return envelope(422, "Videos made by the fallback model are already 1080P; there is no upgrade.")
        if not 0 <= index < len(task.results):
            return envelope(422, "Record result data does not exist.")
        hd: dict[int, dict[str, Any]] = task.extra["hd"]
        job = hd.get(index)
        if job is None:
            hd[index] = {"ready_at": time.time() + self.fake.generating_sec, "url": None}
            return envelope(400, VEO_HD_PROCESSING)
        if time.time() < job["ready_at"]:
            return envelope(400, VEO_HD_PROCESSING)
        if job["url"] is None:
            job["url"] = self.fake.store(SAMPLE_MP4.read_bytes(), "video/mp4", "result-1080p.mp4")
        return envelope(200, "success", {"resultUrl": job["url"]})


# --- Suno ----------------------------------------------------------------------------------------------


SUNO_SPECS = (
    Spec("customMode", "boolean", required=True),
    Spec("instrumental", "boolean", required=True),
    Spec("model", "string", required=True, enum=SUNO_MODELS),
    Spec("callBackUrl", "string", required=True),
    Spec("prompt", "string"),
    Spec("style", "string"),
    Spec("title", "string", max_len=SUNO_TITLE_MAX),
    Spec("negativeTags", "string"),
    Spec("vocalGender", "string", enum=("m", "f")),
    Spec("styleWeight", "number", low=0, high=1),
    Spec("weirdnessConstraint", "number", low=0, high=1),
    Spec("audioWeight", "number", low=0, high=1),
    Spec("personaId", "string"),
    Spec("personaModel", "string", enum=("style_persona", "voice_persona")),
)
SUNO_REFUNDED = "Sorry, generation failed due to an issue. Your credits have been refunded. Please try again."
SUNO_SENSITIVE = "The prompt contains sensitive words. Please modify it and try again."


class Suno(Family):
    """``/api/v1/generate``: two tracks; callbacks in stages ``text`` → ``first`` → ``complete``.

    Records: status PENDING → TEXT_SUCCESS → FIRST_SUCCESS → SUCCESS, tracks in
    ``response.sunoData[]`` (camelCase). Callbacks carry ``data.task_id`` and ``data.data[]`` (snake_case).
    The docs disagree on what the ``text`` stage carries (the extend-callback doc shows ``data: []``,
    public integrations show the tracks without audio); the fake sends both tracks with ``audio_url`` ""
    and ``duration`` null, so a client must take audio only from ``first`` / ``complete``.
    ``[fail]``: the text stage happens, then status GENERATE_AUDIO_FAILED and an ``error`` callback with
    code 531 (credits refunded). ``[unsafe]``: SENSITIVE_WORD_ERROR and an ``error`` callback, code 400.
    ``[replay]``: every stage's callback is sent twice; ``[twice]``: only the last one. ``[stuck]``: stops
    after the text stage until ``finish()``.
    """

    name = "suno"
    create_path = "/api/v1/generate"
    record_path = "/api/v1/generate/record-info"

    def validate(self, body: dict[str, Any]) -> str | None:
        problem = _check(body, SUNO_SPECS)
        if problem:
            return problem
        prompt, model = body.get("prompt") or "", body["model"]
        if not body["customMode"]:
            if not prompt:
                return "prompt is required when customMode is false"
            if len(prompt) > SUNO_SIMPLE_PROMPT_MAX:
                return f"prompt is longer than {SUNO_SIMPLE_PROMPT_MAX} characters (customMode false)"
            return None
        lyrics_max, style_max = (3000, 200) if model == "V4" else (5000, 1000)
        if not body.get("style"):
            return "style is required when customMode is true"
        if not body.get("title"):
            return "title is required when customMode is true"
        if not body["instrumental"] and not prompt:
            return "prompt (the lyrics) is required when customMode is true and instrumental is false"
        if len(prompt) > lyrics_max:
            return f"prompt is longer than {lyrics_max} characters for {model}"
        if len(body["style"]) > style_max:
            return f"style is longer than {style_max} characters for {model}"
        return None

    def prepare(self, task: FamilyTask) -> None:
        task.extra.update(stage="PENDING", tracks=[])

    def _tracks(self, task: FamilyTask) -> list[dict[str, Any]]:
        body = task.request
        prompt = body.get("prompt") or ""
        if body["customMode"]:
            title, tags = body["title"], body["style"]
            lyrics = "" if body["instrumental"] else prompt
        else:
            words = prompt.split()[:4]
            title = " ".join(words).strip(" ,.!?").title() or "Untitled"
            tags = "instrumental, ambient" if body["instrumental"] else "pop, upbeat"
            lyrics = "" if body["instrumental"] else f"[Verse]\n{prompt}\n\n[Chorus]\n{title}"
        tracks = []
        for i in range(2):
            cover_seed = f"{task.task_id}/{i}".encode()
            tracks.append(
                {
                    "id": str(uuid.uuid4()),
                    "audio": "",
                    "stream": self.fake.store(SAMPLE_MP3.read_bytes(), "audio/mpeg", f"stream-{i}.mp3"),
                    "image": self.fake.store(png(256, 256, cover_seed), "image/png", f"cover-{i}.png"),
                    "prompt": lyrics,
                    "model_name": SUNO_MODEL_NAMES[body["model"]],
                    "title": title,
                    "tags": tags,
                    "created": time.time(),
                    "duration": None,
                }
            )
        return tracks

    def _finish_track(self, task: FamilyTask, index: int) -> None:
        track = task.extra["tracks"][index]
        track["audio"] = self.fake.store(SAMPLE_MP3.read_bytes(), "audio/mpeg", f"track-{index}.mp3")
        track["duration"] = SAMPLE_MP3_SECONDS
        task.results = [t["audio"] for t in task.extra["tracks"] if t["audio"]]

    def _stage(self, task: FamilyTask, stage: str, phase: str | None = None) -> None:
        task.extra["stage"] = stage
        task.move(phase or task.phase)

    @staticmethod
    def _snake(track: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": track["id"],
            "audio_url": track["audio"],
            "stream_audio_url": track["stream"],
            "image_url": track["image"],
            "prompt": track["prompt"],
            "model_name": track["model_name"],
            "title": track["title"],
            "tags": track["tags"],
            "createTime": plain_time(track["created"]),
            "duration": track["duration"],
        }

    @staticmethod
    def _camel(track: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": track["id"],
            "audioUrl": track["audio"],
            "streamAudioUrl": track["stream"],
            "imageUrl": track["image"],
            "prompt": track["prompt"],
            "modelName": track["model_name"],
            "title": track["title"],
            "tags": track["tags"],
            "createTime": plain_time(track["created"]),
            "duration": track["duration"],
        }

    def _stage_body(self, task: FamilyTask, callback_type: str) -> dict[str, Any]:
        tracks = task.extra["tracks"]
        if callback_type == "error":
            return {
                "code": task.error_code,
                "msg": task.error_msg,
                "data": {"callbackType": "error", "task_id": task.task_id, "data": None},
            }
        chosen, msg = {
            "text": (tracks, "Text generation completed."),
            "first": (tracks[:1], "First track generation completed."),
            "complete": (tracks, "All generated successfully."),
        }[callback_type]
        return {
            "code": 200,
            "msg": msg,
            "data": {
                "callbackType": callback_type,
                "task_id": task.task_id,
                "data": [self._snake(track) for track in chosen],
            },
        }

    async def _send_stage(self, task: FamilyTask, callback_type: str) -> None:
        final = callback_type in ("complete", "error")
        times = 2 if "replay" in task.switches or (final and "twice" in task.switches) else 1
        await self.send(task, self._stage_body(task, callback_type), times=times)

    async def run(self, task: FamilyTask) -> None:
        slow = self.slowness(task)
        step = self.fake.generating_sec * slow / 3
        await asyncio.sleep(self.fake.waiting_sec * slow)
        if task.done():  # finish() came first
            return
        if "unsafe" in task.switches:
            await self.complete(task)
            return
        task.extra["tracks"] = self._tracks(task)
        self._stage(task, "TEXT_SUCCESS", "generating")
        await asyncio.sleep(step)
        if task.done():
            return
        await self._send_stage(task, "text")
        if "stuck" in task.switches:
            return  # until finish()
        await asyncio.sleep(step)
        if task.done():
            return
        if "fail" not in task.switches:
            self._finish_track(task, 0)
            self._stage(task, "FIRST_SUCCESS")
            await self._send_stage(task, "first")
            await asyncio.sleep(step)
        await self.complete(task)

    async def complete(self, task: FamilyTask) -> None:
        if task.done():
            return
        if "unsafe" in task.switches:
            self.failure(task, "unsafe")
        elif "fail" in task.switches:
            self.failure(task, "fail")
        if task.error_code is not None:
            task.completed = time.time()
            self._stage(task, task.extra["stage"], "fail")
            await self._send_stage(task, "error")
            return
        if not task.extra["tracks"]:  # finish() before the text stage
            task.extra["tracks"] = self._tracks(task)
        if task.extra["stage"] != "FIRST_SUCCESS":  # finish() of a stuck task: the first track now
            self._finish_track(task, 0)
            self._stage(task, "FIRST_SUCCESS")
            await self._send_stage(task, "first")
        self._finish_track(task, 1)
        task.completed = time.time()
        self._stage(task, "SUCCESS", "success")
        await self._send_stage(task, "complete")

    def failure(self, task: FamilyTask, reason: str) -> None:
        if reason == "unsafe":
            task.extra["stage"], task.error_code, task.error_msg = "SENSITIVE_WORD_ERROR", 400, SUNO_SENSITIVE
        else:
            task.extra["stage"], task.error_code, task.error_msg = "GENERATE_AUDIO_FAILED", 531, SUNO_REFUNDED

    def record(self, task: FamilyTask) -> dict[str, Any]:
        tracks = task.extra["tracks"]
        return {
            "taskId": task.task_id,
            "parentMusicId": "",
            "param": json.dumps(task.request, ensure_ascii=False),
            "response": {"taskId": task.task_id, "sunoData": [self._camel(track) for track in tracks]}
            if tracks
            else None,
            "status": task.extra["stage"],
            "type": "GENERATE",
            "operationType": "generate",
            # Documented errorCode values are 400/408/413; the fake puts the callback's code (531) here.
            "errorCode": task.error_code,
            "errorMessage": task.error_msg or None,
        }

    def final_callback(self, task: FamilyTask) -> dict[str, Any]:
        return self._stage_body(task, "complete" if task.phase == "success" else "error")


# --- Midjourney ----------------------------------------------------------------------------------------


MJ_SPECS = (
    Spec("taskType", "string", required=True, enum=MJ_TASK_TYPES),
    Spec("prompt", "string", required=True, max_len=2000),
    Spec("speed", "string", enum=MJ_SPEEDS),
    Spec("fileUrl", "string"),
    Spec("fileUrls", "array"),
    Spec("aspectRatio", "string", enum=MJ_ASPECT_RATIOS),
    Spec("version", "string", enum=MJ_VERSIONS),
    Spec("variety", "integer", low=0, high=100),
    Spec("stylization", "integer", low=0, high=1000),
    Spec("weirdness", "integer", low=0, high=3000),
    Spec("ow", "integer", low=1, high=1000),
    Spec("waterMark", "string"),
    Spec("enableTranslation", "boolean"),
    Spec("callBackUrl", "string"),
    Spec("videoBatchSize", "integer", enum=(1, 2, 4)),
    Spec("motion", "string", enum=("high", "low")),
)
MJ_ACTION_SPECS = (
    Spec("taskId", "string", required=True),
    Spec("imageIndex", "integer", required=True, low=0, high=3),
    Spec("waterMark", "string"),
    Spec("callBackUrl", "string"),
)


class Midjourney(Family):
    """``/api/v1/mj/*``: four images per grid; ``resultInfoJson.resultUrls[] = [{"resultUrl"}]``.

    The callback carries the URLs as plain strings: ``data.resultUrls = ["..."]`` (and ``promptJson``).
    Failure callbacks are code 500 (the only failure code the callback doc lists) with ``resultUrls: []``.
    """

    name = "mj"
    create_path = "/api/v1/mj/generate"
    record_path: ClassVar[str | None] = "/api/v1/mj/record-info"

    def validate(self, body: dict[str, Any]) -> str | None:
        problem = _check(body, MJ_SPECS)
        if problem:
            return problem
        kind = body["taskType"]
        files = body.get("fileUrls") or ([body["fileUrl"]] if body.get("fileUrl") else [])
        if kind != "mj_txt2img" and not files:
            return f"fileUrls (or fileUrl) is required for {kind}"
        if kind in MJ_VIDEO_TYPES:
            if len(files) != 1:
                return "fileUrls takes exactly one image for video generation"
            if not body.get("motion"):
                return "motion is required for mj_video and mj_video_hd"
        elif not body.get("speed") and kind != "mj_omni_reference":
            # "not required when taskType is mj_video, mj_video_hd or mj_omni_reference": required otherwise
            return f"speed is required for {kind}"
        return None

    def prepare(self, task: FamilyTask) -> None:
        task.kind = task.request.get("taskType", task.kind)

    def produce(self, task: FamilyTask) -> None:
        if task.kind in MJ_VIDEO_TYPES:
            task.results = [self.video() for _ in range(task.request.get("videoBatchSize") or 1)]
        elif task.kind == MJ_UPSCALE:
            task.results = self.images(task, 1, (1024, 1024))
        else:
            task.results = self.images(task, 4)

    def failure(self, task: FamilyTask, reason: str) -> None:
        if reason == "unsafe":
            task.extra["flag"], task.error_code, task.error_msg = 2, 400, FLAGGED
        else:
            task.extra["flag"], task.error_code, task.error_msg = 3, 500, "Image generation failed"

    def record(self, task: FamilyTask) -> dict[str, Any]:
        success = task.phase == "success"
        return {
            "taskId": task.task_id,
            "taskType": task.kind,
            "paramJson": json.dumps(task.request, ensure_ascii=False),
            "completeTime": iso(task.completed),
            "resultInfoJson": {"resultUrls": [{"resultUrl": url} for url in task.results]}
            if success
            else None,
            "successFlag": 1 if success else (task.extra.get("flag", 3) if task.phase == "fail" else 0),
            "createTime": iso(task.created),
            "errorCode": task.error_code,
            "errorMessage": task.error_msg or None,
        }

    def final_callback(self, task: FamilyTask) -> dict[str, Any]:
        success = task.phase == "success"
        return {
            "code": 200 if success else 500,
            "msg": "success" if success else task.error_msg,
            "data": {
                "taskId": task.task_id,
                "promptJson": json.dumps(task.request, ensure_ascii=False),
                "resultUrls": task.results if success else [],
            },
        }


class MidjourneyAction(Midjourney):
    """``generateUpscale`` / ``generateVary``: a new MJ task from image ``imageIndex`` of a finished grid.

    ``imageIndex`` is 0-3 as in KIE's OpenAPI for both endpoints (the Chinese Vary page's prose says 1-4;
    the schema wins). The new task is queried with ``/api/v1/mj/record-info`` like any MJ task.
    """

    record_path = None
    action: ClassVar[str]

    def validate(self, body: dict[str, Any]) -> str | None:
        problem = _check(body, MJ_ACTION_SPECS)
        if problem:
            return problem
        parent = self.fake.family_tasks.get(body["taskId"])
        if parent is None or parent.family != "mj":
            return "taskId: no Midjourney task with this id"
        if parent.phase != "success":
            return "taskId: the original task has not succeeded"
        if parent.kind not in (*MJ_IMAGE_TYPES, MJ_VARY):
            return f"taskId: a {parent.kind} task has no image grid to {self.action.removeprefix('mj_')}"
        return None

    def prepare(self, task: FamilyTask) -> None:
        task.kind, task.parent_id = self.action, task.request["taskId"]


class MidjourneyUpscale(MidjourneyAction):
    create_path = "/api/v1/mj/generateUpscale"
    action = MJ_UPSCALE


class MidjourneyVary(MidjourneyAction):
    create_path = "/api/v1/mj/generateVary"
    action = MJ_VARY


# --- Runway --------------------------------------------------------------------------------------------


RUNWAY_SPECS = (
    Spec("prompt", "string", required=True, max_len=RUNWAY_PROMPT_MAX),
    Spec("quality", "string", required=True, enum=RUNWAY_QUALITIES),
    Spec("aspectRatio", "string", enum=RUNWAY_ASPECT_RATIOS),
    Spec("imageUrl", "string"),
    Spec("waterMark", "string"),
    # API.md and the request doc say required ("all video generation requests need this parameter");
    # the OpenAPI "required" list omits it. The fake requires it.
    Spec("callBackUrl", "string", required=True),
)


class Runway(Family):
    """``/api/v1/runway/*``: state wait/queueing/generating/success/fail; ``videoInfo`` on success.

    The callback is snake_case: ``data.task_id``, ``video_id``, ``video_url``, ``image_url`` (empty strings
    on failure). ``duration`` is documented as a number but the doc's example sends ``"5"``: both
    are accepted.
    """

    name = "runway"
    create_path = "/api/v1/runway/generate"
    record_path = "/api/v1/runway/record-detail"
    id_style = "uuid"

    def validate(self, body: dict[str, Any]) -> str | None:
        duration = body.get("duration")
        if duration is None or duration == "":
            return "duration is required"
        if isinstance(duration, bool) or str(duration) not in ("5", "10", "5.0", "10.0"):
            return "duration must be one of [5, 10]"
        problem = _check(body, RUNWAY_SPECS)
        if problem:
            return problem
        if body["quality"] == "1080p" and float(duration) == 10:
            return "1080p is not available for 10-second videos"
        if not body.get("imageUrl") and not body.get("aspectRatio"):
            return "aspectRatio is required for text-to-video (without imageUrl)"
        return None

    def produce(self, task: FamilyTask) -> None:
        task.results = [self.video()]
        task.extra["video_id"] = str(uuid.uuid4())
        task.extra["cover"] = self.images(task, 1)[0]

    def failure(self, task: FamilyTask, reason: str) -> None:
        if reason == "unsafe":
            task.error_code = 400
            task.error_msg = "Your prompt was caught by our AI moderator. Please adjust it and try again!"
        else:
            task.error_code, task.error_msg = 500, "Generation failed, please try again later."

    def record(self, task: FamilyTask) -> dict[str, Any]:
        success = task.phase == "success"
        return {
            "taskId": task.task_id,
            "parentTaskId": "",
            "generateParam": {
                "prompt": task.request.get("prompt", ""),
                "imageUrl": task.request.get("imageUrl", ""),
                "expandPrompt": False,
            },
            "state": {"waiting": "wait"}.get(task.phase, task.phase),
            "generateTime": plain_time(task.completed) or "",
            "videoInfo": {
                "videoId": task.extra["video_id"],
                "taskId": task.task_id,
                "videoUrl": task.results[0],
                "imageUrl": task.extra["cover"],
            }
            if success
            else None,
            "failCode": task.error_code,
            "failMsg": task.error_msg,
            "expireFlag": 0,
        }

    def final_callback(self, task: FamilyTask) -> dict[str, Any]:
        success = task.phase == "success"
        return {
            "code": 200 if success else task.error_code,
            "msg": "All generated successfully." if success else task.error_msg,
            "data": {
                "task_id": task.task_id,
                "video_id": task.extra["video_id"] if success else "",
                "video_url": task.results[0] if success else "",
                "image_url": task.extra["cover"] if success else "",
            },
        }


# --- GPT-4o Image --------------------------------------------------------------------------------------


GPT4O_SPECS = (
    Spec("size", "string", required=True, enum=GPT4O_SIZES),
    Spec("prompt", "string"),
    Spec("filesUrl", "array", max_len=GPT4O_FILES_MAX),
    Spec("fileUrl", "string"),
    Spec("maskUrl", "string"),
    Spec("nVariants", "integer", enum=GPT4O_VARIANTS),
    Spec("isEnhance", "boolean"),
    Spec("uploadCn", "boolean"),
    Spec("enableFallback", "boolean"),
    Spec("fallbackModel", "string", enum=GPT4O_FALLBACK_MODELS),
    Spec("callBackUrl", "string"),
)


class Gpt4o(Family):
    """``/api/v1/gpt4o-image/*``: successFlag 0/1/2 plus status and a "0.00".."1.00" progress string.

    Records carry the URLs in ``response.resultUrls`` (the OpenAPI and API.md; one quickstart example
    prints ``result_urls`` there), callbacks in ``data.info.result_urls`` (``info: null`` on failure).
    Times in the record are epoch milliseconds.
    """

    name = "gpt4o"
    create_path = "/api/v1/gpt4o-image/generate"
    record_path = "/api/v1/gpt4o-image/record-info"

    def validate(self, body: dict[str, Any]) -> str | None:
        problem = _check(body, GPT4O_SPECS)
        if problem:
            return problem
        if not body.get("prompt") and not body.get("filesUrl") and not body.get("fileUrl"):
            return "prompt or filesUrl is required"
        return None

    def produce(self, task: FamilyTask) -> None:
        size = GPT4O_PIXELS[task.request["size"]]
        task.results = self.images(task, task.request.get("nVariants") or 1, size)

    def failure(self, task: FamilyTask, reason: str) -> None:
        if reason == "unsafe":
            task.error_code = 400
            task.error_msg = "Your content was flagged by OpenAI as violating content policies"
        else:
            task.error_code, task.error_msg = 500, "Failed to generate image."

    def _progress(self, task: FamilyTask) -> str:
        if task.phase == "success":
            return "1.00"
        if task.phase != "generating":
            return "0.00"
        left = task.extra["generating_until"] - time.time()
        share = 1 - left / max(self.fake.generating_sec * self.slowness(task), 1e-6)
        return f"{min(max(share, 0.0), 0.99):.2f}"

    def record(self, task: FamilyTask) -> dict[str, Any]:
        success = task.phase == "success"
        return {
            "taskId": task.task_id,
            "paramJson": json.dumps(task.request, ensure_ascii=False),
            "completeTime": millis(task.completed),
            "response": {"resultUrls": task.results} if success else None,
            "successFlag": 1 if success else (2 if task.phase == "fail" else 0),
            "status": "SUCCESS" if success else ("GENERATE_FAILED" if task.phase == "fail" else "GENERATING"),
            "errorCode": task.error_code,
            "errorMessage": task.error_msg,
            "createTime": millis(task.created),
            "progress": self._progress(task),
        }

    def final_callback(self, task: FamilyTask) -> dict[str, Any]:
        if task.phase != "success":
            return {
                "code": task.error_code,
                "msg": task.error_msg,
                "data": {"taskId": task.task_id, "info": None},
            }
        return {
            "code": 200,
            "msg": "success",
            "data": {"taskId": task.task_id, "info": {"result_urls": task.results}},
        }


# --- Flux Kontext --------------------------------------------------------------------------------------


FLUX_SPECS = (
    Spec("prompt", "string", required=True),
    Spec("model", "string", enum=FLUX_MODELS),
    Spec("inputImage", "string"),
    Spec("aspectRatio", "string", enum=FLUX_ASPECT_RATIOS),
    Spec("outputFormat", "string", enum=FLUX_FORMATS),
    Spec("promptUpsampling", "boolean"),
    Spec("enableTranslation", "boolean"),
    Spec("uploadCn", "boolean"),
    Spec("safetyTolerance", "integer", low=0, high=6),
    Spec("watermark", "string"),
    Spec("callBackUrl", "string"),
)


class Flux(Family):
    """``/api/v1/flux/kontext/*``: successFlag 0/1/2/3, ``response.resultImageUrl`` / ``originImageUrl``.

    Record times are ISO strings. Callback: ``data.info.{originImageUrl, resultImageUrl}`` (empty strings
    on failure). The files are PNG whatever ``outputFormat`` says.
    """

    name = "flux"
    create_path = "/api/v1/flux/kontext/generate"
    record_path = "/api/v1/flux/kontext/record-info"

    def validate(self, body: dict[str, Any]) -> str | None:
        problem = _check(body, FLUX_SPECS)
        if problem:
            return problem
        if body.get("inputImage") and body.get("safetyTolerance", 2) > 2:
            return "safetyTolerance must be within 0..2 when editing (inputImage)"
        return None

    def produce(self, task: FamilyTask) -> None:
        result = self.images(task, 1)[0]
        task.results = [result]
        task.extra["origin"] = self.images(task, 1)[0]  # "valid for 10 minutes" upstream

    def failure(self, task: FamilyTask, reason: str) -> None:
        if reason == "unsafe":
            task.extra["flag"], task.error_code, task.error_msg = 2, 400, FLAGGED
        else:
            task.extra["flag"], task.error_code, task.error_msg = 3, 501, "Image generation task failed"

    def record(self, task: FamilyTask) -> dict[str, Any]:
        success = task.phase == "success"
        return {
            "taskId": task.task_id,
            "paramJson": json.dumps(task.request, ensure_ascii=False),
            "completeTime": iso(task.completed),
            "response": {"originImageUrl": task.extra["origin"], "resultImageUrl": task.results[0]}
            if success
            else None,
            "successFlag": 1 if success else (task.extra.get("flag", 3) if task.phase == "fail" else 0),
            "errorCode": task.error_code,
            "errorMessage": task.error_msg,
            "createTime": iso(task.created),
        }

    def final_callback(self, task: FamilyTask) -> dict[str, Any]:
        success = task.phase == "success"
        return {
            "code": 200 if success else task.error_code,
            "msg": "BFL image generated successfully." if success else task.error_msg,
            "data": {
                "taskId": task.task_id,
                "info": {
                    "originImageUrl": task.extra["origin"] if success else "",
                    "resultImageUrl": task.results[0] if success else "",
                },
            },
        }


# --- the routes ----------------------------------------------------------------------------------------


class Families:
    """The six families of one fake: their handlers and routes."""

    def __init__(self, fake: FakeKie) -> None:
        self.fake = fake
        self.veo = Veo(fake)
        self.all: tuple[Family, ...] = (
            self.veo,
            Suno(fake),
            Midjourney(fake),
            MidjourneyUpscale(fake),
            MidjourneyVary(fake),
            Runway(fake),
            Gpt4o(fake),
            Flux(fake),
        )
        self._by_name = {family.name: family for family in self.all if family.record_path}

    def of(self, task: FamilyTask) -> Family:
        return self._by_name[task.family]

    def routes(self) -> list[tuple[str, str, str | None, Handler]]:
        """(HTTP method, path, fault method or None, handler) for build_app()."""
        table: list[tuple[str, str, str | None, Handler]] = []
        for family in self.all:
            table.append(("POST", family.create_path, "create", self._creator(family)))
            if family.record_path:
                table.append(("GET", family.record_path, "record", self._reader(family)))
        table.append(("GET", "/api/v1/veo/get-1080p-video", None, self.veo.get_1080p))
        return table

    async def finish(self, task: FamilyTask, *, callback: bool = True) -> None:
        task.switches.discard("stuck")
        if not callback:
            task.switches.add("nocallback")
        await self.of(task).complete(task)

    def _creator(self, family: Family) -> Handler:
        async def create(request: web.Request) -> web.StreamResponse:
            return await self._create(family, request)

        return create

    def _reader(self, family: Family) -> Handler:
        async def read(request: web.Request) -> web.StreamResponse:
            fake = self.fake
            if not fake.authorized(request):
                return envelope(401, "You do not have access permissions")
            task_id = request.query.get("taskId", "")
            if not task_id:
                return envelope(400, "taskId parameter is required")
            task = fake.family_tasks.get(task_id)
            if task is None or task.family != family.name:
                return envelope(422, "recordInfo is null")
            return envelope(200, "success", family.record(task))

        return read

    async def _create(self, family: Family, request: web.Request) -> web.StreamResponse:
        fake = self.fake
        if not fake.authorized(request):
            return envelope(401, "You do not have access permissions")
        try:
            body = await request.json()
        except json.JSONDecodeError:
            return envelope(400, "Invalid JSON body")
        if not isinstance(body, dict):
            return envelope(400, "Invalid JSON body")
        fake.family_requests.append({"family": family.name, "path": request.path, "body": body})
        text = json.dumps(body, ensure_ascii=False)
        switches = {word for word in FAMILY_KEYWORDS if f"[{word}]" in text}
        if fake.scripted:
            switches |= fake.scripted.pop(0)
        if "429" in switches:
            return envelope(429, "Rate limit exceeded: 20 requests per 10 seconds", status=429)
        if "500" in switches:
            return envelope(500, "Server error, please retry later", status=500)
        if "402" in switches:
            return envelope(402, "Credits insufficient")
        if "422" in switches and family.keyword_422_on_create:
            return envelope(422, "The request parameters are incorrect, please check the parameters.")
        problem = family.validate(body)
        if problem:
            return envelope(422, problem)
        callback = body.get("callBackUrl")
        task = FamilyTask(
            family=family.name,
            task_id=family.new_id(),
            endpoint=request.path,
            request=body,
            callback_url=callback if isinstance(callback, str) and callback else None,
            switches=switches,
        )
        family.prepare(task)
        fake.family_tasks[task.task_id] = task
        fake.register_created(family.name, task.task_id, task.callback_url)
        fake.start_background(family.run(task))
        return envelope(200, "success", {"taskId": task.task_id})
