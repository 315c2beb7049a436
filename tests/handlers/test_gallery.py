"""🖼 Мои генерации on the Dispatcher: which results are listed, how a page reads, its pages, a result sent
again from Telegram's stored file ids, and the refusals (a file Telegram forgot, someone else's job).

Results are made through the jobs module as a real generation makes them: launched, settled, delivered
part by part (what Telegram stored for each message) and marked delivered.
"""

from __future__ import annotations

import dataclasses
import logging
import string
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from creativebot import jobs, wallet
from creativebot.config import WorkerSettings, get_settings
from creativebot.db import Pool
from creativebot.observability import logger
from creativebot.telegram.callbacks import GalleryPage, GallerySend, Menu, ModelChoose, ResultAction
from creativebot.telegram.states import Step
from creativebot.telegram.views.money import when
from creativebot.texts import RU, format_rub, shorten
from creativebot.texts.gallery import EN as GEN
from creativebot.texts.gallery import RU as GRU
from creativebot.texts.gallery import gallery_copy
from creativebot.texts.payments import RU as PRU
from infra.local.botsession import Call
from tests.e2e.flows import head_of, model_title
from tests.handlers.harness import Harness, buttons_of, last_screen

USER = 515151
OTHER = 626262
NANO = "google/nano-banana"  # 4 ₽, a photo
SENDS = {"SendPhoto", "SendVideo", "SendAudio", "SendDocument", "SendMediaGroup", "SendAnimation"}


def _tz() -> str:
    return str(get_settings(WorkerSettings).wallet.free_day_tz)


_drafts = iter(range(1, 10_000))


async def _job(
    pool: Pool, *, user: int = USER, model: str = NANO, prompt: str | None = "кот", free: bool = False
) -> jobs.Job:
    """A launched job: 4 ₽ held from the wallet, or a free daily run."""
    price = 0 if free else 4_00
    if not free:
        await wallet.topup(pool, user, price, f"topup-{user}-{next(_drafts)}")
    new = jobs.NewJob(
        user_id=user,
        chat_id=user,
        draft_id=f"d{next(_drafts)}",
        model_id=model,
        prompt=prompt,
        options={},
        image_urls=[],
        inputs={"prompt": prompt},
        price=price,
        language="ru",
        cid=None,
    )
    rules = jobs.LaunchRules(free=jobs.FreeQuota(100, _tz())) if free else None
    job, _ = await jobs.create(pool, new, rules)
    return job


async def _delivered(pool: Pool, job: jobs.Job, files: list[dict[str, str]]) -> jobs.Job:
    """The delivery went out: Telegram stored ``files`` for its message(s)."""
    attempt = await jobs.claim_delivery(pool, job.id, lease=timedelta(minutes=2))
    assert attempt is not None
    await jobs.record_delivered_part(pool, attempt, 1, files)
    await jobs.mark_delivered(pool, attempt)
    delivered = await jobs.get(pool, job.id)
    assert delivered is not None
    return delivered


async def _result(
    pool: Pool,
    files: list[dict[str, str]] | None = None,
    *,
    user: int = USER,
    model: str = NANO,
    prompt: str | None = "кот",
    free: bool = False,
) -> jobs.Job:
    """A finished, delivered result (one photo by default)."""
    job = await _job(pool, user=user, model=model, prompt=prompt, free=free)
    await jobs.settle(pool, job.id, jobs.Outcome.succeeded([f"https://kie.example/{job.id}.png"]))
    stored = [{"kind": "photo", "file_id": f"AgAC-{job.id}"}] if files is None else files
    return await _delivered(pool, job, stored)


def _line(job: jobs.Job, number: int, price: str, language: str = "ru") -> str:
    copy = GRU if language == "ru" else GEN
    return copy.item.format(
        number=number, when=when(PRU, job.created_at, _tz()), model=model_title(job.model_id), price=price
    )


def _data(call: Call, label: str) -> str:
    markup = call.reply_markup
    assert markup is not None
    return str(next(b.callback_data for row in markup.inline_keyboard for b in row if b.text == label))


def _sends(calls: list[Call]) -> list[Call]:
    return [call for call in calls if call.name in SENDS]


