"""The wizard's screens: text and keyboard from a draft, an offer list or a quote. No I/O here."""

from __future__ import annotations

import html
from datetime import UTC, datetime

from creativebot.kie.catalog import CatalogModel, Scalar
from creativebot.telegram.callbacks import (
    CategoryPick,
    Launch,
    Menu,
    ModelCard,
    ModelChoose,
    Noop,
    OptionPick,
    Wizard,
)
from creativebot.telegram.keyboards import Row, main_menu, markup
from creativebot.telegram.screens import Screen
from creativebot.texts import Copy, format_duration, format_rub, plural
from creativebot.wallet.free_quota import QuotaStatus
from creativebot.wizard import Draft, Offer, PromptProblem, Quote

_BUTTONS_PER_ROW = 4


def price_label(texts: Copy, low: int, high: int) -> str:
    """The price, or "от …" when the options change it."""
    label = format_rub(low, texts.lang)
    return texts.price_from.format(price=label) if high > low else label


def value_label(texts: Copy, model: CatalogModel, option_input: str, value: Scalar) -> str:
    option = next(o for o in model.options if o.input == option_input)
    if option.labels and str(value) in option.labels:
        return option.labels[str(value)].get(texts.lang)
    if option_input in {"duration", "n_frames"}:
        return texts.seconds_value.format(value=value)
    return texts.value_labels.get(str(value), str(value))


def _title(texts: Copy, model: CatalogModel) -> str:
    return html.escape(model.title.get(texts.lang))


def category(texts: Copy, code: str, offers: list[Offer]) -> Screen:
    rows: list[Row] = []
    for offer in offers:
        label = texts.model_free_suffix if offer.free_left else price_label(texts, offer.low, offer.high)
        rows.append([(f"{offer.model.title.get(texts.lang)} · {label}", ModelCard(model=offer.model.id))])
    rows.append([(texts.btn_back, Menu(screen="main"))])
    text = texts.category_prompt.format(category=texts.categories[code])
    return Screen(f"category:{code}", text, markup(rows))


def model_card(texts: Copy, offer: Offer, quota: QuotaStatus | None) -> Screen:
    model = offer.model
    free_text = ""
    if quota is not None:
        line = texts.free_line if quota.remaining else texts.free_used_up_line
        wait = int((quota.resets_at - datetime.now(UTC)).total_seconds())
        free_text = line.format(left=quota.remaining, total=quota.limit, wait=format_duration(texts, wait))
    text = texts.model_card.format(
        title=_title(texts, model),
        description=html.escape(model.description.get(texts.lang)),
        price=price_label(texts, offer.low, offer.high),
        eta=texts.eta_line.format(eta=format_duration(texts, model.eta_sec)),
        free=free_text,
    )
    keyboard = markup(
        [
            [(texts.btn_choose, ModelChoose(model=model.id))],
            [(texts.btn_back, CategoryPick(code=model.category))],
        ]
    )
    return Screen("model_card", text, keyboard)


def unavailable_model(texts: Copy) -> Screen:
    return Screen("unavailable_model", texts.unavailable_model, main_menu(texts))


def draft_expired(texts: Copy) -> Screen:
    return Screen("draft_expired", texts.draft_expired + "\n\n" + texts.menu_prompt, main_menu(texts))


def chosen(texts: Copy, model: CatalogModel) -> Screen:
    return Screen("chosen", texts.chosen.format(title=_title(texts, model)))


def _cancel_row(texts: Copy) -> Row:
    return [(texts.btn_cancel, Wizard(action="cancel"))]


def step_photos(texts: Copy, model: CatalogModel) -> Screen:
    assert model.images is not None
    slot = model.images
    if slot.max == 1:
        count = texts.photos_one
    elif slot.min <= 1:
        count = texts.photos_up_to.format(max=slot.max)
    else:
        count = texts.photos_range.format(min=slot.min, max=slot.max)
    text = texts.step_photos.format(count=count, mb=slot.max_mb)
    return Screen("step1_photos", text, markup([_cancel_row(texts)]))


def step_prompt(texts: Copy, model: CatalogModel, draft: Draft) -> Screen:
    _, limit = model.prompt_limits
    text = texts.step_prompt.format(max=limit, example=html.escape(texts.prompt_examples[model.category]))
    if draft.prompt:
        text += texts.prompt_current.format(prompt=html.escape(draft.prompt[:500]))
    rows: list[Row] = []
    if not model.prompt_required:
        text += texts.prompt_optional_hint
        rows.append([(texts.btn_skip, Wizard(action="skip_prompt"))])
    rows.append(_cancel_row(texts))
    return Screen("step1_prompt", text, markup(rows))


