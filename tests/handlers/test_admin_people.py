"""People through the panel and the operator commands: a card, a balance correction with a reason, blocking,
granted free runs, refunds; hostile numbers answered, never passed to the database; owners told."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from creativebot import audit, jobs, overrides, wallet
from creativebot.config import WorkerSettings, get_settings
from creativebot.db import Pool
from creativebot.telegram.callbacks import AdminSection
from creativebot.telegram.routers.admin import AdminInput
from creativebot.telegram.views.admin import AdminPerson
from creativebot.texts import RU, format_rub
from creativebot.texts.admin import EN as ADMIN_EN
from creativebot.texts.admin import RU as ADMIN_RU
from tests.e2e.flows import head_of
from tests.handlers.harness import Harness, buttons_of, last_screen, texts_of

OPERATOR = 727272
USER = 737373
RUB = 100


@pytest.fixture(autouse=True)
def operator(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("ADMIN_IDS", str(OPERATOR))
    get_settings.cache_clear()
    overrides.forget()
    yield
    overrides.forget()


def _to(calls: list, chat_id: int) -> list[str]:  # type: ignore[type-arg]
    """The texts of messages sent to ``chat_id``."""
    return texts_of([call for call in calls if call.name == "SendMessage" and call.chat_id == chat_id])


async def _person(harness: Harness, pool: Pool, *, language_code: str = "ru", balance_rub: int = 0) -> None:
    await harness.send(USER, "/start", language_code=language_code)
    await pool.execute("UPDATE users SET username = 'anna_k' WHERE id = $1", USER)
    if balance_rub:
        await wallet.topup(pool, USER, balance_rub * RUB, f"test-topup:{USER}")


async def test_a_person_is_found_by_username_or_id_and_shown_on_a_card(harness: Harness, pool: Pool) -> None:
    await _person(harness, pool, balance_rub=25)
    await harness.press(OPERATOR, AdminSection(section="people"))
    assert await harness.state(OPERATOR) == AdminInput.find_user.state
    # When: the operator types the username
    card = last_screen(await harness.send(OPERATOR, "@ANNA_K"))
    # Then: the card: who, the money, and what can be done
    assert f"<code>{USER}</code>" in card.text
    assert head_of(ADMIN_RU.person_card, balance=format_rub(25 * RUB, "ru")).split("·")[0] in card.text
    assert buttons_of(card)[:3] == [ADMIN_RU.btn_adjust, ADMIN_RU.btn_grant, ADMIN_RU.btn_block]
    # And: by id, and an unknown one gets a clear answer
    await harness.press(OPERATOR, AdminSection(section="people"))
    assert f"<code>{USER}</code>" in last_screen(await harness.send(OPERATOR, str(USER))).text
    await harness.press(OPERATOR, AdminSection(section="people"))
    missing = last_screen(await harness.send(OPERATOR, "@nobody_here"))
    assert missing.text == ADMIN_RU.person_not_found.format(query="@nobody_here")


async def test_the_newest_people_are_listed_a_page_at_a_time(harness: Harness, pool: Pool) -> None:
    await pool.executemany(
        "INSERT INTO users (id, first_name, created_at) VALUES ($1, $2, now() - make_interval(mins => $3))",
        [(n, f"P{n}", n) for n in range(1, 12)],
    )
    first = last_screen(await harness.press(OPERATOR, AdminSection(section="people")))
    people_buttons = [label for label in buttons_of(first) if " · " in label]
    assert len(people_buttons) == 8
    second = last_screen(await harness.press(OPERATOR, AdminSection(section="people", page=1)))
    assert len([label for label in buttons_of(second) if " · " in label]) == 4  # 11 people + the operator


async def test_a_correction_with_a_reason_is_recorded_audited_and_told_to_the_owner_in_their_language(
    harness: Harness, pool: Pool
) -> None:
    await _person(harness, pool, language_code="en", balance_rub=10)
    await harness.press(OPERATOR, AdminPerson(action="adjust", user=USER))
    assert await harness.state(OPERATOR) == AdminInput.adjust.state
    # When: the operator sends an amount and a reason
    calls = await harness.send(OPERATOR, "+50,5 компенсация за сбой")
    # Then: the wallet moved, by one entry with the reason
    assert await wallet.balance_of(pool, USER) == wallet.Balance(6050, 0)
    entry = (await wallet.recent_entries(pool, USER, 1))[0]
    assert (entry.kind, entry.amount, entry.meta["reason"]) == ("adjust", 5050, "компенсация за сбой")
    # And: the journal has who, what, before and after
    (logged,) = await audit.recent(pool)
    assert (logged.admin_id, logged.action, logged.target) == (OPERATOR, "balance.adjust", f"user:{USER}")
    assert logged.before["balance"] == 1000 and logged.after["balance"] == 6050
    # And: the owner is told in English, the operator sees the card with the result on top
    assert _to(calls, USER) == [
        ADMIN_EN.owner_credited.format(
            amount=format_rub(5050, "en"), reason="компенсация за сбой", available=format_rub(6050, "en")
        )
    ]
    screen = last_screen(calls)
    assert screen.text.startswith(
        ADMIN_RU.adjust_done.format(
            user=USER, amount="+" + format_rub(5050, "ru"), available=format_rub(6050, "ru")
        )
    )
    assert await harness.state(OPERATOR) is None


async def test_a_correction_below_what_is_available_is_refused(harness: Harness, pool: Pool) -> None:
    await _person(harness, pool, balance_rub=10)
    await harness.press(OPERATOR, AdminPerson(action="adjust", user=USER))
    calls = await harness.send(OPERATOR, "-20 ошибка")
    assert texts_of(calls) == [
        ADMIN_RU.refused.format(reason=ADMIN_RU.refused_funds.format(available=format_rub(1000)))
    ]
    assert await wallet.balance_of(pool, USER) == wallet.Balance(1000, 0)
    assert _to(calls, USER) == []


@pytest.mark.parametrize(
    "typed", ["50", "компенсация", "+0 ничего", "+1000000,01 много", "+5,555 x", "+²5 x"]
)
async def test_an_unclear_correction_is_asked_again(harness: Harness, pool: Pool, typed: str) -> None:
    await _person(harness, pool)
    await harness.press(OPERATOR, AdminPerson(action="adjust", user=USER))
    assert texts_of(await harness.send(OPERATOR, typed)) == [ADMIN_RU.adjust_bad]
    assert await harness.state(OPERATOR) == AdminInput.adjust.state
    assert await pool.fetchval("SELECT count(*) FROM ledger") == 0


async def test_a_blocked_person_gets_one_polite_line_and_nothing_runs(harness: Harness, pool: Pool) -> None:
    await _person(harness, pool)
    card = last_screen(await harness.press(OPERATOR, AdminPerson(action="block", user=USER)))
    assert card.text.startswith(ADMIN_RU.block_done.format(name="Анна"))
    assert ADMIN_RU.btn_unblock in buttons_of(card)
    # When: the person writes and presses
    assert texts_of(await harness.send(USER, "/start")) == [RU.blocked_notice]
    assert texts_of(await harness.send(USER, "/balance")) == []  # told once a minute, not on every message
    # Then: unblocking lets them back in and tells them
    calls = await harness.press(OPERATOR, AdminPerson(action="unblock", user=USER))
    assert _to(calls, USER) == [ADMIN_RU.owner_unblocked]
    assert texts_of(await harness.send(USER, "/start"))[0] == RU.welcome
    actions = [entry.action for entry in await audit.recent(pool)]
    assert actions == ["user.unblock", "user.block"]


async def test_free_generations_are_granted_and_the_owner_is_told(harness: Harness, pool: Pool) -> None:
    await _person(harness, pool)
    await harness.press(OPERATOR, AdminPerson(action="grant", user=USER))
    for bad in ("0", "101", "три", "²", "1.5"):
        assert texts_of(await harness.send(OPERATOR, bad)) == [ADMIN_RU.grant_bad], bad
    calls = await harness.send(OPERATOR, "3")
    assert await pool.fetchval("SELECT gift_runs FROM users WHERE id = $1", USER) == 3
    cap = format_rub(get_settings(WorkerSettings).limits.gift_run_max_rub * RUB, "ru")
    assert _to(calls, USER) == [ADMIN_RU.owner_granted.format(runs=3, total=3, cap=cap)]
    assert last_screen(calls).text.startswith(ADMIN_RU.grant_done.format(name="Анна", runs=3, total=3))
    (logged,) = await audit.recent(pool)
    assert (logged.action, logged.before, logged.after) == (
        "user.grant_runs",
        {"gift_runs": 0},
        {"gift_runs": 3, "granted": 3},
    )


@pytest.mark.parametrize(
    "command",
    [
        "/adjust",
        "/adjust 737373",
        "/adjust 737373 +50",
        "/adjust 737373 99999999999999999999 x",
        "/adjust 99999999999999999999 +5 x",
        "/adjust 9223372036854775808 +5 x",
        "/adjust ١٢٣ +5 x",
        "/adjust ²³ +5 x",
        "/adjust 737373 +1e3 x",
        "/adjust -5 +5 x",
    ],
)
async def test_adjust_with_hostile_numbers_gets_its_usage(harness: Harness, pool: Pool, command: str) -> None:
    await _person(harness, pool)
    calls = await harness.send(OPERATOR, command)
    assert texts_of(calls) == [ADMIN_RU.adjust_usage]
    assert await pool.fetchval("SELECT count(*) FROM ledger") == 0


@pytest.mark.parametrize(
    "command",
    ["/refund", "/refund 99999999999999999999", "/refund ²", "/refund 0", "/refund -1", "/refund 1 2"],
)
async def test_refund_with_hostile_numbers_gets_its_usage(harness: Harness, command: str) -> None:
    assert texts_of(await harness.send(OPERATOR, command)) == [ADMIN_RU.refund_usage]


async def test_adjust_by_command_tells_the_owner_and_refuses_an_unknown_person(
    harness: Harness, pool: Pool
) -> None:
    await _person(harness, pool, balance_rub=30)
    calls = await harness.send(OPERATOR, f"/adjust {USER} -10 возврат ошибочного бонуса")
    assert texts_of(calls)[-1] == ADMIN_RU.adjust_done.format(
        user=USER, amount=format_rub(-1000, "ru"), available=format_rub(2000, "ru")
    )
    assert _to(calls, USER) == [
        ADMIN_RU.owner_debited.format(
            amount=format_rub(1000, "ru"),
            reason="возврат ошибочного бонуса",
            available=format_rub(2000, "ru"),
        )
    ]
    calls = await harness.send(OPERATOR, "/adjust 123456789 +5 подарок")
    reason = ADMIN_RU.refused_unknown_user.format(user=123456789)
    assert texts_of(calls) == [ADMIN_RU.refused.format(reason=reason)]


async def test_a_refund_is_made_once_and_told_once(harness: Harness, pool: Pool) -> None:
    await _person(harness, pool, balance_rub=20)
    job, _ = await jobs.create(
        pool,
        jobs.NewJob(
            user_id=USER,
            chat_id=USER,
            draft_id="d-refund",
            model_id="google/nano-banana",
            prompt="кот",
            options={},
            image_urls=[],
            inputs={"prompt": "кот"},
            price=4 * RUB,
            language="ru",
            cid=None,
        ),
    )
    await wallet.charge(pool, USER, job.hold_ref)
    assert texts_of(await harness.send(OPERATOR, "/refund 987654")) == [
        ADMIN_RU.refund_not_found.format(job=987654)
    ]
    calls = await harness.send(OPERATOR, f"/refund {job.id}")
    done = ADMIN_RU.refund_done.format(job=job.id, amount=format_rub(4 * RUB, "ru"), user=USER)
    assert texts_of(calls)[0] == done
    assert _to(calls, USER) == [ADMIN_RU.owner_refunded.format(job=job.id, amount=format_rub(4 * RUB, "ru"))]
    again = await harness.send(OPERATOR, f"/refund {job.id}")
    assert texts_of(again) == [done] and _to(again, USER) == []
    assert await pool.fetchval("SELECT count(*) FROM ledger WHERE kind = 'refund'") == 1
    assert await wallet.balance_of(pool, USER) == wallet.Balance(20 * RUB, 0)
    assert [entry.action for entry in await audit.recent(pool)] == ["job.refund"]