@pytest.fixture
def events() -> Iterator[list[dict[str, Any]]]:
    """Every log event (with its fields) the bot writes during the test."""
    seen: list[dict[str, Any]] = []

    class Recorder(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            seen.append(dict(record.__dict__))

    recorder = Recorder()
    logging.getLogger(logger.service).addHandler(recorder)
    yield seen
    logging.getLogger(logger.service).removeHandler(recorder)


async def _start(harness: Harness, *users: int) -> None:
    for user in users or (USER,):
        await harness.send(user, "/start")


# --- what is listed ------------------------------------------------------------------------------------


async def test_only_delivered_results_are_listed_newest_first(harness: Harness, pool: Pool) -> None:
    await _start(harness)
    # Given: a paid result, a free one, and jobs that are no results of the person's
    paid = await _result(pool, prompt="кот-астронавт")
    free = await _result(pool, prompt="рыжий кот", free=True)
    failed = await _job(pool, prompt="провал")
    await jobs.settle(pool, failed.id, jobs.Outcome.failed("kie_500", "boom"))
    await _job(pool, prompt="ещё в работе")
    undelivered = await _job(pool, prompt="ещё не доставлен")
    await jobs.settle(pool, undelivered.id, jobs.Outcome.succeeded(["https://kie.example/u.png"]))
    gone = await _job(pool, prompt="чат пропал")
    await jobs.settle(pool, gone.id, jobs.Outcome.succeeded(["https://kie.example/g.png"]))
    await jobs.mark_delivery_failed(pool, gone.id, "chat unreachable")
    # ... and a late result: timed out (money back), then the result came and was delivered
    late = await _job(pool, prompt="маяк")
    await jobs.settle(pool, late.id, jobs.Outcome.failed(jobs.TIMEOUT_CODE, "no result in time"))
    await jobs.settle(pool, late.id, jobs.Outcome.succeeded(["https://kie.example/late.png"]))
    late = await _delivered(pool, late, [{"kind": "photo", "file_id": "AgAC-late"}])
    # When: /gallery
    calls = await harness.send(USER, "/gallery")
    # Then: the three results, newest first, with date, model, price and prompt
    screen = last_screen(calls)
    assert screen.name == "SendMessage"
    assert screen.text.startswith(head_of(GRU.screen))
    lines = [_line(late, 1, GRU.free), _line(free, 2, GRU.free), _line(paid, 3, format_rub(4_00, "ru"))]
    positions = [screen.text.index(line) for line in lines]
    assert positions == sorted(positions)
    assert "<i>кот-астронавт</i>" in screen.text and "<i>маяк</i>" in screen.text
    for absent in ("провал", "ещё в работе", "ещё не доставлен", "чат пропал"):
        assert absent not in screen.text
    assert "<b>4.</b>" not in screen.text  # no fourth item
    assert PRU.history_tz_moscow in screen.text
    # one row per result: send again, repeat, edit; then the main menu (no paging on a single page)
    assert buttons_of(screen) == [
        *("📤 1", "🔁 1", "✏️ 1", "📤 2", "🔁 2", "✏️ 2", "📤 3", "🔁 3", "✏️ 3"),
        RU.btn_main_menu,
    ]


async def test_an_empty_gallery_says_so_and_offers_the_menu(harness: Harness, pool: Pool) -> None:
    await _start(harness)
    failed = await _job(pool)
    await jobs.settle(pool, failed.id, jobs.Outcome.failed("kie_500", "boom"))
    calls = await harness.send(USER, "/gallery")
    screen = last_screen(calls)
    assert screen.text == GRU.empty
    assert RU.categories["photo"] in buttons_of(screen)


async def test_the_menu_button_opens_the_gallery_in_place(harness: Harness, pool: Pool) -> None:
    await _start(harness)
    job = await _result(pool)
    calls = await harness.press(USER, Menu(screen="gallery"))
    screen = last_screen(calls)
    assert screen.name == "EditMessageText"
    assert _line(job, 1, format_rub(4_00, "ru")) in screen.text


async def test_gallery_in_the_middle_of_a_draft_is_not_taken_for_a_prompt(
    harness: Harness, pool: Pool
) -> None:
    await _start(harness)
    await _result(pool)
    await harness.press(USER, ModelChoose(model=NANO))
    assert await harness.state(USER) == Step.prompt.state
    calls = await harness.send(USER, "/gallery")
    assert last_screen(calls).text.startswith(head_of(GRU.screen))


async def test_an_english_speaker_gets_english(harness: Harness) -> None:
    calls = await harness.send(OTHER, "/gallery", language_code="en")
    assert last_screen(calls).text == GEN.empty


# --- a page ---------------------------------------------------------------------------------------------


async def test_seven_results_make_two_pages_numbered_across_them(harness: Harness, pool: Pool) -> None:
    await _start(harness)
    made = [await _result(pool, prompt=f"кадр {i}") for i in range(7)]
    newest_first = made[::-1]
    # Page 1: the five newest, a way to older ones, the page's number
    first = last_screen(await harness.send(USER, "/gallery"))
    for number, job in enumerate(newest_first[:5], start=1):
        assert _line(job, number, format_rub(4_00, "ru")) in first.text
    assert _line(newest_first[5], 6, format_rub(4_00, "ru")) not in first.text
    assert PRU.history_page.format(page=1) in first.text
    labels = buttons_of(first)
    assert PRU.btn_older in labels and PRU.btn_newer not in labels
    # Page 2: the two oldest, numbered 6 and 7, a way back
    second = last_screen(await harness.press(USER, GalleryPage(page=1)))
    assert second.name == "EditMessageText"
    assert _line(newest_first[5], 6, format_rub(4_00, "ru")) in second.text
    assert _line(newest_first[6], 7, format_rub(4_00, "ru")) in second.text
    assert "📤 7" in buttons_of(second) and "📤 1" not in buttons_of(second)
    assert PRU.btn_newer in buttons_of(second) and PRU.btn_older not in buttons_of(second)
    assert _data(second, "📤 6") == GallerySend(job=newest_first[5].id, page=1).pack()
    # An old button past the end shows the newest page
    beyond = last_screen(await harness.press(USER, GalleryPage(page=9_999)))
    assert _line(newest_first[0], 1, format_rub(4_00, "ru")) in beyond.text


async def test_a_long_prompt_is_cut_at_a_word_and_escaped(harness: Harness, pool: Pool) -> None:
    await _start(harness)
    prompt = "<b>Кот</b> & пёс\n" + " ".join(["длинноеслово"] * 20)
    await _result(pool, prompt=prompt)
    text = last_screen(await harness.send(USER, "/gallery")).text
    shown = text.split("<i>", 1)[1].split("</i>", 1)[0]
    assert shown.startswith("&lt;b&gt;Кот&lt;/b&gt; &amp; пёс длинноеслово")
    assert shown.endswith("длинноеслово…")  # whole words only
    assert len(shown) < len(prompt)
    assert "<b>Кот</b>" not in text


def test_an_excerpt_keeps_whole_words() -> None:
    assert shorten("один два три", 12) == "один два три"
    assert shorten("один два три", 10) == "один два…"
    assert shorten("один два, три", 9) == "один два…"  # a word ends at the limit; its comma goes
    assert shorten("  много\n\nстрок  ", 20) == "много строк"
    assert (
        shorten("сверхдлинноеслово", 5) == "сверх…"
    )  # one word longer than the limit: cut, nothing else fits


# --- sending a result again -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "method"),
    [("photo", "SendPhoto"), ("video", "SendVideo"), ("audio", "SendAudio"), ("document", "SendDocument")],
)
async def test_send_again_reuses_telegrams_file_id(
    harness: Harness, pool: Pool, kind: str, method: str
) -> None:
    await _start(harness)
    job = await _result(pool, [{"kind": kind, "file_id": f"stored-{kind}"}], prompt="кот <в шляпе>")
    page = last_screen(await harness.send(USER, "/gallery"))
    assert _data(page, "📤 1") == GallerySend(job=job.id, page=0).pack()
    # When: "📤 1"
    calls = await harness.press(USER, GallerySend(job=job.id, page=0))
    # Then: one message, by the stored file id (no URL, no download), with what it was and the way on
    [sent] = _sends(calls)
    assert sent.name == method
    assert getattr(sent.method, kind) == f"stored-{kind}"
    assert not any(call.name == "GetFile" for call in calls)
    assert sent.caption == GRU.resent.format(
        model=model_title(NANO), when=when(PRU, job.created_at, _tz()), prompt="\n<i>кот &lt;в шляпе&gt;</i>"
    )
    assert buttons_of(sent) == [RU.btn_repeat, RU.btn_edit_prompt, GRU.btn_gallery, RU.btn_main_menu]
    assert _data(sent, RU.btn_repeat) == ResultAction(action="repeat", job=job.id).pack()
    assert _data(sent, GRU.btn_gallery) == GalleryPage(page=0).pack()


