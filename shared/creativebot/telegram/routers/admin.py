"""The operators' control room, for ADMIN_IDS only: /admin (the panel and its sections), /adjust, /refund.

Rights are checked on every update by the router's filter (messages and button presses alike, the
conversation states included); to anyone else none of this exists and the fallback answers. Handlers
parse, call the services in creativebot.admin and render views.admin; nothing else lives here.
The 💳 Payments section is another router's (it answers ``AdminSection(section="payments")``).
"""

from __future__ import annotations

import html
from datetime import UTC, datetime
from decimal import Decimal

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import BaseFilter, Command, CommandObject, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import BufferedInputFile, CallbackQuery, Message, TelegramObject, Update

from creativebot import jobs
from creativebot.admin import broadcasts, journal, models, people, promos, sending, stats
from creativebot.admin.numbers import (
    MAX_ADJUST_KOPECKS,
    MAX_GIFT_RUNS,
    MAX_PRICE_KOPECKS,
    parse_count,
    parse_decimal,
    parse_id,
    parse_kopecks,
)
from creativebot.config import WorkerSettings
from creativebot.db import Connection
from creativebot.kie.client import KieClient, KieError
from creativebot.observability import log_event
from creativebot.telegram.callbacks import AdminSection
from creativebot.telegram.screens import Screen, notify, show
from creativebot.telegram.views import admin as views
from creativebot.telegram.views.admin import AdminBroadcast, AdminModel, AdminPerson, AdminPromo, AdminStats
from creativebot.texts import Copy, format_rub
from creativebot.texts.admin import AdminCopy, admin_copy
from creativebot.users import User
from creativebot.wallet import InsufficientFunds, UnknownUser, WalletError

# The panel's sections this router answers (payments is another router's).
SECTIONS = ("home", "stats", "people", "models", "broadcast", "promos", "journal", "changelog")
_NOT_A_COMMAND = ~F.text.startswith("/")


class AdminInput(StatesGroup):
    """What the panel asked the operator to type."""

    find_user = State()
    adjust = State()  # data: target
    grant = State()  # data: target
    markup = State()  # data: model, page
    fixed = State()  # data: model, page
    free = State()  # data: model, page
    compose = State()
    promo = State()  # data: kind


class IsAdmin(BaseFilter):
    """The sender is an operator (ADMIN_IDS), checked on every update."""

    async def __call__(self, event: TelegramObject, settings: WorkerSettings) -> bool:
        sender = getattr(event, "from_user", None)
        return sender is not None and sender.id in settings.app.admin_ids


def _ac(texts: Copy) -> AdminCopy:
    return admin_copy(texts.lang)


def _tz(settings: WorkerSettings) -> str:
    return settings.wallet.free_day_tz


def _ref(kind: str, update: Update) -> str:
    """An idempotency ref from the update: a retried update finds what its first attempt did."""
    return f"admin:{kind}:{update.update_id}"


# --- the panel ------------------------------------------------------------------------------------------


async def panel(
    event: Message | CallbackQuery, state: FSMContext, texts: Copy, db: Connection, settings: WorkerSettings
) -> None:
    await state.clear()
    summary = await stats.panel_summary(db, tz=_tz(settings))
    await show(event, views.panel(_ac(texts), summary, await broadcasts.active_progress(db)))


async def section(
    callback: CallbackQuery,
    callback_data: AdminSection,
    state: FSMContext,
    texts: Copy,
    db: Connection,
    settings: WorkerSettings,
    kie: KieClient,
) -> None:
    await state.clear()
    name, page = callback_data.section, callback_data.page
    if name == "home":
        await panel(callback, state, texts, db, settings)
    elif name == "stats":
        await _stats(callback, texts, db, settings, kie, days=1)
    elif name == "people":
        await _people(callback, state, texts, db, page)
    elif name == "models":
        await _models(callback, texts, db, settings, page)
    elif name == "broadcast":
        await _broadcast_home(callback, texts, db, settings)
    elif name == "promos":
        await _promos(callback, texts, db, settings, page)
    elif name == "journal":
        entries, pages = await journal.page_of(db, page)
        await show(
            callback, views.journal_screen(_ac(texts), entries, min(page, pages - 1), pages, _tz(settings))
        )
    elif name == "changelog":
        await show(callback, views.changelog_screen(_ac(texts), page))


