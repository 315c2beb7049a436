"""cron: runs every step, records the run, tolerates a second run at the same time."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from pydantic import ValidationError

from creativebot import maintenance
from creativebot.db import Pool
from creativebot.db.migrate import discover
from functions.cron import app as cron_app
from infra.local.lambda_events import scheduler_event
from tests.helpers import FakeLambdaContext, load_event

pytestmark = pytest.mark.usefixtures("database_url")


@pytest.fixture
def cron_container() -> Iterator[None]:
    yield
    cron_app.container.run(cron_app.container.aclose())


@pytest.mark.usefixtures("cron_container", "kie", "sqs")
def test_the_scheduler_event_runs_maintenance_and_records_it(lambda_context: FakeLambdaContext) -> None:
    # When: EventBridge Scheduler delivers the template's Input
    result = cron_app.handler(load_event("scheduler_input.json"), lambda_context)
    # Then
    assert result["status"] == "ok"
    assert set(result["steps"]) == set(maintenance.STEPS)

    async def recorded() -> list[tuple[str, str, str | None]]:
        import asyncpg

        from creativebot.config import DatabaseOnlySettings, get_settings

        conn = await asyncpg.connect(get_settings(DatabaseOnlySettings).db.database_url.get_secret_value())
        try:
            rows = await conn.fetch("SELECT task, status, execution_id FROM cron_runs")
            return [(r["task"], r["status"], r["execution_id"]) for r in rows]
        finally:
            await conn.close()

    assert asyncio.run(recorded()) == [("maintenance", "ok", "c0ffee00-1234-4abc-9def-0123456789ab")]


def test_an_unknown_task_is_refused(lambda_context: FakeLambdaContext) -> None:
    with pytest.raises(ValidationError):
        cron_app.handler({**scheduler_event(), "task": "rm -rf"}, lambda_context)


async def test_old_rows_are_pruned_and_fresh_ones_kept(
    pool: Pool, cron_context: maintenance.CronContext
) -> None:
    # Given: handled updates and conversations, some old
    await pool.execute(
        """
        INSERT INTO processed_updates (update_id, status, claimed_at, done_at) VALUES
          (1, 'done', now() - interval '8 days', now() - interval '8 days'),
          (2, 'done', now(), now()),
          (3, 'processing', now() - interval '2 days', NULL)
        """
    )
    await pool.execute(
        """
        INSERT INTO fsm_storage (key, state, state_expires_at, data, data_expires_at, updated_at) VALUES
          ('old', 's', NULL, '{"a": 1}', NULL, now() - interval '31 days'),
          ('expired', 's', now() - interval '1 hour', '{"a": 1}', now() - interval '1 hour', now()),
          ('live', 's', now() + interval '1 hour', '{"a": 1}', now() + interval '1 hour', now())
        """
    )
    # When: two cron runs overlap
    results = await asyncio.gather(
        maintenance.run(cron_context, maintenance.CronInput(task="maintenance")),
        maintenance.run(cron_context, maintenance.CronInput(task="maintenance")),
    )
    # Then: both succeed and only fresh rows remain
    assert [r["status"] for r in results] == ["ok", "ok"]
    assert [r["update_id"] for r in await pool.fetch("SELECT update_id FROM processed_updates")] == [2]
    assert [r["key"] for r in await pool.fetch("SELECT key FROM fsm_storage")] == ["live"]


async def test_a_failing_step_is_recorded_and_the_others_still_run(
    pool: Pool, cron_context: maintenance.CronContext
) -> None:
    async def broken(_context: maintenance.CronContext) -> int:
        raise RuntimeError("disk on fire")

    steps: dict[str, maintenance.Step] = {"broken": broken, **maintenance.STEPS}
    result = await maintenance.run(cron_context, maintenance.CronInput(task="maintenance"), steps)
    assert result["status"] == "failed"
    assert result["steps"]["broken"] == "failed: RuntimeError"
    assert result["steps"]["prune_cron_runs"] == 0
    assert await pool.fetchval("SELECT status FROM cron_runs") == "failed"


@pytest.mark.usefixtures("cron_container")
def test_the_migrate_task_applies_pending_migrations(
    lambda_context: FakeLambdaContext, empty_database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given: a brand-new database behind DATABASE_URL
    monkeypatch.setenv("DATABASE_URL", empty_database_url)
    # When: the operator invokes cron with the migrate task, twice
    first = cron_app.handler({"task": "migrate"}, lambda_context)
    second = cron_app.handler({"task": "migrate"}, lambda_context)
    # Then
    assert first == {"status": "ok", "applied": [m.file_name for m in discover()]}
    assert second == {"status": "ok", "applied": []}
