"""The operators' panel fed straight to the Dispatcher: who may reach it, its sections, the journal."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.storage.base import StorageKey

from creativebot import overrides, wallet
from creativebot.config import get_settings
from creativebot.db import Pool
from creativebot.telegram.callbacks import AdminSection
from creativebot.telegram.routers.admin import AdminInput
from creativebot.telegram.views.admin import AdminBroadcast, AdminModel, AdminPerson, AdminPromo, AdminStats
from creativebot.texts import RU
from creativebot.texts.admin import EN as ADMIN_EN
from creativebot.texts.admin import RU as ADMIN_RU
from tests.e2e.flows import head_of
from tests.handlers.harness import Harness, buttons_of, last_screen, texts_of

OPERATOR = 707070
USER = 717171
NANO = "google/nano-banana"
SECTION_TITLES = {
    "stats": head_of(ADMIN_RU.stats),
    "people": head_of(ADMIN_RU.people),
    "models": head_of(ADMIN_RU.models),
    "broadcast": head_of(ADMIN_RU.broadcast),
    "promos": head_of(ADMIN_RU.promos),
    "journal": head_of(ADMIN_RU.journal),
    "changelog": head_of(ADMIN_RU.changelog),
}


@pytest.fixture(autouse=True)
def operator(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("ADMIN_IDS", str(OPERATOR))
    get_settings.cache_clear()
    overrides.forget()
    yield
    overrides.forget()


async def _nothing_changed(pool: Pool) -> None:
    assert await pool.fetchval("SELECT count(*) FROM audit_log") == 0
    assert await pool.fetchval("SELECT count(*) FROM model_overrides") == 0
    assert await pool.fetchval("SELECT count(*) FROM broadcasts") == 0
    assert await pool.fetchval("SELECT count(*) FROM promo_codes") == 0
    assert await pool.fetchval("SELECT count(*) FROM ledger WHERE kind = 'adjust'") == 0
    assert await pool.fetchval("SELECT blocked_at FROM users WHERE id = $1", USER) is None


async def test_to_an_ordinary_user_the_commands_do_not_exist(harness: Harness, pool: Pool) -> None:
    await harness.send(USER, "/start")
    for command in ("/admin", f"/adjust {USER} +500 free money", "/refund 1"):
        calls = await harness.send(USER, command)
        assert texts_of(calls) == [RU.not_understood], command
    await _nothing_changed(pool)


@pytest.mark.parametrize(
    "button",
    [
        *(AdminSection(section=name) for name in (*SECTION_TITLES, "home")),
        AdminStats(period="chart"),
        AdminPerson(action="block", user=USER),
        AdminPerson(action="adjust", user=USER),
        AdminModel(action="hide", model=NANO),
        AdminBroadcast(action="new"),
        AdminBroadcast(action="stop", id=1),
        AdminPromo(action="new_money"),
    ],
    ids=lambda button: button.pack(),
)
async def test_a_forged_panel_button_gets_the_stale_button_answer(
    harness: Harness, pool: Pool, button: CallbackData
) -> None:
    await harness.send(USER, "/start")
    calls = await harness.press(USER, button)
    assert last_screen(calls).text.startswith(RU.stale_button)
    assert not [call for call in calls if call.name in {"SendPhoto", "SendDocument"}]
    assert await harness.state(USER) is None
    await _nothing_changed(pool)


async def test_an_operators_question_means_nothing_to_anyone_else(harness: Harness, pool: Pool) -> None:
    # Given: an ordinary user whose conversation somehow stands where an operator's "amount?" would
    await harness.send(USER, "/start")
    key = StorageKey(bot_id=harness.bot.id, chat_id=USER, user_id=USER)
    await harness.dispatcher.fsm.storage.set_state(key, AdminInput.adjust)
    await harness.dispatcher.fsm.storage.set_data(key, {"target": USER})
    # When: they type an amount
    calls = await harness.send(USER, "+500 подарок")
    # Then: rights are checked again; nothing changes
    assert texts_of(calls) == [RU.not_understood]
    assert await wallet.balance_of(pool, USER) == wallet.Balance(0, 0)
    await _nothing_changed(pool)


async def test_admin_opens_the_panel_in_the_operators_language(harness: Harness) -> None:
    calls = await harness.send(OPERATOR, "/admin")
    screen = last_screen(calls)
    assert screen.text.startswith(head_of(ADMIN_RU.panel))
    expected = [ADMIN_RU.sections[name] for name in ("stats", "people", "payments", "models", "broadcast")]
    expected += [ADMIN_RU.sections["promos"], ADMIN_RU.sections["journal"]]
    assert buttons_of(screen) == expected
    calls = await harness.send(OPERATOR, "/admin", language_code="en")
    assert buttons_of(last_screen(calls))[0] == ADMIN_EN.sections["stats"]
    assert last_screen(calls).text.startswith(head_of(ADMIN_EN.panel))


@pytest.mark.parametrize("name", list(SECTION_TITLES))
async def test_every_section_opens_and_leads_back_to_the_panel(harness: Harness, name: str) -> None:
    await harness.send(OPERATOR, "/admin")
    calls = await harness.press(OPERATOR, AdminSection(section=name))
    screen = last_screen(calls)
    assert screen.name == "EditMessageText"
    assert screen.text.startswith(SECTION_TITLES[name])
    buttons = buttons_of(screen)
    assert ADMIN_RU.btn_panel in buttons
    calls = await harness.press(OPERATOR, AdminSection(section="home"))
    assert last_screen(calls).text.startswith(head_of(ADMIN_RU.panel))


async def test_the_payments_button_is_left_to_the_payments_router(harness: Harness, pool: Pool) -> None:
    calls = await harness.press(OPERATOR, AdminSection(section="payments"))
    assert not last_screen(calls).text.startswith(head_of(ADMIN_RU.panel))
    assert await pool.fetchval("SELECT count(*) FROM audit_log") == 0


async def test_the_journal_lists_every_action_newest_first_a_page_at_a_time(
    harness: Harness, pool: Pool
) -> None:
    # Given: ten operator actions (block, unblock, ...)
    await harness.send(USER, "/start")
    for n in range(10):
        await harness.press(OPERATOR, AdminPerson(action="block" if n % 2 == 0 else "unblock", user=USER))
    assert await pool.fetchval("SELECT count(*) FROM audit_log") == 10
    # When: the journal opens
    first = last_screen(await harness.press(OPERATOR, AdminSection(section="journal")))
    # Then: eight entries, the newest (the tenth action: an unblock) first, and a way to the rest
    lines = [line for line in first.text.split("\n") if "user.block" in line or "user.unblock" in line]
    assert len(lines) == 8
    assert "user.unblock" in lines[0] and "user.block" in lines[1]
    assert ADMIN_RU.btn_next in buttons_of(first) and ADMIN_RU.btn_prev not in buttons_of(first)
    second = last_screen(await harness.press(OPERATOR, AdminSection(section="journal", page=1)))
    rest = [line for line in second.text.split("\n") if "user.block" in line or "user.unblock" in line]
    assert len(rest) == 2
    assert ADMIN_RU.btn_prev in buttons_of(second) and ADMIN_RU.btn_next not in buttons_of(second)
    # And: the audit log refuses to be rewritten
    with pytest.raises(Exception, match="append-only"):
        await pool.execute("DELETE FROM audit_log")


async def test_whats_new_is_reachable_from_the_journal(harness: Harness) -> None:
    journal = last_screen(await harness.press(OPERATOR, AdminSection(section="journal")))
    assert ADMIN_RU.sections["changelog"] in buttons_of(journal)
    calls = await harness.press(OPERATOR, AdminSection(section="changelog"))
    from creativebot import changelog

    assert changelog.RELEASES[0].ru[:40] in last_screen(calls).text
    older = last_screen(await harness.press(OPERATOR, AdminSection(section="changelog", page=1)))
    assert changelog.RELEASES[-1].ru[:40] in older.text


async def test_statistics_by_period_and_the_chart_as_a_photo(harness: Harness, pool: Pool) -> None:
    await harness.send(USER, "/start")
    await wallet.topup(pool, USER, 30_000, "test-topup")
    week = last_screen(await harness.press(OPERATOR, AdminStats(period="7")))
    assert week.text.startswith(head_of(ADMIN_RU.stats, period=ADMIN_RU.periods["7"]))
    assert "300 ₽" in week.text
    assert [label.removeprefix("· ") for label in buttons_of(week)[:3]] == list(ADMIN_RU.periods.values())
    calls = await harness.press(OPERATOR, AdminStats(period="chart"))
    (photo,) = [call for call in calls if call.name == "SendPhoto"]
    assert photo.chat_id == OPERATOR
    assert photo.caption.startswith(head_of(ADMIN_RU.chart_caption))
    assert photo.photo.data.startswith(b"\x89PNG")
