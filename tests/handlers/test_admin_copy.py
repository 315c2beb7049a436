"""The control room's copy: both languages complete, with the same placeholders and the same keys."""

from __future__ import annotations

import dataclasses
import string

import pytest

from creativebot import changelog
from creativebot.texts.admin import EN, RU, admin_copy


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("field", [f.name for f in dataclasses.fields(RU) if f.name != "lang"])
def test_russian_and_english_take_the_same_placeholders(field: str) -> None:
    ru, en = getattr(RU, field), getattr(EN, field)
    if isinstance(ru, dict):
        assert set(ru) == set(en)
        for key in ru:
            assert ru[key].strip() and en[key].strip()
            assert _placeholders(ru[key]) == _placeholders(en[key]), key
        return
    assert ru.strip() and en.strip()
    assert _placeholders(ru) == _placeholders(en)


def test_russian_first() -> None:
    assert admin_copy("en") is EN
    assert admin_copy("ru") is RU and admin_copy(None) is RU and admin_copy("de") is RU


def test_the_changelog_is_written_in_both_languages_newest_first() -> None:
    days = [release.day for release in changelog.RELEASES]
    assert days == sorted(days, reverse=True)
    for release in changelog.RELEASES:
        assert release.text("ru").strip() and release.text("en").strip()
        assert release.text("ru") != release.text("en")
