"""The product: category -> model -> "Шаг 1/3 Что делаем?" -> "Шаг 2/3 Формат" -> "Шаг 3/3 Проверяем".

The draft lives in the FSM (PostgreSQL). Prices are always recomputed on the server from the
catalog; a button only names what was pressed.
"""

from __future__ import annotations

import html
import secrets
from datetime import UTC, datetime
from typing import Any

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder

from creativebot import generation, jobs
from creativebot.config import WorkerSettings
from creativebot.db import Pool
from creativebot.delivery import send_originals
from creativebot.kie.catalog import (
    CatalogModel,
    Category,
    Scalar,
    build_input,
    default_options,
    load_catalog,
    price_kopecks,
    price_range,
    violations,
)
from creativebot.kie.client import KieClient, KieError
from creativebot.observability import log_event
from creativebot.telegram.callbacks import (
    CategoryPick,
    Launch,
    Menu,
    ModelCard,
    ModelChoose,
    Noop,
    OptionPick,
    ResultAction,
    Wizard,
)
from creativebot.telegram.keyboards import main_menu
from creativebot.telegram.routers.common import cancel
from creativebot.telegram.screens import show
from creativebot.texts import Copy, format_duration, format_rub, plural
from creativebot.users import User
from creativebot.wallet import InsufficientFunds, balance_of, free_quota

TELEGRAM_DOWNLOAD_LIMIT_MB = 20
_BUTTONS_PER_ROW = 4


class Step(StatesGroup):
    photos = State()
    prompt = State()
    format = State()
    confirm = State()


# --- helpers ---------------------------------------------------------------------------------------------


def _price_label(texts: Copy, model: CatalogModel, settings: WorkerSettings) -> str:
    """The price, or "от …" when the options change it."""
    low, high = price_range(model, settings.pricing)
    label = format_rub(low, texts.lang)
    return texts.price_from.format(price=label) if high > low else label


async def _quota(
    pool: Pool, user: User, model: CatalogModel, settings: WorkerSettings
) -> free_quota.QuotaStatus:
    return await free_quota.status(pool, user.id, model.id, model.free_per_day, settings.wallet.free_day_tz)


def _model_or_none(model_id: Any) -> CatalogModel | None:
    model = load_catalog().get(str(model_id)) if model_id else None
    return model if model is not None and model.available else None


def _value_label(texts: Copy, option_input: str, value: Scalar, model: CatalogModel) -> str:
    option = next(o for o in model.options if o.input == option_input)
    if option.labels and str(value) in option.labels:
        return option.labels[str(value)].get(texts.lang)
    if option_input in {"duration", "n_frames"}:
        return texts.seconds_value.format(value=value)
    return texts.value_labels.get(str(value), str(value))


async def _expired(event: Message | CallbackQuery, state: FSMContext, texts: Copy) -> None:
    await state.clear()
    await show(
        event, texts.draft_expired + "\n\n" + texts.menu_prompt, main_menu(texts), screen="draft_expired"
    )


async def _start_draft(
    state: FSMContext,
    model: CatalogModel,
    *,
    images: list[str] | None = None,
    prompt: str | None = None,
    options: dict[str, Any] | None = None,
) -> None:
    """A new draft for ``model`` (a fresh draft id makes its "Запустить" a new job)."""
    await state.set_data(
        {
            "model": model.id,
            "images": images or [],
            "prompt": prompt,
            "options": {**default_options(model), **(options or {})},
            "draft": secrets.token_hex(6),
        }
    )


async def _draft(
    event: Message | CallbackQuery, state: FSMContext, texts: Copy
) -> tuple[dict[str, Any], CatalogModel] | None:
    """The wizard's draft and its model; None, after telling the user, when the draft has expired."""
    data = await state.get_data()
    model = _model_or_none(data.get("model"))
    if model is None:
        await _expired(event, state, texts)
        return None
    return data, model


# --- categories and model cards -----------------------------------------------------------------------


async def category_screen(
    callback: CallbackQuery,
    callback_data: CategoryPick,
    texts: Copy,
    user: User,
    pool: Pool,
    settings: WorkerSettings,
) -> None:
    await render_category(callback, callback_data.code, texts, user, pool, settings)


