"""The wizard's screens: text and keyboard from a draft, an offer list or a quote. No I/O here."""

from __future__ import annotations

import html
from datetime import UTC, datetime

from creativebot.kie.catalog import CatalogModel, Scalar, TextInput
from creativebot.telegram.callbacks import (
    CategoryPick,
    EditPart,
    JobCancel,
    Launch,
    Menu,
    ModelCard,
    ModelChoose,
    Noop,
    OptionPick,
    SwitchModel,
    Wizard,
)
from creativebot.telegram.keyboards import Row, main_menu, markup
from creativebot.telegram.screens import Screen
from creativebot.telegram.views.voices import samples_row
from creativebot.texts import Copy, format_duration, format_rub, plural
from creativebot.texts.progress import progress_copy
from creativebot.wizard import Card, Draft, Offer, PromptProblem, Quote

_BUTTONS_PER_ROW = 4
_BUTTONS_PER_ROW_PRICED = 2  # "4K · +300 ₽" needs room


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


def _with_note(note: str | None, text: str) -> str:
    return f"{note}\n\n{text}" if note else text


def category(texts: Copy, code: str, offers: list[Offer]) -> Screen:
    rows: list[Row] = []
    for offer in offers:
        label = texts.model_free_suffix if offer.free_left else price_label(texts, offer.low, offer.high)
        rows.append([(f"{offer.model.title.get(texts.lang)} · {label}", ModelCard(model=offer.model.id))])
    rows.append([(texts.btn_back, Menu(screen="main"))])
    text = texts.category_prompt.format(category=texts.categories[code])
    return Screen(f"category:{code}", text, markup(rows))


def _runs_line(texts: Copy, card: Card) -> str:
    """How many runs the balance covers at the model's lowest price."""
    balance = format_rub(card.wallet.available, texts.lang)
    runs = card.wallet.available // card.offer.low if card.offer.low else 0
    if runs <= 0:
        return texts.runs_none_line.format(balance=balance)
    return texts.runs_line.format(balance=balance, runs=f"{runs} {plural(texts.lang, runs, texts.runs)}")


def model_card(texts: Copy, card: Card) -> Screen:
    offer, quota, model = card.offer, card.quota, card.offer.model
    free_text = ""
    if quota is not None:
        line = texts.free_line if quota.remaining else texts.free_used_up_line
        wait = int((quota.resets_at - datetime.now(UTC)).total_seconds())
        free_text = line.format(left=quota.remaining, total=quota.limit, wait=format_duration(texts, wait))
    low, high = format_rub(offer.low, texts.lang), format_rub(offer.high, texts.lang)
    price = texts.price_range.format(low=low, high=high) if offer.high > offer.low else low
    eta = (texts.eta_measured_line if card.measured else texts.eta_line).format(
        eta=format_duration(texts, card.typical_sec)
    )
    text = texts.model_card.format(
        title=_title(texts, model),
        description=html.escape(model.description.get(texts.lang)),
        price=price,
        eta=eta + "\n" + texts.inputs_line.format(inputs=inputs_needed(texts, model)),
        free=free_text + ("" if quota is not None and quota.remaining else _runs_line(texts, card)),
    )
    keyboard = markup(
        [
            [(texts.btn_choose, ModelChoose(model=model.id))],
            [(texts.btn_back, CategoryPick(code=model.category))],
        ]
    )
    return Screen("model_card", text, keyboard)


def _photos_count(texts: Copy, model: CatalogModel) -> str:
    assert model.images is not None
    slot = model.images
    if slot.max == 1:
        return texts.photos_one
    if slot.min <= 1:
        return texts.photos_up_to.format(max=slot.max)
    return texts.photos_range.format(min=slot.min, max=slot.max)


