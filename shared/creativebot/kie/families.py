"""KIE's APIs as one interface: how each family creates a task and how its record reads.

The market (``jobs/createTask``) and the family APIs (Veo, Suno, Midjourney, Runway, GPT-4o Image, Flux
Kontext) differ in paths, body shapes and status encodings (``state`` / ``successFlag`` / ``status``,
``resultJson`` / ``response.resultUrls`` / ``sunoData`` / ``videoInfo``…). Each ``Family`` maps them onto
the same ``TaskRecord``, so everything above the client (jobs, callbacks, cron, delivery) is one code path.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from creativebot.kie.catalog import CatalogModel


@dataclass(frozen=True)
class ResultFile:
    url: str
    title: str | None = None  # a Suno track's title
    cover: str | None = None  # a Suno track's cover art


@dataclass(frozen=True)
class TaskRecord:
    task_id: str
    state: str  # waiting | generating | success | fail
    files: tuple[ResultFile, ...] = ()
    fail_code: str | None = None
    fail_msg: str | None = None
    callback_url: str | None = None  # what the task was created with, when the record tells it
    fallback: bool = False  # Veo made it with the backup model

    @property
    def result_urls(self) -> list[str]:
        return [file.url for file in self.files]

    @property
    def finished(self) -> bool:
        return self.state in ("success", "fail")


def _loads(value: Any) -> Any:
    if isinstance(value, str) and value:
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return None
    return value


def _dict(value: Any) -> dict[str, Any]:
    loaded = _loads(value)
    return loaded if isinstance(loaded, dict) else {}


def _text(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None


def _urls(values: Any) -> tuple[ResultFile, ...]:
    return tuple(ResultFile(url) for url in values or [] if isinstance(url, str) and url)


def _callback_of(param: Any) -> str | None:
    url = _dict(param).get("callBackUrl")
    return url if isinstance(url, str) else None


def _by_flag(flag: Any) -> str:
    """Veo, Midjourney, GPT-4o and Flux: successFlag 0 running, 1 success, 2 or 3 failed."""
    return {0: "generating", 1: "success"}.get(flag, "fail") if isinstance(flag, int) else "generating"


def _market(data: Mapping[str, Any]) -> TaskRecord:
    result = _dict(data.get("resultJson"))
    urls = result.get("resultUrls") or _dict(data.get("response")).get("resultUrls")
    return TaskRecord(
        task_id=str(data.get("taskId") or data.get("task_id") or ""),
        state=str(data.get("state") or "").lower(),
        files=_urls(urls),
        fail_code=_text(data.get("failCode")),
        fail_msg=_text(data.get("failMsg")),
        callback_url=_callback_of(data.get("param")),
    )


def _flagged(urls: Callable[[Mapping[str, Any]], Any]) -> Callable[[Mapping[str, Any]], TaskRecord]:
    def parse(data: Mapping[str, Any]) -> TaskRecord:
        state = _by_flag(data.get("successFlag"))
        return TaskRecord(
            task_id=str(data.get("taskId") or ""),
            state=state,
            files=_urls(urls(data)) if state == "success" else (),
            fail_code=_text(data.get("errorCode")),
            fail_msg=_text(data.get("errorMessage")),
            callback_url=_callback_of(data.get("paramJson")),
            fallback=bool(data.get("fallbackFlag")),
        )

    return parse


_SUNO_RUNNING = {"PENDING", "TEXT_SUCCESS", "FIRST_SUCCESS"}


def _suno(data: Mapping[str, Any]) -> TaskRecord:
    status = str(data.get("status") or "")
    state = "success" if status == "SUCCESS" else "generating" if status in _SUNO_RUNNING else "fail"
    tracks = _dict(data.get("response")).get("sunoData") or []
    files = tuple(
        ResultFile(str(track["audioUrl"]), _text(track.get("title")), _text(track.get("imageUrl")))
        for track in tracks
        if isinstance(track, dict) and track.get("audioUrl")
    )
    return TaskRecord(
        task_id=str(data.get("taskId") or ""),
        state=state if status else "generating",
        files=files if state == "success" else (),
        # KIE may leave errorCode empty; the status (SENSITIVE_WORD_ERROR…) still says why
        fail_code=_text(data.get("errorCode")) or (status if state == "fail" else None),
        fail_msg=_text(data.get("errorMessage")),
        callback_url=_callback_of(data.get("param")),
    )


_RUNWAY_STATES = {"wait": "waiting", "queueing": "waiting", "generating": "generating", "success": "success"}


def _runway(data: Mapping[str, Any]) -> TaskRecord:
    state = _RUNWAY_STATES.get(
        str(data.get("state") or ""), "fail" if data.get("state") == "fail" else "generating"
    )
    video = _dict(data.get("videoInfo"))
    return TaskRecord(
        task_id=str(data.get("taskId") or ""),
        state=state,
        files=(ResultFile(str(video["videoUrl"]), cover=_text(video.get("imageUrl"))),)
        if state == "success" and video.get("videoUrl")
        else (),
        fail_code=_text(data.get("failCode")),
        fail_msg=_text(data.get("failMsg")),
        callback_url=None,  # the record does not tell; the job's signed callback URL proves the task
    )


@dataclass(frozen=True)
class Family:
    name: str
    record_path: str
    parse: Callable[[Mapping[str, Any]], TaskRecord]
    create_paths: Mapping[str, str] = field(default_factory=dict)  # by kie_model; "" = the default
    sends_model: bool = True  # the body names the model (``model``)

    def create_path(self, model: CatalogModel) -> str:
        return self.create_paths.get(model.kie_model or "", self.create_paths[""])

    def body(
        self, model: CatalogModel, payload: Mapping[str, Any], callback_url: str | None
    ) -> dict[str, Any]:
        if self.name == "market":
            body: dict[str, Any] = {"model": model.kie_id, "input": dict(payload)}
        else:
            body = dict(payload)
            if self.sends_model and model.kie_model and "model" not in body:
                body["model"] = model.kie_model
        if callback_url:
            body["callBackUrl"] = callback_url
        return body


FAMILIES: dict[str, Family] = {
    "market": Family("market", "/api/v1/jobs/recordInfo", _market, {"": "/api/v1/jobs/createTask"}),
    "veo": Family(
        "veo",
        "/api/v1/veo/record-info",
        _flagged(lambda data: _dict(data.get("response")).get("resultUrls")),
        {"": "/api/v1/veo/generate"},
    ),
    "suno": Family("suno", "/api/v1/generate/record-info", _suno, {"": "/api/v1/generate"}),
    "mj": Family(
        "mj",
        "/api/v1/mj/record-info",
        _flagged(
            lambda data: [
                item.get("resultUrl")
                for item in _dict(data.get("resultInfoJson")).get("resultUrls") or []
                if isinstance(item, dict)
            ]
        ),
        {
            "": "/api/v1/mj/generate",
            "upscale": "/api/v1/mj/generateUpscale",
            "vary": "/api/v1/mj/generateVary",
        },
        sends_model=False,
    ),
    "runway": Family(
        "runway", "/api/v1/runway/record-detail", _runway, {"": "/api/v1/runway/generate"}, False
    ),
    "gpt4o": Family(
        "gpt4o",
        "/api/v1/gpt4o-image/record-info",
        _flagged(lambda data: _dict(data.get("response")).get("resultUrls")),
        {"": "/api/v1/gpt4o-image/generate"},
        sends_model=False,
    ),
    "flux_kontext": Family(
        "flux_kontext",
        "/api/v1/flux/kontext/record-info",
        _flagged(lambda data: [_dict(data.get("response")).get("resultImageUrl")]),
        {"": "/api/v1/flux/kontext/generate"},
    ),
}


def family_of(model: CatalogModel) -> Family:
    return FAMILIES[model.family]
