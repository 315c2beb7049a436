"""Every wizard step fed straight to the Dispatcher: the state it leaves and the calls it makes."""

from __future__ import annotations

from creativebot import wallet
from creativebot.db import Pool
from creativebot.telegram.callbacks import (
    CategoryPick,
    Launch,
    Menu,
    ModelCard,
    ModelChoose,
    OptionPick,
    Wizard,
)
from creativebot.telegram.states import Step
from creativebot.texts import EN, RU, format_rub
from creativebot.wizard import Draft
from infra.local.kie import FakeKieServer
from infra.local.kie.fake import png
from tests.e2e.flows import head_of, is_launch_button, launch_button, model_button, model_title
from tests.handlers.harness import Harness, buttons_of, last_screen, texts_of

USER = 424242
NANO = "google/nano-banana"  # text-to-image, 4 ₽, one option (aspect ratio)
EDIT = "google/nano-banana-edit"  # 1-10 photos, a prompt, one option
SINGLE_EDIT = "qwen/image-to-image"  # exactly one photo, no options


async def _draft(harness: Harness) -> Draft:
    draft = Draft.from_state(await harness.data(USER))
    assert draft is not None
    return draft


async def _to_prompt(harness: Harness, model: str) -> None:
    await harness.send(USER, "/start")
    await harness.press(USER, ModelChoose(model=model))


async def test_start_shows_the_menu_and_forgets_any_draft(harness: Harness) -> None:
    # Given: a person half-way through a draft
    await _to_prompt(harness, NANO)
    assert await harness.state(USER) == Step.prompt.state
    # When: /start
    calls = await harness.send(USER, "/start")
    # Then: the welcome screen with the main menu, and no conversation left
    screen = last_screen(calls)
    assert screen.text == RU.welcome
    assert RU.categories["photo"] in buttons_of(screen)
    assert await harness.state(USER) is None
    assert await harness.data(USER) == {}


async def test_an_english_speaker_gets_english(harness: Harness) -> None:
    calls = await harness.send(USER, "/start", language_code="en")
    assert last_screen(calls).text == EN.welcome


async def test_a_category_lists_its_models_with_prices(harness: Harness) -> None:
    await harness.send(USER, "/start")
    calls = await harness.press(USER, CategoryPick(code="photo"))
    assert calls[0].name == "AnswerCallbackQuery"  # the spinner stops first
    screen = last_screen(calls)
    assert screen.name == "EditMessageText"
    assert screen.text == RU.category_prompt.format(category=RU.categories["photo"])
    labels = buttons_of(screen)
    assert model_button("z-image", None) in labels
    assert model_button(NANO, 4_00) in labels


async def test_a_model_card_tells_price_and_time(harness: Harness) -> None:
    calls = await harness.press(USER, ModelCard(model=NANO))
    screen = last_screen(calls)
    assert model_title(NANO) in screen.text and format_rub(4_00, "ru") in screen.text
    assert buttons_of(screen) == [RU.btn_choose, RU.btn_back]


async def test_choosing_a_text_model_starts_a_draft_at_the_prompt(harness: Harness) -> None:
    calls = await harness.press(USER, ModelChoose(model=NANO))
    assert await harness.state(USER) == Step.prompt.state
    draft = await _draft(harness)
    assert draft.model_id == NANO and draft.options == {"aspect_ratio": "1:1"} and draft.prompt is None
    # the card becomes "you chose", and step 1 comes as a new message
    assert [call.name for call in calls] == ["AnswerCallbackQuery", "EditMessageText", "SendMessage"]
    assert calls[-1].text.startswith(head_of(RU.step_prompt))


async def test_choosing_a_photo_model_asks_for_photos_first(harness: Harness) -> None:
    await harness.press(USER, ModelChoose(model=EDIT))
    assert await harness.state(USER) == Step.photos.state


async def test_photos_are_stored_and_counted_until_next(harness: Harness, kie: FakeKieServer) -> None:
    # Given: a draft for a model that takes 1-10 photos
    await harness.press(USER, ModelChoose(model=EDIT))
    # When: two photos arrive
    first = await harness.send_photo(USER, png(32, 32, b"a"))
    second = await harness.send_photo(USER, png(32, 32, b"b"))
    # Then: both went to KIE's storage, the counter message is edited, the state waits for more
    draft = await _draft(harness)
    assert len(draft.images) == 2 and all(url.startswith(kie.url) for url in draft.images)
    assert len(kie.fake.uploads) == 2
    assert last_screen(first).name == "SendMessage" and last_screen(second).name == "EditMessageText"
    assert RU.photos_received.format(count=2, max=10) == last_screen(second).text
    assert await harness.state(USER) == Step.photos.state
    # When: "Дальше"
    await harness.press(USER, Wizard(action="photos_done"))
    assert await harness.state(USER) == Step.prompt.state


async def test_the_last_allowed_photo_moves_on_by_itself(harness: Harness) -> None:
    await harness.press(USER, ModelChoose(model=SINGLE_EDIT))
    calls = await harness.send_photo(USER, png(32, 32, b"c"))
    assert await harness.state(USER) == Step.prompt.state
    assert head_of(RU.step_prompt) in last_screen(calls).text


async def test_text_instead_of_a_photo_is_answered(harness: Harness) -> None:
    await harness.press(USER, ModelChoose(model=EDIT))
    calls = await harness.send(USER, "кот")
    assert texts_of(calls) == [RU.photo_expected]
    assert await harness.state(USER) == Step.photos.state


async def test_a_good_prompt_leads_to_the_format_step(harness: Harness) -> None:
    await _to_prompt(harness, NANO)
    calls = await harness.send(USER, "  кот-астронавт  ")
    assert await harness.state(USER) == Step.format.state
    assert (await _draft(harness)).prompt == "кот-астронавт"
    assert last_screen(calls).text.startswith(RU.step_format)