def inputs_needed(texts: Copy, model: CatalogModel) -> str:
    """What the model takes from the user: photos, a description (or its own kind of text), other texts."""
    parts = []
    if model.images:
        parts.append(_photos_count(texts, model))
    if model.prompt_input:
        what = (
            _lower_first(model.prompt_label.get(texts.lang))
            if model.prompt_label
            else texts.input_description
        )
        parts.append(what if model.prompt_required else texts.input_optional.format(what=what))
    parts.extend(_lower_first(text.label.get(texts.lang)) for text in model.extra_texts)
    return ", ".join(parts)


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
    album = texts.photos_album_hint if slot.max > 1 else ""
    text = texts.step_photos.format(count=_photos_count(texts, model), mb=slot.max_mb, album=album)
    return Screen("step1_photos", text, markup([_cancel_row(texts)]))


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def step_prompt(texts: Copy, model: CatalogModel, draft: Draft, note: str | None = None) -> Screen:
    _, limit = model.prompt_limits
    example = texts.prompt_examples.get(model.id) or texts.prompt_examples[model.category]
    if model.prompt_label is not None:
        label = model.prompt_label.get(texts.lang)
        title, ask = label, texts.prompt_ask_labelled.format(label=_lower_first(label))
    else:
        title, ask = texts.prompt_title, texts.prompt_ask
    text = texts.step_prompt.format(title=title, ask=ask, max=limit, example=html.escape(example))
    if draft.prompt:
        text += texts.prompt_current.format(prompt=html.escape(draft.prompt[:500]))
    rows: list[Row] = []
    if not model.prompt_required:
        text += texts.prompt_optional_hint
        rows.append([(texts.btn_skip, Wizard(action="skip_prompt"))])
    rows.append(_cancel_row(texts))
    return Screen("step1_prompt", _with_note(note, text), markup(rows))


def step_text(texts: Copy, model: CatalogModel, wanted: TextInput) -> Screen:
    """Another text the model takes (a song's style, its title)."""
    label = wanted.label.get(texts.lang)
    text = texts.step_text.format(
        label=html.escape(label),
        label_lower=html.escape(_lower_first(label)),
        max=int(model.input(wanted.input).max or 5000),
        example=html.escape(wanted.example.get(texts.lang)),
    )
    rows: list[Row] = []
    if not wanted.required:
        text += texts.text_optional_hint
        rows.append([(texts.btn_skip, Wizard(action="skip_text"))])
    rows.append(_cancel_row(texts))
    return Screen("step1_text", text, markup(rows))


def photos_received(texts: Copy, model: CatalogModel, count: int) -> Screen:
    assert model.images is not None
    rows: list[Row] = []
    if count >= model.images.min:
        rows.append([(texts.btn_next, Wizard(action="photos_done"))])
    rows.append(_cancel_row(texts))
    text = texts.photos_received.format(count=count, max=model.images.max)
    return Screen("photos_received", text, markup(rows))


def photos_not_taken(texts: Copy) -> str:
    return texts.photos_not_taken.format(edit=texts.categories["edit"], animate=texts.categories["animate"])


def prompt_problem(texts: Copy, problem: PromptProblem) -> str:
    if problem.kind == "empty":
        return texts.prompt_empty
    if problem.kind == "too_long":
        characters = plural(texts.lang, problem.length, texts.characters)
        return texts.prompt_too_long.format(length=problem.length, max=problem.limit, characters=characters)
    return texts.prompt_too_short.format(
        min=problem.limit, characters=plural(texts.lang, problem.limit, texts.characters)
    )


def _delta(texts: Copy, kopecks: int) -> str:
    money = format_rub(abs(kopecks), texts.lang)
    return f"+{money}" if kopecks > 0 else f"−{money}"


def step_format(
    texts: Copy,
    model: CatalogModel,
    draft: Draft,
    prices: list[list[int]],
    price: int,
    note: str | None = None,
) -> Screen:
    """Step 2: each option's values as buttons; a value that changes the price says by how much."""
    rows: list[Row] = []
    lines = []
    for index, option in enumerate(model.options):
        name = texts.option_names.get(option.input, option.input)
        current = draft.options.get(option.input, model.default_for(option))
        lines.append(f"{name}: <b>{html.escape(value_label(texts, model, option.input, current))}</b>")
        rows.append([(f"— {name} —", Noop())])
        buttons = []
        for value_index, value in enumerate(model.choices(option)):
            label = value_label(texts, model, option.input, value)
            change = prices[index][value_index] - price
            if str(value) == str(current):
                label = "✅ " + label
            elif change:
                label = texts.price_delta.format(label=label, delta=_delta(texts, change))
            buttons.append((label, OptionPick(option=index, value=value_index)))
        priced = any(prices[index][i] != price for i in range(len(buttons)))
        per_row = _BUTTONS_PER_ROW_PRICED if priced else _BUTTONS_PER_ROW
        rows.extend(buttons[start : start + per_row] for start in range(0, len(buttons), per_row))
    if (listen := samples_row(texts, model)) is not None:
        rows.append(listen)
    rows.append([(texts.btn_next, Wizard(action="format_done"))])
    rows.append(
        [(texts.btn_back, Wizard(action="back_to_prompt")), (texts.btn_cancel, Wizard(action="cancel"))]
    )
    price_line = texts.format_price_line.format(price=format_rub(price, texts.lang))
    text = texts.step_format + "\n\n" + "\n".join(lines) + "\n\n" + price_line
    return Screen("step2_format", _with_note(note, text), markup(rows))


