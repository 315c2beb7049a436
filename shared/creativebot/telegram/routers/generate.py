"""The product: category -> model -> "Шаг 1/3 Что делаем?" -> "Шаг 2/3 Формат" -> "Шаг 3/3 Проверяем".

Each handler parses the press, asks the wizard service, and shows a view. The draft lives in the
conversation state; prices are always recomputed on the server, a button only names what was pressed.
The draft stays editable at every step: a text typed on step 2 or 3 replaces the description, a photo
replaces or adds photos, "✏️ Изменить" changes one part and comes back to the check.
"""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from creativebot.jobs import Job
from creativebot.kie.catalog import CatalogModel, load_catalog
from creativebot.kie.client import KieError
from creativebot.observability import log_event
from creativebot.telegram.callbacks import (
    CategoryPick,
    EditPart,
    Launch,
    ModelCard,
    ModelChoose,
    Noop,
    OptionPick,
    SwitchModel,
    Wizard,
)
from creativebot.telegram.routers.common import cancel, menu_screen
from creativebot.telegram.screens import Screen, show
from creativebot.telegram.states import Step
from creativebot.telegram.views import wizard as views
from creativebot.texts import Copy
from creativebot.users import User
from creativebot.wizard import (
    AlreadyLaunched,
    Draft,
    DraftGone,
    Launched,
    NeedsChanges,
    OverCap,
    ShortOfMoney,
    TooManyRunning,
    WizardService,
    carried_over,
    next_text,
    photo_limit_mb,
    prompt_problem,
    takes,
    text_problem,
)

COUNTER_MESSAGE = "counter_message"  # the "Получено фото: N из M" message, edited as photos arrive
ALBUM_SCREEN = "album_screen"  # [media group id, message id] of the screen an album's photos update
REACHED_CONFIRM = "reached_confirm"  # the draft has been checked once: a change returns to the check


async def _draft(state: FSMContext, wizard: WizardService) -> tuple[Draft, CatalogModel] | None:
    draft = Draft.from_state(await state.get_data())
    model = await wizard.model(draft.model_id) if draft is not None else None
    return (draft, model) if draft is not None and model is not None else None


async def _save(state: FSMContext, draft: Draft) -> None:
    await state.update_data(draft.to_state())


async def _expired(event: Message | CallbackQuery, state: FSMContext, texts: Copy) -> None:
    await state.clear()
    await show(event, views.draft_expired(texts))


# --- categories and model cards -----------------------------------------------------------------------


async def category_screen(
    callback: CallbackQuery, callback_data: CategoryPick, texts: Copy, user: User, wizard: WizardService
) -> None:
    await render_category(callback, callback_data.code, texts, user, wizard)


async def render_category(
    event: Message | CallbackQuery, code: str, texts: Copy, user: User, wizard: WizardService
) -> None:
    if code not in texts.categories:
        await show(event, menu_screen(texts))
        return
    offers = await wizard.offers(user, code)  # type: ignore[arg-type]  # a category code, checked above
    await show(event, views.category(texts, code, offers))


async def model_card(
    callback: CallbackQuery, callback_data: ModelCard, texts: Copy, user: User, wizard: WizardService
) -> None:
    model = await wizard.model(callback_data.model)
    if model is None or model.follow_up:
        await show(callback, views.unavailable_model(texts))
        return
    await show(callback, views.model_card(texts, await wizard.card(user, model)))


# --- moving through the steps ----------------------------------------------------------------------------


async def choose_model(
    callback: CallbackQuery,
    callback_data: ModelChoose,
    state: FSMContext,
    texts: Copy,
    user: User,
    wizard: WizardService,
) -> None:
    model = await wizard.model(callback_data.model)
    if model is None or model.follow_up:
        await show(callback, views.unavailable_model(texts))
        return
    draft = wizard.new_draft(model)
    await state.set_data(draft.to_state())
    log_event("MODEL_CHOSEN", model=model.id)
    await show(callback, views.chosen(texts, model))
    await _ask_next(callback, state, texts, user, wizard, model, draft, new_message=True)


