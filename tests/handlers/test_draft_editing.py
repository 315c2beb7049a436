"""A draft stays editable at every step, and prices show before the check (issue 16), plus the wizard's
family steps (issue 15): texts typed late, photos swapped, parts changed, cheaper models that keep the
draft, the daily cap, a song's style and title, models without a description."""

from __future__ import annotations

from creativebot import overrides, preferences, wallet
from creativebot.db import Pool
from creativebot.telegram.callbacks import (
    CategoryPick,
    EditPart,
    Launch,
    Menu,
    ModelCard,
    ModelChoose,
    OptionPick,
    SettingsScreen,
    SwitchModel,
    Wizard,
)
from creativebot.telegram.states import Step
from creativebot.texts import RU, format_rub
from creativebot.texts.payments import payments_copy
from creativebot.texts.voices import voices_copy
from creativebot.wizard import Draft
from infra.local.kie import FakeKieServer
from infra.local.kie.fake import png
from tests.e2e.flows import head_of, is_launch_button, model_title
from tests.handlers.harness import Harness, button_data, buttons_of, last_screen, texts_of

USER = 515151
NANO = "google/nano-banana"  # text-to-image, 4 ₽, one option
NANO_2 = "nano-banana-2"  # 8 / 12 / 18 ₽ at 1K / 2K / 4K
EDIT = "google/nano-banana-edit"  # 1-10 photos, a prompt
SINGLE_EDIT = "qwen/image-to-image"  # exactly one photo, no options


async def _with_balance(harness: Harness, pool: Pool, kopecks: int) -> None:
    await harness.send(USER, "/start")
    await wallet.topup(pool, USER, kopecks, "test-topup")


async def _draft(harness: Harness) -> Draft:
    draft = Draft.from_state(await harness.data(USER))
    assert draft is not None
    return draft


async def _at_format(harness: Harness, model: str, prompt: str = "кот") -> None:
    await harness.press(USER, ModelChoose(model=model))
    await harness.send(USER, prompt)
    assert await harness.state(USER) == Step.format.state


async def _at_confirm(harness: Harness, model: str, prompt: str = "кот") -> None:
    await _at_format(harness, model, prompt)
    await harness.press(USER, Wizard(action="format_done"))
    assert await harness.state(USER) == Step.confirm.state


# --- text and photos after step 1 ---------------------------------------------------------------------


async def test_text_typed_on_step_two_replaces_the_description(harness: Harness) -> None:
    await _at_format(harness, NANO, "кот")
    calls = await harness.send(USER, "собака в шляпе")
    assert await harness.state(USER) == Step.format.state
    assert (await _draft(harness)).prompt == "собака в шляпе"
    screen = last_screen(calls)
    assert screen.text.startswith(RU.prompt_updated) and RU.step_format.split("\n")[0] in screen.text
    assert RU.not_understood not in texts_of(calls)


async def test_text_typed_on_step_three_replaces_the_description_on_the_check(
    harness: Harness, pool: Pool
) -> None:
    await _with_balance(harness, pool, 100_00)
    await _at_confirm(harness, NANO, "кот")
    calls = await harness.send(USER, "собака в шляпе")
    screen = last_screen(calls)
    assert await harness.state(USER) == Step.confirm.state
    assert RU.confirm_prompt_line.format(prompt="собака в шляпе") in screen.text
    assert "кот" not in screen.text and any(is_launch_button(b) for b in buttons_of(screen))


async def test_a_too_long_text_on_the_check_is_refused_and_the_draft_kept(harness: Harness) -> None:
    await _at_confirm(harness, "z-image", "кот")  # at most 1000 characters
    calls = await harness.send(USER, "x" * 1001)
    assert texts_of(calls)[0].startswith(head_of(RU.prompt_too_long, length=1001))
    assert (await _draft(harness)).prompt == "кот"


async def test_a_photo_on_the_check_adds_to_the_photos_while_there_is_room(
    harness: Harness, kie: FakeKieServer
) -> None:
    await harness.press(USER, ModelChoose(model=EDIT))
    await harness.send_photo(USER, png(16, 16, b"a"))
    await harness.press(USER, Wizard(action="photos_done"))
    await harness.send(USER, "фон — море")
    await harness.press(USER, Wizard(action="format_done"))
    calls = await harness.send_photo(USER, png(16, 16, b"b"))
    draft = await _draft(harness)
    assert len(draft.images) == 2 and len(kie.fake.uploads) == 2
    screen = last_screen(calls)
    assert screen.text.startswith(RU.photos_updated.format(count=2, max=10))
    assert RU.confirm_photos_line.format(count=2) in screen.text
    assert await harness.state(USER) == Step.confirm.state