def confirm(texts: Copy, quote: Quote, note: str | None = None) -> Screen:
    model, draft = quote.model, quote.draft
    details = []
    if draft.prompt:
        details.append(texts.confirm_prompt_line.format(prompt=html.escape(draft.prompt[:300])))
    for wanted in model.extra_texts:
        if draft.texts.get(wanted.input):
            given = html.escape(draft.texts[wanted.input][:200])
            details.append(f"{html.escape(wanted.label.get(texts.lang))}: {given}")
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
    balance = format_rub(quote.wallet.available, texts.lang)
    balance_line = (
        texts.confirm_balance_line.format(balance=balance, after=format_rub(quote.balance_after, texts.lang))
        if quote.affordable
        else texts.confirm_balance_short.format(balance=balance)
    )
    text = texts.step_confirm.format(
        title=_title(texts, model), details="\n".join(details), price=price_line, balance=balance_line
    )
    rows: list[Row] = []
    if not quote.affordable:
        missing = format_rub(quote.missing, texts.lang)
        short = texts.short_balance_cheaper if quote.cheaper else texts.short_balance
        text += short.format(missing=missing)
        rows.append([(texts.btn_topup, Menu(screen="topup"))])
        for offer in quote.cheaper:
            label = texts.model_free_suffix if offer.free_left else format_rub(offer.low, texts.lang)
            title = texts.btn_try_model.format(title=offer.model.title.get(texts.lang), price=label)
            rows.append([(title, SwitchModel(model=offer.model.id))])
    elif quote.over_cap:
        assert quote.cap_room is not None and quote.cap is not None
        text += texts.over_cap.format(
            room=format_rub(quote.cap_room, texts.lang), cap=format_rub(quote.cap, texts.lang)
        )
        rows.append([(texts.btn_settings, Menu(screen="settings"))])
    else:
        free = quote.uses_free_slot or quote.uses_gift
        label = texts.btn_launch_free if free else texts.btn_launch.format(price=money)
        rows.append([(label, Launch(draft=draft.draft_id))])
    rows.append([(texts.btn_edit, Wizard(action="edit"))])
    rows.append([(texts.btn_cancel, Wizard(action="cancel"))])
    return Screen("step3_confirm", _with_note(note, text), markup(rows))


def edit_menu(texts: Copy, model: CatalogModel) -> Screen:
    """ "✏️ Изменить": the parts of the draft this model has; the rest stays."""
    rows: list[Row] = []
    if model.prompt_input:
        label = model.prompt_label.get(texts.lang) if model.prompt_label else None
        rows.append([(f"✍️ {label}" if label else texts.btn_edit_prompt_part, EditPart(part="prompt"))])
    for index, wanted in enumerate(model.extra_texts):
        rows.append([(f"✍️ {wanted.label.get(texts.lang)}", EditPart(part="text", index=index))])
    if model.images:
        rows.append([(texts.btn_edit_photos, EditPart(part="photos"))])
    if model.options:
        rows.append([(texts.btn_edit_format, EditPart(part="format"))])
    rows.append([(texts.btn_back_to_confirm, EditPart(part="confirm"))])
    return Screen("edit_menu", texts.edit_menu, markup(rows))


def launch_started(texts: Copy, model: CatalogModel, job_id: int) -> Screen:
    """The job's status message, with ✖️ Отменить while the job has not reached KIE (a press after that is
    refused politely, and cron's progress edits and the result drop the button)."""
    text = texts.launch_started.format(eta=format_duration(texts, model.eta_sec), title=_title(texts, model))
    cancel = (progress_copy(texts.lang).btn_cancel, JobCancel(job=job_id))
    return Screen("launch_started", text, markup([[cancel]]))
