"""Inline keyboards shared by several screens."""

from __future__ import annotations

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from creativebot.jobs import Job
from creativebot.kie.catalog import CATEGORIES, CatalogModel
from creativebot.telegram.callbacks import CategoryPick, Menu, ResultAction
from creativebot.texts import Copy


def main_menu(texts: Copy) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for code in CATEGORIES:
        builder.button(text=texts.categories[code], callback_data=CategoryPick(code=code))
    builder.button(text=texts.btn_balance, callback_data=Menu(screen="balance"))
    builder.button(text=texts.btn_invite, callback_data=Menu(screen="invite"))
    builder.button(text=texts.btn_help, callback_data=Menu(screen="help"))
    builder.adjust(2, 2, 1, 2, 1)
    return builder.as_markup()


def back_to_menu(texts: Copy) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=texts.btn_main_menu, callback_data=Menu(screen="main"))
    return builder.as_markup()


def keyboard_for_result(texts: Copy, job: Job, model: CatalogModel | None) -> InlineKeyboardMarkup:
    """The buttons under a delivered result or a failure notice."""
    builder = InlineKeyboardBuilder()
    if job.deliverable and model is not None and model.result == "photo":
        builder.button(text=texts.btn_original, callback_data=ResultAction(action="file", job=job.id))
    repeat = texts.btn_repeat if job.deliverable else texts.btn_try_again
    builder.button(text=repeat, callback_data=ResultAction(action="repeat", job=job.id))
    builder.button(text=texts.btn_edit_prompt, callback_data=ResultAction(action="edit", job=job.id))
    builder.button(text=texts.btn_other_model, callback_data=ResultAction(action="other", job=job.id))
    builder.button(text=texts.btn_main_menu, callback_data=Menu(screen="main"))
    builder.adjust(1)
    return builder.as_markup()