async def render_category(
    event: Message | CallbackQuery, code: str, texts: Copy, user: User, pool: Pool, settings: WorkerSettings
) -> None:
    if code not in texts.categories:
        await show(event, texts.menu_prompt, main_menu(texts), screen="main_menu")
        return
    category: Category = code  # type: ignore[assignment]  # checked just above
    builder = InlineKeyboardBuilder()
    for model in load_catalog().offered(category):
        label = _price_label(texts, model, settings)
        if model.free_per_day and (await _quota(pool, user, model, settings)).remaining:
            label = texts.model_free_suffix
        builder.button(
            text=f"{model.title.get(texts.lang)} · {label}", callback_data=ModelCard(model=model.id)
        )
    builder.button(text=texts.btn_back, callback_data=Menu(screen="main"))
    builder.adjust(1)
    text = texts.category_prompt.format(category=texts.categories[code])
    await show(event, text, builder.as_markup(), screen=f"category:{code}")


async def model_card(
    callback: CallbackQuery,
    callback_data: ModelCard,
    texts: Copy,
    user: User,
    pool: Pool,
    settings: WorkerSettings,
) -> None:
    model = _model_or_none(callback_data.model)
    if model is None:
        await show(callback, texts.unavailable_model, main_menu(texts), screen="unavailable_model")
        return
    free_text = ""
    if model.free_per_day:
        quota = await _quota(pool, user, model, settings)
        wait = format_duration(texts, int((quota.resets_at - datetime.now(UTC)).total_seconds()))
        line = texts.free_line if quota.remaining else texts.free_used_up_line
        free_text = line.format(left=quota.remaining, total=quota.limit, wait=wait)
    text = texts.model_card.format(
        title=html.escape(model.title.get(texts.lang)),
        description=html.escape(model.description.get(texts.lang)),
        price=_price_label(texts, model, settings),
        eta=texts.eta_line.format(eta=format_duration(texts, model.eta_sec)),
        free=free_text,
    )
    builder = InlineKeyboardBuilder()
    builder.button(text=texts.btn_choose, callback_data=ModelChoose(model=model.id))
    builder.button(text=texts.btn_back, callback_data=CategoryPick(code=model.category))
    builder.adjust(1)
    await show(callback, text, builder.as_markup(), screen="model_card")


# --- step 1: photos and prompt ---------------------------------------------------------------------------


def _cancel_row(texts: Copy, builder: InlineKeyboardBuilder) -> None:
    builder.button(text=texts.btn_cancel, callback_data=Wizard(action="cancel"))


async def choose_model(
    callback: CallbackQuery, callback_data: ModelChoose, state: FSMContext, texts: Copy
) -> None:
    model = _model_or_none(callback_data.model)
    if model is None:
        await show(callback, texts.unavailable_model, main_menu(texts), screen="unavailable_model")
        return
    await _start_draft(state, model)
    log_event("MODEL_CHOSEN", model=model.id)
    await show(
        callback, texts.chosen.format(title=html.escape(model.title.get(texts.lang))), None, screen="chosen"
    )
    assert isinstance(callback.message, Message)
    await _step_one(callback.message, state, texts, model, new_message=True)


async def _step_one(
    event: Message | CallbackQuery,
    state: FSMContext,
    texts: Copy,
    model: CatalogModel,
    *,
    new_message: bool = False,
) -> None:
    data = await state.get_data()
    builder = InlineKeyboardBuilder()
    if model.images and len(data.get("images", [])) < model.images.min:
        await state.set_state(Step.photos)
        slot = model.images
        if slot.max == 1:
            count = texts.photos_one
        elif slot.min <= 1:
            count = texts.photos_up_to.format(max=slot.max)
        else:
            count = texts.photos_range.format(min=slot.min, max=slot.max)
        _cancel_row(texts, builder)
        text = texts.step_photos.format(count=count, mb=slot.max_mb)
        screen = "step1_photos"
    else:
        await state.set_state(Step.prompt)
        _, limit = model.prompt_limits
        text = texts.step_prompt.format(max=limit, example=html.escape(texts.prompt_examples[model.category]))
        if data.get("prompt"):
            text += texts.prompt_current.format(prompt=html.escape(data["prompt"][:500]))
        if not model.prompt_required:
            text += texts.prompt_optional_hint
            builder.button(text=texts.btn_skip, callback_data=Wizard(action="skip_prompt"))
        _cancel_row(texts, builder)
        screen = "step1_prompt"
    builder.adjust(1)
    if new_message and isinstance(event, Message):
        log_event("UI_RENDER", screen=screen)
        await event.answer(text, reply_markup=builder.as_markup())
    else:
        await show(event, text, builder.as_markup(), screen=screen)


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