async def _ask_next(
    event: Message | CallbackQuery,
    state: FSMContext,
    texts: Copy,
    user: User,
    wizard: WizardService,
    model: CatalogModel,
    draft: Draft,
    *,
    new_message: bool = False,
) -> None:
    """Show what the draft needs next: photos, the description, another text, the format, the check.
    Once the draft has been checked, a change goes straight back to the check."""
    if model.images and len(draft.images) < model.images.min:
        await state.set_state(Step.photos)
        await show(event, views.step_photos(texts, model), new_message=new_message)
    elif model.prompt_input and draft.prompt is None:
        await state.set_state(Step.prompt)
        await show(event, views.step_prompt(texts, model, draft), new_message=new_message)
    elif (wanted := next_text(model, draft)) is not None:
        await state.set_state(Step.extra)
        await show(event, views.step_text(texts, model, wanted), new_message=new_message)
    elif model.options and not (await state.get_data()).get(REACHED_CONFIRM):
        await state.set_state(Step.format)
        await show(event, await _format_screen(wizard, texts, model, draft), new_message=new_message)
    else:
        await _confirm(event, state, texts, user, wizard, model, draft, new_message=new_message)


async def _format_screen(
    wizard: WizardService, texts: Copy, model: CatalogModel, draft: Draft, note: str | None = None
) -> Screen:
    prices = await wizard.option_prices(model, draft)
    return views.step_format(texts, model, draft, prices, await wizard.price(model, draft), note)


async def _confirm(
    event: Message | CallbackQuery,
    state: FSMContext,
    texts: Copy,
    user: User,
    wizard: WizardService,
    model: CatalogModel,
    draft: Draft,
    *,
    note: str | None = None,
    new_message: bool = False,
) -> None:
    await state.set_state(Step.confirm)
    await state.update_data({REACHED_CONFIRM: True})
    quote = await wizard.quote(user, draft, model)
    await show(event, views.confirm(texts, quote, note), new_message=new_message)


async def _current_screen(
    state: FSMContext,
    texts: Copy,
    user: User,
    wizard: WizardService,
    model: CatalogModel,
    draft: Draft,
    note: str,
) -> Screen | None:
    """The screen of the step the conversation is on, with a note on top (after a change)."""
    step = await state.get_state()
    if step == Step.prompt.state:
        return views.step_prompt(texts, model, draft, note)
    if step == Step.format.state:
        return await _format_screen(wizard, texts, model, draft, note)
    if step == Step.confirm.state:
        return views.confirm(texts, await wizard.quote(user, draft, model), note)
    return None


# --- step 1: photos, description, other texts ---------------------------------------------------------------


def _image_of(message: Message) -> tuple[str, int | None, str, str] | None:
    """(file_id, size, file name, mime type) of a photo or an image sent as a file."""
    if message.photo:
        largest = message.photo[-1]
        return largest.file_id, largest.file_size, f"{largest.file_unique_id}.jpg", "image/jpeg"
    document = message.document
    if document and (document.mime_type or "").startswith("image/"):
        name = document.file_name or f"{document.file_unique_id}.img"
        return document.file_id, document.file_size, name, document.mime_type or "image/jpeg"
    return None


async def _take_photo(
    message: Message, texts: Copy, bot: Bot, wizard: WizardService, model: CatalogModel
) -> str | None:
    """The photo stored on KIE's side (its URL), or None after telling the user what is wrong."""
    image = _image_of(message)
    if image is None:
        await message.answer(texts.photo_not_image)
        return None
    file_id, size, file_name, mime_type = image
    limit_mb = photo_limit_mb(model)
    if size is not None and size > limit_mb * 1024 * 1024:
        await message.answer(texts.photo_too_big.format(mb=limit_mb))
        return None
    downloaded = await bot.download(file_id)
    assert downloaded is not None
    downloaded.seek(0)
    content = downloaded.read()
    if len(content) > limit_mb * 1024 * 1024:
        await message.answer(texts.photo_too_big.format(mb=limit_mb))
        return None
    try:
        return await wizard.upload_photo(content, file_name, mime_type)
    except KieError as error:
        log_event("PHOTO_UPLOAD_FAIL", level="warning", code=error.code)
        await message.answer(texts.photo_upload_failed)
        return None