# --- statistics -----------------------------------------------------------------------------------------


async def _stats(
    event: Message | CallbackQuery,
    texts: Copy,
    db: Connection,
    settings: WorkerSettings,
    kie: KieClient,
    *,
    days: int,
) -> None:
    figures = await stats.collect(db, days, tz=_tz(settings), pricing=settings.pricing)
    try:
        left: float | None = await kie.credits()
    except KieError as error:
        log_event("ADMIN_KIE_CREDITS_FAIL", level="warning", code=error.code)
        left = None
    figures = stats.Stats(**{**figures.__dict__, "credits_left": left})
    await show(event, views.stats_screen(_ac(texts), figures, _tz(settings)))


async def stats_period(
    callback: CallbackQuery,
    callback_data: AdminStats,
    texts: Copy,
    db: Connection,
    settings: WorkerSettings,
    kie: KieClient,
    bot: Bot,
) -> None:
    if callback_data.period != "chart":
        await _stats(callback, texts, db, settings, kie, days=int(callback_data.period))
        return
    days = await stats.daily(db, tz=_tz(settings), days=30)
    png = stats.render_chart(days)
    await bot.send_photo(
        callback.from_user.id,
        BufferedInputFile(png, filename="stats-30-days.png"),
        caption=views.chart_caption(_ac(texts), days),
    )
    log_event("ADMIN_CHART_SENT", bytes=len(png))


# --- people ---------------------------------------------------------------------------------------------


async def _people(
    event: Message | CallbackQuery, state: FSMContext, texts: Copy, db: Connection, page: int
) -> None:
    found, pages = await people.newest(db, page=page)
    await state.set_state(AdminInput.find_user)
    await show(event, views.people_screen(_ac(texts), found, min(page, pages - 1), pages))


def _headed(screen: Screen, headline: str) -> Screen:
    """The screen with a line about what was just done above it."""
    return Screen(screen.name, f"{headline}\n\n{screen.text}", screen.markup) if headline else screen


async def _card(
    event: Message | CallbackQuery,
    texts: Copy,
    db: Connection,
    settings: WorkerSettings,
    user_id: int,
    headline: str = "",
) -> bool:
    card = await people.card(db, user_id)
    if card is None:
        return False
    await show(event, _headed(views.person_card(_ac(texts), card, _tz(settings)), headline))
    return True


async def find_user(
    message: Message, state: FSMContext, texts: Copy, db: Connection, settings: WorkerSettings
) -> None:
    query = (message.text or "").strip()[:64]
    found = await people.find(db, query)
    if found is None:
        await message.answer(_ac(texts).person_not_found.format(query=html.escape(query)))
        return
    await state.clear()
    await _card(message, texts, db, settings, found.id)


async def person_action(
    callback: CallbackQuery,
    callback_data: AdminPerson,
    state: FSMContext,
    texts: Copy,
    user: User,
    db: Connection,
    settings: WorkerSettings,
    bot: Bot,
) -> None:
    await state.clear()
    ac, target_id, action = _ac(texts), callback_data.user, callback_data.action
    card = await people.card(db, target_id)
    if card is None:
        back = [(ac.btn_people, AdminSection(section="people"))]
        await show(callback, views.note("person_gone", ac.person_not_found.format(query=target_id), back))
        return
    name = views.display_name(card.user)
    if action == "adjust":
        await state.set_state(AdminInput.adjust)
        await state.update_data(target=target_id)
        text = ac.adjust_prompt.format(name=name, available=format_rub(card.wallet.available, ac.lang))
        await show(callback, views.prompt(ac, "adjust", text, "people"))
    elif action == "grant":
        await state.set_state(AdminInput.grant)
        await state.update_data(target=target_id)
        await show(callback, views.prompt(ac, "grant", ac.grant_prompt.format(name=name), "people"))
    elif action in ("block", "unblock"):
        blocked = action == "block"
        changed = await people.set_blocked(db, admin_id=user.id, user_id=target_id, blocked=blocked)
        headline = (ac.block_done if blocked else ac.unblock_done).format(name=name) if changed else ""
        await _card(callback, texts, db, settings, target_id, headline)
        if changed and not blocked:
            await notify(bot, target_id, admin_copy(card.user.language).owner_unblocked)
    else:
        await _card(callback, texts, db, settings, target_id)


