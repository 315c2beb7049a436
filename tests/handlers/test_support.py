"""/paysupport: the form, the ticket the operators get (with payments and jobs), the answer that comes back."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from creativebot.config import WorkerSettings, get_settings
from creativebot.db import Pool
from creativebot.kie.client import KieClient
from creativebot.telegram.callbacks import Menu, StarsPack
from creativebot.telegram.views.money import SupportReply, SupportTopic
from creativebot.texts import RU, format_rub
from creativebot.texts.payments import RU as PRU
from infra.local.botsession import Call
from infra.local.kie import FakeKieServer
from tests.e2e.flows import head_of
from tests.handlers.harness import Harness, buttons_of, last_screen, texts_of
from tests.handlers.test_money_payments import pay, screen_of
from tests.helpers import Queues

USER = 424242
ADMIN = 700001
RUB = 100


@pytest.fixture(autouse=True)
def operators(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ADMIN_IDS", str(ADMIN))
    monkeypatch.setenv("SUPPORT_CONTACT", "@creative_support")
    get_settings.cache_clear()


@pytest.fixture
async def harness(pool: Pool, kie: FakeKieServer, sqs: Queues) -> AsyncIterator[Harness]:
    settings = get_settings(WorkerSettings)
    async with KieClient(settings.kie) as client:
        yield Harness(pool, settings, client)


async def _paid(harness: Harness) -> None:
    await harness.send(USER, "/start")
    calls = await harness.press(USER, StarsPack(stars=100))
    [invoice] = [call for call in calls if call.name == "SendInvoice"]
    await pay(harness, USER, invoice, "stx-support")


def _to(calls: list[Call], chat_id: int) -> list[str]:
    return [c.text for c in calls if c.name == "SendMessage" and c.chat_id == chat_id]


async def test_a_question_about_a_payment_reaches_the_operators_and_the_answer_comes_back(
    harness: Harness, pool: Pool
) -> None:
    await _paid(harness)
    payment_id = await pool.fetchval("SELECT id FROM payments")
    await pool.execute(
        """
        INSERT INTO jobs (user_id, chat_id, draft_id, model_id, inputs, price, payment, status)
        VALUES ($1, $1, 'd1', 'google/nano-banana', '{}'::jsonb, 400, 'wallet', 'failed')
        """,
        USER,
    )
    # When: /paysupport
    calls = await harness.send(USER, "/paysupport")
    menu = last_screen(calls)
    # Then: the recent payment to pick, a generation, something else, and the contact
    assert "@creative_support" in menu.text
    labels = buttons_of(menu)
    assert labels[0].startswith("⭐ " + format_rub(150 * RUB, "ru"))
    assert PRU.btn_support_generation in labels and PRU.btn_support_other in labels
    # When: the payment, then what happened
    calls = await harness.press(USER, SupportTopic(topic="payment", payment=payment_id))
    assert head_of(PRU.support_ask) in last_screen(calls).text
    calls = await harness.send(USER, "Звёзды ушли, а <генерация> не пришла")
    # Then: a ticket; the person is told, the operator gets it with the payments and the jobs
    ticket = await pool.fetchrow("SELECT id, topic, payment_id, body, state FROM support_tickets")
    assert ticket is not None
    assert (ticket["topic"], ticket["payment_id"], ticket["state"]) == ("payment", payment_id, "open")
    assert _to(calls, USER) == [PRU.support_sent.format(ticket=ticket["id"])]
    [to_operator] = [c for c in calls if c.name == "SendMessage" and c.chat_id == ADMIN]
    assert "Звёзды ушли, а &lt;генерация&gt; не пришла" in to_operator.text
    assert f"#{payment_id} ⭐" in to_operator.text and "#1 · Nano Banana" in to_operator.text
    assert buttons_of(to_operator) == [PRU.btn_support_reply]
    assert await harness.state(USER) is None
    # When: the operator answers from the bot
    calls = await harness.press(ADMIN, SupportReply(ticket=ticket["id"]))
    assert screen_of(calls, ADMIN).text == PRU.admin_support_reply_prompt.format(ticket=ticket["id"])
    calls = await harness.send(ADMIN, "Вернули звёзды, проверьте баланс")
    # Then: the person gets the answer, the operator a confirmation, the audit log the answer
    assert _to(calls, USER) == [
        PRU.support_answer.format(ticket=ticket["id"], answer="Вернули звёзды, проверьте баланс")
    ]
    assert _to(calls, ADMIN) == [PRU.admin_support_answered.format(ticket=ticket["id"])]
    audit = await pool.fetchrow("SELECT admin_id, action, target FROM audit_log")
    assert audit is not None
    assert tuple(audit) == (ADMIN, "support.answer", f"ticket:{ticket['id']}")
    assert await pool.fetchval("SELECT state FROM support_tickets") == "answered"


async def test_the_form_wants_text_and_can_be_left(harness: Harness, pool: Pool) -> None:
    await harness.send(USER, "/paysupport")
    await harness.press(USER, SupportTopic(topic="other"))
    calls = await harness.send_photo(USER, b"\x89PNG not really")
    assert texts_of(calls) == [PRU.support_text_expected]
    calls = await harness.send(USER, "x" * 2001)
    assert texts_of(calls) == [PRU.support_too_long.format(max=2000)]
    await harness.press(USER, Menu(screen="main"))  # "✖️ Отмена"
    calls = await harness.send(USER, "просто текст")
    assert texts_of(calls) == [RU.not_understood]
    assert await pool.fetchval("SELECT count(*) FROM support_tickets") == 0


async def test_someone_elses_payment_or_an_operators_button_does_nothing(
    harness: Harness, pool: Pool
) -> None:
    await _paid(harness)
    payment_id = await pool.fetchval("SELECT id FROM payments")
    stranger = 515151
    calls = await harness.press(stranger, SupportTopic(topic="payment", payment=payment_id))
    assert [c.name for c in calls] == ["AnswerCallbackQuery"]
    await harness.send(USER, "/paysupport")
    await harness.press(USER, SupportTopic(topic="other"))
    await harness.send(USER, "вопрос")
    ticket_id = await pool.fetchval("SELECT id FROM support_tickets")
    calls = await harness.press(stranger, SupportReply(ticket=ticket_id))
    assert [c.name for c in calls] == ["AnswerCallbackQuery"]
    calls = await harness.send(stranger, "ответ от чужого")
    assert _to(calls, USER) == []