async def _described(
    message: Message, texts: Copy, model: CatalogModel, draft: Draft, text: str
) -> Draft | None:
    """The draft with ``text`` as its description, or None after telling the user why it does not fit."""
    problem = prompt_problem(model, text)
    if problem:
        log_event("PROMPT_REFUSED", model=model.id, length=len(text))
        await message.answer(views.prompt_problem(texts, problem))
        return None
    return draft.with_changes(prompt=text.strip())


async def _with_caption(message: Message, texts: Copy, model: CatalogModel, draft: Draft) -> Draft:
    """A caption sent with a photo is the description, when the model takes one and it fits."""
    caption = (message.caption or "").strip()
    if not caption or not model.prompt_input:
        return draft
    return await _described(message, texts, model, draft, caption) or draft


async def photo_received(
    message: Message, state: FSMContext, texts: Copy, user: User, bot: Bot, wizard: WizardService
) -> None:
    loaded = await _draft(state, wizard)
    if loaded is None or loaded[1].images is None:
        await _expired(message, state, texts)
        return
    draft, model = loaded
    assert model.images is not None
    if len(draft.images) >= model.images.max:
        await _ask_next(message, state, texts, user, wizard, model, draft)
        return
    url = await _take_photo(message, texts, bot, wizard, model)
    if url is None:
        return
    draft = await _with_caption(message, texts, model, draft.with_changes(images=(*draft.images, url)))
    await _save(state, draft)
    log_event("PHOTO_STORED", count=len(draft.images), model=model.id)
    if len(draft.images) >= model.images.max:
        await state.update_data({COUNTER_MESSAGE: None})
        await _ask_next(message, state, texts, user, wizard, model, draft)
        return
    await _show_photo_counter(message, state, views.photos_received(texts, model, len(draft.images)), bot)


async def _show_photo_counter(message: Message, state: FSMContext, screen: Screen, bot: Bot) -> None:
    """One counter message, edited as photos arrive (an album comes as several updates)."""
    counter = (await state.get_data()).get(COUNTER_MESSAGE)
    if counter:
        try:
            await bot.edit_message_text(
                screen.text, chat_id=message.chat.id, message_id=counter, reply_markup=screen.markup
            )
        except TelegramBadRequest:
            counter = None
    if not counter:
        sent = await show(message, screen)
        if sent is not None:
            await state.update_data({COUNTER_MESSAGE: sent.message_id})


async def photos_done(
    callback: CallbackQuery, state: FSMContext, texts: Copy, user: User, wizard: WizardService
) -> None:
    loaded = await _draft(state, wizard)
    if loaded is None or loaded[1].images is None:
        await _expired(callback, state, texts)
        return
    draft, model = loaded
    assert model.images is not None
    if len(draft.images) < model.images.min:
        await show(
            callback,
            Screen("photos_needed", texts.photos_needed.format(min=model.images.min)),
            new_message=True,
        )
        return
    await state.update_data({COUNTER_MESSAGE: None})
    await _ask_next(callback, state, texts, user, wizard, model, draft)


async def photo_expected(message: Message, texts: Copy) -> None:
    await message.answer(texts.photo_expected)


