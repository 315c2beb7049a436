"""KIE callback: verify, confirm with recordInfo, settle job and wallet in one transaction, queue delivery.

Before anything reaches :func:`creativebot.callbacks.handle`, this app answers what it can without the
database, and never with a 5xx for a body or header it was sent: an unknown job id 404, a wrong token
403, and any body that is not a JSON object with ``data.taskId`` (or ``data.task_id``), a non-empty
string of at most 200 characters, 400. The body is parsed within bounds (:mod:`creativebot.safejson`),
so the handler's own ``json.loads`` of it cannot fail in ways it does not expect.
"""

from __future__ import annotations

import re
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from creativebot import __version__, budget, callbacks, db, safejson, snapstart
from creativebot.asgi import LambdaAsgi
from creativebot.config import CallbackSettings, ConfigError, get_settings
from creativebot.kie.client import KieClient
from creativebot.kie.signing import token_valid
from creativebot.observability import configure_logging, log_event, logger, metrics

MAX_BODY_BYTES = 256 * 1024  # a KIE callback is a few KiB
MAX_DEPTH = 64
MAX_TASK_ID_CHARS = 200
_JOB_ID = re.compile(r"[0-9]{1,19}", re.ASCII)
_TIMESTAMP = re.compile(r"[0-9]{1,12}", re.ASCII)
_TIMESTAMP_HEADER = "x-webhook-timestamp"

configure_logging()
snapstart.register(snapstart.CALLBACK_MODULES)
app = FastAPI(title="Creative Bot KIE callback", version=__version__, docs_url=None, redoc_url=None)


def _reply(status: int, message: str) -> JSONResponse:
    return JSONResponse({"code": status, "msg": message}, status_code=status)


@app.exception_handler(ConfigError)
async def _misconfigured(_request: Request, exc: ConfigError) -> JSONResponse:
    log_event("CONFIG_INVALID", level="error", detail=str(exc))
    return _reply(503, "service is misconfigured")


def body_problem(raw: bytes) -> str | None:
    """Why the body is not a callback we can read (None when it is): JSON object, data.taskId string."""
    try:
        body = safejson.loads(raw, max_bytes=MAX_BODY_BYTES, max_depth=MAX_DEPTH)
    except safejson.JsonRejected as rejected:
        return rejected.reason
    if not isinstance(body, dict):
        return "not a JSON object"
    data = body.get("data")
    if not isinstance(data, dict):
        return "data is not an object"
    task_id = data.get("taskId") or data.get("task_id")  # the same reading as callbacks.handle
    if not isinstance(task_id, str) or not 0 < len(task_id) <= MAX_TASK_ID_CHARS:
        return f"data.taskId is not a string of 1-{MAX_TASK_ID_CHARS} characters"
    return None


def _headers(request: Request) -> dict[str, str]:
    """The request's headers, without a signature timestamp that is not plain ASCII digits: such a
    header cannot be a valid signature's, and the handler's int() would fail on it."""
    headers = dict(request.headers)
    if not _TIMESTAMP.fullmatch(headers.get(_TIMESTAMP_HEADER, "0")):
        del headers[_TIMESTAMP_HEADER]
    return headers


@app.post("/kie/callback/{job_id}")
async def kie_callback(job_id: str, request: Request) -> JSONResponse:
    parsed = callbacks.parse_job_id(job_id) if _JOB_ID.fullmatch(job_id) else None
    if parsed is None:
        return _reply(404, "unknown job")
    settings = get_settings(CallbackSettings)
    token = request.query_params.get("t")
    if not token_valid(settings.kie.kie_callback_secret.get_secret_value(), parsed, token):
        log_event("CALLBACK_REJECTED", level="warning", job_id=parsed, reason="bad token")
        metrics.add_metric(name="Callback403", unit="Count", value=1)
        return _reply(403, "invalid callback token")
    raw = await request.body()
    problem = body_problem(raw)
    if problem is not None:
        log_event("CALLBACK_REJECTED", level="warning", job_id=parsed, reason=f"bad body: {problem}")
        metrics.add_metric(name="Callback400", unit="Count", value=1)
        return _reply(400, f"body must be JSON with data.taskId ({problem})")
    # KIE waits 15 s for our answer (then retries): recordInfo and the settlement fit inside that.
    with budget.at_most(callbacks.ANSWER_WITHIN_SEC):
        async with KieClient(settings.kie) as kie:
            reply = await callbacks.handle(
                await db.get_pool(),
                kie,
                settings,
                job_id=parsed,
                token=token,
                raw=raw,
                headers=_headers(request),
            )
    metrics.add_metric(name=f"Callback{reply.status}", unit="Count", value=1)
    return JSONResponse(reply.body, status_code=reply.status)


asgi_handler = LambdaAsgi(app)


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics(capture_cold_start_metric=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    with budget.invocation(context.get_remaining_time_in_millis()):
        return asgi_handler(event, context)
