"""✖️ Отменить under a generation's status message: cancels a job KIE has not got, with its money back,
once; refuses politely once KIE has it; refuses someone else's job."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from creativebot import faults, jobs, wallet
from creativebot.db import Pool
from creativebot.telegram.callbacks import JobCancel, Launch, ModelChoose, Wizard
from creativebot.texts import RU, format_rub
from creativebot.texts.progress import RU as PROGRESS_RU
from creativebot.wizard import Draft
from infra.local.botsession import Call
from infra.local.kie import FakeKieServer
from tests.e2e.flows import head_of
from tests.handlers.harness import BOT_MESSAGE, Harness, button_data, buttons_of, last_screen, texts_of

USER = 616161
OTHER = 626262
PRICE = 400


@pytest.fixture(autouse=True)
def no_armed_faults() -> Iterator[None]:
    faults.disarm()
    yield
    faults.disarm()


async def _confirmed(harness: Harness, pool: Pool) -> Draft:
    """Nano Banana (4 ₽) confirmed, with 100 ₽ on the wallet."""
    await harness.send(USER, "/start")
    await wallet.topup(pool, USER, 10_000, "test-topup")
    await harness.press(USER, ModelChoose(model="google/nano-banana"))
    await harness.send(USER, "кот")
    await harness.press(USER, Wizard(action="format_done"))
    draft = Draft.from_state(await harness.data(USER))
    assert draft is not None
    return draft


async def _job(pool: Pool, user_id: int = USER) -> jobs.Job:
    job = await jobs.get(pool, await pool.fetchval("SELECT id FROM jobs WHERE user_id = $1", user_id))
    assert job is not None
    return job


def _status_message(calls: list[Call]) -> Call:
    """The launch's "⏳ Генерирую…" (the confirm screen edited in place)."""
    return next(
        call
        for call in calls
        if call.name == "EditMessageText"
        and str(getattr(call.method, "text", "")).startswith(head_of(RU.launch_started))
    )


async def _press_status(harness: Harness, user_id: int, data: str) -> list[Call]:
    """A press on the status message as Telegram sends it: the message with its ✖️ Отменить."""
    keyboard = {"inline_keyboard": [[{"text": PROGRESS_RU.btn_cancel, "callback_data": data}]]}
    update: dict[str, Any] = {
        "update_id": 900_000 + len(harness.session.calls),
        "callback_query": {
            "id": f"cancel-{len(harness.session.calls)}",
            "from": {"id": user_id, "is_bot": False, "first_name": "Анна", "language_code": "ru"},
            "chat_instance": "test",
            "data": data,
            "message": {
                "message_id": BOT_MESSAGE,
                "date": 1795867200,
                "chat": {"id": user_id, "type": "private", "first_name": "Анна"},
                "from": {"id": harness.bot.id, "is_bot": True, "first_name": "Creative Bot"},
                "text": "⏳ Генерирую…",
                "reply_markup": keyboard,
            },
        },
    }
    return await harness.feed(update)