async def photo_in_later_step(
    message: Message, state: FSMContext, texts: Copy, user: User, bot: Bot, wizard: WizardService
) -> None:
    """A photo after step 1: it adds to the photos while there is room, else starts a new set (so an
    album replaces the old one); a model without photos says where photos are used."""
    loaded = await _draft(state, wizard)
    if loaded is None:
        await _expired(message, state, texts)
        return
    draft, model = loaded
    if model.images is None:
        await message.answer(views.photos_not_taken(texts))
        return
    url = await _take_photo(message, texts, bot, wizard, model)
    if url is None:
        return
    # A new album is a new set of photos; its next photos, or a single photo while there is room, add.
    album = (await state.get_data()).get(ALBUM_SCREEN)
    same_album = bool(message.media_group_id) and album is not None and album[0] == message.media_group_id
    new_album = bool(message.media_group_id) and not same_album
    full = len(draft.images) >= model.images.max
    images = (url,) if new_album or full else (*draft.images, url)
    draft = await _with_caption(message, texts, model, draft.with_changes(images=images))
    await _save(state, draft)
    log_event("PHOTO_REPLACED", count=len(draft.images), model=model.id)
    note = texts.photos_updated.format(count=len(draft.images), max=model.images.max)
    screen = await _current_screen(state, texts, user, wizard, model, draft, note)
    if screen is None:
        await _ask_next(message, state, texts, user, wizard, model, draft)
        return
    if same_album and album is not None:
        try:
            await bot.edit_message_text(
                screen.text, chat_id=message.chat.id, message_id=album[1], reply_markup=screen.markup
            )
            return
        except TelegramBadRequest:
            pass
    sent = await show(message, screen)
    if message.media_group_id and sent is not None:
        await state.update_data({ALBUM_SCREEN: [message.media_group_id, sent.message_id]})


async def prompt_received(
    message: Message, state: FSMContext, texts: Copy, user: User, wizard: WizardService
) -> None:
    loaded = await _draft(state, wizard)
    if loaded is None:
        await _expired(message, state, texts)
        return
    draft, model = loaded
    described = await _described(message, texts, model, draft, message.text or "")
    if described is None:
        return
    await _save(state, described)
    await _ask_next(message, state, texts, user, wizard, model, described)


async def prompt_expected(message: Message, texts: Copy) -> None:
    await message.answer(texts.prompt_expected)


async def skip_prompt(
    callback: CallbackQuery, state: FSMContext, texts: Copy, user: User, wizard: WizardService
) -> None:
    loaded = await _draft(state, wizard)
    if loaded is None:
        await _expired(callback, state, texts)
        return
    draft, model = loaded
    if model.prompt_required:
        await show(callback, Screen("prompt_required", texts.prompt_empty), new_message=True)
        return
    draft = draft.with_changes(prompt="")
    await _save(state, draft)
    await _ask_next(callback, state, texts, user, wizard, model, draft)


async def text_received(
    message: Message, state: FSMContext, texts: Copy, user: User, wizard: WizardService
) -> None:
    """Another text the model takes (Suno's style, title): checked against its limit, then the next."""
    loaded = await _draft(state, wizard)
    wanted = next_text(loaded[1], loaded[0]) if loaded is not None else None
    if loaded is None or wanted is None:
        await _expired(message, state, texts)
        return
    draft, model = loaded
    value = message.text or ""
    problem = text_problem(model, wanted, value)
    if problem:
        await message.answer(views.prompt_problem(texts, problem))
        return
    draft = draft.with_changes(texts={**draft.texts, wanted.input: value.strip()})
    await _save(state, draft)
    await _ask_next(message, state, texts, user, wizard, model, draft)


async def skip_text(
    callback: CallbackQuery, state: FSMContext, texts: Copy, user: User, wizard: WizardService
) -> None:
    loaded = await _draft(state, wizard)
    wanted = next_text(loaded[1], loaded[0]) if loaded is not None else None
    if loaded is None or wanted is None:
        await _expired(callback, state, texts)
        return
    draft, model = loaded
    if wanted.required:
        await show(callback, Screen("text_required", texts.prompt_empty), new_message=True)
        return
    draft = draft.with_changes(texts={**draft.texts, wanted.input: ""})
    await _save(state, draft)
    await _ask_next(callback, state, texts, user, wizard, model, draft)


async def text_in_later_step(
    message: Message, state: FSMContext, texts: Copy, user: User, wizard: WizardService
) -> None:
    """Text typed on step 2 or 3 is a new description: the step is shown again with it."""
    loaded = await _draft(state, wizard)
    if loaded is None:
        await _expired(message, state, texts)
        return
    draft, model = loaded
    if not model.prompt_input:
        await message.answer(texts.text_not_taken)
        return
    text = message.text or ""
    described = await _described(message, texts, model, draft, text)
    if described is None:
        return
    draft = described
    await _save(state, draft)
    log_event("PROMPT_REPLACED", model=model.id, length=len(text))
    screen = await _current_screen(state, texts, user, wizard, model, draft, texts.prompt_updated)
    if screen is not None:
        await show(message, screen)