async def _tell_owner_of_adjustment(
    bot: Bot, target: User, kopecks: int, reason: str, available: int
) -> None:
    their = admin_copy(target.language)
    template = their.owner_credited if kopecks > 0 else their.owner_debited
    await notify(
        bot,
        target.id,
        template.format(
            amount=format_rub(abs(kopecks), their.lang),
            reason=html.escape(reason),
            available=format_rub(available, their.lang),
        ),
    )


async def _adjust(
    message: Message,
    texts: Copy,
    user: User,
    db: Connection,
    bot: Bot,
    update: Update,
    target_id: int,
    change: tuple[int, str],
) -> str | None:
    """Correct the balance, tell its owner; the line saying it was done (None: refused, and said why)."""
    ac = _ac(texts)
    kopecks, reason = change
    try:
        result = await people.adjust_balance(
            db,
            admin_id=user.id,
            user_id=target_id,
            kopecks=kopecks,
            reason=reason,
            ref=_ref("adjust", update),
        )
    except UnknownUser:
        await message.answer(ac.refused.format(reason=ac.refused_unknown_user.format(user=target_id)))
        return None
    except InsufficientFunds as error:
        available = format_rub(error.available, ac.lang)
        await message.answer(ac.refused.format(reason=ac.refused_funds.format(available=available)))
        return None
    except WalletError as error:
        await message.answer(ac.refused.format(reason=html.escape(str(error))))
        return None
    log_event("ADMIN_ADJUST", admin_id=user.id, target=target_id, amount=kopecks, repeated=result.repeated)
    if not result.repeated:
        target = await people.get(db, target_id)
        if target is not None:
            await _tell_owner_of_adjustment(bot, target, kopecks, reason, result.wallet.available)
    return ac.adjust_done.format(
        user=target_id,
        amount=("+" if kopecks > 0 else "") + format_rub(kopecks, ac.lang),
        available=format_rub(result.wallet.available, ac.lang),
    )


def _amount_and_reason(text: str) -> tuple[int, str] | None:
    parts = text.strip().split(maxsplit=1)
    if len(parts) != 2:
        return None
    kopecks = parse_kopecks(parts[0], signed=True, limit=MAX_ADJUST_KOPECKS)
    reason = parts[1].strip()
    if kopecks is None or not reason or len(reason) > 200:
        return None
    return kopecks, reason


async def adjust_input(
    message: Message,
    state: FSMContext,
    texts: Copy,
    user: User,
    db: Connection,
    bot: Bot,
    settings: WorkerSettings,
    event_update: Update,
) -> None:
    parsed = _amount_and_reason(message.text or "")
    if parsed is None:
        await message.answer(_ac(texts).adjust_bad)
        return
    target_id = int((await state.get_data()).get("target", 0))
    await state.clear()
    done = await _adjust(message, texts, user, db, bot, event_update, target_id, parsed)
    if done is not None:
        await _card(message, texts, db, settings, target_id, done)


