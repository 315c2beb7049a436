"""Cron: every five minutes, reconcile and tidy (see creativebot.maintenance)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from creativebot import budget, db, maintenance
from creativebot.config import CronSettings, DatabaseOnlySettings, get_settings
from creativebot.container import ContainerLoop
from creativebot.db.migrate import migrate
from creativebot.kie.client import KieClient
from creativebot.observability import bind_cid, configure_logging, get_tracer, logger, metrics

configure_logging()
container = ContainerLoop()
tracer = get_tracer()


async def _run(cron: maintenance.CronInput) -> dict[str, Any]:
    if cron.task == "migrate":  # after a deploy: aws lambda invoke … --payload '{"task": "migrate"}'
        applied = await migrate(get_settings(DatabaseOnlySettings).db.database_url.get_secret_value())
        return {"status": "ok", "applied": [m.file_name for m in applied]}
    settings = get_settings(CronSettings)
    async with KieClient(settings.kie) as kie:
        context = maintenance.CronContext(pool=await db.get_pool(), kie=kie, settings=settings)
        return await maintenance.run(context, cron)


@logger.inject_lambda_context(correlation_id_path="execution_id", clear_state=True)
@metrics.log_metrics(capture_cold_start_metric=True)
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    cron = maintenance.CronInput.model_validate(event)
    bind_cid(cron.execution_id)
    with budget.invocation(context.get_remaining_time_in_millis()):
        result = container.run(_run(cron))
    metrics.add_metric(name="CronRuns", unit="Count", value=1)
    if result.get("status") == "ok":
        # Its absence for a while is the "cron has not succeeded" alarm (a failed step is caught).
        metrics.add_metric(name="CronRunSucceeded", unit="Count", value=1)
    return result
