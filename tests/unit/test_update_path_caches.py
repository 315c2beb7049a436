"""What the update path builds once per container instead of once per update."""

from __future__ import annotations

import gc

from aiogram.methods import EditMessageText, SendMessage
from aiogram.methods.base import Response

from creativebot.telegram.bot import pin_response_types, routed_dispatcher
from creativebot.telegram.callbacks import Menu
from creativebot.telegram.keyboards import markup


def test_the_answer_types_of_bot_methods_outlive_each_update() -> None:
    routed_dispatcher()
    first = id(Response[EditMessageText.__returning__])
    gc.collect()
    # the class aiogram builds to read an answer is the pinned one, not rebuilt after a collection
    assert id(Response[EditMessageText.__returning__]) == first
    assert Response[SendMessage.__returning__] in pin_response_types()  # type: ignore[valid-type]


def test_the_same_rows_give_the_same_keyboard() -> None:
    rows = [[("Баланс", Menu(screen="balance")), ("Помощь", Menu(screen="help"))]]
    assert markup(rows) is markup([list(row) for row in rows])
    assert markup(rows) is not markup([[("Баланс", Menu(screen="balance"))]])