def photos_received(texts: Copy, model: CatalogModel, count: int) -> Screen:
    assert model.images is not None
    rows: list[Row] = []
    if count >= model.images.min:
        rows.append([(texts.btn_next, Wizard(action="photos_done"))])
    rows.append(_cancel_row(texts))
    text = texts.photos_received.format(count=count, max=model.images.max)
    return Screen("photos_received", text, markup(rows))


def prompt_problem(texts: Copy, problem: PromptProblem) -> str:
    if problem.kind == "empty":
        return texts.prompt_empty
    if problem.kind == "too_long":
        characters = plural(texts.lang, problem.length, texts.characters)
        return texts.prompt_too_long.format(length=problem.length, max=problem.limit, characters=characters)
    return texts.prompt_too_short.format(
        min=problem.limit, characters=plural(texts.lang, problem.limit, texts.characters)
    )


def step_format(texts: Copy, model: CatalogModel, draft: Draft) -> Screen:
    rows: list[Row] = []
    lines = []
    for index, option in enumerate(model.options):
        name = texts.option_names.get(option.input, option.input)
        current = draft.options.get(option.input, model.default_for(option))
        lines.append(f"{name}: <b>{html.escape(value_label(texts, model, option.input, current))}</b>")
        rows.append([(f"— {name} —", Noop())])
        choices = model.choices(option)
        buttons = [
            (
                ("✅ " if str(value) == str(current) else "")
                + value_label(texts, model, option.input, value),
                OptionPick(option=index, value=value_index),
            )
            for value_index, value in enumerate(choices)
        ]
        rows.extend(
            buttons[start : start + _BUTTONS_PER_ROW] for start in range(0, len(buttons), _BUTTONS_PER_ROW)
        )
    rows.append([(texts.btn_next, Wizard(action="format_done"))])
    rows.append(
        [(texts.btn_back, Wizard(action="back_to_prompt")), (texts.btn_cancel, Wizard(action="cancel"))]
    )
    text = texts.step_format + "\n\n" + "\n".join(lines)
    return Screen("step2_format", text, markup(rows))


def confirm(texts: Copy, quote: Quote) -> Screen:
    model, draft = quote.model, quote.draft
    details = []
    if draft.prompt:
        details.append(texts.confirm_prompt_line.format(prompt=html.escape(draft.prompt[:300])))
    if draft.images:
        details.append(texts.confirm_photos_line.format(count=len(draft.images)))
    for option in model.options:
        name = texts.option_names.get(option.input, option.input)
        value = draft.options.get(option.input, model.default_for(option))
        details.append(f"{name}: {html.escape(value_label(texts, model, option.input, value))}")
    money = format_rub(quote.price, texts.lang)
    if quote.uses_free_slot and quote.free is not None:
        price_line = texts.confirm_free_line.format(left=quote.free.remaining, total=quote.free.limit)
    elif quote.uses_gift:
        price_line = texts.confirm_gift_line.format(left=quote.gift_runs)
    else:
        price_line = texts.confirm_price_line.format(price=money)
    text = texts.step_confirm.format(
        title=_title(texts, model),
        details="\n".join(details),
        price=price_line,
        balance=texts.confirm_balance_line.format(
            balance=format_rub(quote.wallet.available, texts.lang),
            after=format_rub(quote.balance_after, texts.lang),
        ),
    )
    rows: list[Row] = []
    if quote.affordable:
        free = quote.uses_free_slot or quote.uses_gift
        label = texts.btn_launch_free if free else texts.btn_launch.format(price=money)
        rows.append([(label, Launch(draft=draft.draft_id))])
    else:
        text += texts.short_balance.format(missing=format_rub(-quote.balance_after, texts.lang))
        rows.append([(texts.btn_topup, Menu(screen="topup"))])
        for offer in quote.cheaper:
            label = texts.model_free_suffix if offer.free_left else format_rub(offer.low, texts.lang)
            rows.append(
                [
                    (
                        texts.btn_try_model.format(title=offer.model.title.get(texts.lang), price=label),
                        ModelCard(model=offer.model.id),
                    )
                ]
            )
    rows.append([(texts.btn_edit, Wizard(action="edit"))])
    rows.append([(texts.btn_cancel, Wizard(action="cancel"))])
    return Screen("step3_confirm", text, markup(rows))


def launch_started(texts: Copy, model: CatalogModel) -> Screen:
    text = texts.launch_started.format(eta=format_duration(texts, model.eta_sec), title=_title(texts, model))
    return Screen("launch_started", text)
