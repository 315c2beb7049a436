"""The model catalog: what each KIE model takes, how the wizard asks for it, and what it costs.

The data lives in ``catalog.json`` beside this module (built by ``make catalog`` from the team's
``kie/models.json`` plus our titles, descriptions, wizard choices and price rules). Prices are KIE
credits per mode; roubles = credits × KIE_USD_PER_CREDIT × RUB_PER_USD × PRICE_MARKUP, rounded up to
a whole rouble.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Mapping
from decimal import ROUND_CEILING, Decimal
from functools import cached_property, lru_cache
from importlib import resources
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, model_validator

Scalar = str | int | float | bool
Category = Literal["photo", "edit", "video", "animate", "music", "audio"]
CATEGORIES: tuple[Category, ...] = ("photo", "edit", "video", "animate", "music", "audio")
ResultKind = Literal["photo", "video", "audio"]
# Which KIE API serves a model: the unified market (jobs/createTask) or one of the family APIs, each
# with its own create and record-info endpoints and shapes (creativebot.kie.families).
Family = Literal["market", "veo", "suno", "mj", "runway", "gpt4o", "flux_kontext"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Localized(_Strict):
    ru: str = Field(min_length=1)
    en: str = Field(min_length=1)

    def get(self, language: str) -> str:
        return self.en if language == "en" else self.ru


class InputSpec(_Strict):
    """One field of the model's ``input`` object, as KIE documents it."""

    name: str
    type: Literal["string", "boolean", "number", "integer", "array"]
    required: bool = False
    enum: list[Scalar] | None = None
    default: Any = None
    min: float | None = None
    max: float | None = None
    notes: str | None = None


class ImageSlot(_Strict):
    """Where the user's photos go: an array field, or a single URL field (max 1)."""

    input: str
    min: int = Field(ge=0, le=16)
    max: int = Field(ge=1, le=16)
    max_mb: int = Field(default=10, ge=1, le=30)


class OptionSpec(_Strict):
    """A step-2 button row: one input, the values offered (default: the input's enum or yes/no)."""

    input: str
    choices: list[Scalar] | None = None
    labels: dict[str, Localized] | None = None


class PriceRule(_Strict):
    when: dict[str, Scalar]
    credits: float = Field(gt=0)


class Pricing(_Strict):
    """KIE credits: the first rule whose ``when`` matches, else ``credits``; times the unit count."""

    credits: float = Field(gt=0)
    rules: list[PriceRule] = []
    # task: once; second: times the duration input; unit: times another input (variants, images);
    # 1000_chars: per started thousand characters of the prompt
    per: Literal["task", "second", "unit", "1000_chars"] = "task"
    per_input: str | None = None


class Constraint(_Strict):
    """When ``when`` matches, every input in ``allowed`` must take one of its values."""

    when: dict[str, Scalar]
    allowed: dict[str, list[Scalar]]
    message: Localized


class TextInput(_Strict):
    """A text the wizard asks for after the prompt (Suno's custom mode: the style, the title)."""

    input: str
    label: Localized  # what the step asks for
    example: Localized
    required: bool = True