# --- step 2: format --------------------------------------------------------------------------------------


async def option_picked(
    callback: CallbackQuery, callback_data: OptionPick, state: FSMContext, texts: Copy, wizard: WizardService
) -> None:
    loaded = await _draft(state, wizard)
    if loaded is None:
        await _expired(callback, state, texts)
        return
    draft, model = loaded
    picked = wizard.pick_option(draft, model, callback_data.option, callback_data.value)
    if picked is not None:
        draft = picked
        await _save(state, draft)
    await show(callback, await _format_screen(wizard, texts, model, draft))


async def format_done(
    callback: CallbackQuery, state: FSMContext, texts: Copy, user: User, wizard: WizardService
) -> None:
    loaded = await _draft(state, wizard)
    if loaded is None:
        await _expired(callback, state, texts)
        return
    draft, model = loaded
    broken = wizard.problems(model, draft)
    if broken:
        await show(callback, Screen("format_refused", "⚠️ " + broken[0].get(texts.lang)), new_message=True)
        return
    await _confirm(callback, state, texts, user, wizard, model, draft)


async def back_from_format(
    callback: CallbackQuery, state: FSMContext, texts: Copy, user: User, wizard: WizardService
) -> None:
    loaded = await _draft(state, wizard)
    if loaded is None:
        await _expired(callback, state, texts)
        return
    draft, model = loaded
    if model.prompt_input:
        await state.set_state(Step.prompt)
        await show(callback, views.step_prompt(texts, model, draft))
    elif model.images:
        await state.set_state(Step.photos)
        await show(callback, views.photos_received(texts, model, len(draft.images)))
    else:  # nothing before step 2 (a follow-up): back is the check
        await _confirm(callback, state, texts, user, wizard, model, draft)


# --- step 3: check, change, launch ------------------------------------------------------------------------


async def edit_menu(callback: CallbackQuery, state: FSMContext, texts: Copy, wizard: WizardService) -> None:
    loaded = await _draft(state, wizard)
    if loaded is None:
        await _expired(callback, state, texts)
        return
    await show(callback, views.edit_menu(texts, loaded[1]))


async def edit_part(
    callback: CallbackQuery,
    callback_data: EditPart,
    state: FSMContext,
    texts: Copy,
    user: User,
    wizard: WizardService,
) -> None:
    """Change one part of the draft; the rest stays, and the next step after it is the check."""
    loaded = await _draft(state, wizard)
    if loaded is None:
        await _expired(callback, state, texts)
        return
    draft, model = loaded
    await state.update_data({REACHED_CONFIRM: True})
    part = callback_data.part
    if part == "prompt" and model.prompt_input:
        await state.set_state(Step.prompt)
        await show(callback, views.step_prompt(texts, model, draft))
    elif part == "photos" and model.images:
        draft = draft.with_changes(images=())
        await _save(state, draft)
        await state.update_data({COUNTER_MESSAGE: None})
        await _ask_next(callback, state, texts, user, wizard, model, draft)
    elif part == "format" and model.options:
        await state.set_state(Step.format)
        await show(callback, await _format_screen(wizard, texts, model, draft))
    elif part == "text" and callback_data.index < len(model.extra_texts):
        wanted = model.extra_texts[callback_data.index]
        draft = draft.with_changes(texts={k: v for k, v in draft.texts.items() if k != wanted.input})
        await _save(state, draft)
        await _ask_next(callback, state, texts, user, wizard, model, draft)
    else:
        await _ask_next(callback, state, texts, user, wizard, model, draft)


async def switch_model(
    callback: CallbackQuery,
    callback_data: SwitchModel,
    state: FSMContext,
    texts: Copy,
    user: User,
    wizard: WizardService,
) -> None:
    """A cheaper model from the short-balance screen: the same draft on it, straight to the check."""
    loaded = await _draft(state, wizard)
    if loaded is None:
        await _expired(callback, state, texts)
        return
    draft = loaded[0]
    model = await wizard.model(callback_data.model)
    if model is None or model.follow_up or not takes(model, draft):
        await show(callback, views.unavailable_model(texts), new_message=True)
        return
    switched = carried_over(draft, model)
    await state.set_data({**switched.to_state(), REACHED_CONFIRM: True})
    log_event("MODEL_SWITCHED", model=model.id, previous=draft.model_id)
    await _confirm(callback, state, texts, user, wizard, model, switched)