async def test_files_of_different_kinds_go_one_by_one_then_the_buttons(harness: Harness, pool: Pool) -> None:
    await _start(harness)
    files = [{"kind": "photo", "file_id": "p-1"}, {"kind": "document", "file_id": "d-2"}]
    job = await _result(pool, files)
    calls = await harness.press(USER, GallerySend(job=job.id, page=0))
    assert [(c.name, getattr(c.method, c.name.removeprefix("Send").lower())) for c in _sends(calls)] == [
        ("SendPhoto", "p-1"),
        ("SendDocument", "d-2"),
    ]
    last = last_screen(calls)
    assert last.name == "SendMessage" and last.text.startswith(head_of(GRU.resent, model=model_title(NANO)))
    assert GRU.btn_gallery in buttons_of(last)


async def test_a_result_without_stored_files_says_so_instead_of_a_send_button(
    harness: Harness, pool: Pool
) -> None:
    await _start(harness)
    job = await _result(pool, [])  # delivered as a link, or before file ids were kept
    page = last_screen(await harness.send(USER, "/gallery"))
    assert GRU.item_gone.format(number=1) in page.text
    assert buttons_of(page) == ["🔁 1", "✏️ 1", RU.btn_main_menu]
    # An old "📤" button for it: the news and a way on, nothing sent
    calls = await harness.press(USER, GallerySend(job=job.id, page=0))
    assert not _sends(calls)
    gone = last_screen(calls)
    assert gone.text == GRU.file_gone
    assert buttons_of(gone) == [RU.btn_repeat, RU.btn_edit_prompt, GRU.btn_gallery, RU.btn_main_menu]


