"""The copy layer: both languages complete and consistent; money, plurals and waits written for people."""

from __future__ import annotations

import dataclasses
import string

import pytest

from creativebot.kie.catalog import CatalogModel, load_catalog
from creativebot.telegram.views.wizard import prompt_problem as explain
from creativebot.texts import EN, RU, Copy, copy_for, format_duration, format_rub, language_for, plural
from creativebot.wizard import prompt_problem


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("field", [f.name for f in dataclasses.fields(RU) if f.name != "lang"])
def test_russian_and_english_take_the_same_placeholders(field: str) -> None:
    ru, en = getattr(RU, field), getattr(EN, field)
    if isinstance(ru, dict):
        assert set(ru) == set(en)
        return
    assert ru.strip() and en.strip()
    assert _placeholders(ru) == _placeholders(en)


def test_russian_first() -> None:
    assert language_for("ru") == language_for(None) == language_for("uk") == language_for("de") == "ru"
    assert language_for("en") == language_for("en-GB") == "en"
    assert copy_for("en") is EN and copy_for("xx") is RU


@pytest.mark.parametrize(
    ("kopecks", "ru", "en"),
    [
        (400, "4 ₽", "4 ₽"),
        (123450, "1\u202f234,50 ₽", "1,234.50 ₽"),
        (-2500, "−25 ₽", "−25 ₽"),
        (5, "0,05 ₽", "0.05 ₽"),
    ],
)
def test_money_reads_naturally(kopecks: int, ru: str, en: str) -> None:
    assert format_rub(kopecks, "ru") == ru
    assert format_rub(kopecks, "en") == en


def test_russian_plurals() -> None:
    forms = RU.characters
    assert [plural("ru", n, forms) for n in (1, 2, 5, 11, 21, 22, 25, 111, 1001)] == [
        "символ",
        "символа",
        "символов",
        "символов",
        "символ",
        "символа",
        "символов",
        "символов",
        "символ",
    ]
    assert [plural("en", n, EN.characters) for n in (1, 2)] == ["character", "characters"]


def test_waits() -> None:
    assert format_duration(RU, 40) == "40 сек"
    assert format_duration(RU, 150) == "3 мин"
    assert format_duration(RU, 11_520) == "3 ч 12 мин"
    assert format_duration(EN, 11_520) == "3 h 12 min"


def _prompt_problem(texts: Copy, model: CatalogModel, text: str) -> str | None:
    problem = prompt_problem(model, text)
    return explain(texts, problem) if problem else None


def test_prompt_problems_are_explained() -> None:
    catalog = load_catalog()
    z_image, seedream = catalog.get("z-image"), catalog.get("seedream/5-lite-image-to-image")
    grok_edit = catalog.get("grok-imagine/image-to-image")
    assert z_image and seedream and grok_edit
    assert _prompt_problem(RU, z_image, "   ") == RU.prompt_empty
    too_long = _prompt_problem(RU, z_image, "x" * 1002)
    assert too_long is not None and too_long.startswith("Слишком длинно: 1002 символа")
    assert _prompt_problem(RU, seedream, "ab") == RU.prompt_too_short.format(min=3, characters="символа")
    assert _prompt_problem(RU, z_image, "лиса") is None
    assert _prompt_problem(RU, grok_edit, "") is None  # this model may go without a description