class CatalogModel(_Strict):
    id: str
    kind: Literal["text-to-image", "image-edit", "text-to-video", "image-to-video", "music", "audio"]
    category: Category
    # The API that serves the model, and what that API calls it (the body's ``model`` field of a family
    # request; the market's model id). ``fixed_inputs`` go with every request (a family's mode switches).
    family: Family = "market"
    kie_model: str | None = None
    fixed_inputs: dict[str, Scalar] = {}
    # What step 1 asks for when it is not a description (a text to speak, lyrics); None: a description.
    prompt_label: Localized | None = None
    extra_texts: list[TextInput] = []
    # Launched only from a result's button (Midjourney's upscale and variation), never listed.
    follow_up: bool = False
    title: Localized
    description: Localized
    available: bool
    unavailable_reason: str | None = None
    inputs: list[InputSpec]
    prompt_input: str | None
    prompt_required: bool
    images: ImageSlot | None = None
    options: list[OptionSpec] = []
    constraints: list[Constraint] = []
    pricing: Pricing | None = None
    free_per_day: int = Field(default=0, ge=0, le=100)
    eta_sec: int = Field(ge=5, le=1800)
    result: ResultKind

    @model_validator(mode="after")
    def _coherent(self) -> CatalogModel:
        names = {spec.name for spec in self.inputs}
        referenced = [self.prompt_input] if self.prompt_input else []
        referenced += [self.images.input] if self.images else []
        referenced += [option.input for option in self.options]
        referenced += [text.input for text in self.extra_texts]
        if self.pricing and self.pricing.per_input:
            referenced.append(self.pricing.per_input)
        missing = [name for name in referenced if name not in names]
        if missing:
            raise ValueError(f"{self.id}: refers to unknown inputs {missing}")
        if self.available and self.pricing is None:
            raise ValueError(f"{self.id}: an available model needs a price")
        if not self.available and not self.unavailable_reason:
            raise ValueError(f"{self.id}: say why the model is unavailable")
        if self.images and self.images.min > self.images.max:
            raise ValueError(f"{self.id}: images.min > images.max")
        for option in self.options:
            if not self.choices(option):
                raise ValueError(f"{self.id}: option {option.input} offers no choice")
        # A model users may get (available, or unlocked by an operator's price) must be one the wizard can
        # fill; a follow-up's source task comes from the result it follows.
        if (self.available or self.pricing is None) and not self.follow_up:
            filled = {*referenced, *self.fixed_inputs}
            unfilled = [
                s.name for s in self.inputs if s.required and s.default is None and s.name not in filled
            ]
            if unfilled:
                raise ValueError(f"{self.id}: the wizard cannot fill the required inputs {unfilled}")
        return self

    def input(self, name: str) -> InputSpec:
        return next(spec for spec in self.inputs if spec.name == name)

    def choices(self, option: OptionSpec) -> list[Scalar]:
        if option.choices is not None:
            return option.choices
        spec = self.input(option.input)
        if spec.enum is not None:
            return list(spec.enum)
        return [False, True] if spec.type == "boolean" else []

    def default_for(self, option: OptionSpec) -> Scalar:
        spec = self.input(option.input)
        choices = self.choices(option)
        return spec.default if spec.default in choices else choices[0]

    @property
    def kie_id(self) -> str:
        """What KIE calls the model."""
        return self.kie_model or self.id

    @property
    def prompt_limits(self) -> tuple[int, int]:
        """(min, max) characters of the prompt; 5000 when KIE names no maximum."""
        if self.prompt_input is None:
            return 0, 0
        spec = self.input(self.prompt_input)
        return int(spec.min or (1 if self.prompt_required else 0)), int(spec.max or 5000)


class Catalog(_Strict):
    version: int
    models: list[CatalogModel]

    @model_validator(mode="after")
    def _unique(self) -> Catalog:
        ids = [model.id for model in self.models]
        if len(ids) != len(set(ids)):
            raise ValueError("model ids must be unique")
        return self

    def get(self, model_id: str) -> CatalogModel | None:
        return next((model for model in self.models if model.id == model_id), None)

    def offered(self, category: Category) -> list[CatalogModel]:
        """Available models of a category, free ones first, then cheapest first."""
        return list(self._offered[category])

    def priceless(self, category: Category) -> list[CatalogModel]:
        """Models of a category that wait for a price (KIE's price list lacks them); an operator's fixed
        price makes them available (creativebot.overrides)."""
        return [m for m in self.models if m.category == category and m.pricing is None and not m.follow_up]

    @cached_property
    def _offered(self) -> dict[Category, tuple[CatalogModel, ...]]:
        ranked = sorted(
            (m for m in self.models if m.available and not m.follow_up),
            key=lambda m: (m.free_per_day == 0, credit_range(m)[0]),
        )
        return {category: tuple(m for m in ranked if m.category == category) for category in CATEGORIES}


def title_of(model_id: str, language: str) -> str:
    """What people call a model (its id when the catalog no longer has it); not HTML-escaped."""
    model = load_catalog().get(model_id)
    return model.title.get(language) if model else model_id


@lru_cache(maxsize=1)
def load_catalog() -> Catalog:
    text = resources.files("creativebot.kie").joinpath("catalog.json").read_text(encoding="utf-8")
    return Catalog.model_validate(json.loads(text))


# --- prices ---------------------------------------------------------------------------------------


def default_options(model: CatalogModel) -> dict[str, Scalar]:
    return {option.input: model.default_for(option) for option in model.options}


def _matches(when: dict[str, Scalar], values: dict[str, Any]) -> bool:
    return all(str(values.get(key)) == str(expected) for key, expected in when.items())


def credits_for(model: CatalogModel, options: dict[str, Any], prompt: str = "") -> Decimal:
    """KIE credits of one generation with these options (and prompt, for per-character pricing)."""
    if model.pricing is None:
        raise ValueError(f"{model.id} has no price")
    pricing = model.pricing
    values = {**default_options(model), **options}
    credits = Decimal(str(pricing.credits))
    for rule in pricing.rules:
        if _matches(rule.when, values):
            credits = Decimal(str(rule.credits))
            break
    if pricing.per == "second":
        credits *= Decimal(str(values.get(pricing.per_input or "duration", 1)))
    elif pricing.per == "unit" and pricing.per_input:
        credits *= Decimal(str(values.get(pricing.per_input, 1)))
    elif pricing.per == "1000_chars":
        credits *= max(1, math.ceil(len(prompt) / 1000))
    return credits