async def test_a_file_telegram_no_longer_has_gets_the_news_not_an_error(
    harness: Harness, pool: Pool, events: list[dict[str, Any]]
) -> None:
    await _start(harness)
    job = await _result(pool)
    harness.session.fail_next("SendPhoto", 400, "Bad Request: wrong file identifier/HTTP URL specified")
    calls = await harness.press(USER, GallerySend(job=job.id, page=2))
    gone = last_screen(calls)
    assert gone.text == GRU.file_gone
    assert _data(gone, GRU.btn_gallery) == GalleryPage(page=2).pack()
    assert RU.error_apology not in [getattr(c.method, "text", None) for c in calls]
    assert any(e.get("event") == "GALLERY_RESEND_FAILED" and e.get("job_id") == job.id for e in events)


@pytest.mark.parametrize("whose", ["someone_else", "own_failed"])
async def test_a_forged_send_button_is_refused(
    harness: Harness, pool: Pool, events: list[dict[str, Any]], whose: str
) -> None:
    await _start(harness, USER, OTHER)
    if whose == "someone_else":
        target = await _result(pool, user=OTHER)
    else:  # the person's own job, but no result of theirs: a failure has no file to send
        target = await _job(pool)
        await jobs.settle(pool, target.id, jobs.Outcome.failed("kie_500", "boom"))
    calls = await harness.press(USER, GallerySend(job=target.id, page=0))
    assert not _sends(calls)
    screen = last_screen(calls)
    assert screen.text == RU.not_your_job
    assert RU.categories["photo"] in buttons_of(screen)
    assert any(e.get("event") == "FORGED_BUTTON" and e.get("job_id") == target.id for e in events)


async def test_repeat_and_edit_on_a_page_are_the_results_own_buttons(harness: Harness, pool: Pool) -> None:
    await _start(harness)
    job = await _result(pool, prompt="кот-астронавт")
    await wallet.topup(pool, USER, 10_00, "topup-repeat")
    page = last_screen(await harness.send(USER, "/gallery"))
    repeat, edit = _data(page, "🔁 1"), _data(page, "✏️ 1")
    assert repeat == ResultAction(action="repeat", job=job.id).pack()
    assert edit == ResultAction(action="edit", job=job.id).pack()
    # Pressing them reaches the wizard: repeat -> step 3/3, edit -> step 1/3 with the old prompt
    await harness.press(USER, repeat)
    assert await harness.state(USER) == Step.confirm.state
    await harness.press(USER, edit)
    assert await harness.state(USER) == Step.prompt.state


def test_both_languages_take_the_same_placeholders() -> None:
    for field in dataclasses.fields(GRU):
        ru, en = getattr(GRU, field.name), getattr(GEN, field.name)
        assert ru.strip() and en.strip()
        assert _placeholders(ru) == _placeholders(en), field.name
    assert gallery_copy("en") is GEN and gallery_copy(None) is GRU and gallery_copy("de") is GRU


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}
