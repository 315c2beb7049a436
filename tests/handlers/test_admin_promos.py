"""Promo codes: created from the panel, redeemed with /promo CODE, /promo and the balance screen's button."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from creativebot import audit, overrides, wallet
from creativebot.config import get_settings
from creativebot.db import Pool
from creativebot.telegram.callbacks import AdminSection, Menu
from creativebot.telegram.routers.admin import AdminInput
from creativebot.telegram.routers.promo import PromoInput
from creativebot.telegram.views.admin import AdminPromo
from creativebot.texts import EN, RU, format_rub
from creativebot.texts.admin import EN as ADMIN_EN
from creativebot.texts.admin import RU as ADMIN_RU
from tests.handlers.harness import Harness, buttons_of, last_screen, texts_of

OPERATOR = 767676
USER = 777777
RUB = 100


@pytest.fixture(autouse=True)
def operator(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("ADMIN_IDS", str(OPERATOR))
    get_settings.cache_clear()
    overrides.forget()
    yield
    overrides.forget()


async def _create(harness: Harness, kind: str, line: str) -> list[str]:
    await harness.press(OPERATOR, AdminPromo(action=f"new_{kind}"))
    return texts_of(await harness.send(OPERATOR, line))


async def test_an_operator_creates_codes_for_roubles_and_for_generations(
    harness: Harness, pool: Pool
) -> None:
    await harness.press(OPERATOR, AdminSection(section="promos"))
    created = await _create(harness, "money", "весна 150 50 30")
    assert created[0].startswith(ADMIN_RU.promo_created.split("{code}")[0])
    assert "<code>ВЕСНА</code>" in created[0]
    await _create(harness, "runs", "GIFT-3 3 100 0")
    rows = await pool.fetch(
        "SELECT code, kopecks, runs, total_uses, expires_at IS NOT NULL AS expires FROM promo_codes ORDER BY id"
    )
    assert [tuple(row) for row in rows] == [("ВЕСНА", 15000, None, 50, True), ("GIFT-3", None, 3, 100, False)]
    listing = last_screen(await harness.press(OPERATOR, AdminSection(section="promos")))
    assert "ВЕСНА" in buttons_of(listing) and "GIFT-3" in buttons_of(listing)
    assert [entry.action for entry in await audit.recent(pool)] == ["promo.create", "promo.create"]


@pytest.mark.parametrize(
    ("kind", "line"),
    [
        ("money", "ВЕСНА 150"),
        ("money", "ab 150 5"),
        ("money", "ВЕСНА 0,5 5"),
        ("money", "ВЕСНА 150 0"),
        ("money", "ВЕСНА 150 5 99999"),
        ("money", "ВЕС НА 150 5 5 5"),
        ("money", "DROP;TABLE 150 5"),
        ("runs", "ПОДАРОК 101 5"),
        ("runs", "ПОДАРОК 1,5 5"),
    ],
)
async def test_an_unclear_code_is_asked_again(harness: Harness, pool: Pool, kind: str, line: str) -> None:
    prompt = ADMIN_RU.promo_prompt_money if kind == "money" else ADMIN_RU.promo_prompt_runs
    assert await _create(harness, kind, line) == [ADMIN_RU.promo_bad.format(prompt=prompt)]
    assert await harness.state(OPERATOR) == AdminInput.promo.state
    assert await pool.fetchval("SELECT count(*) FROM promo_codes") == 0


async def test_a_code_name_is_taken_once(harness: Harness) -> None:
    await _create(harness, "money", "ВЕСНА 100 5")
    assert await _create(harness, "runs", "весна 1 5") == [ADMIN_RU.promo_taken.format(code="ВЕСНА")]


async def test_a_person_redeems_a_code_once_with_the_command(harness: Harness, pool: Pool) -> None:
    await _create(harness, "money", "ВЕСНА 150 50 30")
    await harness.send(USER, "/start")
    calls = await harness.send(USER, "/promo весна")
    assert texts_of(calls) == [
        ADMIN_RU.promo_ok_money.format(amount=format_rub(150 * RUB), balance=format_rub(150 * RUB))
    ]
    assert buttons_of(last_screen(calls)) == [RU.btn_main_menu]
    assert await wallet.balance_of(pool, USER) == wallet.Balance(150 * RUB, 0)
    entry = (await wallet.recent_entries(pool, USER, 1))[0]
    code_id = await pool.fetchval("SELECT id FROM promo_codes")
    assert (entry.kind, entry.ref) == ("bonus", f"promo:{code_id}:{USER}")
    # A second time: refused, nothing credited
    assert texts_of(await harness.send(USER, "/promo ВЕСНА")) == [ADMIN_RU.promo_already]
    assert await wallet.balance_of(pool, USER) == wallet.Balance(150 * RUB, 0)


async def test_the_balance_screens_button_asks_for_the_code_in_the_persons_language(
    harness: Harness, pool: Pool
) -> None:
    await _create(harness, "runs", "GIFT 2 5")
    await harness.send(USER, "/start", language_code="en")
    asked = last_screen(await harness.press(USER, Menu(screen="promo"), language_code="en"))
    assert asked.text == ADMIN_EN.promo_ask and buttons_of(asked) == [EN.btn_main_menu]
    assert await harness.state(USER) == PromoInput.code.state
    # A typo keeps the question open
    assert texts_of(await harness.send(USER, "GIFTT", language_code="en")) == [ADMIN_EN.promo_unknown]
    assert await harness.state(USER) == PromoInput.code.state
    calls = await harness.send(USER, "gift", language_code="en")
    assert texts_of(calls) == [ADMIN_EN.promo_ok_runs.format(runs=2, total=2)]
    assert await harness.state(USER) is None
    assert await pool.fetchval("SELECT gift_runs FROM users WHERE id = $1", USER) == 2


async def test_promo_without_a_code_asks_for_it(harness: Harness) -> None:
    await harness.send(USER, "/start")
    assert texts_of(await harness.send(USER, "/promo")) == [ADMIN_RU.promo_ask]
    assert await harness.state(USER) == PromoInput.code.state
    assert texts_of(await harness.send(USER, "x" * 5000)) == [ADMIN_RU.promo_unknown]


async def test_a_used_up_an_expired_and_a_disabled_code_say_so(harness: Harness, pool: Pool) -> None:
    await harness.send(USER, "/start")
    await _create(harness, "money", "ONE 10 1")
    await _create(harness, "money", "OLD 10 5 1")
    await _create(harness, "money", "OFF 10 5")
    await pool.execute("INSERT INTO users (id) VALUES (1)")
    await pool.execute("UPDATE promo_codes SET used = 1 WHERE code = 'ONE'")
    await pool.execute("UPDATE promo_codes SET expires_at = now() - interval '1 second' WHERE code = 'OLD'")
    off = await pool.fetchval("SELECT id FROM promo_codes WHERE code = 'OFF'")
    card = last_screen(await harness.press(OPERATOR, AdminPromo(action="disable", id=off)))
    assert ADMIN_RU.btn_disable not in buttons_of(card) and ADMIN_RU.promo_states["disabled"] in card.text
    assert texts_of(await harness.send(USER, "/promo ONE")) == [ADMIN_RU.promo_exhausted]
    assert texts_of(await harness.send(USER, "/promo OLD")) == [ADMIN_RU.promo_expired]
    assert texts_of(await harness.send(USER, "/promo OFF")) == [ADMIN_RU.promo_expired]
    assert await wallet.balance_of(pool, USER) == wallet.Balance(0, 0)
    assert await pool.fetchval("SELECT count(*) FROM promo_redemptions") == 0
