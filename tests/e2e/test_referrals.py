"""The invite screen, a referral deep link, the bonuses: each paid once, through the ledger."""

from __future__ import annotations

import re

import pytest

from creativebot.texts import RU, format_rub
from creativebot.wallet import Balance
from infra.local.stack import LocalStack
from infra.local.telegram.client import ChatUser, text_of
from tests.e2e.conftest import Database
from tests.e2e.flows import line_of, start, title_of

ALICE = 100001
BOB = 100777
RUB = 100


@pytest.fixture
def stack_env() -> dict[str, str]:
    return {"WELCOME_BONUS_RUB": "10", "REFERRAL_BONUS_RUB": "25"}


def test_an_invited_friend_brings_the_referrer_a_bonus_once(
    stack: LocalStack, person: ChatUser, database: Database
) -> None:
    # Given: Алиса's first start pays her welcome bonus
    start(person)
    welcome = text_of(person.wait_for_text(title_of(RU.welcome_bonus)))
    assert line_of(RU.welcome_bonus, amount=format_rub(10 * RUB, "ru")) in welcome
    # When: she opens "Пригласить друга"
    person.press(RU.btn_invite)
    invite = person.wait_for(lambda m: title_of(RU.invite_screen) in text_of(m), what="the invite screen")
    link = re.search(r"https://t\.me/\w+\?start=(ref_[A-Za-z0-9]+)", text_of(invite))
    assert link is not None
    assert line_of(RU.invite_terms_bonus, bonus=format_rub(25 * RUB, "ru")) in text_of(invite)
    assert line_of(RU.invite_screen, count=0) in text_of(invite)
    # ... and Борис follows her link, twice
    assert stack.emulator is not None
    bob = ChatUser(stack.emulator.url, BOB, first_name="Борис")
    try:
        bob.send(f"/start {link.group(1)}")
        bob.wait_for_text(title_of(RU.welcome))
        bob.send(f"/start {link.group(1)}")
        bob.wait_for_text(title_of(RU.welcome))
    finally:
        bob.close()
    # Then: Алиса hears about it once and is paid once; Борис got his own welcome bonus
    person.wait_for(lambda m: title_of(RU.referral_reward) in text_of(m), what="the referral notice")
    assert database.balance(ALICE) == Balance(35_00, 0)
    assert database.balance(BOB) == Balance(10_00, 0)
    assert database.fetchval("SELECT count(*) FROM ledger WHERE ref LIKE 'referral:%'") == 1
    person.send("/invite")
    again = text_of(person.wait_for_text(title_of(RU.invite_screen)))
    assert line_of(RU.invite_screen, count=1) in again
    assert line_of(RU.invite_screen, earned=format_rub(25 * RUB, "ru")) in again
    person.send("/balance")
    history = text_of(person.wait_for_text(title_of(RU.balance_screen)))
    assert RU.op_referral.format(amount=format_rub(25 * RUB, "ru")) in history
    assert RU.op_welcome.format(amount=format_rub(10 * RUB, "ru")) in history


def test_a_self_referral_or_an_unknown_code_changes_nothing(person: ChatUser, database: Database) -> None:
    start(person)
    person.send("/invite")
    person.wait_for_text(title_of(RU.invite_screen))
    code = database.fetchval("SELECT ref_code FROM users WHERE id = $1", ALICE)
    for payload in (f"ref_{code}", "ref_Unknown1", "something-else"):
        person.send(f"/start {payload}")
        person.wait_for_text(title_of(RU.welcome))
    assert database.fetchval("SELECT referrer_id FROM users WHERE id = $1", ALICE) is None
    assert database.balance(ALICE) == Balance(10_00, 0)  # the welcome bonus, once
