"""Delivery by kind: a photo too big for a URL, an album, audio, the original file, and editing the prompt."""

from __future__ import annotations

from creativebot.texts import RU
from infra.local.stack import LocalStack
from infra.local.telegram.client import ChatUser, buttons_of, text_of
from tests.e2e.conftest import Database
from tests.e2e.flows import is_photo, launch, open_model, paid_generation, start, to_confirm

USER = 100001


def test_a_photo_over_telegrams_url_limit_is_downloaded_and_uploaded(
    stack: LocalStack, person: ChatUser, database: Database
) -> None:
    paid_generation(person, database, "[big] очень детальная карта")
    photo = person.wait_for(is_photo, what="the big photo")
    assert photo["payload"]["photo"][-1]["file_size"] > 5 * 1024 * 1024
    assert stack.emulator is not None
    attempts = [call.ok for call in stack.emulator.emulator.calls_of("sendPhoto")]
    assert attempts == [False, True]  # Telegram refused the URL (over 5 MB), the upload went through


def test_several_results_arrive_as_an_album_with_the_buttons_after_it(
    person: ChatUser, database: Database
) -> None:
    start(person)
    database.topup(USER, 20_00)
    open_model(person, "photo", "Grok Imagine · от 4 ₽")
    confirm = to_confirm(person, "закат в пустыне")
    launch(person, confirm, "🚀 Запустить · 4 ₽")
    buttons = person.wait_for(lambda m: RU.btn_repeat in buttons_of(m), what="the buttons after the album")
    album = [m for m in person.bot_messages() if is_photo(m)]
    assert len(album) == 2 and len({m["payload"]["media_group_id"] for m in album}) == 1
    assert "Grok Imagine" in text_of(buttons)


def test_audio_arrives_as_audio(person: ChatUser, database: Database) -> None:
    start(person)
    database.topup(USER, 20_00)
    open_model(person, "audio", "ElevenLabs Turbo 2.5 · 6 ₽")
    confirm = to_confirm(person, "Привет! Это Creative Bot.")
    launch(person, confirm, "🚀 Запустить · 6 ₽")
    audio = person.wait_for(lambda m: m["from_bot"] and "audio" in m["payload"], what="the audio")
    assert audio["payload"]["audio"]["mime_type"] == "audio/mpeg"
    assert RU.btn_original not in buttons_of(audio)  # originals are for pictures


def test_the_original_file_and_a_new_prompt_from_the_result(person: ChatUser, database: Database) -> None:
    paid_generation(person, database, "маяк в тумане")
    person.wait_for(is_photo, what="the result")
    # When: the person asks for the original
    person.press(RU.btn_original)
    document = person.wait_for(
        lambda m: m["from_bot"] and "document" in m["payload"], what="the original file"
    )
    assert document["payload"]["document"]["mime_type"] == "image/png"
    # When: they edit the prompt from the result
    person.press(RU.btn_edit_prompt)
    step = person.wait_for_text("Шаг 1/3 — Что делаем?")
    assert "маяк в тумане" in text_of(step)
    person.send("маяк в шторм")
    person.wait_for(lambda m: "Шаг 2/3" in text_of(m), what="step 2/3")
    person.press(RU.btn_next)
    confirm = person.wait_for(
        lambda m: "Шаг 3/3" in text_of(m) and "маяк в шторм" in text_of(m), what="step 3/3"
    )
    assert "🚀 Запустить · 4 ₽" in buttons_of(confirm)