async def photo_received(message: Message, state: FSMContext, texts: Copy, bot: Bot, kie: KieClient) -> None:
    draft = await _draft(message, state, texts)
    if draft is None:
        return
    data, model = draft
    if model.images is None:
        await _expired(message, state, texts)
        return
    image = _image_of(message)
    if image is None:
        await message.answer(texts.photo_not_image)
        return
    file_id, size, file_name, mime_type = image
    limit_mb = min(model.images.max_mb, TELEGRAM_DOWNLOAD_LIMIT_MB)
    if size is not None and size > limit_mb * 1024 * 1024:
        await message.answer(texts.photo_too_big.format(mb=limit_mb))
        return
    images: list[str] = list(data.get("images", []))
    if len(images) >= model.images.max:
        await _step_one(message, state, texts, model, new_message=True)
        return
    # The Telegram file URL carries the bot token: the bytes go to KIE's storage, the URL never leaves us.
    downloaded = await bot.download(file_id)
    assert downloaded is not None
    downloaded.seek(0)
    content = downloaded.read()
    if len(content) > limit_mb * 1024 * 1024:
        await message.answer(texts.photo_too_big.format(mb=limit_mb))
        return
    try:
        url = await kie.upload(content, file_name, mime_type)
    except KieError as error:
        log_event("PHOTO_UPLOAD_FAIL", level="warning", code=error.code)
        await message.answer(texts.photo_upload_failed)
        return
    images.append(url)
    await state.update_data(images=images)
    log_event("PHOTO_STORED", count=len(images), model=model.id)
    if len(images) >= model.images.max:
        await _step_one(message, state, texts, model, new_message=True)
        return
    builder = InlineKeyboardBuilder()
    if len(images) >= model.images.min:
        builder.button(text=texts.btn_next, callback_data=Wizard(action="photos_done"))
    _cancel_row(texts, builder)
    builder.adjust(1)
    text = texts.photos_received.format(count=len(images), max=model.images.max)
    counter = data.get("counter_message")
    if counter:
        try:
            await bot.edit_message_text(
                text, chat_id=message.chat.id, message_id=counter, reply_markup=builder.as_markup()
            )
        except TelegramBadRequest:
            counter = None
    if not counter:
        sent = await message.answer(text, reply_markup=builder.as_markup())
        await state.update_data(counter_message=sent.message_id)


async def photos_done(callback: CallbackQuery, state: FSMContext, texts: Copy) -> None:
    draft = await _draft(callback, state, texts)
    if draft is None:
        return
    data, model = draft
    if model.images is None:
        await _expired(callback, state, texts)
        return
    if len(data.get("images", [])) < model.images.min:
        await show(callback, texts.photos_needed.format(min=model.images.min), None, screen="photos_needed")
        return
    await state.update_data(counter_message=None)
    await state.set_state(Step.prompt)
    await _step_one(callback, state, texts, model)


async def photo_expected(message: Message, texts: Copy) -> None:
    await message.answer(texts.photo_expected)


def _prompt_problem(texts: Copy, model: CatalogModel, text: str) -> str | None:
    lowest, highest = model.prompt_limits
    stripped = text.strip()
    if not stripped and model.prompt_required:
        return texts.prompt_empty
    if len(stripped) > highest:
        characters = plural(texts.lang, len(stripped), texts.characters)
        return texts.prompt_too_long.format(length=len(stripped), max=highest, characters=characters)
    if stripped and len(stripped) < lowest:
        return texts.prompt_too_short.format(
            min=lowest, characters=plural(texts.lang, lowest, texts.characters)
        )
    return None


