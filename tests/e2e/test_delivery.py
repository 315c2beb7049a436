"""Delivery by kind: a photo too big for a URL, an album, audio, the original file, and editing the prompt."""

from __future__ import annotations

from creativebot.texts import RU
from infra.local.stack import LocalStack
from infra.local.telegram.client import ChatUser, buttons_of, text_of
from tests.e2e.conftest import Database
from tests.e2e.flows import (
    LAUNCH_4_RUB,
    is_photo,
    launch,
    launch_button,
    model_button,
    model_title,
    open_model,
    paid_generation,
    start,
    title_of,
    to_confirm,
)

USER = 100001
GROK = "grok-imagine/text-to-image"
VOICE = "elevenlabs/text-to-speech-turbo-2-5"


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
    open_model(person, "photo", model_button(GROK, 4_00, price_from=True))
    confirm = to_confirm(person, "закат в пустыне")
    launch(person, confirm, LAUNCH_4_RUB)
    buttons = person.wait_for(lambda m: RU.btn_repeat in buttons_of(m), what="the buttons after the album")
    album = [m for m in person.bot_messages() if is_photo(m)]
    assert len(album) == 2 and len({m["payload"]["media_group_id"] for m in album}) == 1
    assert model_title(GROK) in text_of(buttons)


def test_audio_arrives_as_audio(person: ChatUser, database: Database) -> None:
    start(person)
    database.topup(USER, 20_00)
    open_model(person, "audio", model_button(VOICE, 6_00))
    confirm = to_confirm(person, "Привет! Это Creative Bot.")
    launch(person, confirm, launch_button(6_00))
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
    step = person.wait_for_text(title_of(RU.step_prompt))
    assert "маяк в тумане" in text_of(step)
    person.send("маяк в шторм")
    # straight back to the check: the format the result was made with stays
    confirm = person.wait_for(
        lambda m: title_of(RU.step_confirm) in text_of(m) and "маяк в шторм" in text_of(m), what="step 3/3"
    )
    assert LAUNCH_4_RUB in buttons_of(confirm)
