"""The invite screen, a referral deep link, the bonuses: each paid once, through the ledger. The referrer's
reward comes with the invited friend's first top-up, not with their first /start."""

from __future__ import annotations

import re

import pytest

from creativebot.texts import RU, format_rub
from creativebot.texts.payments import RU as PRU
from creativebot.wallet import Balance
from infra.local.stack import LocalStack
from infra.local.telegram.client import ChatUser, buttons_of, text_of
from tests.e2e.conftest import Database
from tests.e2e.flows import line_of, start, title_of

ALICE = 100001
BOB = 100777
RUB = 100


@pytest.fixture
def stack_env() -> dict[str, str]:
    return {"WELCOME_BONUS_RUB": "10", "REFERRAL_BONUS_RUB": "25"}


def _top_up(person: ChatUser, stars: int = 50) -> None:
    person.send("/topup")
    pack = RU.btn_pack.format(stars=stars, amount=format_rub(stars * 150, "ru"))
    person.wait_for(lambda m: pack in buttons_of(m), what="the packs")
    person.press(pack)
    invoice = person.wait_for(
        lambda m: "invoice" in m["payload"] and not m["invoice_paid"], what="the invoice"
    )
    assert person.pay(invoice["message_id"])["ok"] is True
    person.wait_for_text(title_of(RU.payment_ok))


def test_an_invited_friend_brings_the_referrer_a_bonus_on_their_first_top_up(
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
    assert line_of(PRU.invite_terms_bonus, bonus=format_rub(25 * RUB, "ru")) in text_of(invite)
    assert line_of(RU.invite_screen, count=0) in text_of(invite)
    # ... and Борис follows her link, twice
    assert stack.emulator is not None
    bob = ChatUser(stack.emulator.url, BOB, first_name="Борис")
    try:
        bob.send(f"/start {link.group(1)}")
        bob.wait_for_text(title_of(RU.welcome))
        bob.send(f"/start {link.group(1)}")
        bob.wait_for_text(title_of(RU.welcome))
        # Then: Алиса hears that he came, once, and is not paid yet
        person.wait_for(lambda m: title_of(PRU.referral_joined) in text_of(m), what="the newcomer notice")
        assert database.balance(ALICE) == Balance(10_00, 0)
        # When: Борис tops up, twice
        _top_up(bob)
        _top_up(bob)
    finally:
        bob.close()
    # Then: Алиса is paid once and told once; Борис got his own welcome bonus and his top-ups
    person.wait_for(lambda m: title_of(PRU.referral_reward) in text_of(m), what="the referral reward")
    assert database.balance(ALICE) == Balance(35_00, 0)
    assert database.balance(BOB) == Balance(10_00 + 2 * 75_00, 0)
    assert database.fetchval("SELECT count(*) FROM ledger WHERE ref LIKE 'referral:%'") == 1
    notices = [m for m in person.bot_messages() if title_of(PRU.referral_reward) in text_of(m)]
    assert len(notices) == 1
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
