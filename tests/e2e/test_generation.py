"""A person's whole path on the local stack: emulator + fake KIE + real PostgreSQL + SQS on moto.

Every step goes through the same code as production: the emulator posts updates to the webhook, the
worker loop reads SQS, the fake KIE calls back over HTTP, the callback function settles the money.
"""

from __future__ import annotations

import json
import time

import httpx
import pytest

from creativebot.kie.signing import callback_token
from creativebot.telegram.views import wizard as views
from creativebot.texts import RU, format_rub
from creativebot.texts.failures import RU as FAILURES_RU
from creativebot.wallet import Balance
from infra.local.kie.fake import png
from infra.local.stack import LocalStack
from infra.local.telegram.client import ChatUser, buttons_of, text_of
from tests.e2e.conftest import Database
from tests.e2e.flows import (
    LAUNCH_4_RUB,
    NANO,
    NANO_BANANA,
    is_launch_button,
    is_photo,
    launch,
    line_of,
    model_button,
    model_title,
    open_model,
    paid_generation,
    plain,
    start,
    title_of,
    to_confirm,
)

USER = 100001
RUB = 100
Z_IMAGE_FREE = model_button("z-image", None)


def _failure_notice(person: ChatUser) -> str:
    return text_of(
        person.wait_for(lambda m: title_of(RU.job_failed) in text_of(m), what="the failure notice")
    )


def _job_id(database: Database) -> int:
    job_id: int = database.fetchval("SELECT id FROM jobs WHERE user_id = $1", USER)
    return job_id


def _wait_task(stack: LocalStack, database: Database, job_id: int, *states: str) -> str:
    """Wait until KIE's task for the job is in one of ``states``; return its id."""
    assert stack.fake_kie is not None
    for _ in range(200):
        task_id = database.fetchval("SELECT task_id FROM jobs WHERE id = $1", job_id)
        if task_id and stack.fake_kie.fake.tasks[task_id].state in states:
            return str(task_id)
        time.sleep(0.05)
    raise AssertionError(f"the task never reached {states}")


def test_text_to_image_delivers_a_photo_and_charges_exactly_the_confirmed_price(
    person: ChatUser, database: Database
) -> None:
    # Given: a person with 100 ₽
    start(person)
    database.topup(USER, 100 * RUB)
    # When: Фото -> Nano Banana -> prompt -> format 16:9 -> confirm -> launch
    open_model(person, "photo", NANO_BANANA)
    person.wait_for_text(title_of(RU.step_prompt))
    person.send("кот-астронавт в неоновом городе")
    person.wait_for(lambda m: title_of(RU.step_format) in text_of(m), what="step 2/3")
    person.press("16:9")
    person.wait_for(lambda m: "✅ 16:9" in buttons_of(m), what="16:9 marked")
    person.press(RU.btn_next)
    confirm = person.wait_for(lambda m: title_of(RU.step_confirm) in text_of(m), what="step 3/3")
    assert line_of(RU.confirm_price_line, price=format_rub(4 * RUB, "ru")) in text_of(confirm)
    balance_line = line_of(
        RU.confirm_balance_line, balance=format_rub(100 * RUB, "ru"), after=format_rub(96 * RUB, "ru")
    )
    assert balance_line in text_of(confirm)
    launch(person, confirm, LAUNCH_4_RUB)
    # Then: a photo arrives, the status message says so, and exactly 4 ₽ left the balance
    photo = person.wait_for(is_photo, what="the result photo")
    assert model_title(NANO) in text_of(photo)
    assert RU.btn_repeat in buttons_of(photo) and RU.btn_original in buttons_of(photo)
    person.wait_for(lambda m: RU.status_done in text_of(m), what="the status message edited")
    assert database.balance(USER) == Balance(96 * RUB, 0)
    # ... and the history shows the job
    person.send("/balance")
    history = person.wait_for_text(title_of(RU.balance_screen))
    charged = RU.op_charge.format(
        job=_job_id(database), model=model_title(NANO), amount=format_rub(4 * RUB, "ru")
    )
    assert charged in text_of(history)


def test_image_edit_sends_kie_an_upload_url_never_a_telegram_file_url(
    stack: LocalStack, person: ChatUser, database: Database
) -> None:
    picture = png(64, 64, b"a selfie")
    start(person)
    database.topup(USER, 50 * RUB)
    open_model(person, "edit", model_button("google/nano-banana-edit", 4 * RUB))
    person.wait_for_text(title_of(RU.step_photos))
    person.send_photo(picture, file_name="me.png", mime_type="image/png")
    person.wait_for(
        lambda m: line_of(RU.photos_received, count=1, max=10) in text_of(m), what="photo counted"
    )
    person.press(RU.btn_next)
    confirm = to_confirm(person, "замени фон на море")
    launch(person, confirm, LAUNCH_4_RUB)
    person.wait_for(is_photo, what="the edited photo")
    # Then: KIE got its own upload URL; no Telegram file URL (with the bot token) ever left the worker
    assert stack.fake_kie is not None
    fake = stack.fake_kie.fake
    assert len(fake.uploads) == 1 and fake.uploads[0]["fileSize"] == len(picture)
    request = fake.create_requests[-1]
    assert request["input"]["image_urls"] == [fake.uploads[0]["downloadUrl"]]
    everything_sent = json.dumps(fake.create_requests)
    assert "/file/bot" not in everything_sent and stack.env["TELEGRAM_BOT_TOKEN"] not in everything_sent