async def grant_input(
    message: Message,
    state: FSMContext,
    texts: Copy,
    user: User,
    db: Connection,
    bot: Bot,
    settings: WorkerSettings,
    event_update: Update,
) -> None:
    ac = _ac(texts)
    runs = parse_count(message.text or "", low=1, high=MAX_GIFT_RUNS)
    if runs is None:
        await message.answer(ac.grant_bad)
        return
    target_id = int((await state.get_data()).get("target", 0))
    await state.clear()
    target = await people.get(db, target_id)
    if target is None:
        await message.answer(ac.refused.format(reason=ac.refused_unknown_user.format(user=target_id)))
        return
    ref = _ref("grant", event_update)
    total = await people.grant_runs(db, admin_id=user.id, user_id=target_id, runs=runs, ref=ref)
    log_event("ADMIN_GRANT", admin_id=user.id, target=target_id, runs=runs, repeated=total is None)
    headline = ""
    if total is not None:
        headline = ac.grant_done.format(name=views.display_name(target), runs=runs, total=total)
        their = admin_copy(target.language)
        cap = format_rub(settings.limits.gift_run_max_rub * 100, their.lang)
        await notify(bot, target_id, their.owner_granted.format(runs=runs, total=total, cap=cap))
    await _card(message, texts, db, settings, target_id, headline)


async def adjust_command(
    message: Message,
    command: CommandObject,
    texts: Copy,
    user: User,
    db: Connection,
    bot: Bot,
    event_update: Update,
) -> None:
    """/adjust <id> <±roubles> <reason>: ASCII digits only, bounded, before anything reaches the database."""
    parts = (command.args or "").strip().split(maxsplit=1)
    target_id = parse_id(parts[0]) if parts else None
    parsed = _amount_and_reason(parts[1]) if len(parts) == 2 else None
    if target_id is None or parsed is None:
        await message.answer(_ac(texts).adjust_usage)
        return
    done = await _adjust(message, texts, user, db, bot, event_update, target_id, parsed)
    if done is not None:
        await message.answer(done)


async def refund_command(
    message: Message, command: CommandObject, texts: Copy, user: User, db: Connection, bot: Bot
) -> None:
    ac = _ac(texts)
    job_id = parse_id(command.args or "")
    if job_id is None:
        await message.answer(ac.refund_usage)
        return
    job = await jobs.get(db, job_id)
    if job is None:
        await message.answer(ac.refund_not_found.format(job=job_id))
        return
    try:
        result = await people.refund_job(db, admin_id=user.id, job=job)
    except WalletError as error:
        await message.answer(ac.refused.format(reason=html.escape(str(error))))
        return
    amount = result.entry.amount
    log_event("ADMIN_REFUND", admin_id=user.id, job_id=job.id, amount=amount, repeated=result.repeated)
    await message.answer(
        ac.refund_done.format(job=job.id, amount=format_rub(amount, ac.lang), user=job.user_id)
    )
    if not result.repeated:
        their = admin_copy(job.language)
        await notify(
            bot, job.chat_id, their.owner_refunded.format(job=job.id, amount=format_rub(amount, their.lang))
        )


# --- models ---------------------------------------------------------------------------------------------


async def _models(
    event: Message | CallbackQuery, texts: Copy, db: Connection, settings: WorkerSettings, page: int
) -> None:
    rule = settings.admin
    rows, pages = await models.page_of(db, page, settings.pricing, rule.auto_hide_window)
    page = min(page, pages - 1)
    screen = views.models_screen(
        _ac(texts), rows, page, pages, window=rule.auto_hide_window, failed=rule.auto_hide_failed
    )
    await show(event, screen)


async def _model_card(
    event: Message | CallbackQuery,
    texts: Copy,
    db: Connection,
    settings: WorkerSettings,
    model_id: str,
    page: int,
    headline: str = "",
) -> bool:
    row = await models.row_of(db, model_id, settings.pricing, settings.admin.auto_hide_window)
    if row is None:
        return False
    screen = views.model_card(_ac(texts), row, page, window=settings.admin.auto_hide_window)
    await show(event, _headed(screen, headline))
    return True


