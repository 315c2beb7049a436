"""/settings copy: language, the daily spending cap, quiet "result ready" notices. Russian first, English second.

Same rules as :mod:`creativebot.texts`: one frozen dataclass per language with no defaults (a missing text
fails at import), HTML, and anything a person typed goes through ``html.escape`` before it is formatted in.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SettingsCopy:
    lang: str
    # --- the settings screen
    screen: str
    language_names: dict[str, str]
    cap_off: str
    cap_value: str
    notices_sound: str
    notices_quiet: str
    saved: str
    btn_language: str
    btn_cap: str
    btn_make_quiet: str
    btn_make_loud: str
    # --- the daily cap
    cap_screen: str
    cap_day_moscow: str
    cap_day_other: str
    btn_cap_off: str
    btn_cap_custom: str
    chosen_mark: str
    cap_ask: str
    cap_not_number: str
    cap_out_of_range: str


RU = SettingsCopy(
    lang="ru",
    screen=(
        "⚙️ <b>Настройки</b>\n\n"
        "🌐 Язык: {language}\n"
        "💸 Лимит трат в день: {cap}\n"
        "🔔 Уведомления о готовом результате: {notices}"
    ),
    language_names={"ru": "🇷🇺 Русский", "en": "🇬🇧 English"},
    cap_off="нет",
    cap_value="{cap} (сегодня потрачено {spent})",
    notices_sound="со звуком",
    notices_quiet="без звука",
    saved="✅ Сохранено.\n\n",
    btn_language="{mark}{name}",
    btn_cap="💸 Лимит в день: {cap}",
    btn_make_quiet="🔕 Присылать результаты без звука",
    btn_make_loud="🔔 Присылать результаты со звуком",
    cap_screen=(
        "💸 <b>Лимит трат в день</b>\n\n"
        "Платная генерация не запустится, если с ней траты за день ({day}) превысят лимит. "
        "Бесплатные генерации не считаются, а деньги за неудавшиеся возвращаются и тоже не считаются.\n\n"
        "Сейчас: <b>{cap}</b>. Сегодня потрачено: {spent}.\n\n"
        "Выберите лимит или впишите свою сумму 👇"
    ),
    cap_day_moscow="по московскому времени",
    cap_day_other="по часовому поясу {tz}",
    btn_cap_off="Без лимита",
    btn_cap_custom="✍️ Своя сумма",
    chosen_mark="✅ ",
    cap_ask="✍️ Напишите лимит в рублях целым числом — от {min} до {max}, например <code>500</code>.",
    cap_not_number="Не понял сумму: нужны только цифры, без копеек и знаков.",
    cap_out_of_range="Лимит может быть от {min} до {max}.",
)

EN = SettingsCopy(
    lang="en",
    screen=(
        "⚙️ <b>Settings</b>\n\n"
        "🌐 Language: {language}\n"
        "💸 Daily spending cap: {cap}\n"
        "🔔 Result notices: {notices}"
    ),
    language_names={"ru": "🇷🇺 Русский", "en": "🇬🇧 English"},
    cap_off="none",
    cap_value="{cap} (spent today: {spent})",
    notices_sound="with sound",
    notices_quiet="silent",
    saved="✅ Saved.\n\n",
    btn_language="{mark}{name}",
    btn_cap="💸 Daily cap: {cap}",
    btn_make_quiet="🔕 Send results silently",
    btn_make_loud="🔔 Send results with sound",
    cap_screen=(
        "💸 <b>Daily spending cap</b>\n\n"
        "A paid generation will not start if it would take the day's spending ({day}) over the cap. "
        "Free generations do not count, and money for failed ones comes back and does not count either.\n\n"
        "Now: <b>{cap}</b>. Spent today: {spent}.\n\n"
        "Pick a cap or type your own amount 👇"
    ),
    cap_day_moscow="Moscow time",
    cap_day_other="time zone {tz}",
    btn_cap_off="No cap",
    btn_cap_custom="✍️ My own amount",
    chosen_mark="✅ ",
    cap_ask="✍️ Type the cap in whole roubles, from {min} to {max}, for example <code>500</code>.",
    cap_not_number="That is not an amount: digits only, no kopecks or signs.",
    cap_out_of_range="The cap can be from {min} to {max}.",
)

_BY_LANGUAGE = {copy.lang: copy for copy in (RU, EN)}


def settings_copy(language: str | None) -> SettingsCopy:
    """The section in a person's language (Russian for anything else, as ``texts.copy_for``)."""
    return _BY_LANGUAGE.get(language or "ru", RU)
