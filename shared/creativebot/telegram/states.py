"""The wizard's steps as aiogram states (kept apart from the handlers and views that use them)."""

from __future__ import annotations

from aiogram.fsm.state import State, StatesGroup


class Step(StatesGroup):
    photos = State()
    prompt = State()
    extra = State()  # another text the model takes (a song's style, its title)
    format = State()
    confirm = State()


class SettingsInput(StatesGroup):
    cap = State()  # /settings: the next message is a daily cap in roubles
