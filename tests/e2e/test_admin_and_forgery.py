"""Rights: operator commands work for ADMIN_IDS only and tell the people concerned; forged buttons on other
people's jobs do nothing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from creativebot.texts import RU, format_rub
from creativebot.texts.admin import RU as ADMIN_RU
from creativebot.wallet import Balance
from infra.local.stack import LocalStack
from infra.local.telegram.client import ChatUser, text_of
from tests.e2e.conftest import Database
from tests.e2e.flows import head_of, is_photo, line_of, paid_generation, plain, start, title_of

ADMIN = 100002  # the stack's default ADMIN_IDS
USER = 100001
RUB = 100


@pytest.fixture
def admin(stack: LocalStack) -> Iterator[ChatUser]:
    assert stack.emulator is not None
    operator = ChatUser(stack.emulator.url, ADMIN, first_name="Админ", timeout=20)
    yield operator
    operator.close()


def _paid_job(person: ChatUser, database: Database) -> int:
    paid_generation(person, database, "чайка над волной")
    person.wait_for(is_photo, what="the result")
    job_id: int = database.fetchval("SELECT id FROM jobs WHERE user_id = $1", USER)
    return job_id


def test_operator_commands_are_invisible_to_ordinary_users(person: ChatUser, database: Database) -> None:
    start(person)
    for command in ("/admin", f"/adjust {USER} +500 free money", "/refund 1"):
        person.send(command)
        assert text_of(person.next_bot_message()) == RU.not_understood
    assert database.balance(USER) == Balance(0, 0)
    assert database.fetchval("SELECT count(*) FROM ledger") == 0


def test_an_admin_adjusts_a_balance_and_refunds_a_generation(
    person: ChatUser, admin: ChatUser, database: Database
) -> None:
    job_id = _paid_job(person, database)
    start(admin)
    admin.send("/admin")
    assert text_of(admin.wait_for_text(title_of(ADMIN_RU.panel))).startswith(plain(head_of(ADMIN_RU.panel)))
    admin.send(f"/adjust {USER} +50 компенсация")
    adjusted = ADMIN_RU.adjust_done.format(
        user=USER, amount="+" + format_rub(50 * RUB, "ru"), available=format_rub(66 * RUB, "ru")
    )
    assert text_of(admin.wait_for_text(title_of(ADMIN_RU.adjust_done))) == plain(adjusted)
    told = ADMIN_RU.owner_credited.format(
        amount=format_rub(50 * RUB, "ru"), reason="компенсация", available=format_rub(66 * RUB, "ru")
    )
    person.wait_for(lambda m: text_of(m) == plain(told), what="the owner's notice of the adjustment")
    admin.send(f"/refund {job_id}")
    refunded = line_of(ADMIN_RU.refund_done, job=job_id, amount=format_rub(4 * RUB, "ru"))
    assert refunded in text_of(admin.wait_for_text(title_of(ADMIN_RU.refund_done)))
    notice = line_of(ADMIN_RU.owner_refunded, job=job_id, amount=format_rub(4 * RUB, "ru"))
    person.wait_for(lambda m: notice in text_of(m), what="the user's refund notice")
    assert database.balance(USER) == Balance(70_00, 0)
    admin.send(f"/refund {job_id}")  # a second refund of the same charge changes nothing
    admin.wait_for_text(title_of(ADMIN_RU.refund_done))
    assert database.fetchval("SELECT count(*) FROM ledger WHERE kind = 'refund'") == 1
    assert len([m for m in person.history() if notice in text_of(m)]) == 1
    admin.send("/adjust nonsense")
    assert text_of(admin.next_bot_message()) == plain(ADMIN_RU.adjust_usage)
    admin.send(f"/adjust {USER} 99999999999999999999 x")
    assert text_of(admin.next_bot_message()) == plain(ADMIN_RU.adjust_usage)
    admin.send("/refund ²")
    assert text_of(admin.next_bot_message()) == plain(ADMIN_RU.refund_usage)
    actions = database.run(lambda pool: pool.fetch("SELECT action FROM audit_log ORDER BY id"))
    assert [row["action"] for row in actions] == ["balance.adjust", "job.refund"]


def test_buttons_naming_someone_elses_job_do_nothing(
    stack: LocalStack, person: ChatUser, admin: ChatUser, database: Database
) -> None:
    job_id = _paid_job(person, database)
    # Given: another person crafts the callback data of Анна's result buttons
    menu = start(admin)
    before = database.fetchval("SELECT count(*) FROM jobs")
    for action in ("repeat", "edit", "file", "other"):
        admin.press_data(menu["message_id"], f"res:{action}:{job_id}")
        reply = admin.next_bot_message()
        assert text_of(reply) == RU.not_your_job
    # Then: no job, no draft, nothing sent to Анна
    assert database.fetchval("SELECT count(*) FROM jobs") == before
    assert not [m for m in admin.history() if "photo" in m["payload"] or "document" in m["payload"]]