def credit_range(model: CatalogModel) -> tuple[Decimal, Decimal]:
    """The cheapest and the dearest mode of a model (over its step-2 choices), in credits; computed once
    per model (up to 500 combinations each, too slow to repeat on every screen)."""
    cached = _credit_ranges.get(id(model))
    if cached is None or cached[0] is not model:
        cached = _credit_ranges[id(model)] = (model, _credit_range(model))
    return cached[1]


_credit_ranges: dict[int, tuple[CatalogModel, tuple[Decimal, Decimal]]] = {}


def _credit_range(model: CatalogModel) -> tuple[Decimal, Decimal]:
    if model.pricing is None:
        return Decimal(0), Decimal(0)
    names = [option.input for option in model.options]
    combos = itertools.islice(itertools.product(*(model.choices(option) for option in model.options)), 500)
    credits = [credits_for(model, dict(zip(names, combo, strict=True))) for combo in combos]
    return min(credits), max(credits)


def rub_kopecks(credits: Decimal, usd_per_credit: Decimal, rub_per_usd: Decimal, markup: Decimal) -> int:
    """Credits to kopecks: rounded up to a whole rouble, never zero for a paid generation."""
    roubles = (credits * usd_per_credit * rub_per_usd * markup).to_integral_value(rounding=ROUND_CEILING)
    return max(1, int(roubles)) * 100


class PriceFactors(Protocol):
    """The pricing settings (creativebot.config.PricingSettings has these)."""

    @property
    def kie_usd_per_credit(self) -> Decimal: ...

    @property
    def rub_per_usd(self) -> Decimal: ...

    @property
    def price_markup(self) -> Decimal: ...


def price_kopecks(model: CatalogModel, options: dict[str, Any], prompt: str, factors: PriceFactors) -> int:
    """What the user pays for one generation with these options, in kopecks."""
    return rub_kopecks(
        credits_for(model, options, prompt),
        factors.kie_usd_per_credit,
        factors.rub_per_usd,
        factors.price_markup,
    )


def price_range(model: CatalogModel, factors: PriceFactors) -> tuple[int, int]:
    """The cheapest and the dearest price of a model, in kopecks (for "от 10 ₽" labels)."""
    low, high = credit_range(model)
    convert = (factors.kie_usd_per_credit, factors.rub_per_usd, factors.price_markup)
    return rub_kopecks(low, *convert), rub_kopecks(high, *convert)


# --- what goes to KIE ---------------------------------------------------------------------------------


def violations(model: CatalogModel, options: dict[str, Any]) -> list[Localized]:
    """The messages of every constraint these options break (e.g. 1080P only for 6 seconds)."""
    values = {**default_options(model), **options}
    return [
        constraint.message
        for constraint in model.constraints
        if _matches(constraint.when, values)
        and any(
            str(values.get(name)) not in {str(v) for v in allowed}
            for name, allowed in constraint.allowed.items()
        )
    ]


def _coerce(spec: InputSpec, value: Any) -> Any:
    """The JSON type KIE expects for this field (enums of strings stay strings: "5", not 5)."""
    if spec.type == "string":
        return str(value)
    if spec.type == "boolean":
        return bool(value)
    if spec.type == "integer":
        return int(value)
    if spec.type == "number":
        number = float(value)
        return int(number) if number.is_integer() else number
    return value


def build_input(
    model: CatalogModel,
    prompt: str | None,
    image_urls: list[str],
    options: dict[str, Any],
    texts: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The model's request fields: its fixed inputs (a family's mode switches), documented defaults for
    required fields, the user's choices, and the other texts the wizard asked for (a song's style, title;
    a follow-up's source task). What is stored on the job is exactly what goes to KIE."""
    payload: dict[str, Any] = dict(model.fixed_inputs)
    for spec in model.inputs:
        if spec.default is not None and spec.required and spec.name not in payload:
            payload[spec.name] = spec.default
    for option in model.options:
        payload[option.input] = _coerce(
            model.input(option.input), options.get(option.input, model.default_for(option))
        )
    if model.prompt_input and prompt:
        payload[model.prompt_input] = prompt
    if model.images and image_urls:
        spec = model.input(model.images.input)
        payload[model.images.input] = list(image_urls) if spec.type == "array" else image_urls[0]
    names = {spec.name for spec in model.inputs}
    for name, value in (texts or {}).items():
        if name in names and value:
            payload[name] = _coerce(model.input(name), value)
    for spec in model.inputs:
        if spec.required and spec.name not in payload and spec.type == "boolean":
            payload[spec.name] = False
    return payload
