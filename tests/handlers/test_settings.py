"""/settings fed straight to the Dispatcher: the language (kept over Telegram's), the daily cap (presets and
an amount typed in roubles) and quiet notices, each stored and shown at once."""

from __future__ import annotations

import dataclasses
import string

import pytest

from creativebot import jobs, preferences, wallet
from creativebot.db import Pool
from creativebot.preferences import Preferences
from creativebot.telegram.callbacks import (
    Menu,
    ModelChoose,
    SettingsCap,
    SettingsLanguage,
    SettingsQuiet,
    SettingsScreen,
)
from creativebot.telegram.states import SettingsInput, Step
from creativebot.texts import EN, RU, format_rub
from creativebot.texts.settings import EN as SEN
from creativebot.texts.settings import RU as SRU
from creativebot.texts.settings import settings_copy
from infra.local.kie.fake import png
from tests.handlers.harness import Harness, buttons_of, last_screen

USER = 434343
NANO = "google/nano-banana"


def _screen(
    cap: str | None = None, *, english: bool = False, quiet: bool = False, saved: bool = False
) -> str:
    sc = SEN if english else SRU
    text = sc.screen.format(
        language=sc.language_names["en" if english else "ru"],
        cap=sc.cap_off if cap is None else cap,
        notices=sc.notices_quiet if quiet else sc.notices_sound,
    )
    return (sc.saved if saved else "") + text


async def _prefs(pool: Pool) -> Preferences | None:
    return await preferences.get(pool, USER)


def _rub(rub: int, language: str = "ru") -> str:
    return format_rub(rub * 100, language)


async def test_settings_show_the_language_no_cap_and_sound(harness: Harness) -> None:
    calls = await harness.send(USER, "/settings")
    screen = last_screen(calls)
    assert screen.name == "SendMessage"
    assert screen.text == _screen()
    assert buttons_of(screen) == [
        "✅ 🇷🇺 Русский",
        "🇬🇧 English",
        SRU.btn_cap.format(cap=SRU.cap_off),
        SRU.btn_make_quiet,
        RU.btn_main_menu,
    ]


async def test_the_menu_button_opens_settings_in_place(harness: Harness) -> None:
    calls = await harness.press(USER, Menu(screen="settings"))
    screen = last_screen(calls)
    assert screen.name == "EditMessageText" and screen.text == _screen()


async def test_english_is_kept_over_telegrams_language_and_shown_at_once(
    harness: Harness, pool: Pool
) -> None:
    # Given: a person whose Telegram speaks Russian
    await harness.send(USER, "/settings")
    # When: they pick English
    calls = await harness.press(USER, SettingsLanguage(lang="en"))
    # Then: it is stored as their choice, and the screen answers in English right away
    prefs = await _prefs(pool)
    assert prefs is not None and (prefs.language, prefs.language_chosen) == ("en", True)
    screen = last_screen(calls)
    assert screen.text == _screen(english=True, saved=True)
    assert buttons_of(screen)[:2] == ["🇷🇺 Русский", "✅ 🇬🇧 English"]
    assert EN.btn_main_menu in buttons_of(screen)
    # And: their next updates (Telegram still says "ru") speak English
    start = await harness.send(USER, "/start", language_code="ru")
    assert last_screen(start).text == EN.welcome
    # When: they go back to Russian
    back = await harness.press(USER, SettingsLanguage(lang="ru"), language_code="en")
    assert last_screen(back).text == _screen(saved=True)
    assert last_screen(await harness.send(USER, "/start", language_code="en")).text == RU.welcome


async def test_an_unknown_language_changes_nothing(harness: Harness, pool: Pool) -> None:
    await harness.send(USER, "/settings")
    calls = await harness.press(USER, SettingsLanguage(lang="de"))
    assert last_screen(calls).text == _screen()
    assert await _prefs(pool) == Preferences("ru", False, None, False)


async def test_a_preset_cap_is_stored_and_shown_with_todays_spending(harness: Harness, pool: Pool) -> None:
    # Given: 4 ₽ spent today on a paid run
    await harness.send(USER, "/settings")
    await wallet.topup(pool, USER, 10_00, "topup-1")
    new = jobs.NewJob(USER, USER, "d1", NANO, "кот", {}, [], {}, 4_00, "ru", None)
    await jobs.create(pool, new)
    # When: the cap screen, then the 300 ₽ preset
    cap = last_screen(await harness.press(USER, SettingsScreen(screen="cap")))
    assert cap.text == SRU.cap_screen.format(
        day=SRU.cap_day_moscow, cap=SRU.cap_off, spent=format_rub(4_00, "ru")
    )
    assert buttons_of(cap) == [
        "✅ " + SRU.btn_cap_off,
        _rub(300),
        _rub(1_000),
        _rub(3_000),
        SRU.btn_cap_custom,
        RU.btn_back,
    ]
    calls = await harness.press(USER, SettingsCap(rub=300))
    # Then: stored, and the settings screen says so with what is spent today
    prefs = await _prefs(pool)
    assert prefs is not None and prefs.daily_cap_kopecks == 300_00
    screen = last_screen(calls)
    expected_cap = SRU.cap_value.format(cap=_rub(300), spent=format_rub(4_00, "ru"))
    assert screen.text == _screen(expected_cap, saved=True)
    assert SRU.btn_cap.format(cap=_rub(300)) in buttons_of(screen)
    # And: the cap screen marks the preset now
    cap = last_screen(await harness.press(USER, SettingsScreen(screen="cap")))
    assert "✅ " + _rub(300) in buttons_of(cap) and SRU.btn_cap_off in buttons_of(cap)
    # When: "Без лимита"
    await harness.press(USER, SettingsCap(rub=0))
    prefs = await _prefs(pool)
    assert prefs is not None and prefs.daily_cap_kopecks is None


