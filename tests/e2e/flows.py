"""A person's usual moves through the bot, for the end-to-end tests."""

from __future__ import annotations

from creativebot.texts import RU
from infra.local.telegram.client import ChatUser, Message, buttons_of, text_of
from tests.e2e.conftest import Database

NANO_BANANA = "Nano Banana · 4 ₽"
LAUNCH_4_RUB = "🚀 Запустить · 4 ₽"


def is_photo(message: Message) -> bool:
    return bool(message["from_bot"] and "photo" in message["payload"])


def start(person: ChatUser) -> Message:
    person.send("/start")
    return person.wait_for_text("Креативы за 60 секунд")


def open_model(person: ChatUser, category: str, model_button: str) -> None:
    """Main menu -> category -> model card -> "Выбрать"."""
    person.press(RU.categories[category])
    person.wait_for(lambda m: model_button in buttons_of(m), what=f"a model button {model_button!r}")
    person.press(model_button)
    person.wait_for(lambda m: RU.btn_choose in buttons_of(m), what="the model card")
    person.press(RU.btn_choose)


def to_confirm(person: ChatUser, prompt: str) -> Message:
    """Step 1 (the prompt), step 2 with its defaults, and the step 3 screen."""
    person.wait_for(lambda m: "Шаг 1/3 — Что делаем?" in text_of(m), what="step 1/3")
    person.send(prompt)
    person.wait_for(lambda m: "Шаг 2/3" in text_of(m), what="step 2/3")
    person.press(RU.btn_next)
    return person.wait_for(lambda m: "Шаг 3/3" in text_of(m), what="step 3/3")


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