def test_a_failed_generation_tells_why_and_returns_the_money(person: ChatUser, database: Database) -> None:
    paid_generation(person, database, "[fail] закат над морем")
    notice = _failure_notice(person)
    assert line_of(RU.refund_money, price=format_rub(4 * RUB, "ru")) in notice
    assert database.balance(USER) == Balance(20 * RUB, 0)
    assert RU.btn_try_again in buttons_of(person.wait_for(lambda m: title_of(RU.job_failed) in text_of(m)))


def test_a_callback_five_times_charges_and_delivers_once_and_a_forged_one_is_refused(
    stack: LocalStack, person: ChatUser, database: Database
) -> None:
    paid_generation(person, database, "[twice] горы в тумане")
    person.wait_for(is_photo, what="the result")
    job_id = _job_id(database)
    task_id = database.fetchval("SELECT task_id FROM jobs WHERE id = $1", job_id)
    assert stack.fake_kie is not None
    body = json.dumps({"code": 200, "msg": "ok", "data": stack.fake_kie.fake.tasks[task_id].record()})
    url = f"{stack.parts.public_url}/kie/callback/{job_id}"
    token = callback_token(stack.env["KIE_CALLBACK_SECRET"], job_id)
    # When: KIE repeats the callback (it already sent it twice), and someone forges one
    for _ in range(5):
        assert httpx.post(url, params={"t": token}, content=body).json() == {"code": 200, "msg": "success"}
    forged = httpx.post(url, params={"t": "f" * 64}, content=body)
    # Then
    assert forged.status_code == 403
    assert database.fetchval("SELECT count(*) FROM ledger WHERE kind = 'charge'") == 1
    assert len([m for m in person.history() if is_photo(m)]) == 1
    assert database.balance(USER).balance == 16 * RUB


def test_without_a_callback_cron_settles_via_record_info(
    stack: LocalStack, person: ChatUser, database: Database
) -> None:
    paid_generation(person, database, "[nocallback] маяк на рассвете")
    person.wait_for(lambda m: title_of(RU.launch_started) in text_of(m), what="the status message")
    job_id = _job_id(database)
    _wait_task(stack, database, job_id, "success")
    assert database.fetchval("SELECT status FROM jobs WHERE id = $1", job_id) == "submitted"
    # When: three minutes pass without a word from KIE, and cron runs
    database.execute("UPDATE jobs SET submitted_at = now() - interval '3 minutes' WHERE id = $1", job_id)
    result = stack.run_cron_once()
    # Then
    assert result["steps"]["reconcile_open_jobs"] == 1, result
    person.wait_for(is_photo, what="the result found by cron")
    assert database.fetchval("SELECT status FROM jobs WHERE id = $1", job_id) == "succeeded"
    assert database.balance(USER).balance == 16 * RUB


def test_a_timed_out_job_is_released_and_a_late_result_is_delivered_free(
    stack: LocalStack, person: ChatUser, database: Database
) -> None:
    paid_generation(person, database, "[stuck] северное сияние")
    person.wait_for(lambda m: title_of(RU.launch_started) in text_of(m), what="the status message")
    job_id = _job_id(database)
    task_id = _wait_task(stack, database, job_id, "generating")
    # When: 31 minutes pass and cron runs
    database.execute(
        "UPDATE jobs SET created_at = now() - interval '31 minutes', submitted_at = now() - interval '31 minutes'"
        " WHERE id = $1",
        job_id,
    )
    stack.run_cron_once()
    # Then: the user is told and the money is back
    assert FAILURES_RU.timeout.format(minutes=30) in _failure_notice(person)
    assert database.balance(USER) == Balance(20 * RUB, 0)
    # When: the result turns up after all
    assert stack.fake_kie is not None
    stack.fake_kie.server.call(stack.fake_kie.fake.finish(task_id))
    # Then: delivered, free
    photo = person.wait_for(is_photo, what="the late result")
    assert plain(RU.result_late_free) in text_of(photo)
    assert database.balance(USER) == Balance(20 * RUB, 0)
    assert database.fetchval("SELECT count(*) FROM ledger WHERE kind = 'charge'") == 0