async def model_action(
    callback: CallbackQuery,
    callback_data: AdminModel,
    state: FSMContext,
    texts: Copy,
    user: User,
    db: Connection,
    settings: WorkerSettings,
) -> None:
    await state.clear()
    ac, model_id, page, action = _ac(texts), callback_data.model, callback_data.page, callback_data.action
    row = await models.row_of(db, model_id, settings.pricing, settings.admin.auto_hide_window)
    if row is None:
        await _models(callback, texts, db, settings, page)
        return
    title = html.escape(row.model.title.get(ac.lang))
    if action in ("hide", "show"):
        await models.set_hidden(db, model_id, admin_id=user.id, hidden=action == "hide")
        log_event("ADMIN_MODEL_VISIBILITY", model_id=model_id, hidden=action == "hide")
    elif action in ("markup", "fixed", "free"):
        await state.set_state(getattr(AdminInput, action))
        await state.update_data(model=model_id, page=page)
        prompts = {
            "markup": ac.markup_prompt.format(title=title),
            "fixed": ac.fixed_prompt.format(title=title),
            "free": ac.free_prompt.format(title=title, catalog=row.model.free_per_day),
        }
        await show(callback, views.prompt(ac, action, prompts[action], "models"))
        return
    await _model_card(callback, texts, db, settings, model_id, page)


async def model_value_input(
    message: Message, state: FSMContext, texts: Copy, user: User, db: Connection, settings: WorkerSettings
) -> None:
    ac = _ac(texts)
    current = await state.get_state()
    data = await state.get_data()
    model_id, page = str(data.get("model", "")), int(data.get("page", 0))
    text = (message.text or "").strip()
    if current == AdminInput.markup.state:
        markup = None if text == "0" else parse_decimal(text, low=Decimal(1), high=Decimal(100))
        if markup is None and text != "0":
            await message.answer(ac.markup_prompt.format(title=html.escape(model_id)))
            return
        await models.set_markup(db, model_id, admin_id=user.id, markup=markup)
    elif current == AdminInput.fixed.state:
        kopecks = None if text == "0" else parse_kopecks(text, signed=False, limit=MAX_PRICE_KOPECKS)
        if (kopecks is None and text != "0") or (kopecks is not None and kopecks < 100):
            await message.answer(ac.fixed_prompt.format(title=html.escape(model_id)))
            return
        await models.set_fixed_price(db, model_id, admin_id=user.id, kopecks=kopecks)
    else:
        runs = None if text == "-" else parse_count(text, low=0, high=100)
        if runs is None and text != "-":
            await message.answer(ac.free_prompt.format(title=html.escape(model_id), catalog="?"))
            return
        await models.set_free_per_day(db, model_id, admin_id=user.id, runs=runs)
    await state.clear()
    await _model_card(message, texts, db, settings, model_id, page, ac.model_saved)


# --- broadcasts -----------------------------------------------------------------------------------------


async def _broadcast_home(
    event: Message | CallbackQuery, texts: Copy, db: Connection, settings: WorkerSettings
) -> None:
    current = await broadcasts.active_progress(db)
    screen = views.broadcast_home(_ac(texts), current, await broadcasts.recent(db), _tz(settings))
    await show(event, screen)


async def broadcast_action(
    callback: CallbackQuery,
    callback_data: AdminBroadcast,
    state: FSMContext,
    texts: Copy,
    user: User,
    db: Connection,
    settings: WorkerSettings,
    cid: str,
) -> None:
    await state.clear()
    ac, action, broadcast_id = _ac(texts), callback_data.action, callback_data.id
    if action == "new":
        await state.set_state(AdminInput.compose)
        await show(callback, views.prompt(ac, "compose", ac.compose_prompt, "broadcast"), new_message=True)
        return
    if action == "audience":
        chosen = await broadcasts.choose_audience(db, broadcast_id, callback_data.audience)  # type: ignore[arg-type]
        if chosen is None:
            await show(
                callback,
                views.note(
                    "not_draft",
                    ac.broadcast_not_draft,
                    [(ac.sections["broadcast"], AdminSection(section="broadcast"))],
                ),
            )
            return
        sizes = await broadcasts.audience_sizes(db)
        assert chosen.audience is not None
        rate = settings.admin.broadcast_per_second
        await show(callback, views.confirm_screen(ac, texts, chosen, sizes[chosen.audience], rate))
        return
    if action == "send":
        await _start(callback, texts, user, db, settings, broadcast_id, cid)
        return
    if action == "pause":
        await broadcasts.pause(db, broadcast_id, admin_id=user.id)
    elif action == "stop":
        await broadcasts.cancel(db, broadcast_id, admin_id=user.id)
    elif action == "resume":
        resumed = await broadcasts.resume(db, broadcast_id, admin_id=user.id)
        if resumed is not None and not sending.first_slice(settings.queue, resumed, cid):
            await callback.answer(ac.broadcast_queue_failed, show_alert=True)
    await _show_progress(callback, texts, db, broadcast_id)