async def test_a_photo_replaces_the_only_photo_of_a_one_photo_model(harness: Harness) -> None:
    await harness.press(USER, ModelChoose(model=SINGLE_EDIT))
    await harness.send_photo(USER, png(16, 16, b"a"))
    await harness.send(USER, "сделай акварелью")
    first = (await _draft(harness)).images
    await harness.send_photo(USER, png(16, 16, b"b"))
    draft = await _draft(harness)
    assert len(draft.images) == 1 and draft.images != first
    assert draft.prompt == "сделай акварелью"


async def test_a_new_album_replaces_a_full_set_with_one_screen(harness: Harness) -> None:
    await harness.press(USER, ModelChoose(model=SINGLE_EDIT))
    await harness.send_photo(USER, png(16, 16, b"a"))
    await harness.send(USER, "акварель")
    # the model takes one photo: an album's photos each replace it, and one screen is edited
    first = await harness.send_photo(USER, png(16, 16, b"b"), album="al-1")
    second = await harness.send_photo(USER, png(16, 16, b"c"), album="al-1")
    assert last_screen(first).name == "SendMessage" and last_screen(second).name == "EditMessageText"
    assert len((await _draft(harness)).images) == 1


async def test_a_photo_for_a_model_without_photos_says_where_photos_go(harness: Harness) -> None:
    await _at_format(harness, NANO, "кот")
    before = await _draft(harness)
    calls = await harness.send_photo(USER, png(16, 16, b"a"))
    assert texts_of(calls) == [
        RU.photos_not_taken.format(edit=RU.categories["edit"], animate=RU.categories["animate"])
    ]
    assert await _draft(harness) == before


async def test_a_caption_sent_with_the_photo_is_the_description(harness: Harness) -> None:
    await harness.press(USER, ModelChoose(model=SINGLE_EDIT))
    await harness.send_photo(USER, png(16, 16, b"a"), caption="сделай в стиле аниме")
    # one photo and a description: nothing left to ask on step 1, and the model has no options
    assert (await _draft(harness)).prompt == "сделай в стиле аниме"
    assert await harness.state(USER) == Step.confirm.state


# --- "✏️ Изменить" --------------------------------------------------------------------------------------------


async def test_edit_offers_the_parts_of_the_draft(harness: Harness) -> None:
    await harness.press(USER, ModelChoose(model=EDIT))
    await harness.send_photo(USER, png(16, 16, b"a"))
    await harness.press(USER, Wizard(action="photos_done"))
    await harness.send(USER, "фон — море")
    await harness.press(USER, Wizard(action="format_done"))
    calls = await harness.press(USER, Wizard(action="edit"))
    assert buttons_of(last_screen(calls)) == [
        RU.btn_edit_prompt_part,
        RU.btn_edit_photos,
        RU.btn_edit_format,
        RU.btn_back_to_confirm,
    ]


async def test_changing_the_description_keeps_the_options_and_returns_to_the_check(harness: Harness) -> None:
    await _at_format(harness, NANO, "кот")
    await harness.press(USER, OptionPick(option=0, value=2))  # 16:9
    await harness.press(USER, Wizard(action="format_done"))
    await harness.press(USER, Wizard(action="edit"))
    await harness.press(USER, EditPart(part="prompt"))
    assert await harness.state(USER) == Step.prompt.state
    calls = await harness.send(USER, "пёс")
    assert await harness.state(USER) == Step.confirm.state  # not through step 2 again
    draft = await _draft(harness)
    assert draft.prompt == "пёс" and draft.options["aspect_ratio"] == "16:9"
    assert RU.confirm_prompt_line.format(prompt="пёс") in last_screen(calls).text


async def test_changing_the_photos_keeps_the_description(harness: Harness) -> None:
    await harness.press(USER, ModelChoose(model=SINGLE_EDIT))
    await harness.send_photo(USER, png(16, 16, b"a"))
    await harness.send(USER, "акварель")
    first = (await _draft(harness)).images
    await harness.press(USER, Wizard(action="edit"))
    await harness.press(USER, EditPart(part="photos"))
    assert await harness.state(USER) == Step.photos.state
    await harness.send_photo(USER, png(16, 16, b"z"))
    draft = await _draft(harness)
    assert await harness.state(USER) == Step.confirm.state
    assert draft.prompt == "акварель" and draft.images != first and len(draft.images) == 1


# --- prices before the check ----------------------------------------------------------------------------