async def prompt_received(
    message: Message, state: FSMContext, texts: Copy, user: User, pool: Pool, settings: WorkerSettings
) -> None:
    draft = await _draft(message, state, texts)
    if draft is None:
        return
    _data, model = draft
    text = message.text or ""
    problem = _prompt_problem(texts, model, text)
    if problem:
        log_event("PROMPT_REFUSED", model=model.id, length=len(text))
        await message.answer(problem)
        return
    await state.update_data(prompt=text.strip())
    await _after_prompt(message, state, texts, user, pool, settings, model)


async def prompt_expected(message: Message, texts: Copy) -> None:
    await message.answer(texts.prompt_expected)


async def skip_prompt(
    callback: CallbackQuery, state: FSMContext, texts: Copy, user: User, pool: Pool, settings: WorkerSettings
) -> None:
    draft = await _draft(callback, state, texts)
    if draft is None:
        return
    _data, model = draft
    if model.prompt_required:
        await show(callback, texts.prompt_empty, None, screen="prompt_required")
        return
    await state.update_data(prompt=None)
    await _after_prompt(callback, state, texts, user, pool, settings, model)


async def _after_prompt(
    event: Message | CallbackQuery,
    state: FSMContext,
    texts: Copy,
    user: User,
    pool: Pool,
    settings: WorkerSettings,
    model: CatalogModel,
) -> None:
    if model.options:
        await state.set_state(Step.format)
        await _format_screen(event, state, texts, model)
    else:
        await _confirm_screen(event, state, texts, user, pool, settings, model)


# --- step 2: format --------------------------------------------------------------------------------------


async def _format_screen(
    event: Message | CallbackQuery, state: FSMContext, texts: Copy, model: CatalogModel
) -> None:
    options: dict[str, Any] = (await state.get_data()).get("options", {})
    builder = InlineKeyboardBuilder()
    widths: list[int] = []
    lines = []
    for index, option in enumerate(model.options):
        name = texts.option_names.get(option.input, option.input)
        current = options.get(option.input, model.default_for(option))
        lines.append(f"{name}: <b>{html.escape(_value_label(texts, option.input, current, model))}</b>")
        builder.button(text=f"— {name} —", callback_data=Noop())
        widths.append(1)
        choices = model.choices(option)
        for value_index, value in enumerate(choices):
            mark = "✅ " if str(value) == str(current) else ""
            builder.button(
                text=mark + _value_label(texts, option.input, value, model),
                callback_data=OptionPick(option=index, value=value_index),
            )
        widths.extend(
            min(_BUTTONS_PER_ROW, len(choices) - start) for start in range(0, len(choices), _BUTTONS_PER_ROW)
        )
    builder.button(text=texts.btn_next, callback_data=Wizard(action="format_done"))
    builder.button(text=texts.btn_back, callback_data=Wizard(action="back_to_prompt"))
    builder.button(text=texts.btn_cancel, callback_data=Wizard(action="cancel"))
    widths.extend([1, 2])
    builder.adjust(*widths)
    text = texts.step_format + "\n\n" + "\n".join(lines)
    await show(event, text, builder.as_markup(), screen="step2_format")


async def option_picked(
    callback: CallbackQuery, callback_data: OptionPick, state: FSMContext, texts: Copy
) -> None:
    draft = await _draft(callback, state, texts)
    if draft is None:
        return
    data, model = draft
    if not 0 <= callback_data.option < len(model.options):
        await _format_screen(callback, state, texts, model)
        return
    option = model.options[callback_data.option]
    choices = model.choices(option)
    if not 0 <= callback_data.value < len(choices):
        await _format_screen(callback, state, texts, model)
        return
    options = {**data.get("options", {}), option.input: choices[callback_data.value]}
    await state.update_data(options=options)
    await _format_screen(callback, state, texts, model)


async def format_done(
    callback: CallbackQuery, state: FSMContext, texts: Copy, user: User, pool: Pool, settings: WorkerSettings
) -> None:
    draft = await _draft(callback, state, texts)
    if draft is None:
        return
    data, model = draft
    broken = violations(model, data.get("options", {}))
    if broken:
        assert isinstance(callback.message, Message)
        await callback.message.answer("⚠️ " + broken[0].get(texts.lang))
        return
    await _confirm_screen(callback, state, texts, user, pool, settings, model)