async def _show_progress(callback: CallbackQuery, texts: Copy, db: Connection, broadcast_id: int) -> None:
    current = await broadcasts.progress(db, broadcast_id)
    if current is None:
        return
    await show(callback, views.progress_screen(_ac(texts), current, datetime.now(UTC)))


async def _start(
    callback: CallbackQuery,
    texts: Copy,
    user: User,
    db: Connection,
    settings: WorkerSettings,
    broadcast_id: int,
    cid: str,
) -> None:
    ac = _ac(texts)
    started = await broadcasts.start(db, broadcast_id, admin_id=user.id)
    if started is broadcasts.StartRefusal.BUSY:
        busy = await broadcasts.active(db)
        text = ac.broadcast_busy.format(id=busy.id if busy else "?")
        await show(
            callback,
            views.note("busy", text, [(ac.sections["broadcast"], AdminSection(section="broadcast"))]),
        )
        return
    if started is broadcasts.StartRefusal.NOT_A_DRAFT:
        await _show_progress(callback, texts, db, broadcast_id)  # a second press: the one already running
        return
    current = await broadcasts.progress(db, broadcast_id)
    assert current is not None
    shown = await show(callback, views.progress_screen(ac, current, datetime.now(UTC)))
    if shown is not None:
        await broadcasts.attach_progress(db, broadcast_id, shown.message_id)
    if not sending.first_slice(settings.queue, started, cid):
        await callback.answer(ac.broadcast_queue_failed, show_alert=True)


async def compose_input(
    message: Message, state: FSMContext, texts: Copy, user: User, db: Connection, bot: Bot
) -> None:
    ac = _ac(texts)
    photo = message.photo[-1].file_id if message.photo else None
    text = message.html_text if (message.text or message.caption) else ""
    if message.media_group_id is not None or not (photo or message.text):
        await message.answer(ac.compose_bad)
        return
    draft = await broadcasts.draft(
        db, admin_id=user.id, chat_id=message.chat.id, language=texts.lang, text=text, photo_file_id=photo
    )
    try:
        await sending.send_content(bot, message.chat.id, draft)  # the preview: exactly what people will get
    except TelegramBadRequest as error:  # what Telegram refuses for the operator it refuses for everyone
        log_event("BROADCAST_PREVIEW_REFUSED", level="warning", reason=error.message)
        await message.answer(ac.compose_bad)
        return
    await state.clear()
    sizes = await broadcasts.audience_sizes(db)
    await show(message, views.audience_screen(ac, draft.id, sizes))


# --- promo codes ----------------------------------------------------------------------------------------


async def _promos(
    event: Message | CallbackQuery, texts: Copy, db: Connection, settings: WorkerSettings, page: int
) -> None:
    codes, pages = await promos.page_of(db, page)
    page = min(page, pages - 1)
    await show(event, views.promos_screen(_ac(texts), codes, page, pages, datetime.now(UTC), _tz(settings)))


async def promo_action(
    callback: CallbackQuery,
    callback_data: AdminPromo,
    state: FSMContext,
    texts: Copy,
    user: User,
    db: Connection,
    settings: WorkerSettings,
) -> None:
    await state.clear()
    ac, action = _ac(texts), callback_data.action
    if action in ("new_money", "new_runs"):
        kind = action.removeprefix("new_")
        await state.set_state(AdminInput.promo)
        await state.update_data(kind=kind)
        text = ac.promo_prompt_money if kind == "money" else ac.promo_prompt_runs
        await show(callback, views.prompt(ac, f"promo_{kind}", text, "promos"))
        return
    if action == "disable":
        await promos.disable(db, callback_data.id, admin_id=user.id)
    code = await promos.get(db, callback_data.id)
    if code is None:
        await _promos(callback, texts, db, settings, callback_data.page)
        return
    await show(callback, views.promo_card(ac, code, callback_data.page, datetime.now(UTC), _tz(settings)))