async def test_step_two_buttons_show_how_the_price_changes(harness: Harness) -> None:
    await harness.press(USER, ModelChoose(model=NANO_2))
    calls = await harness.send(USER, "кот")
    labels = buttons_of(last_screen(calls))
    # 1K is chosen (8 ₽); 2K costs 12 ₽ and 4K 18 ₽
    assert "✅ 1K" in labels
    assert RU.price_delta.format(label="2K", delta="+" + format_rub(4_00)) in labels
    assert RU.price_delta.format(label="4K", delta="+" + format_rub(10_00)) in labels
    assert RU.format_price_line.format(price=format_rub(8_00)) in last_screen(calls).text
    # after 4K is picked, the others say how much cheaper they are
    picked = await harness.press(USER, OptionPick(option=1, value=2))
    assert RU.price_delta.format(label="1K", delta="−" + format_rub(10_00)) in buttons_of(last_screen(picked))


async def test_a_card_shows_the_range_and_how_many_runs_the_balance_covers(
    harness: Harness, pool: Pool
) -> None:
    await _with_balance(harness, pool, 100_00)
    calls = await harness.press(USER, ModelCard(model=NANO_2))
    text = last_screen(calls).text
    assert RU.price_range.format(low=format_rub(8_00), high=format_rub(18_00)) in text
    assert RU.runs_line.format(balance=format_rub(100_00), runs="12 запусков") in text


async def test_a_short_balance_never_shows_a_negative_and_offers_cheaper_models_that_keep_the_draft(
    harness: Harness, pool: Pool
) -> None:
    # Given: 5 ₽ and a 4K draft on Nano Banana 2 (18 ₽)
    await _with_balance(harness, pool, 5_00)
    await _at_format(harness, NANO_2, "кот на луне")
    await harness.press(USER, OptionPick(option=1, value=2))
    calls = await harness.press(USER, Wizard(action="format_done"))
    screen = last_screen(calls)
    # Then: what is missing, no "after launch" line, and up to three models that fit 5 ₽
    assert RU.short_balance_cheaper.format(missing=format_rub(13_00)).strip() in screen.text
    assert "−" not in screen.text
    switch = [data for data in button_data(screen) if data.startswith("sw:")]
    assert 1 <= len(switch) <= 3
    # When: one is pressed
    target = SwitchModel.unpack(switch[0]).model
    after = await harness.press(USER, SwitchModel(model=target))
    # Then: the same description on that model, at the check, with a launch button
    draft = await _draft(harness)
    assert draft.model_id == target and draft.prompt == "кот на луне"
    assert model_title(target) in last_screen(after).text
    assert any(is_launch_button(label) for label in buttons_of(last_screen(after)))


async def test_the_daily_cap_stops_the_check_and_the_launch(harness: Harness, pool: Pool) -> None:
    await _with_balance(harness, pool, 100_00)
    await preferences.set_daily_cap(pool, USER, 10_00)
    await _at_format(harness, NANO_2, "кот")
    await harness.press(USER, OptionPick(option=1, value=2))  # 18 ₽ > 10 ₽
    calls = await harness.press(USER, Wizard(action="format_done"))
    screen = last_screen(calls)
    assert head_of(RU.over_cap, room=format_rub(10_00)) in screen.text
    assert RU.btn_settings in buttons_of(screen)
    assert not any(is_launch_button(label) for label in buttons_of(screen))
    # a launch button from an older screen is refused the same way
    draft = await _draft(harness)
    await harness.press(USER, Launch(draft=draft.draft_id))
    assert await pool.fetchval("SELECT count(*) FROM jobs WHERE user_id = $1", USER) == 0


# --- the family models' steps ---------------------------------------------------------------------------


async def test_a_song_with_own_lyrics_asks_for_its_style_and_title(
    harness: Harness, pool: Pool, kie: FakeKieServer
) -> None:
    await _with_balance(harness, pool, 100_00)
    first = await harness.press(USER, ModelChoose(model="suno/my-lyrics"))
    assert "Текст песни" in last_screen(first).text
    style = await harness.send(USER, "Солнце над морем")
    assert await harness.state(USER) == Step.extra.state and "Стиль музыки" in last_screen(style).text
    await harness.send(USER, "поп-рок, женский вокал")
    await harness.send(USER, "Лето")
    assert await harness.state(USER) == Step.format.state
    calls = await harness.press(USER, Wizard(action="format_done"))
    assert "Стиль музыки: поп-рок, женский вокал" in last_screen(calls).text
    draft = await _draft(harness)
    await harness.press(USER, Launch(draft=draft.draft_id))
    job = await pool.fetchrow("SELECT inputs FROM jobs WHERE user_id = $1", USER)
    assert job is not None
    sent = {"style": "поп-рок, женский вокал", "title": "Лето", "customMode": True, "instrumental": False}
    assert sent.items() <= job["inputs"].items()


async def test_text_to_speech_asks_for_the_text_to_speak(harness: Harness) -> None:
    calls = await harness.press(USER, ModelChoose(model="elevenlabs/text-to-speech-turbo-2-5"))
    assert "Текст для озвучки" in last_screen(calls).text
    assert RU.prompt_ask not in last_screen(calls).text