async def back_to_prompt(callback: CallbackQuery, state: FSMContext, texts: Copy) -> None:
    draft = await _draft(callback, state, texts)
    if draft is None:
        return
    _data, model = draft
    await state.set_state(Step.prompt)
    await _step_one(callback, state, texts, model)


# --- step 3: confirm and launch -------------------------------------------------------------------------


def _suggestions(
    model: CatalogModel, available: int, settings: WorkerSettings, free_left: dict[str, int]
) -> list[tuple[CatalogModel, int]]:
    """Up to two models of the same category the user can afford now (free ones first)."""
    options = []
    for other in load_catalog().offered(model.category):
        if other.id == model.id:
            continue
        price = 0 if free_left.get(other.id) else price_kopecks(other, {}, "", settings.pricing)
        if price <= available:
            options.append((other, price))
    return sorted(options, key=lambda pair: pair[1])[:2]


async def _confirm_screen(
    event: Message | CallbackQuery,
    state: FSMContext,
    texts: Copy,
    user: User,
    pool: Pool,
    settings: WorkerSettings,
    model: CatalogModel,
) -> None:
    await state.set_state(Step.confirm)
    data = await state.get_data()
    options: dict[str, Any] = data.get("options", {})
    prompt: str = data.get("prompt") or ""
    price = price_kopecks(model, options, prompt, settings.pricing)
    quota = await _quota(pool, user, model, settings) if model.free_per_day else None
    free = quota is not None and quota.remaining > 0
    wallet = await balance_of(pool, user.id)
    details = []
    if prompt:
        details.append(texts.confirm_prompt_line.format(prompt=html.escape(prompt[:300])))
    if data.get("images"):
        details.append(texts.confirm_photos_line.format(count=len(data["images"])))
    for option in model.options:
        name = texts.option_names.get(option.input, option.input)
        value = options.get(option.input, model.default_for(option))
        details.append(f"{name}: {html.escape(_value_label(texts, option.input, value, model))}")
    money = format_rub(price, texts.lang)
    if free and quota is not None:
        price_line = texts.confirm_free_line.format(left=quota.remaining, total=quota.limit)
        after = wallet.available
    else:
        price_line = texts.confirm_price_line.format(price=money)
        after = wallet.available - price
    text = texts.step_confirm.format(
        title=html.escape(model.title.get(texts.lang)),
        details="\n".join(details),
        price=price_line,
        balance=texts.confirm_balance_line.format(
            balance=format_rub(wallet.available, texts.lang), after=format_rub(after, texts.lang)
        ),
    )
    builder = InlineKeyboardBuilder()
    if free or after >= 0:
        label = texts.btn_launch_free if free else texts.btn_launch.format(price=money)
        builder.button(text=label, callback_data=Launch(draft=str(data["draft"])))
    else:
        text += texts.short_balance.format(missing=format_rub(-after, texts.lang))
        builder.button(text=texts.btn_topup, callback_data=Menu(screen="topup"))
        free_left = {}
        for other in load_catalog().offered(model.category):
            if other.free_per_day:
                free_left[other.id] = (await _quota(pool, user, other, settings)).remaining
        for other, other_price in _suggestions(model, wallet.available, settings, free_left):
            label = texts.model_free_suffix if other_price == 0 else format_rub(other_price, texts.lang)
            builder.button(
                text=texts.btn_try_model.format(title=other.title.get(texts.lang), price=label),
                callback_data=ModelCard(model=other.id),
            )
    builder.button(text=texts.btn_edit, callback_data=Wizard(action="edit"))
    builder.button(text=texts.btn_cancel, callback_data=Wizard(action="cancel"))
    builder.adjust(1)
    await show(event, text, builder.as_markup(), screen="step3_confirm")


