"""The three-step wizard as a service, without aiogram: drafts, checks, quotes and the launch.

A ``Draft`` is what the user has chosen so far (kept in the conversation state between updates); a
``Quote`` is what it costs this user now (price, free slot, wallet, cheaper options); ``launch`` turns a
confirmed draft into a paid job and submits it. The Telegram routers parse a press, call this, render.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from creativebot import faults, generation, jobs, overrides, preferences
from creativebot.admin import model_health
from creativebot.config import WorkerSettings
from creativebot.db import Connection
from creativebot.kie.catalog import (
    CatalogModel,
    Category,
    Localized,
    Scalar,
    TextInput,
    build_input,
    default_options,
    load_catalog,
    violations,
)
from creativebot.kie.client import KieClient
from creativebot.overrides import Overrides
from creativebot.users import User
from creativebot.wallet import Balance, InsufficientFunds, balance_of, free_quota

TELEGRAM_DOWNLOAD_LIMIT_MB = 20  # getFile serves bots files up to 20 MB
ALTERNATIVES = 3  # cheaper models offered when the balance is short
MEASURE_WINDOW = 50  # a model's typical time: its last results here…
MEASURED_AFTER = 5  # …once there are this many


class Draft(BaseModel):
    """The user's choices so far. Stored flat in the conversation state under these keys."""

    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)

    draft_id: str = Field(alias="draft", min_length=1, max_length=32)
    model_id: str = Field(alias="model", min_length=1)
    images: tuple[str, ...] = ()
    prompt: str | None = None
    options: dict[str, Scalar] = {}
    # Other texts the model takes, by input name (a song's style and title; a follow-up's source task);
    # "" marks an optional one the user skipped.
    texts: dict[str, str] = {}

    @classmethod
    def from_state(cls, data: Mapping[str, Any]) -> Draft | None:
        try:
            return cls.model_validate(data)
        except ValidationError:
            return None

    def to_state(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True)

    def with_changes(self, **changes: Any) -> Draft:
        return self.model_copy(update=changes)


@dataclass(frozen=True)
class PromptProblem:
    """Why a prompt cannot go to the model: ``empty``, ``too_long`` or ``too_short``."""

    kind: str
    length: int = 0
    limit: int = 0


@dataclass(frozen=True)
class Offer:
    """A model as a list shows it: its price range in kopecks and the free runs left today."""

    model: CatalogModel
    low: int
    high: int
    free_left: int = 0


@dataclass(frozen=True)
class Card:
    """A model's card: its prices, today's free runs, and the balance (how many runs it covers)."""

    offer: Offer
    quota: free_quota.QuotaStatus | None
    wallet: Balance
    typical_sec: int  # measured on the bot's own recent results once there are enough, else the catalog's
    measured: bool = False


@dataclass(frozen=True)
class Quote:
    """What launching the draft costs this user right now."""

    model: CatalogModel
    draft: Draft
    price: int
    free: free_quota.QuotaStatus | None
    wallet: Balance
    cheaper: tuple[Offer, ...] = ()  # models that take this draft and fit the balance (when it is short)
    gift_runs: int = 0  # granted free runs that would cover this price (0 when they would not)
    cap: int | None = None  # the user's own daily spending cap (/settings); None: no cap
    cap_room: int | None = None  # kopecks left under it today

    @property
    def uses_free_slot(self) -> bool:
        return self.free is not None and self.free.remaining > 0

    @property
    def uses_gift(self) -> bool:
        return not self.uses_free_slot and self.gift_runs > 0

    @property
    def charge(self) -> int:
        return 0 if self.uses_free_slot or self.uses_gift else self.price

    @property
    def balance_after(self) -> int:
        return self.wallet.available - self.charge

    @property
    def affordable(self) -> bool:
        return self.balance_after >= 0

    @property
    def missing(self) -> int:
        """How much the balance lacks (0 when it is enough)."""
        return max(0, -self.balance_after)

    @property
    def over_cap(self) -> bool:
        """The charge would pass the daily spending cap the user set in /settings."""
        return self.cap_room is not None and self.charge > self.cap_room


