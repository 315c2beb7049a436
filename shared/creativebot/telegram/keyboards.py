"""Keyboards that never change for a language: built once per language and reused.

Building a keyboard through InlineKeyboardBuilder deep-copies pydantic objects on every call; these
are plain markups made once (aiogram only reads them when it serializes a request).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from creativebot.kie.catalog import CATEGORIES
from creativebot.telegram.callbacks import CategoryPick, Menu
from creativebot.texts import Copy
from creativebot.texts.gallery import gallery_copy

Row = Sequence[tuple[str, CallbackData]]


def markup(rows: Sequence[Row]) -> InlineKeyboardMarkup:
    """An inline keyboard from rows of (label, callback data). The same rows give the same (shared,
    never mutated) markup: building pydantic buttons costs more than the rest of a screen."""
    return _markup(tuple(tuple((label, data.pack()) for label, data in row) for row in rows))


@lru_cache(maxsize=1024)
def _markup(rows: tuple[tuple[tuple[str, str], ...], ...]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=label, callback_data=data) for label, data in row] for row in rows
        ]
    )


def _per_language(build: Callable[[Copy], InlineKeyboardMarkup]) -> Callable[[Copy], InlineKeyboardMarkup]:
    built: dict[str, InlineKeyboardMarkup] = {}

    def for_language(texts: Copy) -> InlineKeyboardMarkup:
        keyboard = built.get(texts.lang)
        if keyboard is None:
            keyboard = built[texts.lang] = build(texts)
        return keyboard

    return for_language


@_per_language
def main_menu(texts: Copy) -> InlineKeyboardMarkup:
    categories = [(texts.categories[code], CategoryPick(code=code)) for code in CATEGORIES]
    return markup(
        [
            categories[0:2],
            categories[2:4],
            categories[4:],
            [(gallery_copy(texts.lang).btn_gallery, Menu(screen="gallery"))],
            [(texts.btn_balance, Menu(screen="balance")), (texts.btn_invite, Menu(screen="invite"))],
            [(texts.btn_settings, Menu(screen="settings")), (texts.btn_help, Menu(screen="help"))],
        ]
    )


@_per_language
def back_to_menu(texts: Copy) -> InlineKeyboardMarkup:
    return markup([[(texts.btn_main_menu, Menu(screen="main"))]])
