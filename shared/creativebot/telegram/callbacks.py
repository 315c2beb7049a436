"""Callback data of every inline button: typed, packed within Telegram's 64 bytes, stable across deploys."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


class Menu(CallbackData, prefix="menu"):
    """A top-level screen: main, help, balance, invite, topup."""

    screen: str
