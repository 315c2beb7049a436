"""KIE.ai over HTTP: a task's create and record on its model's API (creativebot.kie.families), the
credit balance, file uploads and Veo's 1080p follow-up.

KIE reports failures in the body's ``code`` even when HTTP says 200, and uses real HTTP statuses for
some (429); both are read. Errors become :class:`KieError`, which says whether KIE certainly did not act
on the request (``refused``: the connection never opened, or KIE answered a 4xx code) or may have
(``uncertain``: a timeout after the request was sent, a 5xx, a reply we could not read). createTask has
no idempotency key, so only a refused one may be sent again. Every call's timeout fits the invocation's
time budget (creativebot.budget).
"""

from __future__ import annotations

from types import TracebackType
from typing import Any, Literal, Self

import httpx

from creativebot import budget
from creativebot.config import KieSettings
from creativebot.kie.catalog import CatalogModel
from creativebot.kie.families import TaskRecord, family_of
from creativebot.observability import log_event

RETRYABLE_CODES = {408, 429, 455, 500, 502, 503, 504, 505}
UPLOAD_PATH = "creativebot"
# Network errors raised before a byte of the request left: KIE cannot have seen it.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol)

Outcome = Literal["refused", "uncertain"]


class KieError(Exception):
    def __init__(self, code: int, message: str, *, outcome: Outcome | None = None) -> None:
        super().__init__(f"KIE {code}: {message}")
        self.code = code
        self.message = message
        # KIE's 4xx codes are refusals; 5xx and unreadable answers may hide work done.
        self.outcome: Outcome = outcome or ("refused" if 0 < code < 500 else "uncertain")

    @property
    def retryable(self) -> bool:
        return self.code in RETRYABLE_CODES or self.code == 0

    @property
    def refused(self) -> bool:
        """KIE certainly did not act on the request: sending it again cannot do anything twice."""
        return self.outcome == "refused"


class TaskNotFound(KieError):
    """recordInfo knows no such task (yet): ``{"code": 422, "msg": "recordInfo is null"}``."""


class KieClient:
    """One HTTP client per event loop; use as ``async with KieClient(settings) as kie``."""

    def __init__(self, settings: KieSettings) -> None:
        self.settings = settings
        self._http = httpx.AsyncClient(
            headers={"Authorization": f"Bearer {settings.kie_api_key.get_secret_value()}"}
        )

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def _call(self, method: str, url: str, **kwargs: Any) -> Any:
        timeout = budget.timeout(self.settings.kie_timeout_sec)
        try:
            response = await self._http.request(
                method, url, timeout=httpx.Timeout(timeout, connect=min(5.0, timeout)), **kwargs
            )
        except _NOT_SENT as exc:
            raise KieError(0, f"network error: {type(exc).__name__}", outcome="refused") from exc
        except httpx.HTTPError as exc:
            raise KieError(0, f"network error: {type(exc).__name__}", outcome="uncertain") from exc
        try:
            body = response.json()
        except ValueError:
            body = None
        code = body.get("code") if isinstance(body, dict) else None
        message = str((body or {}).get("msg") or (body or {}).get("message") or response.reason_phrase)
        if response.status_code >= 400 and not isinstance(code, int):
            raise KieError(response.status_code, message)
        if not isinstance(code, int):
            raise KieError(502, "KIE answered without a code", outcome="uncertain")
        if response.status_code >= 400 or code != 200:
            if code == 422 and "recordinfo is null" in message.lower():
                raise TaskNotFound(code, message)
            raise KieError(code if code != 200 else response.status_code, message)
        return body.get("data")

    async def create_task(
        self, model: CatalogModel, payload: dict[str, Any], callback_url: str | None
    ) -> str:
        """Start a task on the model's API (the market or its family's); return KIE's task id."""
        family = family_of(model)
        body = family.body(model, payload, callback_url)
        data = await self._call("POST", f"{self.settings.kie_api_base}{family.create_path(model)}", json=body)
        task_id = data.get("taskId") if isinstance(data, dict) else None
        if not isinstance(task_id, str) or not task_id:
            raise KieError(502, "createTask returned no taskId", outcome="uncertain")
        log_event("KIE_SUBMIT_OK", model=model.id, task_id=task_id)
        return task_id

    async def record_info(self, model: CatalogModel, task_id: str) -> TaskRecord:
        """What KIE knows of the task now (the source of truth; a callback only says "look again")."""
        family = family_of(model)
        data = await self._call(
            "GET", f"{self.settings.kie_api_base}{family.record_path}", params={"taskId": task_id}
        )
        if not isinstance(data, dict):
            raise TaskNotFound(422, "recordInfo is null")
        return family.parse(data)

    async def veo_1080p(self, task_id: str, index: int = 0) -> str | None:
        """The 1080p version of a finished Veo video; None while KIE is still making it."""
        try:
            data = await self._call(
                "GET",
                f"{self.settings.kie_api_base}/api/v1/veo/get-1080p-video",
                params={"taskId": task_id, "index": index},
            )
        except KieError as error:
            if error.code == 400:  # "1080P is processing"
                return None
            raise
        url = data.get("resultUrl") if isinstance(data, dict) else None
        return url if isinstance(url, str) and url else None

    async def credits(self) -> float:
        data = await self._call("GET", f"{self.settings.kie_api_base}/api/v1/chat/credit")
        return float(data)

    async def upload(self, data: bytes, file_name: str, mime_type: str) -> str:
        """Put a user's file on KIE's temporary storage (kept 3 days); return its download URL."""
        response = await self._call(
            "POST",
            f"{self.settings.kie_upload_base}/api/file-stream-upload",
            files={"file": (file_name, data, mime_type)},
            data={"uploadPath": UPLOAD_PATH, "fileName": file_name},
        )
        url = response.get("downloadUrl") or response.get("fileUrl") if isinstance(response, dict) else None
        if not isinstance(url, str) or not url:
            raise KieError(502, "upload returned no downloadUrl")
        return url
