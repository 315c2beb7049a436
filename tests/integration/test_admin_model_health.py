"""The auto-hide rule as cron runs it: a model that failed N of its last M jobs is hidden once, the operators
are told through the queue in their language, failures that are not the model's do not count, and a model
an operator shows again starts with a fresh window."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import timedelta

import pytest

from creativebot import audit, overrides
from creativebot.admin import model_health, models
from creativebot.config import CronSettings, get_settings
from creativebot.db import Pool
from creativebot.kie.catalog import load_catalog
from creativebot.maintenance import STEPS, CronContext
from creativebot.texts.admin import EN as ADMIN_EN
from creativebot.texts.admin import RU as ADMIN_RU
from tests.helpers import Queues

NANO = "google/nano-banana"
Z_IMAGE = "z-image"
OPERATORS = (901, 902)  # 901 reads Russian, 902 English
USER = 903


@pytest.fixture(autouse=True)
def operators(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("ADMIN_IDS", ",".join(map(str, OPERATORS)))
    monkeypatch.setenv("AUTO_HIDE_FAILED", "5")
    monkeypatch.setenv("AUTO_HIDE_WINDOW", "10")
    get_settings.cache_clear()
    overrides.forget()
    yield
    overrides.forget()


@pytest.fixture
async def people(pool: Pool) -> None:
    await pool.execute(
        "INSERT INTO users (id, language) VALUES ($1, 'ru'), ($2, 'en'), ($3, 'ru')", *OPERATORS, USER
    )


async def _finished(pool: Pool, model_id: str, outcomes: str, *, ago: timedelta = timedelta(0)) -> None:
    """Jobs finished one minute apart, oldest first: "s" succeeded, "f" failed, "p" refused the person's
    content, "k" KIE refused our account (402)."""
    reasons = {
        "f": ("500", "internal error"),
        "p": ("400", "flagged as sensitive"),
        "k": ("kie_402", "credits"),
    }
    for n, outcome in enumerate(outcomes):
        code, reason = reasons.get(outcome, (None, None))
        await pool.execute(
            """
            INSERT INTO jobs (user_id, chat_id, draft_id, model_id, inputs, price, payment, status, fail_code,
                              fail_reason, created_at, finished_at)
            VALUES ($1, $1, $2, $3, '{}', 400, 'wallet', $4, $5, $6,
                    now() - $7::interval - make_interval(mins => $8) - interval '20 seconds',
                    now() - $7::interval - make_interval(mins => $8))
            """,
            USER,
            f"{model_id}-{outcome}-{n}-{ago}",
            model_id,
            "succeeded" if outcome == "s" else "failed",
            code,
            reason,
            ago,
            len(outcomes) - n,
        )


def _notices(sqs: Queues) -> list[dict[str, object]]:
    return [json.loads(message["Body"]) for message in sqs.receive_all()]


async def test_five_failures_of_the_last_ten_hide_the_model_and_tell_each_operator(
    pool: Pool, people: None, cron_context: CronContext, sqs: Queues
) -> None:
    await _finished(pool, NANO, "fffffssfsfsffsf")  # 5 failed of the last 10 (the older 5 do not count)
    await _finished(pool, Z_IMAGE, "ffffssssss")  # 4 of 10: stays
    assert await STEPS["auto_hide_failing_models"](cron_context) == 1
    live = await overrides.current(pool)
    nano = load_catalog().get(NANO)
    z_image = load_catalog().get(Z_IMAGE)
    assert nano is not None and z_image is not None
    assert not live.visible(nano) and live.visible(z_image)
    assert live.of(NANO).hidden_reason == "auto: 5 of the last 10 failed"  # type: ignore[union-attr]
    (entry,) = await audit.recent(pool)
    assert (entry.admin_id, entry.action, entry.target) == (
        model_health.SYSTEM_ADMIN_ID,
        "model.auto_hide",
        f"model:{NANO}",
    )
    notices = {notice["chat_id"]: notice["text"] for notice in _notices(sqs)}
    assert set(notices) == set(OPERATORS)
    assert notices[901] == ADMIN_RU.auto_hidden_notice.format(
        title=nano.title.ru, model=NANO, failed=5, window=10
    )
    assert notices[902] == ADMIN_EN.auto_hidden_notice.format(
        title=nano.title.en, model=NANO, failed=5, window=10
    )
    # A second run finds it hidden already: nothing new, nobody told twice
    assert await STEPS["auto_hide_failing_models"](cron_context) == 0
    assert _notices(sqs) == []


async def test_failures_that_are_not_the_models_do_not_count(
    pool: Pool, people: None, cron_context: CronContext
) -> None:
    await _finished(pool, NANO, "ppppppkkkkfs")
    assert await STEPS["auto_hide_failing_models"](cron_context) == 0
    health = (await model_health.recent(pool, [NANO], window=10))[NANO]
    assert (health.finished, health.failed) == (2, 1)


async def test_a_model_shown_again_gets_a_fresh_window(
    pool: Pool, people: None, cron_context: CronContext
) -> None:
    await _finished(pool, NANO, "ffffff", ago=timedelta(minutes=30))
    assert await STEPS["auto_hide_failing_models"](cron_context) == 1
    await models.set_hidden(pool, NANO, admin_id=OPERATORS[0], hidden=False)
    # The old failures are before the operator's decision: the model stays visible
    assert await STEPS["auto_hide_failing_models"](cron_context) == 0
    # New failures after it count again
    await _finished(pool, NANO, "fffff", ago=-timedelta(minutes=10))
    assert await STEPS["auto_hide_failing_models"](cron_context) == 1


async def test_two_crons_at_once_hide_it_once(pool: Pool, people: None, sqs: Queues) -> None:
    await _finished(pool, NANO, "fffff")
    from creativebot.kie.client import KieClient

    settings = get_settings(CronSettings)
    async with KieClient(settings.kie) as kie:
        contexts = [CronContext(pool=pool, kie=kie, settings=settings) for _ in range(2)]
        hidden = await asyncio.gather(*(model_health.auto_hide_failing_models(ctx) for ctx in contexts))
    assert sorted(hidden) == [0, 1]
    assert await pool.fetchval("SELECT count(*) FROM audit_log WHERE action = 'model.auto_hide'") == 1
    assert len(_notices(sqs)) == len(OPERATORS)
