"""The wizard's steps as aiogram states (kept apart from the handlers and views that use them)."""

from __future__ import annotations

from aiogram.fsm.state import State, StatesGroup


class Step(StatesGroup):
    photos = State()
    prompt = State()
    format = State()
    confirm = State()
