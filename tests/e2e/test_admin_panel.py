"""The control room through the local stack's chat page, as the operator identity (DEFAULT_ADMIN) uses it:
a model hidden disappears from people's lists, a one-use promo code raced by ten people credits once, and
nobody else reaches any of it, typed or forged."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from creativebot import overrides
from creativebot.texts import RU, format_rub
from creativebot.texts.admin import RU as ADMIN_RU
from infra.local.stack import DEFAULT_ADMIN, LocalStack
from infra.local.telegram.client import ChatUser, buttons_of, text_of
from tests.e2e.conftest import Database
from tests.e2e.flows import NANO, NANO_BANANA, model_title, plain, start

ADMIN = int(DEFAULT_ADMIN)
USER = 100001
RACERS = list(range(400_001, 400_011))


@pytest.fixture(autouse=True)
def fresh_overrides() -> Iterator[None]:
    """The stack runs in this process: its cache of the operators' overrides must not outlive the test."""
    overrides.forget()
    yield
    overrides.forget()


@pytest.fixture
def admin(stack: LocalStack) -> Iterator[ChatUser]:
    assert stack.emulator is not None
    operator = ChatUser(stack.emulator.url, ADMIN, first_name="Админ", timeout=20)
    yield operator
    operator.close()


def _panel(admin: ChatUser, section: str) -> None:
    admin.send("/admin")
    admin.wait_for(lambda m: ADMIN_RU.sections[section] in buttons_of(m), what="the panel")
    admin.press(ADMIN_RU.sections[section])


def _photo_models(person: ChatUser) -> list[str]:
    """The buttons of the photo category as the person sees it now (the menu is edited in place)."""
    menu = start(person)
    person.press(RU.categories["photo"])
    screen = person.wait_for(
        lambda m: m["message_id"] == menu["message_id"] and RU.btn_back in buttons_of(m),
        what="the photo models",
    )
    return buttons_of(screen)


def test_a_model_hidden_in_the_panel_disappears_from_peoples_lists(
    person: ChatUser, admin: ChatUser, database: Database
) -> None:
    assert NANO_BANANA in _photo_models(person)
    # When: the operator hides Nano Banana from the models section
    _panel(admin, "models")
    title = model_title(NANO)
    admin.wait_for(lambda m: f"👁 {title}" in buttons_of(m), what="the model list")
    admin.press(f"👁 {title}")
    admin.wait_for(lambda m: ADMIN_RU.btn_hide in buttons_of(m), what="the model card")
    admin.press(ADMIN_RU.btn_hide)
    admin.wait_for(lambda m: ADMIN_RU.btn_show in buttons_of(m), what="the card of a hidden model")
    # Then: people no longer see it
    assert NANO_BANANA not in _photo_models(person)
    assert database.fetchval("SELECT hidden FROM model_overrides WHERE model_id = $1", NANO) is True
    assert database.fetchval("SELECT action FROM audit_log ORDER BY id DESC LIMIT 1") == "model.hide"


def test_a_one_use_code_raced_by_ten_people_credits_once(
    stack: LocalStack, admin: ChatUser, database: Database
) -> None:
    # Given: the operator creates a one-use code for 100 ₽
    _panel(admin, "promos")
    admin.wait_for(lambda m: ADMIN_RU.btn_new_money in buttons_of(m), what="the promo codes")
    admin.press(ADMIN_RU.btn_new_money)
    admin.wait_for(lambda m: text_of(m) == plain(ADMIN_RU.promo_prompt_money), what="the question")
    admin.send("ОДИН 100 1 0")
    admin.wait_for_text("ОДИН")
    assert stack.emulator is not None
    racers = [
        ChatUser(stack.emulator.url, user_id, first_name=f"R{user_id}", timeout=30) for user_id in RACERS
    ]
    try:
        # When: ten people send it at the same moment
        gate = threading.Barrier(len(racers))

        def race(racer: ChatUser) -> None:
            gate.wait()
            racer.send("/promo один")

        threads = [threading.Thread(target=race, args=(racer,)) for racer in racers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        ok = plain(
            ADMIN_RU.promo_ok_money.format(amount=format_rub(100 * 100), balance=format_rub(100 * 100))
        )
        answers = [text_of(racer.next_bot_message()) for racer in racers]
    finally:
        for racer in racers:
            racer.close()
    # Then: one was credited, nine were told it has run out
    assert sorted(answers) == sorted([ok] + [ADMIN_RU.promo_exhausted] * 9)
    assert database.fetchval("SELECT count(*) FROM ledger WHERE kind = 'bonus'") == 1
    assert database.fetchval("SELECT used FROM promo_codes WHERE code = 'ОДИН'") == 1
    assert database.fetchval("SELECT sum(balance) FROM wallets") == 100 * 100


FORGED = [
    "adm:stats:0",
    "adm:people:0",
    "adm:models:1",
    "adst:chart",
    "adpu:block:100002",
    "admo:hide:z-image:0",
    "adbr:new:0:",
    "adpr:new_money:0:0",
    "adm:journal:0",
]


def test_ordinary_people_reach_none_of_it(person: ChatUser, database: Database) -> None:
    menu = start(person)
    for command in ("/admin", f"/adjust {USER} +500 подарок", "/refund 1"):
        person.send(command)
        assert text_of(person.next_bot_message()) == RU.not_understood
    for data in FORGED:
        person.press_data(menu["message_id"], data)
    # The chat's updates are handled in order: once /help is answered, every press before it was too
    person.send("/help")
    person.wait_for_text(plain(RU.help)[:20])
    assert text_of(next(m for m in person.history() if m["message_id"] == menu["message_id"])).startswith(
        plain(RU.stale_button)
    )
    panel_words = [plain(ADMIN_RU.panel)[:20], *ADMIN_RU.sections.values()]
    for message in person.bot_messages():
        assert not any(word in text_of(message) or word in buttons_of(message) for word in panel_words)
    for table in ("audit_log", "model_overrides", "broadcasts", "promo_codes"):
        assert database.fetchval(f"SELECT count(*) FROM {table}") == 0, table
    assert database.fetchval("SELECT count(*) FROM ledger") == 0
