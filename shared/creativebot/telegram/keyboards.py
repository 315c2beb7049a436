"""Inline keyboards shared by several screens."""

from __future__ import annotations

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from creativebot.telegram.callbacks import Menu
from creativebot.texts import Copy


def main_menu(texts: Copy) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=texts.btn_balance, callback_data=Menu(screen="balance"))
    builder.button(text=texts.btn_invite, callback_data=Menu(screen="invite"))
    builder.button(text=texts.btn_help, callback_data=Menu(screen="help"))
    builder.adjust(2, 1)
    return builder.as_markup()


def back_to_menu(texts: Copy) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=texts.btn_main_menu, callback_data=Menu(screen="main"))
    return builder.as_markup()
