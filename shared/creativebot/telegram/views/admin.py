"""The operators' panel: its buttons (typed callback data) and its screens. No I/O here.

Button data carries ids, never rights: the admin router re-checks the presser against ADMIN_IDS on every
update. Every field is bounded or patterned, so forged data does not match and gets the ordinary stale
button answer.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from aiogram.filters.callback_data import CallbackData
from pydantic import Field

from creativebot import changelog
from creativebot.admin import broadcasts, models, people, promos, stats
from creativebot.admin.model_health import SYSTEM_ADMIN_ID, Health
from creativebot.audit import AuditEntry
from creativebot.kie.catalog import title_of
from creativebot.telegram.callbacks import AdminSection, Menu, Noop
from creativebot.telegram.keyboards import Row, markup
from creativebot.telegram.screens import Screen
from creativebot.texts import Copy, format_duration, format_rub, shorten
from creativebot.texts.admin import AdminCopy

Page = Annotated[int, Field(ge=0, le=10_000)]
UserId = Annotated[int, Field(ge=1, le=2**63 - 1)]
ObjectId = Annotated[int, Field(ge=0, le=2**63 - 1)]

SECTIONS = ("stats", "people", "payments", "models", "broadcast", "promos", "journal")
CHANGELOG_PAGE = 4


class AdminStats(CallbackData, prefix="adst"):
    period: Annotated[str, Field(pattern=r"^(1|7|30|chart)$")]


class AdminPerson(CallbackData, prefix="adpu"):
    action: Annotated[str, Field(pattern=r"^(card|adjust|grant|block|unblock)$")]
    user: UserId


class AdminModel(CallbackData, prefix="admo"):
    action: Annotated[str, Field(pattern=r"^(card|hide|show|markup|fixed|free)$")]
    model: Annotated[str, Field(pattern=r"^[A-Za-z0-9._/-]{1,64}$")]
    page: Page = 0


class AdminBroadcast(CallbackData, prefix="adbr"):
    action: Annotated[str, Field(pattern=r"^(new|audience|send|pause|resume|stop|refresh)$")]
    id: ObjectId = 0
    audience: Annotated[str, Field(pattern=r"^(|all|active30|paid|lang_ru|lang_en)$")] = ""


class AdminPromo(CallbackData, prefix="adpr"):
    action: Annotated[str, Field(pattern=r"^(card|disable|new_money|new_runs)$")]
    id: ObjectId = 0
    page: Page = 0


# --- small pieces -------------------------------------------------------------------------------------


def when(moment: datetime | None, tz: str, *, with_time: bool = True) -> str:
    if moment is None:
        return "—"
    local = moment.astimezone(ZoneInfo(tz))
    return local.strftime("%d.%m.%Y %H:%M" if with_time else "%d.%m.%Y")


def _percent(share: float | None, ac: AdminCopy) -> str:
    return ac.none if share is None else f"{share * 100:.0f}%"


def _seconds(value: float | None, ac: AdminCopy) -> str:
    return ac.none if value is None else ac.seconds.format(seconds=round(value))


def _pager(ac: AdminCopy, make: Callable[[int], CallbackData], page: int, pages: int) -> Row:
    """◀️ · page of pages · ▶️ (nothing when everything fits on one page)."""
    if pages <= 1:
        return []
    row: list[tuple[str, CallbackData]] = []
    if page > 0:
        row.append((ac.btn_prev, make(page - 1)))
    row.append((_page_label(ac, page, pages), Noop()))
    if page + 1 < pages:
        row.append((ac.btn_next, make(page + 1)))
    return row


def _page_label(ac: AdminCopy, page: int, pages: int) -> str:
    return ac.page.format(page=page + 1, pages=pages)


def _number(value: float | Decimal, language: str) -> str:
    """1 234,5 (Russian) or 1,234.5 (English)."""
    text = f"{value:,.1f}"
    return text.replace(",", "\u202f").replace(".", ",") if language == "ru" else text


def _back(ac: AdminCopy) -> Row:
    return [(ac.btn_panel, AdminSection(section="home"))]


def cancel_keyboard(ac: AdminCopy, section: str) -> Any:
    return markup([[(ac.btn_cancel, AdminSection(section=section))]])


def prompt(ac: AdminCopy, name: str, text: str, back_section: str) -> Screen:
    """A question the operator answers with a message (the router keeps the conversation state)."""
    return Screen(f"admin_prompt:{name}", text, cancel_keyboard(ac, back_section))


def note(name: str, text: str, back: Row) -> Screen:
    return Screen(f"admin_note:{name}", text, markup([back]))


# --- the panel ----------------------------------------------------------------------------------------


def panel(ac: AdminCopy, summary: dict[str, int], active: broadcasts.Progress | None) -> Screen:
    broadcast = ac.none
    if active is not None:
        status = ac.broadcast_statuses[active.broadcast.status]
        broadcast = f"#{active.broadcast.id} · {status} · {active.handled}/{active.broadcast.total}"
    text = ac.panel.format(broadcast=broadcast, **summary)
    section_buttons = [(ac.sections[name], AdminSection(section=name)) for name in SECTIONS]
    rows: list[Row] = [section_buttons[i : i + 2] for i in range(0, len(section_buttons), 2)]
    return Screen("admin_panel", text, markup(rows))


# --- statistics ---------------------------------------------------------------------------------------


def stats_screen(ac: AdminCopy, figures: stats.Stats, tz: str) -> Screen:
    by_status = figures.by_status
    credits_left = (
        ac.credits_unknown if figures.credits_left is None else _number(figures.credits_left, ac.lang)
    )
    text = ac.stats.format(
        period=ac.periods[str(figures.days)],
        since=when(figures.since, tz, with_time=False),
        new_users=figures.new_users,
        active_users=figures.active_users,
        generations=figures.generations,
        succeeded=by_status.get("succeeded", 0),
        failed=by_status.get("failed", 0),
        open=by_status.get("created", 0) + by_status.get("submitted", 0),
        revenue=format_rub(figures.revenue, ac.lang),
        charged=format_rub(figures.charged, ac.lang),
        refunded=format_rub(figures.refunded, ac.lang),
        credits=_number(figures.credits_spent, ac.lang),
        cost=format_rub(figures.cost, ac.lang),
        credits_left=credits_left,
        margin=format_rub(figures.margin, ac.lang),
        margin_share=_percent(figures.margin_share, ac),
    )
    if figures.by_model:
        lines = [
            ac.stats_model_line.format(
                title=html.escape(title_of(row.model_id, ac.lang)),
                total=row.total,
                rate=_percent(row.success_rate, ac),
                median=_seconds(row.median_sec, ac),
            )
            for row in figures.by_model[:12]
        ]
        text += ac.stats_models.format(lines="\n".join(lines))
    else:
        text += ac.stats_no_jobs
    periods = [
        (("· " if str(figures.days) == key else "") + label, AdminStats(period=key))
        for key, label in ac.periods.items()
    ]
    keyboard = markup([periods, [(ac.btn_chart, AdminStats(period="chart"))], _back(ac)])
    return Screen(f"admin_stats:{figures.days}", text, keyboard)


def chart_caption(ac: AdminCopy, days: list[stats.Day]) -> str:
    return ac.chart_caption.format(
        generations=sum(day.generations for day in days),
        revenue=format_rub(sum(day.revenue for day in days), ac.lang),
    )


# --- people -------------------------------------------------------------------------------------------


def display_name(user: Any) -> str:
    return html.escape(user.first_name or (f"@{user.username}" if user.username else str(user.id)))


def people_screen(ac: AdminCopy, found: list[Any], page: int, pages: int) -> Screen:
    rows: list[Row] = [
        [
            (
                f"{user.first_name or user.username or user.id} · {user.id}",
                AdminPerson(action="card", user=user.id),
            )
        ]
        for user in found
    ]
    pager = _pager(ac, lambda p: AdminSection(section="people", page=p), page, pages)
    if pager:
        rows.append(pager)
    rows.append(_back(ac))
    return Screen("admin_people", ac.people, markup(rows))


def _entry_line(ac: AdminCopy, entry: Any, tz: str) -> str:
    amount = (
        entry.amount if entry.amount else -entry.held_delta if entry.kind == "release" else entry.held_delta
    )
    sign = "+" if entry.amount > 0 else ""
    reason = entry.meta.get("reason") if isinstance(entry.meta, dict) else None
    note_text = f" — {html.escape(shorten(str(reason), 80))}" if reason else ""
    return ac.entry_line.format(
        date=when(entry.created_at, tz),
        kind=ac.entry_kinds.get(entry.kind, entry.kind),
        amount=sign + format_rub(amount, ac.lang),
        note=note_text,
    )


def person_card(ac: AdminCopy, card: people.PersonCard, tz: str) -> Screen:
    user = card.user
    status = ac.person_blocked.format(since=when(user.blocked_at, tz)) if user.blocked else ac.person_active
    if card.unreachable:
        status += ac.person_unreachable.format(
            reason=ac.unreachable_reasons.get(card.unreachable, card.unreachable)
        )
    entries = "\n".join(_entry_line(ac, entry, tz) for entry in card.entries) or ac.none
    jobs = (
        "\n".join(
            ac.job_line.format(
                id=job.id,
                model=html.escape(title_of(job.model_id, ac.lang)),
                status=ac.job_statuses.get(job.status, job.status),
                price=format_rub(job.price, ac.lang) if job.payment == "wallet" else "🎁",
                date=when(job.created_at, tz),
            )
            for job in card.jobs
        )
        or ac.none
    )
    text = ac.person_card.format(
        name=display_name(user),
        username=f" (@{html.escape(user.username)})" if user.username else "",
        id=user.id,
        language=user.language,
        created=when(user.created_at, tz, with_time=False),
        seen=when(card.last_seen_at, tz),
        status=status,
        balance=format_rub(card.wallet.balance, ac.lang),
        held=format_rub(card.wallet.held, ac.lang),
        available=format_rub(card.wallet.available, ac.lang),
        gift_runs=user.gift_runs,
        invited=card.invited,
        earned=format_rub(card.earned, ac.lang),
        referrer=ac.person_referrer.format(referrer=user.referrer_id) if user.referrer_id else "",
        entries=entries,
        jobs=jobs,
    )
    block = (
        (ac.btn_unblock, AdminPerson(action="unblock", user=user.id))
        if user.blocked
        else (ac.btn_block, AdminPerson(action="block", user=user.id))
    )
    keyboard = markup(
        [
            [(ac.btn_adjust, AdminPerson(action="adjust", user=user.id))],
            [(ac.btn_grant, AdminPerson(action="grant", user=user.id))],
            [block],
            [(ac.btn_people, AdminSection(section="people"))],
        ]
    )
    return Screen("admin_person", text, keyboard)


# --- models -------------------------------------------------------------------------------------------


def _health(ac: AdminCopy, health: Health | None) -> str:
    if health is None or not health.finished:
        return ac.health_none
    return ac.health_line.format(
        rate=_percent(health.success_rate, ac),
        finished=health.finished,
        median=_seconds(health.median_sec, ac),
    )


def _icon(row: models.ModelRow) -> str:
    """👁 people see it, 🙈 an operator (or the auto-hide rule) hid it, ⛔ the catalog keeps it back."""
    if row.visible:
        return "👁"
    return "🙈" if row.override is not None and row.override.hidden else "⛔"


def _price(ac: AdminCopy, row: models.ModelRow) -> str:
    if not row.priced:
        return ac.none
    low = format_rub(row.low, ac.lang)
    return low if row.high == row.low else f"{low}–{format_rub(row.high, ac.lang)}"


def models_screen(
    ac: AdminCopy, rows: list[models.ModelRow], page: int, pages: int, *, window: int, failed: int
) -> Screen:
    lines = [
        ac.model_line.format(
            icon=_icon(row),
            title=html.escape(row.model.title.get(ac.lang)),
            price=_price(ac, row),
            free=ac.model_free.format(free=row.free_per_day) if row.free_per_day else "",
            health=_health(ac, row.health),
        )
        for row in rows
    ]
    text = ac.models.format(
        page=_page_label(ac, page, pages), window=window, failed=failed, lines="\n".join(lines)
    )
    buttons: list[Row] = [
        [
            (
                f"{_icon(row)} {row.model.title.get(ac.lang)}",
                AdminModel(action="card", model=row.model.id, page=page),
            )
        ]
        for row in rows
    ]
    pager = _pager(ac, lambda p: AdminSection(section="models", page=p), page, pages)
    if pager:
        buttons.append(pager)
    buttons.append(_back(ac))
    return Screen(f"admin_models:{page}", text, markup(buttons))


def model_card(ac: AdminCopy, row: models.ModelRow, page: int, *, window: int) -> Screen:
    override = row.override
    price_note = ""
    if override is not None and override.fixed_price_kopecks is not None:
        price_note = ac.model_fixed
    elif override is not None and override.markup is not None:
        price_note = ac.model_markup.format(markup=f"{override.markup.normalize():f}")
    if row.visible:
        visibility = ac.model_visible
    elif override is not None and override.hidden:
        reason = override.hidden_reason or ""
        shown = ac.hidden_by_operator if reason in ("", "operator") else html.escape(reason)
        visibility = ac.model_hidden.format(reason=shown)
    else:
        visibility = ac.model_unavailable.format(reason=html.escape(row.model.unavailable_reason or ac.none))
        if row.model.pricing is None:
            visibility += ac.model_needs_price
    text = ac.model_card.format(
        icon=_icon(row),
        title=html.escape(row.model.title.get(ac.lang)),
        model=html.escape(row.model.id),
        price=_price(ac, row),
        price_note=price_note,
        free=row.free_per_day,
        window=window,
        health=_health(ac, row.health),
        visibility=visibility,
    )
    model_id = row.model.id
    toggle = (
        (ac.btn_hide, AdminModel(action="hide", model=model_id, page=page))
        if row.visible
        else (ac.btn_show, AdminModel(action="show", model=model_id, page=page))
    )
    keyboard = markup(
        [
            [toggle],
            [
                (ac.btn_markup, AdminModel(action="markup", model=model_id, page=page)),
                (ac.btn_fixed, AdminModel(action="fixed", model=model_id, page=page)),
            ],
            [(ac.btn_free, AdminModel(action="free", model=model_id, page=page))],
            [(ac.btn_models, AdminSection(section="models", page=page))],
        ]
    )
    return Screen("admin_model", text, keyboard)


# --- broadcasts ---------------------------------------------------------------------------------------


def broadcast_home(
    ac: AdminCopy, current: broadcasts.Progress | None, recent: list[broadcasts.Progress], tz: str
) -> Screen:
    if current is not None:
        return progress_screen(ac, current, datetime.now(UTC))
    text = ac.broadcast.format(state=ac.broadcast_none)
    if recent:
        lines = [
            ac.broadcast_line.format(
                id=item.broadcast.id,
                date=when(item.broadcast.started_at or item.broadcast.created_at, tz),
                status=ac.broadcast_statuses[item.broadcast.status],
                sent=item.sent,
                total=item.broadcast.total,
            )
            for item in recent
        ]
        text += ac.broadcast_recent.format(lines="\n".join(lines))
    keyboard = markup([[(ac.btn_new_broadcast, AdminBroadcast(action="new"))], _back(ac)])
    return Screen("admin_broadcast", text, keyboard)


def audience_screen(ac: AdminCopy, broadcast_id: int, sizes: dict[broadcasts.Audience, int]) -> Screen:
    rows: list[Row] = [
        [
            (
                ac.btn_audience.format(name=ac.audiences[audience], count=sizes[audience]),
                AdminBroadcast(action="audience", id=broadcast_id, audience=audience),
            )
        ]
        for audience in broadcasts.AUDIENCES
    ]
    rows.append([(ac.btn_recompose, AdminBroadcast(action="new"))])
    rows.append([(ac.btn_cancel, AdminSection(section="broadcast"))])
    return Screen("admin_broadcast_audience", ac.preview_note.format(id=broadcast_id), markup(rows))


def _eta(count: int, rate: int, copy: Copy) -> str:
    return format_duration(copy, max(1, -(-count // max(1, rate))))


def confirm_screen(
    ac: AdminCopy, copy: Copy, broadcast: broadcasts.Broadcast, count: int, rate: int
) -> Screen:
    assert broadcast.audience is not None
    text = ac.confirm_broadcast.format(
        id=broadcast.id,
        audience=ac.audiences[broadcast.audience],
        count=count,
        rate=rate,
        eta=_eta(count, rate, copy),
    )
    keyboard = markup(
        [
            [(ac.btn_send, AdminBroadcast(action="send", id=broadcast.id))],
            [(ac.btn_recompose, AdminBroadcast(action="new"))],
            [(ac.btn_cancel, AdminSection(section="broadcast"))],
        ]
    )
    return Screen("admin_broadcast_confirm", text, keyboard)


def progress_screen(ac: AdminCopy, current: broadcasts.Progress, now: datetime) -> Screen:
    item = current.broadcast
    text = ac.progress.format(
        id=item.id,
        status=ac.broadcast_statuses[item.status],
        sent=current.sent,
        total=item.total,
        blocked=current.blocked,
        failed=current.failed,
        left=current.pending + current.sending,
    )
    rows: list[Row] = []
    if broadcasts.stalled(item, now):
        text += ac.stalled
    if item.status == "running":
        control: Row = [(ac.btn_pause, AdminBroadcast(action="pause", id=item.id))]
        if broadcasts.stalled(item, now):
            control = [(ac.btn_resume, AdminBroadcast(action="resume", id=item.id))]
        rows.append(control)
    elif item.status == "paused":
        rows.append([(ac.btn_resume, AdminBroadcast(action="resume", id=item.id))])
    if item.status in broadcasts.ACTIVE:
        rows.append([(ac.btn_stop, AdminBroadcast(action="stop", id=item.id))])
        rows.append([(ac.btn_refresh, AdminBroadcast(action="refresh", id=item.id))])
    rows.append([(ac.sections["broadcast"], AdminSection(section="broadcast"))])
    return Screen(f"admin_broadcast_progress:{item.status}", text, markup(rows))


# --- promo codes --------------------------------------------------------------------------------------


def reward(ac: AdminCopy, code: promos.PromoCode) -> str:
    if code.kopecks is not None:
        return ac.reward_money.format(amount=format_rub(code.kopecks, ac.lang))
    return ac.reward_runs.format(runs=code.runs)


def _promo_state(ac: AdminCopy, code: promos.PromoCode, now: datetime, tz: str) -> str:
    if code.disabled_at is not None:
        return ac.promo_states["disabled"]
    if code.used >= code.total_uses:
        return ac.promo_states["exhausted"]
    if code.expires_at is not None and code.expires_at <= now:
        return ac.promo_states["expired"]
    until = ac.promo_until.format(date=when(code.expires_at, tz)) if code.expires_at else ""
    return ac.promo_states["active"] + until


def promos_screen(
    ac: AdminCopy, codes: list[promos.PromoCode], page: int, pages: int, now: datetime, tz: str
) -> Screen:
    lines = [
        ac.promo_line.format(
            code=html.escape(code.code),
            reward=reward(ac, code),
            used=code.used,
            total=code.total_uses,
            state=_promo_state(ac, code, now, tz),
        )
        for code in codes
    ]
    text = ac.promos.format(page=_page_label(ac, page, pages), lines="\n".join(lines) or ac.promos_empty)
    rows: list[Row] = [[(code.code, AdminPromo(action="card", id=code.id, page=page))] for code in codes]
    pager = _pager(ac, lambda p: AdminSection(section="promos", page=p), page, pages)
    if pager:
        rows.append(pager)
    rows.append(
        [(ac.btn_new_money, AdminPromo(action="new_money")), (ac.btn_new_runs, AdminPromo(action="new_runs"))]
    )
    rows.append(_back(ac))
    return Screen("admin_promos", text, markup(rows))


def promo_card(ac: AdminCopy, code: promos.PromoCode, page: int, now: datetime, tz: str) -> Screen:
    text = ac.promo_card.format(
        code=html.escape(code.code),
        reward=reward(ac, code),
        used=code.used,
        total=code.total_uses,
        state=_promo_state(ac, code, now, tz),
        created=when(code.created_at, tz),
    )
    rows: list[Row] = []
    if code.disabled_at is None:
        rows.append([(ac.btn_disable, AdminPromo(action="disable", id=code.id, page=page))])
    rows.append([(ac.btn_promos, AdminSection(section="promos", page=page))])
    return Screen("admin_promo", text, markup(rows))


def promo_answer(ac: AdminCopy, copy: Copy, text: str) -> Screen:
    """What a person sees after trying a promo code: the answer and the way back to the menu."""
    return Screen("promo_answer", text, markup([[(copy.btn_main_menu, Menu(screen="main"))]]))


# --- the journal and the changelog -------------------------------------------------------------------


def _compact(value: Any) -> str:
    if value is None:
        return "∅"
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return text if len(text) <= 120 else text[:119] + "…"


def journal_screen(ac: AdminCopy, entries: list[AuditEntry], page: int, pages: int, tz: str) -> Screen:
    lines = [
        ac.journal_line.format(
            date=when(entry.created_at, tz),
            admin=ac.journal_system
            if entry.admin_id == SYSTEM_ADMIN_ID
            else f"<code>{entry.admin_id}</code>",
            action=html.escape(entry.action),
            target=html.escape(entry.target or ""),
            change=html.escape(f"{_compact(entry.before)} → {_compact(entry.after)}"),
        )
        for entry in entries
    ]
    text = ac.journal.format(page=_page_label(ac, page, pages), lines="\n".join(lines) or ac.journal_empty)
    rows: list[Row] = []
    pager = _pager(ac, lambda p: AdminSection(section="journal", page=p), page, pages)
    if pager:
        rows.append(pager)
    rows.append([(ac.sections["changelog"], AdminSection(section="changelog"))])
    rows.append(_back(ac))
    return Screen(f"admin_journal:{page}", text, markup(rows))


def changelog_screen(ac: AdminCopy, page: int) -> Screen:
    releases = changelog.RELEASES
    pages = max(1, -(-len(releases) // CHANGELOG_PAGE))
    page = min(page, pages - 1)
    shown = releases[page * CHANGELOG_PAGE : (page + 1) * CHANGELOG_PAGE]
    entries = "\n\n".join(
        ac.changelog_entry.format(
            date=release.day.strftime("%d.%m.%Y"), text=html.escape(release.text(ac.lang))
        )
        for release in shown
    )
    text = ac.changelog.format(page=_page_label(ac, page, pages), entries=entries)
    rows: list[Row] = []
    pager = _pager(ac, lambda p: AdminSection(section="changelog", page=p), page, pages)
    if pager:
        rows.append(pager)
    rows.append([(ac.sections["journal"], AdminSection(section="journal"))])
    rows.append(_back(ac))
    return Screen(f"admin_changelog:{page}", text, markup(rows))