# --- what launch() can end in --------------------------------------------------------------------------


@dataclass(frozen=True)
class Launched:
    job: jobs.Job


@dataclass(frozen=True)
class AlreadyLaunched:
    job: jobs.Job


@dataclass(frozen=True)
class DraftGone:
    """The pressed button belongs to a draft the conversation no longer holds."""


@dataclass(frozen=True)
class NeedsChanges:
    """The options or the prompt no longer pass the model's checks."""


@dataclass(frozen=True)
class ShortOfMoney:
    quote: Quote


@dataclass(frozen=True)
class LaunchRaced:
    """Two presses of one button raced; the other one launched the job."""


@dataclass(frozen=True)
class OverCap:
    quote: Quote


@dataclass(frozen=True)
class TooManyRunning:
    """The person already has as many generations running as they may."""

    running: int


LaunchOutcome = (
    Launched
    | AlreadyLaunched
    | DraftGone
    | NeedsChanges
    | ShortOfMoney
    | OverCap
    | LaunchRaced
    | TooManyRunning
)
# Shows the user that the job started; returns the status message's id (edited later).
Announce = Callable[[jobs.Job], Awaitable[int | None]]


def prompt_problem(model: CatalogModel, text: str) -> PromptProblem | None:
    lowest, highest = model.prompt_limits
    stripped = text.strip()
    if not stripped and model.prompt_required:
        return PromptProblem("empty")
    if len(stripped) > highest:
        return PromptProblem("too_long", len(stripped), highest)
    if stripped and len(stripped) < lowest:
        return PromptProblem("too_short", len(stripped), lowest)
    return None


def text_problem(model: CatalogModel, text: TextInput, value: str) -> PromptProblem | None:
    """Why a style, a title or another extra text cannot go to the model."""
    stripped = value.strip()
    if not stripped:
        return PromptProblem("empty") if text.required else None
    limit = int(model.input(text.input).max or 5000)
    return PromptProblem("too_long", len(stripped), limit) if len(stripped) > limit else None


def next_text(model: CatalogModel, draft: Draft) -> TextInput | None:
    """The next extra text the wizard has to ask for (None when all are given or skipped)."""
    return next((text for text in model.extra_texts if text.input not in draft.texts), None)


def takes(model: CatalogModel, draft: Draft) -> bool:
    """The model can run this draft's prompt, photos and texts as they are (for a switch of model)."""
    count = len(draft.images)
    if count and (model.images is None or not model.images.min <= count <= model.images.max):
        return False
    if not count and model.images is not None and model.images.min > 0:
        return False
    if draft.prompt and (model.prompt_input is None or prompt_problem(model, draft.prompt)):
        return False
    if not draft.prompt and model.prompt_required:
        return False
    given = {name for name, value in draft.texts.items() if value}
    return {text.input for text in model.extra_texts if text.required} <= given


def texts_of(model: CatalogModel, inputs: Mapping[str, Any]) -> dict[str, str]:
    """A past job's texts for a new draft (to repeat it): its extra texts, and a follow-up's source task."""
    names = {text.input for text in model.extra_texts}
    if model.follow_up:
        taken = {option.input for option in model.options} | set(model.fixed_inputs)
        names |= {spec.name for spec in model.inputs if spec.required and spec.name not in taken}
    return {name: str(inputs[name]) for name in names if inputs.get(name) not in (None, "")}


def carried_over(draft: Draft, model: CatalogModel) -> Draft:
    """The draft for another model: prompt, photos and texts kept, options kept where the model has
    the same choice, a new id (its "Запустить" is a new job)."""
    options = {
        option.input: draft.options[option.input]
        for option in model.options
        if option.input in draft.options
        and str(draft.options[option.input]) in {str(choice) for choice in model.choices(option)}
    }
    names = {spec.name for spec in model.inputs}
    return WizardService.new_draft(
        model,
        images=draft.images,
        prompt=draft.prompt,
        options=options,
        texts={name: value for name, value in draft.texts.items() if name in names},
    )


