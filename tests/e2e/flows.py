"""A person's usual moves through the bot, for the end-to-end tests, and the bot's words as tests expect them.

Whatever the bot says is taken from the copy (``creativebot.texts``) and the catalog, never retyped here:
rewording a screen must not break a test. Whatever the person types stays literal in the tests.
"""

from __future__ import annotations

import html
import re
import string
from typing import TYPE_CHECKING

from creativebot.kie.catalog import load_catalog
from creativebot.texts import RU, format_rub
from infra.local.telegram.client import ChatUser, Message, buttons_of, text_of

if TYPE_CHECKING:
    from tests.e2e.conftest import Database

NANO = "google/nano-banana"  # text-to-image, 4 ₽

_TAG = re.compile(r"<[^>]*>")


# --- the bot's words ------------------------------------------------------------------------------


def plain(text: str) -> str:
    """Copy as a chat shows it (what ``text_of`` returns): HTML tags dropped, entities decoded."""
    return html.unescape(_TAG.sub("", text))


def head_of(template: str, **values: object) -> str:
    """A line of a Copy template as the bot sends it (HTML kept).

    The line is the first non-empty one that holds every placeholder named in ``values``; it is formatted
    with them and cut before the first placeholder left unfilled. Without values: the template's first
    line up to its first placeholder, e.g. ``head_of(RU.step_prompt)`` is step 1's title.
    """
    lines = [line for line in template.split("\n") if line.strip()]
    line = next((line for line in lines if all("{" + name + "}" in line for name in values)), None)
    if line is None:
        raise ValueError(f"no line of {template!r} holds all of {sorted(values)}")
    parts = []
    for literal, field, spec, _ in string.Formatter().parse(line):
        parts.append(literal)
        if field is None:
            continue
        if field not in values:
            break
        parts.append(format(values[field], spec or ""))
    return "".join(parts).rstrip()


def line_of(template: str, **values: object) -> str:
    """``head_of`` as a chat shows it: e.g. ``line_of(RU.invite_screen, count=0)`` is "Приглашено: 0"."""
    return plain(head_of(template, **values)).strip()


def title_of(template: str) -> str:
    """A screen's title (its first line, up to any placeholder) as a chat shows it."""
    return line_of(template)


def model_title(model_id: str, language: str = "ru") -> str:
    model = load_catalog().get(model_id)
    assert model is not None, model_id
    return model.title.get(language)


def model_button(model_id: str, price: int | None, *, price_from: bool = False) -> str:
    """A model's button on its category screen: the title and the price in kopecks (``None``: free today;
    ``price_from``: the cheapest of several). The screen joins the two itself, not through the copy."""
    if price is None:
        label = RU.model_free_suffix
    else:
        label = format_rub(price, "ru")
        if price_from:
            label = RU.price_from.format(price=label)
    return f"{model_title(model_id)} · {label}"


def launch_button(price: int) -> str:
    """Step 3's launch button for a price in kopecks."""
    return RU.btn_launch.format(price=format_rub(price, "ru"))


def is_launch_button(label: str) -> bool:
    """Any launch button, paid or free."""
    return label == RU.btn_launch_free or label.startswith(head_of(RU.btn_launch))


NANO_BANANA = model_button(NANO, 400)
LAUNCH_4_RUB = launch_button(400)


# --- the person's moves ---------------------------------------------------------------------------


def is_photo(message: Message) -> bool:
    return bool(message["from_bot"] and "photo" in message["payload"])


def start(person: ChatUser) -> Message:
    person.send("/start")
    return person.wait_for_text(title_of(RU.welcome))


def open_model(person: ChatUser, category: str, button: str) -> None:
    """Main menu -> category -> model card -> "Выбрать"."""
    person.press(RU.categories[category])
    person.wait_for(lambda m: button in buttons_of(m), what=f"a model button {button!r}")
    person.press(button)
    person.wait_for(lambda m: RU.btn_choose in buttons_of(m), what="the model card")
    person.press(RU.btn_choose)


def to_confirm(person: ChatUser, prompt: str) -> Message:
    """Step 1 (the prompt), step 2 with its defaults, and the step 3 screen."""
    person.wait_for(lambda m: title_of(RU.step_prompt) in text_of(m), what="step 1/3")
    person.send(prompt)
    person.wait_for(lambda m: title_of(RU.step_format) in text_of(m), what="step 2/3")
    person.press(RU.btn_next)
    return person.wait_for(lambda m: title_of(RU.step_confirm) in text_of(m), what="step 3/3")


def launch(person: ChatUser, confirm: Message, button: str) -> None:
    assert button in buttons_of(confirm), buttons_of(confirm)
    person.press(button)


def paid_generation(person: ChatUser, database: Database, prompt: str, *, balance_rub: int = 20) -> Message:
    """A person with ``balance_rub`` launches Nano Banana (4 ₽) with ``prompt``; returns the step 3 screen."""
    start(person)
    database.topup(person.user_id, balance_rub * 100)
    open_model(person, "photo", NANO_BANANA)
    confirm = to_confirm(person, prompt)
    launch(person, confirm, LAUNCH_4_RUB)
    return confirm
