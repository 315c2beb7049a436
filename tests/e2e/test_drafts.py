"""Issue 16 through the emulator: a draft stays editable at steps 2 and 3, a photo swaps in, a short
balance offers cheaper models that keep the draft, and the daily cap stops the check."""

from __future__ import annotations

from creativebot.texts import RU, format_rub
from infra.local.kie.fake import png
from infra.local.telegram.client import ChatUser, buttons_of, text_of
from tests.e2e.conftest import Database
from tests.e2e.flows import (
    NANO_BANANA,
    head_of,
    is_launch_button,
    model_title,
    open_model,
    plain,
    start,
    title_of,
)

USER_FLOW_PROMPT = "кот на крыше"


def _at_format(person: ChatUser) -> None:
    open_model(person, "photo", NANO_BANANA)
    person.wait_for(lambda m: title_of(RU.step_prompt) in text_of(m), what="step 1/3")
    person.send(USER_FLOW_PROMPT)
    person.wait_for(lambda m: title_of(RU.step_format) in text_of(m), what="step 2/3")


def test_typing_on_steps_two_and_three_replaces_the_description(person: ChatUser, database: Database) -> None:
    start(person)
    database.topup(person.user_id, 20_00)
    _at_format(person)
    # step 2: a new description, the same step again
    person.send("собака в очках")
    again = person.wait_for(lambda m: plain(RU.prompt_updated) in text_of(m), what="step 2 with the new text")
    assert title_of(RU.step_format) in text_of(again)
    person.press(RU.btn_next)
    person.wait_for(
        lambda m: "собака в очках" in text_of(m) and title_of(RU.step_confirm) in text_of(m), what="3/3"
    )
    # step 3: another one, the check shows it and can launch it
    person.send("лиса в снегу")
    check = person.wait_for(
        lambda m: "лиса в снегу" in text_of(m) and title_of(RU.step_confirm) in text_of(m), what="3/3"
    )
    assert "собака" not in text_of(check)
    assert any(is_launch_button(label) for label in buttons_of(check))
    assert RU.not_understood not in [text_of(m) for m in person.bot_messages()]


def test_a_photo_swaps_in_and_edit_keeps_the_rest(person: ChatUser, database: Database) -> None:
    start(person)
    database.topup(person.user_id, 50_00)
    title = model_title("qwen/image-to-image") + " ·"  # one photo, no options
    person.press(RU.categories["edit"])
    person.wait_for(lambda m: any(b.startswith(title) for b in buttons_of(m)), what="the edit list")
    person.press(title)
    person.wait_for(lambda m: RU.btn_choose in buttons_of(m), what="card")
    person.press(RU.btn_choose)
    person.wait_for(lambda m: title_of(RU.step_photos) in text_of(m), what="step 1 photos")
    # a caption is the description; the model has no options, so the check follows
    person.send_photo(png(24, 24, b"first"), caption="в стиле акварели")
    person.wait_for(
        lambda m: title_of(RU.step_confirm) in text_of(m) and "в стиле акварели" in text_of(m), what="3/3"
    )
    # a second photo on the check replaces the only one, the description stays
    person.send_photo(png(24, 24, b"second"))
    swapped = person.wait_for(
        lambda m: plain(RU.photos_updated.format(count=1, max=1)) in text_of(m),
        what="the check after the swap",
    )
    assert "в стиле акварели" in text_of(swapped)
    # "✏️ Изменить" → description: the photo stays, the check comes back directly
    person.press(RU.btn_edit)
    person.wait_for(lambda m: RU.btn_edit_prompt_part in buttons_of(m), what="what to change")
    person.press(RU.btn_edit_prompt_part)
    person.wait_for(lambda m: title_of(RU.step_prompt) in text_of(m), what="step 1 again")
    person.send("в стиле комикса")
    check = person.wait_for(
        lambda m: (
            m["from_bot"] and title_of(RU.step_confirm) in text_of(m) and "в стиле комикса" in text_of(m)
        ),
        what="the check with the new text",
    )
    assert plain(RU.confirm_photos_line.format(count=1)) in text_of(check)


def test_a_short_balance_offers_cheaper_models_that_keep_the_draft(
    person: ChatUser, database: Database
) -> None:
    start(person)
    database.topup(person.user_id, 5_00)
    person.press(RU.categories["photo"])
    banana_2 = "Nano Banana 2"
    person.wait_for(lambda m: any(b.startswith(banana_2 + " ·") for b in buttons_of(m)), what="photo list")
    person.press(banana_2 + " ·")
    person.wait_for(lambda m: RU.btn_choose in buttons_of(m), what="card")
    person.press(RU.btn_choose)
    person.wait_for(lambda m: title_of(RU.step_prompt) in text_of(m), what="step 1/3")
    person.send("кот на луне")
    person.wait_for(lambda m: title_of(RU.step_format) in text_of(m), what="step 2/3")
    person.press("4K")
    person.wait_for(lambda m: "✅ 4K" in buttons_of(m), what="4K picked")
    person.press(RU.btn_next)
    short = person.wait_for(lambda m: title_of(RU.step_confirm) in text_of(m), what="3/3")
    assert plain(RU.short_balance_cheaper.format(missing=format_rub(13_00))).strip() in text_of(short)
    assert "после запуска" not in text_of(short) and "−" not in text_of(short)
    cheaper = [b for b in buttons_of(short) if b not in {RU.btn_topup, RU.btn_edit, RU.btn_cancel}]
    assert 1 <= len(cheaper) <= 3, buttons_of(short)
    person.press(cheaper[0])
    switched = person.wait_for(
        lambda m: title_of(RU.step_confirm) in text_of(m) and cheaper[0].split(" · ")[0] in text_of(m),
        what="the check on the cheaper model",
    )
    assert "кот на луне" in text_of(switched)
    assert any(is_launch_button(label) for label in buttons_of(switched))


def test_the_daily_cap_refuses_politely_at_the_check(person: ChatUser, database: Database) -> None:
    start(person)
    database.topup(person.user_id, 100_00)
    person.send("/settings")
    person.wait_for(lambda m: RU.btn_main_menu in buttons_of(m), what="settings")
    database.execute("UPDATE users SET daily_cap_kopecks = 300 WHERE id = $1", person.user_id)
    person.send("/menu")
    person.wait_for_text(title_of(RU.menu_prompt))
    _at_format(person)
    person.press(RU.btn_next)
    check = person.wait_for(lambda m: title_of(RU.step_confirm) in text_of(m), what="3/3")
    assert plain(head_of(RU.over_cap, room=format_rub(3_00))) in text_of(check)
    assert RU.btn_settings in buttons_of(check)
    assert not any(is_launch_button(label) for label in buttons_of(check))