async def launch(
    callback: CallbackQuery,
    callback_data: Launch,
    state: FSMContext,
    texts: Copy,
    user: User,
    wizard: WizardService,
    cid: str,
) -> None:
    assert callback.message is not None
    draft = Draft.from_state(await state.get_data())

    async def announce(job: Job) -> int | None:
        await state.clear()
        model = load_catalog().get(job.model_id)
        assert model is not None  # launch() has just checked it
        status = await show(callback, views.launch_started(texts, model, job.id))
        return status.message_id if status is not None else None

    outcome = await wizard.launch(
        user,
        draft,
        callback_data.draft,
        chat_id=callback.message.chat.id,
        language=texts.lang,
        cid=cid,
        announce=announce,
    )
    match outcome:
        case Launched():
            return
        case AlreadyLaunched():
            await show(callback, Screen("already_launched", texts.already_launched), new_message=True)
        case DraftGone():
            await _expired(callback, state, texts)
        case NeedsChanges():
            loaded = await _draft(state, wizard)
            if loaded is None:
                await _expired(callback, state, texts)
                return
            await state.update_data({REACHED_CONFIRM: False})
            await _ask_next(callback, state, texts, user, wizard, loaded[1], loaded[0])
        case ShortOfMoney(quote=quote) | OverCap(quote=quote):
            await state.set_state(Step.confirm)
            await show(callback, views.confirm(texts, quote))
        case TooManyRunning(running=running):
            text = texts.too_many_running.format(running=running)
            await show(callback, Screen("too_many_running", text), new_message=True)


async def noop(_callback: CallbackQuery) -> None:
    """Caption rows of the format keyboard: already answered, nothing to do."""


def build_router() -> Router:
    router = Router(name="generate")
    router.callback_query.register(category_screen, CategoryPick.filter())
    router.callback_query.register(model_card, ModelCard.filter())
    router.callback_query.register(choose_model, ModelChoose.filter())
    router.callback_query.register(option_picked, OptionPick.filter(), StateFilter(Step.format))
    router.callback_query.register(
        format_done, Wizard.filter(F.action == "format_done"), StateFilter(Step.format)
    )
    router.callback_query.register(back_from_format, Wizard.filter(F.action == "back_to_prompt"))
    router.callback_query.register(edit_menu, Wizard.filter(F.action == "edit"))
    router.callback_query.register(edit_part, EditPart.filter())
    router.callback_query.register(switch_model, SwitchModel.filter())
    router.callback_query.register(
        photos_done, Wizard.filter(F.action == "photos_done"), StateFilter(Step.photos)
    )
    router.callback_query.register(
        skip_prompt, Wizard.filter(F.action == "skip_prompt"), StateFilter(Step.prompt)
    )
    router.callback_query.register(skip_text, Wizard.filter(F.action == "skip_text"), StateFilter(Step.extra))
    router.callback_query.register(cancel, Wizard.filter(F.action == "cancel"))
    router.callback_query.register(launch, Launch.filter())
    router.callback_query.register(noop, Noop.filter())
    later_steps = StateFilter(Step.prompt, Step.extra, Step.format, Step.confirm)
    router.message.register(photo_received, StateFilter(Step.photos), F.photo | F.document)
    router.message.register(photo_expected, StateFilter(Step.photos))
    router.message.register(photo_in_later_step, later_steps, F.photo | F.document)
    router.message.register(prompt_received, StateFilter(Step.prompt), F.text)
    router.message.register(prompt_expected, StateFilter(Step.prompt))
    router.message.register(text_received, StateFilter(Step.extra), F.text)
    router.message.register(prompt_expected, StateFilter(Step.extra))
    router.message.register(text_in_later_step, StateFilter(Step.format, Step.confirm), F.text)
    return router