def photo_limit_mb(model: CatalogModel) -> int:
    return min(model.images.max_mb if model.images else 0, TELEGRAM_DOWNLOAD_LIMIT_MB)


class WizardService:
    """The wizard for one update: everything it reads goes through the update's connection."""

    def __init__(self, db: Connection, settings: WorkerSettings, kie: KieClient) -> None:
        self.db = db
        self.settings = settings
        self.kie = kie
        self._overrides: Overrides | None = None

    async def overrides(self) -> Overrides:
        """The operators' live changes (hidden models, prices, free runs), read once per update."""
        if self._overrides is None:
            self._overrides = await overrides.current(self.db)
        return self._overrides

    async def model(self, model_id: str | None) -> CatalogModel | None:
        """The model if users may pick it now (in the catalog, available, not hidden by an operator)."""
        model = load_catalog().get(model_id) if model_id else None
        return model if model is not None and (await self.overrides()).visible(model) else None

    async def offered(self, category: Category) -> list[CatalogModel]:
        """The category's models users may pick now: the catalog's, and those an operator has priced."""
        live = await self.overrides()
        catalog = load_catalog()
        return [m for m in (*catalog.offered(category), *catalog.priceless(category)) if live.visible(m)]

    async def follow_up(self, job_model: CatalogModel, action: str) -> CatalogModel | None:
        """The follow-up model of a result's button (Midjourney's upscale, vary), if users may run it."""
        live = await self.overrides()
        return next(
            (
                model
                for model in load_catalog().models
                if model.follow_up
                and model.family == job_model.family
                and model.kie_model == action
                and live.visible(model)
            ),
            None,
        )

    async def price(self, model: CatalogModel, draft: Draft) -> int:
        return (await self.overrides()).price(
            model, dict(draft.options), draft.prompt or "", self.settings.pricing
        )

    async def option_prices(self, model: CatalogModel, draft: Draft) -> list[list[int]]:
        """Step 2: the draft's price if each option took each of its values (the others as they are)."""
        live = await self.overrides()
        pricing, prompt = self.settings.pricing, draft.prompt or ""
        return [
            [
                live.price(model, {**draft.options, option.input: value}, prompt, pricing)
                for value in model.choices(option)
            ]
            for option in model.options
        ]

    async def price_range(self, model: CatalogModel) -> tuple[int, int]:
        return (await self.overrides()).price_range(model, self.settings.pricing)

    async def free_per_day(self, model: CatalogModel) -> int:
        return (await self.overrides()).free_per_day(model)

    # --- drafts --------------------------------------------------------------------------------------

    @staticmethod
    def new_draft(
        model: CatalogModel,
        *,
        images: tuple[str, ...] = (),
        prompt: str | None = None,
        options: Mapping[str, Scalar] | None = None,
        texts: Mapping[str, str] | None = None,
    ) -> Draft:
        """A fresh draft: a new id, so its "Запустить" makes a new job."""
        return Draft(
            draft_id=secrets.token_hex(6),
            model_id=model.id,
            images=images,
            prompt=prompt,
            options={**default_options(model), **(options or {})},
            texts=dict(texts or {}),
        )

    @staticmethod
    def pick_option(draft: Draft, model: CatalogModel, option: int, value: int) -> Draft | None:
        """Step 2: option number ``option`` takes its value number ``value``; None for numbers the
        model does not have (a forged or outdated button)."""
        if not 0 <= option < len(model.options):
            return None
        spec = model.options[option]
        choices = model.choices(spec)
        if not 0 <= value < len(choices):
            return None
        return draft.with_changes(options={**draft.options, spec.input: choices[value]})

    @staticmethod
    def problems(model: CatalogModel, draft: Draft) -> list[Localized]:
        """The model's constraints the draft's options break (e.g. 1080p only for 6 seconds)."""
        return violations(model, dict(draft.options))

    async def upload_photo(self, content: bytes, file_name: str, mime_type: str) -> str:
        """Put a user's photo on KIE's storage; the Telegram file URL (it carries the bot token) never
        leaves the worker."""
        return await self.kie.upload(content, file_name, mime_type)

    # --- prices and quotas ---------------------------------------------------------------------------

    async def offers(self, user: User, category: Category) -> list[Offer]:
        """The category's models with prices and today's free runs (one query for every quota)."""
        models = await self.offered(category)
        return await self._offers(user, models)

    async def card(self, user: User, model: CatalogModel) -> Card:
        """One model's card: its price range, today's free runs when it has any, the balance."""
        quota = await self.free_status(user, model)
        low, high = await self.price_range(model)
        wallet = await balance_of(self.db, user.id)
        typical, measured = await self.typical_time(model)
        offer = Offer(model, low, high, quota.remaining if quota else 0)
        return Card(offer, quota, wallet, typical, measured)

    async def typical_time(self, model: CatalogModel) -> tuple[int, bool]:
        """(seconds, measured): the median of the model's recent results here once there are
        ``MEASURED_AFTER`` of them, else the catalog's estimate."""
        health = (await model_health.recent(self.db, [model.id], window=MEASURE_WINDOW)).get(model.id)
        if health is None or health.median_sec is None or health.finished - health.failed < MEASURED_AFTER:
            return model.eta_sec, False
        return max(1, round(health.median_sec)), True

    async def free_status(self, user: User, model: CatalogModel) -> free_quota.QuotaStatus | None:
        limit = await self.free_per_day(model)
        if not limit:
            return None
        statuses = await free_quota.statuses(
            self.db, user.id, {model.id: limit}, self.settings.wallet.free_day_tz
        )
        return statuses[model.id]

    async def quote(self, user: User, draft: Draft, model: CatalogModel) -> Quote:
        price = await self.price(model, draft)
        wallet = await balance_of(self.db, user.id)
        free = await self.free_status(user, model)
        gift_runs = user.gift_runs if price <= self._gift_max_price() else 0
        cap, cap_room = user.daily_cap_kopecks, None
        if cap is not None:
            cap_room = await preferences.cap_room(self.db, user, self.settings.wallet.free_day_tz)
        quote = Quote(model, draft, price, free, wallet, gift_runs=gift_runs, cap=cap, cap_room=cap_room)
        if quote.affordable:
            return quote
        return replace(quote, cheaper=tuple(await self._alternatives(user, draft, model, wallet)))

    async def _alternatives(
        self, user: User, draft: Draft, model: CatalogModel, wallet: Balance
    ) -> list[Offer]:
        """Up to three other models that take this draft as it is and that the balance (or a free run)
        covers: the dearest first, as the closest to what the user chose."""
        others = [m for m in await self.offered(model.category) if m.id != model.id and takes(m, draft)]
        offers = []
        for offer in await self._offers(user, others):
            price = await self.price(offer.model, carried_over(draft, offer.model))
            if offer.free_left or price <= wallet.available:
                offers.append(Offer(offer.model, price, price, offer.free_left))
        offers.sort(key=lambda offer: (offer.free_left == 0, -offer.low))
        return offers[:ALTERNATIVES]

    async def _offers(self, user: User, models: list[CatalogModel]) -> list[Offer]:
        live = await self.overrides()
        limits = {m.id: limit for m in models if (limit := live.free_per_day(m))}
        left: dict[str, int] = {}
        if limits:
            statuses = await free_quota.statuses(self.db, user.id, limits, self.settings.wallet.free_day_tz)
            left = {model_id: status.remaining for model_id, status in statuses.items()}
        pricing = self.settings.pricing
        return [Offer(m, *live.price_range(m, pricing), free_left=left.get(m.id, 0)) for m in models]

    def _gift_max_price(self) -> int:
        return self.settings.limits.gift_run_max_rub * 100

    # --- launch ----------------------------------------------------------------------------------------

    async def launch(
        self,
        user: User,
        draft: Draft | None,
        pressed_draft_id: str,
        *,
        chat_id: int,
        language: str,
        cid: str | None,
        announce: Announce,
    ) -> LaunchOutcome:
        """Create the job with its money held (or a free slot taken), announce it, submit it to KIE.

        A repeated press of the same "Запустить" finds its job and never starts a second one; when
        the first press stopped between the payment and KIE, the repeat finishes the submission.
        """
        existing = await jobs.by_draft(self.db, user.id, pressed_draft_id)
        if existing is not None:
            return await self._relaunch(existing, announce)
        model = await self.model(draft.model_id) if draft is not None else None
        if draft is None or model is None or draft.draft_id != pressed_draft_id:
            return DraftGone()
        if (
            self.problems(model, draft)
            or prompt_problem(model, draft.prompt or "")
            or next_text(model, draft)
        ):
            return NeedsChanges()
        if user.daily_cap_kopecks is not None:
            quote = await self.quote(user, draft, model)
            if quote.over_cap:
                return OverCap(quote)
        new_job = jobs.NewJob(
            user_id=user.id,
            chat_id=chat_id,
            draft_id=draft.draft_id,
            model_id=model.id,
            prompt=draft.prompt,
            options=dict(draft.options),
            image_urls=list(draft.images),
            inputs=build_input(model, draft.prompt, list(draft.images), dict(draft.options), draft.texts),
            price=await self.price(model, draft),
            language=language,
            cid=cid,
        )
        free_per_day = await self.free_per_day(model)
        operator = user.id in self.settings.app.admin_ids
        rules = jobs.LaunchRules(
            free=jobs.FreeQuota(free_per_day, self.settings.wallet.free_day_tz) if free_per_day else None,
            gift_max_price=self._gift_max_price(),
            open_limit=None if operator else self.settings.limits.open_jobs_per_user,
        )
        try:
            job, created = await jobs.create(self.db, new_job, rules)
        except InsufficientFunds:
            return ShortOfMoney(await self.quote(user, draft, model))
        except jobs.TooManyOpen as busy:
            return TooManyRunning(busy.running)
        except jobs.ConcurrentLaunch:
            return LaunchRaced()
        if not created:  # another delivery of this press got there between the check above and now
            return await self._relaunch(job, announce)
        faults.point("launch.after_job_created")
        await self._announce(job, announce)
        await self._submit(job)
        return Launched(job)

    async def _relaunch(self, job: jobs.Job, announce: Announce) -> LaunchOutcome:
        """The press came again (a double tap, or the queue retrying one that stopped half-way): finish
        what the first one started, never a second job or a second KIE task."""
        if not job.unsent:
            return AlreadyLaunched(job)
        if job.status_message_id is None:
            await self._announce(job, announce)
        await self._submit(job)
        return Launched(job)

    async def _announce(self, job: jobs.Job, announce: Announce) -> None:
        status_message = await announce(job)
        faults.point("launch.after_announce")
        if status_message is not None:
            await jobs.set_status_message(self.db, job.id, status_message)

    async def _submit(self, job: jobs.Job) -> None:
        settings = self.settings
        assert settings.app.public_base_url is not None  # WorkerSettings requires it
        target = generation.CallbackTarget(
            settings.app.public_base_url, settings.kie.kie_callback_secret.get_secret_value()
        )
        await generation.submit(self.db, self.kie, job, target, settings.queue)

    async def own_job(self, user: User, job_id: int) -> jobs.Job | None:
        """The job, if it is this user's (buttons carry ids, never rights)."""
        job = await jobs.get(self.db, job_id)
        return job if job is not None and job.user_id == user.id else None
