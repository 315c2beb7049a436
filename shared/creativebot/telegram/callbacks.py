"""Callback data of every inline button: typed, packed within Telegram's 64 bytes, stable across deploys.

Buttons carry ids, never rights: every handler re-checks that the pressing user may act on the object.
"""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


class Menu(CallbackData, prefix="menu"):
    """A top-level screen: main, help, balance, invite, topup."""

    screen: str


class CategoryPick(CallbackData, prefix="cat"):
    code: str


class ModelCard(CallbackData, prefix="card"):
    model: str


class ModelChoose(CallbackData, prefix="pick"):
    model: str


class Wizard(CallbackData, prefix="wz"):
    """Navigation inside the three steps: next, back, skip, edit, cancel."""

    action: str


class OptionPick(CallbackData, prefix="opt"):
    """Step 2: option number ``option`` takes its value number ``value`` (values may contain ':')."""

    option: int
    value: int


class Launch(CallbackData, prefix="go"):
    draft: str


class ResultAction(CallbackData, prefix="res"):
    """After a result: repeat, edit (the prompt), file (the original), other (model)."""

    action: str
    job: int


class StarsPack(CallbackData, prefix="stars"):
    stars: int


class Noop(CallbackData, prefix="noop"):
    """A caption row in a keyboard; pressing it does nothing."""


class AdminSection(CallbackData, prefix="adm"):
    """A section of the operators' panel (/admin): its handlers re-check the operator's rights."""

    section: str
    page: int = 0
