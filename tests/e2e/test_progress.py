"""Issue 16, "No sign of life", on the local stack: a generation stuck at KIE gets its status message edited
by cron (the emulator shows the edits in place), and its ✖️ Отменить, pressed once KIE has the job, is
refused with a way forward. Time passes by moving the job's timestamps back, never by sleeping."""

from __future__ import annotations

import time

from creativebot.texts import RU
from creativebot.texts.progress import RU as PROGRESS_RU
from infra.local.stack import LocalStack
from infra.local.telegram.client import ChatUser, Message, buttons_of, text_of
from tests.e2e.conftest import Database
from tests.e2e.flows import NANO, line_of, model_title, paid_generation, title_of

USER = 100001
RUB = 100


def _submitted_job(stack: LocalStack, database: Database) -> int:
    """The person's job, once KIE has its (stuck) task."""
    assert stack.fake_kie is not None
    for _ in range(200):
        row = database.run(
            lambda pool: pool.fetchrow("SELECT id, task_id FROM jobs WHERE user_id = $1", USER)
        )
        if (
            row is not None
            and row["task_id"]
            and stack.fake_kie.fake.tasks[row["task_id"]].state == "generating"
        ):
            return int(row["id"])
        time.sleep(0.05)
    raise AssertionError("the job never reached KIE")


def _launched(database: Database, job_id: int, seconds: int) -> None:
    """The job was launched (and sent to KIE) ``seconds`` ago."""
    database.execute(
        "UPDATE jobs SET created_at = now() - make_interval(secs => $2),"
        " submitted_at = now() - make_interval(secs => $2), checked_at = NULL WHERE id = $1",
        job_id,
        seconds,
    )


def _status(person: ChatUser, message_id: int, fragment: str, what: str) -> Message:
    return person.wait_for(lambda m: m["message_id"] == message_id and fragment in text_of(m), what=what)


def test_a_stuck_generation_shows_signs_of_life_and_its_money_comes_back(
    stack: LocalStack, person: ChatUser, database: Database
) -> None:
    # Given: a paid generation KIE never finishes, announced with ✖️ Отменить
    paid_generation(person, database, "[stuck] северное сияние")
    status = person.wait_for(lambda m: title_of(RU.launch_started) in text_of(m), what="the status message")
    status_id = status["message_id"]
    job_id = _submitted_job(stack, database)
    assert PROGRESS_RU.btn_cancel in buttons_of(status)
    # When: the person presses it after the job reached KIE
    person.press(PROGRESS_RU.btn_cancel)
    # Then: told to wait, with the menu; the button is gone; nothing returned (the job runs on)
    answer = person.wait_for_text(line_of(PROGRESS_RU.cancel_too_late))
    assert RU.categories["photo"] in buttons_of(answer)
    person.wait_for(
        lambda m: m["message_id"] == status_id and not buttons_of(m),
        what="the status message without its button",
    )
    assert database.balance(USER).held == 4 * RUB
    messages_before = len(person.history())

    # When: a minute and a half passes (Nano Banana usually takes 30 s) and cron runs, twice
    _launched(database, job_id, 90)
    assert stack.run_cron_once()["steps"]["send_progress"] == 1
    assert stack.run_cron_once()["steps"]["send_progress"] == 0
    # Then: the status message itself says it takes longer, and how long it has been
    slow = _status(
        person, status_id, "⏳ Дольше обычного — ждём ещё… (прошло 1 мин)", "the first sign of life"
    )
    assert model_title(NANO) in text_of(slow)

    # When: four minutes have passed, and cron runs
    _launched(database, job_id, 4 * 60)
    assert stack.run_cron_once()["steps"]["send_progress"] == 1
    # Then: the model is overloaded, and the money returns by itself at the timeout
    _status(
        person,
        status_id,
        "⏳ Модель перегружена. Если результата не будет через 26 мин, деньги вернутся сами (прошло 4 мин)",
        "the second sign of life",
    )
    assert stack.run_cron_once()["steps"]["send_progress"] == 0
    # ... all of it by editing the one status message: nothing new in the chat
    assert len(person.history()) == messages_before

    # When: the timeout passes and cron runs
    _launched(database, job_id, 31 * 60)
    stack.run_cron_once()
    # Then: the money is back, and the status message says it did not work (no progress edit over it)
    _status(person, status_id, RU.status_failed, "the status message's end")
    assert database.balance(USER).held == 0
    assert database.balance(USER).balance == 20 * RUB