async def test_a_too_long_prompt_is_explained_and_the_step_stays(harness: Harness) -> None:
    await _to_prompt(harness, "z-image")  # at most 1000 characters
    calls = await harness.send(USER, "x" * 1001)
    assert texts_of(calls)[0].startswith(head_of(RU.prompt_too_long, length=1001))
    assert await harness.state(USER) == Step.prompt.state
    assert (await _draft(harness)).prompt is None


async def test_picking_an_option_marks_it(harness: Harness) -> None:
    await _to_prompt(harness, NANO)
    await harness.send(USER, "кот")
    draft = await _draft(harness)
    calls = await harness.press(USER, OptionPick(option=0, value=2))  # the third aspect ratio: 16:9
    assert (await _draft(harness)).options == {**draft.options, "aspect_ratio": "16:9"}
    assert "✅ 16:9" in buttons_of(last_screen(calls))


async def test_a_forged_option_number_changes_nothing(harness: Harness) -> None:
    await _to_prompt(harness, NANO)
    await harness.send(USER, "кот")
    before = await _draft(harness)
    await harness.press(USER, OptionPick(option=7, value=99))
    assert await _draft(harness) == before


async def test_next_on_the_format_step_shows_the_price(harness: Harness, pool: Pool) -> None:
    await _to_prompt(harness, NANO)
    await wallet.topup(pool, USER, 10_000, "test-topup")
    await harness.send(USER, "кот")
    calls = await harness.press(USER, Wizard(action="format_done"))
    assert await harness.state(USER) == Step.confirm.state
    screen = last_screen(calls)
    assert RU.confirm_price_line.format(price=format_rub(4_00, "ru")) in screen.text
    assert launch_button(4_00) in buttons_of(screen)


async def test_a_short_balance_offers_a_top_up_instead_of_launch(harness: Harness) -> None:
    await _to_prompt(harness, NANO)
    await harness.send(USER, "кот")
    calls = await harness.press(USER, Wizard(action="format_done"))
    labels = buttons_of(last_screen(calls))
    assert RU.btn_topup in labels
    assert not any(is_launch_button(label) for label in labels)


async def test_launch_holds_the_price_submits_and_clears_the_draft(
    harness: Harness, pool: Pool, kie: FakeKieServer
) -> None:
    # Given: a confirmed draft and 100 ₽
    await _to_prompt(harness, NANO)
    await wallet.topup(pool, USER, 10_000, "test-topup")
    await harness.send(USER, "кот")
    await harness.press(USER, Wizard(action="format_done"))
    draft = await _draft(harness)
    # When: "Запустить"
    calls = await harness.press(USER, Launch(draft=draft.draft_id))
    # Then: the price is held, KIE got one task, the status message is kept, the draft is gone
    job = await pool.fetchrow(
        "SELECT status, price, task_id, status_message_id FROM jobs WHERE user_id = $1", USER
    )
    assert job is not None and job["status"] == "submitted" and job["price"] == 400
    assert job["status_message_id"] == 1
    assert len(kie.fake.create_requests) == 1
    assert (await wallet.balance_of(pool, USER)).held == 400
    assert await harness.state(USER) is None
    assert texts_of(calls)[-1].startswith(head_of(RU.launch_started))
    # When: the same button again (a double tap)
    again = await harness.press(USER, Launch(draft=draft.draft_id))
    assert texts_of(again) == [RU.already_launched]
    assert len(kie.fake.create_requests) == 1


async def test_skip_is_offered_only_where_the_prompt_is_optional(harness: Harness) -> None:
    await harness.press(USER, ModelChoose(model="grok-imagine/image-to-image"))
    calls = await harness.send_photo(USER, png(16, 16, b"d"))
    assert RU.btn_skip in buttons_of(last_screen(calls))
    await harness.press(USER, Wizard(action="skip_prompt"))
    assert await harness.state(USER) == Step.confirm.state


async def test_back_returns_to_the_prompt_keeping_the_draft(harness: Harness) -> None:
    await _to_prompt(harness, NANO)
    await harness.send(USER, "кот")
    calls = await harness.press(USER, Wizard(action="back_to_prompt"))
    assert await harness.state(USER) == Step.prompt.state
    assert (await _draft(harness)).prompt == "кот"
    assert RU.prompt_current.format(prompt="кот") in last_screen(calls).text


async def test_cancel_forgets_the_draft(harness: Harness) -> None:
    await _to_prompt(harness, NANO)
    calls = await harness.press(USER, Wizard(action="cancel"))
    assert await harness.state(USER) is None and await harness.data(USER) == {}
    assert last_screen(calls).text.startswith(RU.cancel_done)


async def test_a_stale_button_gets_the_menu(harness: Harness) -> None:
    calls = await harness.press(USER, "nonsense:button")
    assert last_screen(calls).text.startswith(RU.stale_button)


async def test_the_main_menu_button_clears_the_wizard(harness: Harness) -> None:
    await _to_prompt(harness, NANO)
    await harness.press(USER, Menu(screen="main"))
    assert await harness.state(USER) is None


async def test_help_lists_every_command_of_the_command_menu(harness: Harness) -> None:
    calls = await harness.send(USER, "/help")
    text = last_screen(calls).text
    for command in ("/menu", "/invite", "/topup", "/gallery", "/settings", "/balance", "/cancel"):
        assert f"{command} — " in text, command


async def test_the_main_menu_opens_the_gallery_and_the_settings(harness: Harness) -> None:
    calls = await harness.send(USER, "/menu")
    labels = buttons_of(last_screen(calls))
    assert "🖼 Мои генерации" in labels and RU.btn_settings in labels