async def test_a_typed_cap_is_asked_again_until_it_is_a_number_of_roubles(
    harness: Harness, pool: Pool
) -> None:
    # Given: "✍️ Своя сумма"
    await harness.send(USER, "/settings")
    ask = last_screen(await harness.press(USER, SettingsScreen(screen="custom")))
    question = SRU.cap_ask.format(min=_rub(1), max=_rub(1_000_000))
    assert ask.text == question
    assert await harness.state(USER) == SettingsInput.cap.state
    # When: words, a photo, zero and too much
    for answer, problem in [
        ("пятьсот", SRU.cap_not_number),
        ("12,50", SRU.cap_not_number),
        ("0", SRU.cap_out_of_range.format(min=_rub(1), max=_rub(1_000_000))),
        ("1000001", SRU.cap_out_of_range.format(min=_rub(1), max=_rub(1_000_000))),
    ]:
        calls = await harness.send(USER, answer)
        # Then: what was wrong and the same question, still waiting for the amount, nothing stored
        assert last_screen(calls).text == f"{problem}\n\n{question}", answer
        assert buttons_of(last_screen(calls)) == [RU.btn_back, RU.btn_main_menu]
    photo = await harness.send_photo(USER, png(8, 8, b"x"))
    assert last_screen(photo).text == f"{SRU.cap_not_number}\n\n{question}"
    assert await harness.state(USER) == SettingsInput.cap.state
    assert await _prefs(pool) == Preferences("ru", False, None, False)
    # When: "1 500"
    calls = await harness.send(USER, "1 500")
    # Then: 1 500 ₽ a day, the settings screen, and the question is over
    prefs = await _prefs(pool)
    assert prefs is not None and prefs.daily_cap_kopecks == 1_500_00
    expected_cap = SRU.cap_value.format(cap=_rub(1_500), spent=format_rub(0, "ru"))
    assert last_screen(calls).text == _screen(expected_cap, saved=True)
    assert await harness.state(USER) is None
    # And: an own amount is marked on the cap screen
    cap = last_screen(await harness.press(USER, SettingsScreen(screen="cap")))
    assert "✅ " + SRU.btn_cap_custom in buttons_of(cap)


async def test_back_or_settings_stop_waiting_for_the_amount(harness: Harness, pool: Pool) -> None:
    await harness.press(USER, SettingsScreen(screen="custom"))
    calls = await harness.press(USER, SettingsScreen(screen="cap"))
    assert last_screen(calls).text.startswith("💸")
    assert await harness.state(USER) is None
    await harness.press(USER, SettingsScreen(screen="custom"))
    await harness.send(USER, "/settings")
    assert await harness.state(USER) is None
    # the next number is just a message now
    calls = await harness.send(USER, "500")
    assert last_screen(calls).text == RU.not_understood
    assert await _prefs(pool) == Preferences("ru", False, None, False)


async def test_quiet_notices_are_a_value_not_a_toggle(harness: Harness, pool: Pool) -> None:
    await harness.send(USER, "/settings")
    calls = await harness.press(USER, SettingsQuiet(quiet=True))
    screen = last_screen(calls)
    assert screen.text == _screen(quiet=True, saved=True)
    assert SRU.btn_make_loud in buttons_of(screen) and SRU.btn_make_quiet not in buttons_of(screen)
    # a second tap on the old button keeps it quiet
    await harness.press(USER, SettingsQuiet(quiet=True))
    prefs = await _prefs(pool)
    assert prefs is not None and prefs.quiet_results is True
    await harness.press(USER, SettingsQuiet(quiet=False))
    prefs = await _prefs(pool)
    assert prefs is not None and prefs.quiet_results is False


async def test_a_forged_cap_beyond_the_bound_is_a_stale_button(harness: Harness, pool: Pool) -> None:
    await harness.send(USER, "/settings")
    calls = await harness.press(USER, "setcap:100000000000000000000")
    assert last_screen(calls).text.startswith(RU.stale_button)
    assert await _prefs(pool) == Preferences("ru", False, None, False)


async def test_an_unknown_settings_screen_shows_the_settings(harness: Harness) -> None:
    calls = await harness.press(USER, SettingsScreen(screen="zzz"))
    assert last_screen(calls).text == _screen()


async def test_settings_in_the_middle_of_a_draft_leave_the_draft(harness: Harness) -> None:
    await harness.send(USER, "/start")
    await harness.press(USER, ModelChoose(model=NANO))
    await harness.send(USER, "/settings")
    await harness.press(USER, SettingsQuiet(quiet=True))
    assert await harness.state(USER) == Step.prompt.state


@pytest.mark.parametrize("field", [f.name for f in dataclasses.fields(SRU) if f.name != "lang"])
def test_the_settings_copy_is_complete_in_both_languages(field: str) -> None:
    ru, en = getattr(SRU, field), getattr(SEN, field)
    if isinstance(ru, dict):
        assert set(ru) == set(en) == set(preferences.LANGUAGES) and all(ru.values()) and all(en.values())
        return
    assert ru.strip() and en.strip()

    def names(text: str) -> set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name}

    assert names(ru) == names(en)
    assert settings_copy("en") is SEN and settings_copy(None) is SRU and settings_copy("de") is SRU