def test_free_generations_then_the_next_one_asks_for_money(person: ChatUser, database: Database) -> None:
    start(person)
    # Given: four of today's five free Z-Image runs already used
    database.execute(
        "INSERT INTO free_quota (user_id, model_id, day, used)"
        " VALUES ($1, 'z-image', (now() AT TIME ZONE 'Europe/Moscow')::date, 4)",
        USER,
    )
    # When: the fifth is free
    open_model(person, "photo", Z_IMAGE_FREE)
    confirm = to_confirm(person, "лиса в снегу")
    assert line_of(RU.confirm_free_line, left=1, total=5) in text_of(confirm)
    launch(person, confirm, RU.btn_launch_free)
    photo = person.wait_for(is_photo, what="the free result")
    assert RU.result_free in text_of(photo)
    # Then: the sixth asks for money (and the person has none, so: top up or something cheaper)
    person.press(RU.btn_repeat)
    sixth = person.wait_for(
        lambda m: title_of(RU.step_confirm) in text_of(m) and m["message_id"] > photo["message_id"],
        what="step 3/3",
    )
    assert line_of(RU.confirm_price_line, price=format_rub(1 * RUB, "ru")) in text_of(sixth)
    assert title_of(RU.short_balance) in text_of(sixth)
    assert RU.btn_topup in buttons_of(sixth)
    assert database.fetchval("SELECT count(*) FROM jobs WHERE payment = 'free'") == 1


def test_bad_prompts_get_a_clear_message_and_the_step_repeats(person: ChatUser) -> None:
    start(person)
    open_model(person, "photo", Z_IMAGE_FREE)
    person.wait_for_text(title_of(RU.step_prompt))
    person.send("x" * 1001)  # Z-Image takes up to 1000 characters
    one = RU.characters.split("|")[0]  # Russian says "1001 символ", as for 1
    assert line_of(RU.prompt_too_long, length=1001, characters=one) in text_of(person.next_bot_message())
    person.send_photo(png(8, 8, b"not a prompt"))  # Z-Image takes no photos: the answer says where they go
    assert text_of(person.next_bot_message()) == plain(views.photos_not_taken(RU))
    with pytest.raises(httpx.HTTPStatusError):
        person.send("   ")  # like Telegram's apps, the emulator does not send a blank message
    person.send("лиса")
    screen = person.wait_for(
        lambda m: title_of(RU.step_format) in text_of(m), what="step 2/3 after a valid prompt"
    )
    # A forged option index (no such value) just shows the screen again
    person.press_data(screen["message_id"], "opt:0:99")
    person.press(RU.btn_next)
    person.wait_for(lambda m: title_of(RU.step_confirm) in text_of(m), what="step 3/3")


def test_a_double_tap_on_launch_starts_one_job(person: ChatUser, database: Database) -> None:
    start(person)
    database.topup(USER, 20 * RUB)
    open_model(person, "photo", NANO_BANANA)
    confirm = to_confirm(person, "два тапа")
    launch_data = next(
        b["callback_data"]
        for row in confirm["payload"]["reply_markup"]["inline_keyboard"]
        for b in row
        if is_launch_button(b["text"])
    )
    person.press_data(confirm["message_id"], launch_data)
    person.press_data(confirm["message_id"], launch_data)
    person.wait_for(is_photo, what="the result")
    person.wait_for(lambda m: RU.already_launched in text_of(m), what="the second tap answered")
    assert database.fetchval("SELECT count(*) FROM jobs") == 1
    assert database.balance(USER).balance == 16 * RUB


def test_kie_out_of_credits_tells_the_user_and_returns_the_money(
    person: ChatUser, database: Database
) -> None:
    paid_generation(person, database, "[402] дорогой запрос")
    assert FAILURES_RU.busy in _failure_notice(person)
    assert database.balance(USER) == Balance(20 * RUB, 0)
    assert database.fetchval("SELECT fail_code FROM jobs") == "kie_402"


def test_a_stars_top_up_credits_the_wallet_once(person: ChatUser, database: Database) -> None:
    start(person)
    person.press(RU.btn_balance)
    person.wait_for(lambda m: RU.btn_topup in buttons_of(m), what="the balance screen")
    person.press(RU.btn_topup)
    pack = RU.btn_pack.format(stars=100, amount=format_rub(150 * RUB, "ru"))
    person.wait_for(lambda m: pack in buttons_of(m), what="the packs")
    person.press(pack)
    person.wait_for(lambda m: "invoice" in m["payload"], what="the invoice")
    paid = person.pay()
    assert paid["ok"] is True
    receipt = person.wait_for_text(title_of(RU.payment_ok))
    assert line_of(RU.payment_ok, amount=format_rub(150 * RUB, "ru")) in text_of(receipt)
    assert database.balance(USER).balance == 150 * RUB
    charge_id = paid["telegram_payment_charge_id"]
    assert database.fetchval("SELECT payment_id FROM ledger WHERE kind = 'topup'") == charge_id