def _promo_fields(text: str, kind: str) -> tuple[str, int | None, int | None, int, int] | None:
    """CODE AMOUNT USES [DAYS] → (code, kopecks, runs, uses, days), or None."""
    parts = text.split()
    if len(parts) not in (3, 4):
        return None
    code = promos.normalize(parts[0])
    uses = parse_count(parts[2], low=1, high=1_000_000)
    days = parse_count(parts[3], low=0, high=3650) if len(parts) == 4 else 0
    if kind == "money":
        kopecks = parse_kopecks(parts[1], signed=False, limit=MAX_PRICE_KOPECKS)
        runs = None
        valid_reward = kopecks is not None and kopecks >= 100
    else:
        kopecks = None
        runs = parse_count(parts[1], low=1, high=MAX_GIFT_RUNS)
        valid_reward = runs is not None
    if code is None or uses is None or days is None or not valid_reward:
        return None
    return code, kopecks, runs, uses, days


async def promo_input(
    message: Message, state: FSMContext, texts: Copy, user: User, db: Connection, settings: WorkerSettings
) -> None:
    ac = _ac(texts)
    kind = str((await state.get_data()).get("kind", "money"))
    fields = _promo_fields(message.text or "", kind)
    if fields is None:
        prompt = ac.promo_prompt_money if kind == "money" else ac.promo_prompt_runs
        await message.answer(ac.promo_bad.format(prompt=prompt))
        return
    code, kopecks, runs, uses, days = fields
    try:
        created = await promos.create(
            db, admin_id=user.id, code=code, kopecks=kopecks, runs=runs, total_uses=uses, days=days or None
        )
    except promos.CodeTaken:
        await message.answer(ac.promo_taken.format(code=html.escape(code)))
        return
    await state.clear()
    until = (
        ac.promo_until.format(date=views.when(created.expires_at, _tz(settings), with_time=False))
        if created.expires_at
        else ""
    )
    await message.answer(
        ac.promo_created.format(
            code=html.escape(created.code), reward=views.reward(ac, created), total=uses, until=until
        )
    )
    await _promos(message, texts, db, settings, 0)


# --- the router -----------------------------------------------------------------------------------------


def build_router() -> Router:
    router = Router(name="admin")
    router.message.filter(IsAdmin())
    router.callback_query.filter(IsAdmin())
    router.message.register(panel, Command("admin"))
    router.message.register(adjust_command, Command("adjust"))
    router.message.register(refund_command, Command("refund"))
    router.callback_query.register(section, AdminSection.filter(F.section.in_(SECTIONS)))
    router.callback_query.register(stats_period, AdminStats.filter())
    router.callback_query.register(person_action, AdminPerson.filter())
    router.callback_query.register(model_action, AdminModel.filter())
    router.callback_query.register(broadcast_action, AdminBroadcast.filter())
    router.callback_query.register(promo_action, AdminPromo.filter())
    router.message.register(find_user, StateFilter(AdminInput.find_user), F.text, _NOT_A_COMMAND)
    router.message.register(adjust_input, StateFilter(AdminInput.adjust), F.text, _NOT_A_COMMAND)
    router.message.register(grant_input, StateFilter(AdminInput.grant), F.text, _NOT_A_COMMAND)
    router.message.register(
        model_value_input,
        StateFilter(AdminInput.markup, AdminInput.fixed, AdminInput.free),
        F.text,
        _NOT_A_COMMAND,
    )
    router.message.register(compose_input, StateFilter(AdminInput.compose), ~(F.text.startswith("/")))
    router.message.register(promo_input, StateFilter(AdminInput.promo), F.text, _NOT_A_COMMAND)
    return router
