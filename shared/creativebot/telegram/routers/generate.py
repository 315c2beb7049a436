"""The product: category -> model -> "Шаг 1/3 Что делаем?" -> "Шаг 2/3 Формат" -> "Шаг 3/3 Проверяем".

Each handler parses the press, asks the wizard service, and shows a view. The draft lives in the
conversation state; prices are always recomputed on the server, a button only names what was pressed.
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
    Launch,
    ModelCard,
    ModelChoose,
    Noop,
    OptionPick,
    ResultAction,
    Wizard,
)
from creativebot.telegram.delivery import send_originals
from creativebot.telegram.keyboards import main_menu
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
    ShortOfMoney,
    TooManyRunning,
    WizardService,
    photo_limit_mb,
    prompt_problem,
)

COUNTER_MESSAGE = "counter_message"  # the "Получено фото: N из M" message, edited as photos arrive


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
    if model is None:
        await show(callback, views.unavailable_model(texts))
        return
    offer, quota = await wizard.offer(user, model)
    await show(callback, views.model_card(texts, offer, quota))


# --- step 1: photos and prompt ---------------------------------------------------------------------------


async def choose_model(
    callback: CallbackQuery, callback_data: ModelChoose, state: FSMContext, texts: Copy, wizard: WizardService
) -> None:
    model = await wizard.model(callback_data.model)
    if model is None:
        await show(callback, views.unavailable_model(texts))
        return
    draft = wizard.new_draft(model)
    await state.set_data(draft.to_state())
    log_event("MODEL_CHOSEN", model=model.id)
    await show(callback, views.chosen(texts, model))
    await _step_one(callback, state, texts, model, draft, new_message=True)


async def _step_one(
    event: Message | CallbackQuery,
    state: FSMContext,
    texts: Copy,
    model: CatalogModel,
    draft: Draft,
    *,
    new_message: bool = False,
) -> None:
    if model.images and len(draft.images) < model.images.min:
        await state.set_state(Step.photos)
        await show(event, views.step_photos(texts, model), new_message=new_message)
    else:
        await state.set_state(Step.prompt)
        await show(event, views.step_prompt(texts, model, draft), new_message=new_message)


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


async def photo_received(
    message: Message, state: FSMContext, texts: Copy, bot: Bot, wizard: WizardService
) -> None:
    loaded = await _draft(state, wizard)
    if loaded is None or loaded[1].images is None:
        await _expired(message, state, texts)
        return
    draft, model = loaded
    assert model.images is not None
    image = _image_of(message)
    if image is None:
        await message.answer(texts.photo_not_image)
        return
    file_id, size, file_name, mime_type = image
    limit_mb = photo_limit_mb(model)
    if size is not None and size > limit_mb * 1024 * 1024:
        await message.answer(texts.photo_too_big.format(mb=limit_mb))
        return
    if len(draft.images) >= model.images.max:
        await _step_one(message, state, texts, model, draft)
        return
    downloaded = await bot.download(file_id)
    assert downloaded is not None
    downloaded.seek(0)
    content = downloaded.read()
    if len(content) > limit_mb * 1024 * 1024:
        await message.answer(texts.photo_too_big.format(mb=limit_mb))
        return
    try:
        url = await wizard.upload_photo(content, file_name, mime_type)
    except KieError as error:
        log_event("PHOTO_UPLOAD_FAIL", level="warning", code=error.code)
        await message.answer(texts.photo_upload_failed)
        return
    draft = draft.with_changes(images=(*draft.images, url))
    await _save(state, draft)
    log_event("PHOTO_STORED", count=len(draft.images), model=model.id)
    if len(draft.images) >= model.images.max:
        await _step_one(message, state, texts, model, draft)
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


async def photos_done(callback: CallbackQuery, state: FSMContext, texts: Copy, wizard: WizardService) -> None:
    loaded = await _draft(state, wizard)
    if loaded is None or loaded[1].images is None:
        await _expired(callback, state, texts)
        return
    draft, model = loaded
    assert model.images is not None
    if len(draft.images) < model.images.min:
        await show(callback, Screen("photos_needed", texts.photos_needed.format(min=model.images.min)))
        return
    await state.update_data({COUNTER_MESSAGE: None})
    await state.set_state(Step.prompt)
    await _step_one(callback, state, texts, model, draft)


async def photo_expected(message: Message, texts: Copy) -> None:
    await message.answer(texts.photo_expected)


async def prompt_received(
    message: Message, state: FSMContext, texts: Copy, user: User, wizard: WizardService
) -> None:
    loaded = await _draft(state, wizard)
    if loaded is None:
        await _expired(message, state, texts)
        return
    draft, model = loaded
    text = message.text or ""
    problem = prompt_problem(model, text)
    if problem:
        log_event("PROMPT_REFUSED", model=model.id, length=len(text))
        await message.answer(views.prompt_problem(texts, problem))
        return
    draft = draft.with_changes(prompt=text.strip())
    await _save(state, draft)
    await _after_prompt(message, state, texts, user, wizard, model, draft)


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
        await show(callback, Screen("prompt_required", texts.prompt_empty))
        return
    draft = draft.with_changes(prompt=None)
    await _save(state, draft)
    await _after_prompt(callback, state, texts, user, wizard, model, draft)


async def _after_prompt(
    event: Message | CallbackQuery,
    state: FSMContext,
    texts: Copy,
    user: User,
    wizard: WizardService,
    model: CatalogModel,
    draft: Draft,
) -> None:
    if model.options:
        await state.set_state(Step.format)
        await show(event, views.step_format(texts, model, draft))
    else:
        await _confirm(event, state, texts, user, wizard, model, draft)


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
    await show(callback, views.step_format(texts, model, draft))


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


async def back_to_prompt(
    callback: CallbackQuery, state: FSMContext, texts: Copy, wizard: WizardService
) -> None:
    loaded = await _draft(state, wizard)
    if loaded is None:
        await _expired(callback, state, texts)
        return
    draft, model = loaded
    await state.set_state(Step.prompt)
    await _step_one(callback, state, texts, model, draft)


# --- step 3: confirm and launch -------------------------------------------------------------------------


async def _confirm(
    event: Message | CallbackQuery,
    state: FSMContext,
    texts: Copy,
    user: User,
    wizard: WizardService,
    model: CatalogModel,
    draft: Draft,
) -> None:
    await state.set_state(Step.confirm)
    await show(event, views.confirm(texts, await wizard.quote(user, draft, model)))


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
        status = await show(callback, views.launch_started(texts, model))
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
            await state.set_state(Step.format)
            await show(callback, views.step_format(texts, loaded[1], loaded[0]))
        case ShortOfMoney(quote=quote):
            await state.set_state(Step.confirm)
            await show(callback, views.confirm(texts, quote))
        case TooManyRunning(running=running):
            text = texts.too_many_running.format(running=running)
            await show(callback, Screen("too_many_running", text), new_message=True)


# --- after a result ----------------------------------------------------------------------------------


async def result_action(
    callback: CallbackQuery,
    callback_data: ResultAction,
    state: FSMContext,
    texts: Copy,
    user: User,
    wizard: WizardService,
    bot: Bot,
) -> None:
    job = await wizard.own_job(user, callback_data.job)
    if job is None:
        log_event("FORGED_BUTTON", level="warning", job_id=callback_data.job, action=callback_data.action)
        await show(callback, Screen("not_your_job", texts.not_your_job, main_menu(texts)), new_message=True)
        return
    model = await wizard.model(job.model_id)
    if model is None:
        await show(callback, views.unavailable_model(texts), new_message=True)
        return
    assert isinstance(callback.message, Message)
    if callback_data.action == "other":
        await render_category(callback.message, model.category, texts, user, wizard)
        return
    if callback_data.action == "file":
        await send_originals(bot, job, texts, wizard.settings.fetch.policy)
        return
    draft = wizard.new_draft(model, images=tuple(job.image_urls), prompt=job.prompt, options=job.options)
    await state.set_data(draft.to_state())
    if callback_data.action == "edit":
        await _step_one(callback.message, state, texts, model, draft)
    else:
        await _confirm(callback.message, state, texts, user, wizard, model, draft)


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
    router.callback_query.register(back_to_prompt, Wizard.filter(F.action.in_({"back_to_prompt", "edit"})))
    router.callback_query.register(
        photos_done, Wizard.filter(F.action == "photos_done"), StateFilter(Step.photos)
    )
    router.callback_query.register(
        skip_prompt, Wizard.filter(F.action == "skip_prompt"), StateFilter(Step.prompt)
    )
    router.callback_query.register(cancel, Wizard.filter(F.action == "cancel"))
    router.callback_query.register(launch, Launch.filter())
    router.callback_query.register(result_action, ResultAction.filter())
    router.callback_query.register(noop, Noop.filter())
    router.message.register(photo_received, StateFilter(Step.photos), F.photo | F.document)
    router.message.register(photo_expected, StateFilter(Step.photos))
    router.message.register(prompt_received, StateFilter(Step.prompt), F.text)
    router.message.register(prompt_expected, StateFilter(Step.prompt))
    return router
