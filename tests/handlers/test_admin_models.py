"""Models run live from the panel: hidden from people's lists, priced by markup or a fixed price, free runs,
each change audited; a model's recent health next to it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal

import pytest

from creativebot import audit, overrides
from creativebot.config import get_settings
from creativebot.db import Pool
from creativebot.telegram.callbacks import AdminSection, CategoryPick, ModelChoose
from creativebot.telegram.routers.admin import AdminInput
from creativebot.telegram.views.admin import AdminModel
from creativebot.texts import RU, format_rub
from creativebot.texts.admin import RU as ADMIN_RU
from tests.e2e.flows import model_button
from tests.handlers.harness import Harness, buttons_of, last_screen, texts_of

OPERATOR = 747474
USER = 757575
NANO = "google/nano-banana"  # 4 ₽ in the catalog


@pytest.fixture(autouse=True)
def operator(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("ADMIN_IDS", str(OPERATOR))
    get_settings.cache_clear()
    overrides.forget()
    yield
    overrides.forget()


async def _photo_models(harness: Harness) -> list[str]:
    return buttons_of(last_screen(await harness.press(USER, CategoryPick(code="photo"))))


async def _seed_jobs(pool: Pool, model_id: str, outcomes: list[str], *, seconds: int = 12) -> None:
    """Finished jobs of a model, oldest first: "ok", "fail", or "policy" (a refusal of the person's content)."""
    await pool.execute("INSERT INTO users (id) VALUES ($1) ON CONFLICT DO NOTHING", USER)
    for n, outcome in enumerate(outcomes):
        age = timedelta(minutes=len(outcomes) - n)
        await pool.execute(
            """
            INSERT INTO jobs (user_id, chat_id, draft_id, model_id, inputs, price, payment, status, fail_code,
                              fail_reason, created_at, finished_at)
            VALUES ($1, $1, $2, $3, '{}', 400, 'wallet', $4, $5, $6, now() - $7::interval - make_interval(secs => $8),
                    now() - $7::interval)
            """,
            USER,
            f"seed-{model_id}-{n}",
            model_id,
            "succeeded" if outcome == "ok" else "failed",
            None if outcome == "ok" else "500",
            {"fail": "internal error", "policy": "flagged as sensitive"}.get(outcome),
            age,
            float(seconds),
        )


async def test_a_hidden_model_leaves_peoples_lists_and_comes_back(harness: Harness, pool: Pool) -> None:
    await harness.send(USER, "/start")
    assert model_button(NANO, 400) in await _photo_models(harness)
    # When: the operator hides it
    card = last_screen(await harness.press(OPERATOR, AdminModel(action="hide", model=NANO)))
    assert ADMIN_RU.btn_show in buttons_of(card)
    # Then: it is gone from the list, and a stale button to it says so
    assert model_button(NANO, 400) not in await _photo_models(harness)
    assert last_screen(await harness.press(USER, ModelChoose(model=NANO))).text == RU.unavailable_model
    # And: shown again, it is back, with a fresh window for the auto-hide rule
    await harness.press(OPERATOR, AdminModel(action="show", model=NANO))
    assert model_button(NANO, 400) in await _photo_models(harness)
    assert await pool.fetchval("SELECT count(*) FROM model_health_since WHERE model_id = $1", NANO) == 1
    actions = [
        (entry.action, entry.before and entry.before["hidden"], entry.after["hidden"])
        for entry in await audit.recent(pool)
    ]
    assert actions == [("model.show", True, False), ("model.hide", None, True)]


async def test_a_markup_a_fixed_price_and_free_runs_change_what_people_see(
    harness: Harness, pool: Pool
) -> None:
    await harness.send(USER, "/start")
    # A markup of 3 instead of 2: 4 ₽ becomes 6 ₽
    await harness.press(OPERATOR, AdminModel(action="markup", model=NANO))
    assert await harness.state(OPERATOR) == AdminInput.markup.state
    card = last_screen(await harness.send(OPERATOR, "3"))
    assert card.text.startswith(ADMIN_RU.model_saved)
    assert (await overrides.current(pool)).of(NANO).markup == Decimal(3)  # type: ignore[union-attr]
    assert model_button(NANO, 600) in await _photo_models(harness)
    # A fixed price wins over any markup
    await harness.press(OPERATOR, AdminModel(action="fixed", model=NANO))
    await harness.send(OPERATOR, "49")
    assert model_button(NANO, 4900) in await _photo_models(harness)
    # Two free runs a day
    await harness.press(OPERATOR, AdminModel(action="free", model=NANO))
    await harness.send(OPERATOR, "2")
    assert model_button(NANO, None) in await _photo_models(harness)
    # Back to the catalog's: no fixed price, the common markup, the catalog's free runs
    for action, typed in (("fixed", "0"), ("markup", "0"), ("free", "-")):
        await harness.press(OPERATOR, AdminModel(action=action, model=NANO))
        await harness.send(OPERATOR, typed)
    assert model_button(NANO, 400) in await _photo_models(harness)
    actions = [entry.action for entry in await audit.recent(pool, limit=20)]
    assert actions.count("model.fixed_price") == 2 and actions.count("model.markup") == 2
    assert actions.count("model.free_per_day") == 2


@pytest.mark.parametrize(
    ("action", "typed"),
    [
        ("markup", "0.5"),
        ("markup", "101"),
        ("markup", "два"),
        ("fixed", "0,5"),
        ("fixed", "100001"),
        ("free", "101"),
        ("free", "²"),
    ],
)
async def test_a_value_out_of_range_is_asked_again(
    harness: Harness, pool: Pool, action: str, typed: str
) -> None:
    await harness.press(OPERATOR, AdminModel(action=action, model=NANO))
    calls = await harness.send(OPERATOR, typed)
    assert len(texts_of(calls)) == 1 and not texts_of(calls)[0].startswith(ADMIN_RU.model_saved)
    assert await harness.state(OPERATOR) == getattr(AdminInput, action).state
    assert await pool.fetchval("SELECT count(*) FROM model_overrides") == 0


async def test_a_models_recent_health_is_shown_next_to_it(harness: Harness, pool: Pool) -> None:
    # Given: Nano Banana's last jobs: 3 succeeded in 12 s, 1 failed, and a content refusal that is not its fault
    await _seed_jobs(pool, NANO, ["ok", "fail", "ok", "policy", "ok"])
    page = last_screen(await harness.press(OPERATOR, AdminSection(section="models")))
    health = ADMIN_RU.health_line.format(rate="75%", finished=4, median=ADMIN_RU.seconds.format(seconds=12))
    assert health in page.text
    card = last_screen(await harness.press(OPERATOR, AdminModel(action="card", model=NANO)))
    assert health in card.text and format_rub(400, "ru") in card.text


async def test_the_model_list_is_paged(harness: Harness) -> None:
    first = last_screen(await harness.press(OPERATOR, AdminSection(section="models")))
    assert ADMIN_RU.btn_next in buttons_of(first)
    last = last_screen(await harness.press(OPERATOR, AdminSection(section="models", page=10_000)))
    assert ADMIN_RU.btn_next not in buttons_of(last) and ADMIN_RU.btn_prev in buttons_of(last)
