"""/settings screens: language, the daily spending cap (presets or an amount typed in roubles), quiet
"result ready" notices. Text and keyboards from data; no I/O.

Buttons carry values, not toggles (a language, a number of roubles, silent or not), so a double tap or a
press on an old settings screen sets what its label says instead of flipping it back.
"""

from __future__ import annotations

import html

from creativebot.preferences import (
    CAP_PRESETS_RUB,
    LANGUAGES,
    MAX_CAP_RUB,
    MIN_CAP_RUB,
    CapProblem,
    Preferences,
)
from creativebot.telegram.callbacks import Menu, SettingsCap, SettingsLanguage, SettingsQuiet, SettingsScreen
from creativebot.telegram.keyboards import Row, markup
from creativebot.telegram.screens import Screen
from creativebot.telegram.views.money import RESUME
from creativebot.texts import Copy, format_rub
from creativebot.texts.payments import payments_copy
from creativebot.texts.settings import SettingsCopy

MOSCOW = "Europe/Moscow"
SETTINGS = Menu(screen="settings")
MAIN = Menu(screen="main")


def _cap(sc: SettingsCopy, kopecks: int | None) -> str:
    return sc.cap_off if kopecks is None else format_rub(kopecks, sc.lang)


def _mark(sc: SettingsCopy, chosen: bool) -> str:
    return sc.chosen_mark if chosen else ""


def settings(
    sc: SettingsCopy,
    texts: Copy,
    prefs: Preferences,
    spent: int,
    *,
    saved: bool = False,
    resume: bool = False,
) -> Screen:
    """The settings screen; ``spent`` (today's spending) is shown next to a cap. ``saved`` says a change
    was just made; ``resume``: a draft waits at its check (the cap may have stopped it), offer the way back."""
    cap = _cap(sc, prefs.daily_cap_kopecks)
    if prefs.daily_cap_kopecks is not None:
        cap = sc.cap_value.format(cap=cap, spent=format_rub(spent, sc.lang))
    text = sc.screen.format(
        language=sc.language_names.get(prefs.language, html.escape(prefs.language)),
        cap=cap,
        notices=sc.notices_quiet if prefs.quiet_results else sc.notices_sound,
    )
    languages: Row = [
        (
            sc.btn_language.format(mark=_mark(sc, lang == prefs.language), name=sc.language_names[lang]),
            SettingsLanguage(lang=lang),
        )
        for lang in LANGUAGES
    ]
    quiet = (
        (sc.btn_make_loud, SettingsQuiet(quiet=False))
        if prefs.quiet_results
        else (sc.btn_make_quiet, SettingsQuiet(quiet=True))
    )
    rows: list[Row] = [
        languages,
        [(sc.btn_cap.format(cap=_cap(sc, prefs.daily_cap_kopecks)), SettingsScreen(screen="cap"))],
        [quiet],
        *([[(payments_copy(sc.lang).btn_back_to_launch, RESUME)]] if resume else []),
        [(texts.btn_main_menu, MAIN)],
    ]
    return Screen("settings", (sc.saved if saved else "") + text, markup(rows))


def cap(sc: SettingsCopy, texts: Copy, prefs: Preferences, spent: int, tz: str) -> Screen:
    """The daily cap: off, the presets, or an amount of one's own (✅ marks the current one)."""
    current = prefs.daily_cap_kopecks
    day = sc.cap_day_moscow if tz == MOSCOW else sc.cap_day_other.format(tz=html.escape(tz))
    text = sc.cap_screen.format(day=day, cap=_cap(sc, current), spent=format_rub(spent, sc.lang))
    presets: Row = [
        (_mark(sc, current == rub * 100) + format_rub(rub * 100, sc.lang), SettingsCap(rub=rub))
        for rub in CAP_PRESETS_RUB
    ]
    own = current is not None and current not in {rub * 100 for rub in CAP_PRESETS_RUB}
    rows: list[Row] = [
        [(_mark(sc, current is None) + sc.btn_cap_off, SettingsCap(rub=0))],
        presets,
        [(_mark(sc, own) + sc.btn_cap_custom, SettingsScreen(screen="custom"))],
        [(texts.btn_back, SETTINGS)],
    ]
    return Screen("settings_cap", text, markup(rows))


def cap_question(sc: SettingsCopy, texts: Copy, problem: str | None = None) -> Screen:
    """Ask for a cap in roubles; after a bad answer, say what was wrong and ask again."""
    question = sc.cap_ask.format(
        min=format_rub(MIN_CAP_RUB * 100, sc.lang), max=format_rub(MAX_CAP_RUB * 100, sc.lang)
    )
    text = f"{problem}\n\n{question}" if problem else question
    rows: list[Row] = [[(texts.btn_back, SettingsScreen(screen="cap"))], [(texts.btn_main_menu, MAIN)]]
    return Screen("settings_cap_ask" if problem is None else "settings_cap_invalid", text, markup(rows))


def cap_problem(sc: SettingsCopy, problem: CapProblem) -> str:
    """The words for a typed cap that is not one."""
    if problem is CapProblem.OUT_OF_RANGE:
        return sc.cap_out_of_range.format(
            min=format_rub(MIN_CAP_RUB * 100, sc.lang), max=format_rub(MAX_CAP_RUB * 100, sc.lang)
        )
    return sc.cap_not_number