async def launch(
    callback: CallbackQuery,
    callback_data: Launch,
    state: FSMContext,
    texts: Copy,
    user: User,
    pool: Pool,
    settings: WorkerSettings,
    kie: KieClient,
    cid: str,
) -> None:
    existing = await jobs.by_draft(pool, user.id, callback_data.draft)
    if existing is not None:
        await _launched_before(callback, texts, existing, pool, kie, settings)
        return
    data = await state.get_data()
    model = _model_or_none(data.get("model"))
    if model is None or data.get("draft") != callback_data.draft:
        await _expired(callback, state, texts)
        return
    options: dict[str, Any] = data.get("options", {})
    prompt: str | None = data.get("prompt")
    images: list[str] = list(data.get("images", []))
    if violations(model, options) or _prompt_problem(texts, model, prompt or ""):
        await _format_screen(callback, state, texts, model)
        return
    assert callback.message is not None
    draft = jobs.Draft(
        user_id=user.id,
        chat_id=callback.message.chat.id,
        draft_id=callback_data.draft,
        model_id=model.id,
        prompt=prompt,
        options=options,
        image_urls=images,
        inputs=build_input(model, prompt, images, options),
        price=price_kopecks(model, options, prompt or "", settings.pricing),
        language=texts.lang,
        cid=cid,
    )
    free = jobs.FreeQuota(model.free_per_day, settings.wallet.free_day_tz) if model.free_per_day else None
    try:
        job, created = await jobs.create(pool, draft, free)
    except InsufficientFunds:
        await _confirm_screen(callback, state, texts, user, pool, settings, model)
        return
    except jobs.ConcurrentLaunch:
        return
    if not created:  # another delivery of this tap got there between the check above and now
        await _launched_before(callback, texts, job, pool, kie, settings)
        return
    await state.clear()
    status = await show(
        callback,
        texts.launch_started.format(
            eta=format_duration(texts, model.eta_sec), title=html.escape(model.title.get(texts.lang))
        ),
        None,
        screen="launch_started",
    )
    if status is not None:
        await jobs.set_status_message(pool, job.id, status.message_id)
    await _submit(job, pool, kie, settings)


async def _launched_before(
    callback: CallbackQuery, texts: Copy, job: jobs.Job, pool: Pool, kie: KieClient, settings: WorkerSettings
) -> None:
    """A second "Запустить" of one draft never starts a second task."""
    if job.status == "created":  # a crash between the payment and KIE: finish the submission
        await _submit(job, pool, kie, settings)
        return
    assert isinstance(callback.message, Message)
    await callback.message.answer(texts.already_launched)


async def _submit(job: jobs.Job, pool: Pool, kie: KieClient, settings: WorkerSettings) -> None:
    assert settings.app.public_base_url is not None
    target = generation.CallbackTarget(
        settings.app.public_base_url, settings.kie.kie_callback_secret.get_secret_value()
    )
    await generation.submit(pool, kie, job, target, settings.queue)


# --- after a result ----------------------------------------------------------------------------------


async def result_action(
    callback: CallbackQuery,
    callback_data: ResultAction,
    state: FSMContext,
    texts: Copy,
    user: User,
    pool: Pool,
    settings: WorkerSettings,
    bot: Bot,
) -> None:
    job = await jobs.get(pool, callback_data.job)
    if job is None or job.user_id != user.id:
        log_event("FORGED_BUTTON", level="warning", job_id=callback_data.job, action=callback_data.action)
        assert isinstance(callback.message, Message)
        await callback.message.answer(texts.not_your_job, reply_markup=main_menu(texts))
        return
    model = _model_or_none(job.model_id)
    if model is None:
        assert isinstance(callback.message, Message)
        await callback.message.answer(texts.unavailable_model, reply_markup=main_menu(texts))
        return
    if callback_data.action == "other":
        assert isinstance(callback.message, Message)
        await render_category(callback.message, model.category, texts, user, pool, settings)
        return
    if callback_data.action == "file":
        await send_originals(bot, job, texts)
        return
    await _start_draft(state, model, images=job.image_urls, prompt=job.prompt, options=job.options)
    assert isinstance(callback.message, Message)
    if callback_data.action == "edit":
        await _step_one(callback.message, state, texts, model, new_message=True)
    else:
        await _confirm_screen(callback.message, state, texts, user, pool, settings, model)


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