async def test_a_launch_that_stopped_before_kie_is_canceled_once_with_its_money_back(
    harness: Harness, pool: Pool, kie: FakeKieServer
) -> None:
    # Given: the launch announced the job, then the process died before offering it to KIE
    draft = await _confirmed(harness, pool)
    launch_press = Launch(draft=draft.draft_id)
    before = len(harness.session.calls)
    faults.arm("launch.after_announce")
    with pytest.raises(faults.SimulatedCrash):
        await harness.press(USER, launch_press)
    launch_update = harness.last_update
    status = _status_message(harness.session.calls[before:])
    job = await _job(pool)
    assert job.unsent and kie.fake.create_requests == []
    # ... its status message carries ✖️ Отменить for this job
    assert buttons_of(status) == [PROGRESS_RU.btn_cancel]
    assert button_data(status) == [JobCancel(job=job.id).pack()]
    assert await wallet.balance_of(pool, USER) == wallet.Balance(10_000, PRICE)

    # When: the person presses it
    calls = await _press_status(harness, USER, JobCancel(job=job.id).pack())
    # Then: the status message says the money is back, with the menu; the job is canceled
    canceled = last_screen(calls)
    assert canceled.name == "EditMessageText"
    assert texts_of([canceled])[0].startswith(
        PROGRESS_RU.canceled_money.format(price=format_rub(PRICE, "ru"))
    )
    assert "Отменено, деньги вернулись на баланс" in texts_of([canceled])[0]
    assert RU.categories["photo"] in buttons_of(canceled)
    assert (await _job(pool)).status == "canceled"
    assert await wallet.balance_of(pool, USER) == wallet.Balance(10_000, 0)

    # When: a double tap, and then the queue hands out the interrupted launch press again
    again = await _press_status(harness, USER, JobCancel(job=job.id).pack())
    await harness.feed(launch_update)
    # Then: the same answer, the money moved once, and the job never reached KIE
    assert texts_of([last_screen(again)]) == texts_of([canceled])
    assert await pool.fetchval("SELECT count(*) FROM ledger WHERE kind = 'release'") == 1
    assert kie.fake.create_requests == []
    assert (await _job(pool)).status == "canceled"
    assert await wallet.verify_wallet_invariants(pool) == []


async def test_a_press_after_kie_took_the_job_is_refused_and_the_button_goes(
    harness: Harness, pool: Pool, kie: FakeKieServer
) -> None:
    # Given: a launch that reached KIE
    draft = await _confirmed(harness, pool)
    calls = await harness.press(USER, Launch(draft=draft.draft_id))
    status = _status_message(calls)
    job = await _job(pool)
    assert job.status == "submitted" and len(kie.fake.create_requests) == 1
    assert button_data(status) == [JobCancel(job=job.id).pack()]
    # When: the person presses ✖️ Отменить
    calls = await _press_status(harness, USER, JobCancel(job=job.id).pack())
    # Then: the status message loses the button, a new message says to wait, with the menu
    [dropped] = harness.session.of("EditMessageReplyMarkup")
    assert getattr(dropped.method, "reply_markup", None) is None
    answer = last_screen(calls)
    assert answer.name == "SendMessage"
    assert texts_of([answer])[0].startswith(PROGRESS_RU.cancel_too_late)
    assert "уже отправлено в работу — дождитесь результата" in texts_of([answer])[0].lower()
    assert RU.categories["photo"] in buttons_of(answer)
    # ... and nothing changed: the job runs on, its price held
    assert (await _job(pool)).status == "submitted"
    assert await wallet.balance_of(pool, USER) == wallet.Balance(10_000, PRICE)


async def test_a_forged_cancel_of_someone_elses_job_is_refused_politely(harness: Harness, pool: Pool) -> None:
    # Given: someone's job that could still be canceled
    await harness.send(OTHER, "/start")
    await wallet.topup(pool, OTHER, 10_000, "test-topup-other")
    job, _ = await jobs.create(
        pool,
        jobs.NewJob(
            user_id=OTHER,
            chat_id=OTHER,
            draft_id="d",
            model_id="google/nano-banana",
            prompt="кот",
            options={},
            image_urls=[],
            inputs={"prompt": "кот"},
            price=PRICE,
            language="ru",
            cid=None,
        ),
    )
    # When: another person sends a press with its id
    await harness.send(USER, "/start")
    calls = await harness.press(USER, JobCancel(job=job.id))
    # Then: told it is not theirs, with the menu; the job and its money are untouched
    answer = last_screen(calls)
    assert texts_of([answer]) == [RU.not_your_job]
    assert RU.categories["photo"] in buttons_of(answer)
    assert (await _job(pool, OTHER)).status == "created"
    assert await wallet.balance_of(pool, OTHER) == wallet.Balance(10_000, PRICE)
