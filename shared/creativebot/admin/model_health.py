"""How each model has been doing lately, and the rule that hides a failing one.

A model's health is read from its last finished jobs (succeeded or failed): the share that succeeded and
the median time from launch to result. Failures that say nothing about the model are left out: a prompt
or photo the model refused on policy grounds (the person's content), and KIE refusing our account
(401, 402, 433: the operator's business, and every model would fail alike).

The auto-hide rule (a cron step): a visible model with AUTO_HIDE_FAILED failures among its last
AUTO_HIDE_WINDOW jobs, counted since an operator last showed it, is hidden, and every operator is told
through the queue (one notice per operator, keyed by the model and the moment, so a repeat is harmless).
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from creativebot import audit, overrides, queue
from creativebot.db import Connection, Pool, transaction
from creativebot.kie.catalog import load_catalog, title_of
from creativebot.observability import log_event

if TYPE_CHECKING:
    from creativebot.maintenance import CronContext

SYSTEM_ADMIN_ID = 0  # the audit log's "who" for what the rule did on its own
_NOT_THE_MODELS_FAULT = (
    "(j.status = 'failed' AND (j.fail_code IN ('kie_401', 'kie_402', 'kie_433')"
    " OR coalesce(j.fail_reason, '') ~* '(flagged|policy|unsafe|nsfw|sensitive|violat)'))"
)


@dataclass(frozen=True)
class Health:
    model_id: str
    finished: int
    failed: int
    median_sec: float | None  # of the successful ones

    @property
    def success_rate(self) -> float | None:
        return (self.finished - self.failed) / self.finished if self.finished else None


async def recent(
    db: Pool | Connection, model_ids: Iterable[str], *, window: int, since_shown: bool = False
) -> dict[str, Health]:
    """Each model's last ``window`` finished jobs (only those after an operator last showed it, when
    ``since_shown``). Models without finished jobs are left out. One index scan per model."""
    rows = await db.fetch(
        f"""
        SELECT m.model_id, count(r.*) AS finished, count(*) FILTER (WHERE r.failed) AS failed,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY r.seconds) FILTER (WHERE NOT r.failed) AS median_sec
          FROM unnest($1::text[]) AS m(model_id)
          LEFT JOIN model_health_since s ON s.model_id = m.model_id AND $3
          CROSS JOIN LATERAL (
                SELECT j.status = 'failed' AS failed,
                       extract(epoch FROM j.finished_at - j.created_at)::float8 AS seconds
                  FROM jobs j
                 WHERE j.model_id = m.model_id AND j.status IN ('succeeded', 'failed')
                   AND j.finished_at IS NOT NULL
                   AND (s.since IS NULL OR j.finished_at > s.since)
                   AND NOT {_NOT_THE_MODELS_FAULT}
                 ORDER BY j.finished_at DESC
                 LIMIT $2) r
         GROUP BY m.model_id
        """,
        list(model_ids),
        window,
        since_shown,
    )
    return {
        row["model_id"]: Health(row["model_id"], row["finished"], row["failed"], row["median_sec"])
        for row in rows
    }


async def restart_window(conn: Connection, model_id: str, admin_id: int) -> None:
    """The rule forgets the model's earlier jobs (an operator showed it again)."""
    await conn.execute(
        "INSERT INTO model_health_since (model_id, since, updated_by) VALUES ($1, now(), $2)"
        " ON CONFLICT (model_id) DO UPDATE SET since = now(), updated_by = EXCLUDED.updated_by",
        model_id,
        admin_id,
    )


async def _hide(pool: Pool, model_id: str, reason: str) -> bool:
    """Hide the model unless it already is; True when this call hid it (two crons: one wins)."""
    async with transaction(pool) as conn:
        hidden = await conn.fetchval(
            """
            INSERT INTO model_overrides AS o (model_id, hidden, hidden_reason, updated_by, updated_at)
            VALUES ($1, true, $2, $3, now())
            ON CONFLICT (model_id) DO UPDATE SET hidden = true, hidden_reason = EXCLUDED.hidden_reason,
                   updated_by = EXCLUDED.updated_by, updated_at = now()
             WHERE NOT o.hidden
            RETURNING true
            """,
            model_id,
            reason,
            SYSTEM_ADMIN_ID,
        )
        if hidden:
            await audit.record(
                conn,
                SYSTEM_ADMIN_ID,
                "model.auto_hide",
                f"model:{model_id}",
                before={"hidden": False},
                after={"hidden": True, "reason": reason},
            )
    return bool(hidden)


async def auto_hide_failing_models(ctx: CronContext) -> int:
    """Cron step: hide every visible model that failed too often lately, and tell the operators."""
    rule = ctx.settings.admin
    live = await overrides.current(ctx.pool)
    visible = [model.id for model in load_catalog().models if live.visible(model)]
    health = await recent(ctx.pool, visible, window=rule.auto_hide_window, since_shown=True)
    hidden = 0
    for model_id, model_health in health.items():
        if model_health.failed < rule.auto_hide_failed:
            continue
        reason = f"auto: {model_health.failed} of the last {model_health.finished} failed"
        if not await _hide(ctx.pool, model_id, reason):
            continue
        hidden += 1
        overrides.forget()
        log_event("MODEL_AUTO_HIDDEN", level="warning", model_id=model_id, failed=model_health.failed)
        await _tell_operators(ctx, model_id, model_health)
    return hidden


async def _tell_operators(ctx: CronContext, model_id: str, health: Health) -> None:
    from creativebot.texts.admin import admin_copy  # noqa: PLC0415 - the copy only when there is news

    admins = ctx.settings.app.admin_ids
    if not admins:
        return
    rows = await ctx.pool.fetch("SELECT id, language FROM users WHERE id = ANY($1::bigint[])", list(admins))
    languages: dict[int, str] = {row["id"]: row["language"] for row in rows}
    moment = await ctx.pool.fetchval(
        "SELECT extract(epoch FROM updated_at)::bigint FROM model_overrides WHERE model_id = $1", model_id
    )
    for admin_id in admins:
        texts = admin_copy(languages.get(admin_id))
        title = title_of(model_id, texts.lang)
        text = texts.auto_hidden_notice.format(
            title=html.escape(title),
            failed=health.failed,
            window=health.finished,
            model=html.escape(model_id),
        )
        try:
            queue.send_notice(
                ctx.settings.queue,
                chat_id=admin_id,
                text=text,
                key=f"autohide:{model_id}:{moment}:{admin_id}",
                cid=f"autohide-{model_id}",
            )
        except queue.QUEUE_ERRORS as exc:
            log_event("AUTO_HIDE_NOTICE_FAIL", level="error", admin_id=admin_id, error=type(exc).__name__)