async def test_a_model_without_a_description_goes_from_the_photo_to_the_check(harness: Harness) -> None:
    await harness.press(USER, ModelChoose(model="recraft/remove-background"))
    calls = await harness.send_photo(USER, png(16, 16, b"a"))
    assert await harness.state(USER) == Step.confirm.state
    assert not any(head_of(RU.step_prompt) in text for text in texts_of(calls))


async def test_only_models_that_take_several_photos_mention_an_album(harness: Harness) -> None:
    one = await harness.press(USER, ModelChoose(model=SINGLE_EDIT))
    assert RU.photos_album_hint.strip() not in last_screen(one).text
    several = await harness.press(USER, ModelChoose(model=EDIT))
    assert RU.photos_album_hint.strip() in last_screen(several).text


async def test_an_operator_price_makes_a_model_without_a_listed_price_available(
    harness: Harness, pool: Pool
) -> None:
    before = await harness.press(USER, CategoryPick(code="photo"))
    assert model_title("midjourney/text-to-image") not in " ".join(buttons_of(last_screen(before)))
    await overrides.save(
        pool, overrides.ModelOverride("midjourney/text-to-image", fixed_price_kopecks=15_00), admin_id=1
    )
    after = await harness.press(USER, CategoryPick(code="photo"))
    labels = buttons_of(last_screen(after))
    assert any(label.startswith(model_title("midjourney/text-to-image")) for label in labels)


async def test_a_card_says_what_the_model_takes(harness: Harness) -> None:
    calls = await harness.press(USER, ModelCard(model=EDIT))
    assert RU.inputs_line.format(inputs="до 10 фото, описание") in last_screen(calls).text
    speech = await harness.press(USER, ModelCard(model="elevenlabs/text-to-speech-turbo-2-5"))
    assert RU.inputs_line.format(inputs="текст для озвучки") in last_screen(speech).text


async def test_a_card_shows_the_time_measured_here_once_there_are_enough_results(
    harness: Harness, pool: Pool
) -> None:
    # Given: four recent results of Nano Banana that took 12 s (the catalog says 30 s)
    await harness.send(USER, "/start")

    async def finished(count: int) -> None:
        for _ in range(count):
            await pool.execute(
                """
                INSERT INTO jobs (user_id, chat_id, draft_id, model_id, inputs, price, payment, status,
                                  result_urls, created_at, submitted_at, finished_at)
                VALUES ($1, $1, md5(random()::text), $2, '{}', 0, 'free', 'succeeded', '["u"]',
                        now() - interval '12 seconds', now() - interval '12 seconds', now())
                """,
                USER,
                NANO,
            )

    await finished(4)
    before = await harness.press(USER, ModelCard(model=NANO))
    assert RU.eta_line.format(eta="30 сек") in last_screen(before).text
    # When: a fifth one
    await finished(1)
    after = await harness.press(USER, ModelCard(model=NANO))
    # Then: the card tells the time measured here
    assert RU.eta_measured_line.format(eta="12 сек") in last_screen(after).text


async def test_step_two_of_a_voice_model_offers_the_voice_samples(harness: Harness) -> None:
    listen = voices_copy("ru").btn_listen
    await harness.press(USER, ModelChoose(model="elevenlabs/text-to-speech-turbo-2-5"))
    speech = await harness.send(USER, "Привет!")
    assert listen in buttons_of(last_screen(speech))
    await harness.press(USER, ModelChoose(model=NANO_2))
    picture = await harness.send(USER, "кот")
    assert listen not in buttons_of(last_screen(picture))


async def test_raising_the_cap_from_the_check_brings_the_draft_back(harness: Harness, pool: Pool) -> None:
    # Given: a check refused by a 10 ₽ cap
    await _with_balance(harness, pool, 100_00)
    await preferences.set_daily_cap(pool, USER, 10_00)
    await _at_format(harness, NANO_2, "кот")
    await harness.press(USER, OptionPick(option=1, value=2))  # 18 ₽
    await harness.press(USER, Wizard(action="format_done"))
    # When: settings from there, a typed cap of 1 000 ₽
    await harness.press(USER, Menu(screen="settings"))
    await harness.press(USER, SettingsScreen(screen="custom"))
    saved = await harness.send(USER, "1000")
    back = payments_copy("ru").btn_back_to_launch
    assert back in buttons_of(last_screen(saved))
    # Then: the way back leads to the same draft's check, now with its launch button
    resumed = await harness.press(USER, Menu(screen="resume"))
    assert (await _draft(harness)).options["resolution"] == "4K"
    assert any(is_launch_button(label) for label in buttons_of(last_screen(resumed)))
