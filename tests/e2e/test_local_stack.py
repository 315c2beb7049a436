"""make run's stack: started on free ports, a person says /start in the emulator and gets the menu."""

from __future__ import annotations

import httpx
import pytest

from creativebot.texts import RU
from infra.local.stack import LocalStack
from infra.local.telegram.client import ChatUser, buttons_of, text_of
from tests.e2e.conftest import STACK_DECIDES
from tests.e2e.flows import title_of


def test_start_through_the_emulator_gets_the_main_menu(stack: LocalStack, person: ChatUser) -> None:
    # Given: the stack reports what runs where
    assert stack.parts.telegram.startswith("emulator")
    assert stack.parts.kie.startswith("fake KIE")
    assert stack.parts.chat_url is not None
    # When
    person.send("/start")
    reply = person.next_bot_message()
    # Then: the welcome with the main menu, delivered through webhook -> SQS -> worker
    assert title_of(RU.welcome) in text_of(reply)
    assert RU.categories["photo"] in buttons_of(reply)
    assert RU.btn_balance in buttons_of(reply)
    # ... and the HTTP side answers as on AWS
    assert httpx.get(stack.parts.public_url + "/health").json() == {"status": "ok"}


def test_the_chat_page_and_its_api_are_served(stack: LocalStack) -> None:
    assert stack.emulator is not None
    page = httpx.get(stack.emulator.url + "/")
    assert page.status_code == 200 and "Creative Bot" in page.text
    config = httpx.get(stack.emulator.url + "/_emu/api/config").json()
    assert config["bot"]["is_bot"] is True
    assert config["admin_ids"] == [100002]


def test_a_restarted_stack_keeps_its_data_and_still_hears_people(
    stack: LocalStack, person: ChatUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given: a person who already talked to the bot (their update ids are now marked as handled)
    person.send("/start")
    person.next_bot_message()
    # When: make run is stopped and started again on the same data
    stack.stop()
    for name in STACK_DECIDES:
        monkeypatch.delenv(name, raising=False)
    again = LocalStack(stack.config.on_free_ports())
    again.start()
    assert again.emulator is not None
    same_person = ChatUser(again.emulator.url, person.user_id, timeout=20)
    try:
        same_person.send("/start")
        # Then: the new emulator numbers updates above the handled ones, so the bot answers
        assert RU.btn_balance in buttons_of(same_person.next_bot_message())
    finally:
        same_person.close()
        again.stop()
