"""KIE callback: verify, confirm with recordInfo, settle job and wallet in one transaction, queue delivery."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from creativebot import __version__, callbacks, db
from creativebot.asgi import LambdaAsgi
from creativebot.config import CallbackSettings, ConfigError, get_settings
from creativebot.kie.client import KieClient
from creativebot.observability import configure_logging, log_event, logger, metrics

configure_logging()
app = FastAPI(title="Creative Bot KIE callback", version=__version__, docs_url=None, redoc_url=None)


@app.exception_handler(ConfigError)
async def _misconfigured(_request: Request, exc: ConfigError) -> JSONResponse:
    log_event("CONFIG_INVALID", level="error", detail=str(exc))
    return JSONResponse({"code": 503, "msg": "service is misconfigured"}, status_code=503)


@app.post("/kie/callback/{job_id}")
async def kie_callback(job_id: str, request: Request) -> JSONResponse:
    parsed = callbacks.parse_job_id(job_id)
    if parsed is None:
        return JSONResponse({"code": 404, "msg": "unknown job"}, status_code=404)
    settings = get_settings(CallbackSettings)
    async with KieClient(settings.kie) as kie:
        reply = await callbacks.handle(
            await db.get_pool(),
            kie,
            settings,
            job_id=parsed,
            token=request.query_params.get("t"),
            raw=await request.body(),
            headers=request.headers,
        )
    metrics.add_metric(name=f"Callback{reply.status}", unit="Count", value=1)
    return JSONResponse(reply.body, status_code=reply.status)


asgi_handler = LambdaAsgi(app)


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics(capture_cold_start_metric=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return asgi_handler(event, context)
