"""The three-step wizard as a service, without aiogram: drafts, checks, quotes and the launch.

A ``Draft`` is what the user has chosen so far (kept in the conversation state between updates); a
``Quote`` is what it costs this user now (price, free slot, wallet, cheaper options); ``launch`` turns a
confirmed draft into a paid job and submits it. The Telegram routers parse a press, call this, render.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from creativebot import faults, generation, jobs
from creativebot.config import WorkerSettings
from creativebot.db import Connection
from creativebot.kie.catalog import (
    CatalogModel,
    Category,
    Localized,
    Scalar,
    build_input,
    default_options,
    load_catalog,
    price_kopecks,
    price_range,
    violations,
)
from creativebot.kie.client import KieClient
from creativebot.wallet import Balance, InsufficientFunds, balance_of, free_quota

TELEGRAM_DOWNLOAD_LIMIT_MB = 20  # getFile serves bots files up to 20 MB
SUGGESTIONS = 2


class Draft(BaseModel):
    """The user's choices so far. Stored flat in the conversation state under these keys."""

    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)

    draft_id: str = Field(alias="draft", min_length=1, max_length=32)
    model_id: str = Field(alias="model", min_length=1)
    images: tuple[str, ...] = ()
    prompt: str | None = None
    options: dict[str, Scalar] = {}

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
class Quote:
    """What launching the draft costs this user right now."""

    model: CatalogModel
    draft: Draft
    price: int
    free: free_quota.QuotaStatus | None
    wallet: Balance
    cheaper: tuple[Offer, ...] = ()

    @property
    def uses_free_slot(self) -> bool:
        return self.free is not None and self.free.remaining > 0

    @property
    def charge(self) -> int:
        return 0 if self.uses_free_slot else self.price

    @property
    def balance_after(self) -> int:
        return self.wallet.available - self.charge

    @property
    def affordable(self) -> bool:
        return self.balance_after >= 0


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


LaunchOutcome = Launched | AlreadyLaunched | DraftGone | NeedsChanges | ShortOfMoney | LaunchRaced
# Shows the user that the job started; returns the status message's id (edited later).
Announce = Callable[[jobs.Job], Awaitable[int | None]]


def available_model(model_id: str | None) -> CatalogModel | None:
    model = load_catalog().get(model_id) if model_id else None
    return model if model is not None and model.available else None


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


def photo_limit_mb(model: CatalogModel) -> int:
    return min(model.images.max_mb if model.images else 0, TELEGRAM_DOWNLOAD_LIMIT_MB)


class WizardService:
    """The wizard for one update: everything it reads goes through the update's connection."""

    def __init__(self, db: Connection, settings: WorkerSettings, kie: KieClient) -> None:
        self.db = db
        self.settings = settings
        self.kie = kie

    # --- drafts --------------------------------------------------------------------------------------

    @staticmethod
    def new_draft(
        model: CatalogModel,
        *,
        images: tuple[str, ...] = (),
        prompt: str | None = None,
        options: Mapping[str, Scalar] | None = None,
    ) -> Draft:
        """A fresh draft: a new id, so its "Запустить" makes a new job."""
        return Draft(
            draft_id=secrets.token_hex(6),
            model_id=model.id,
            images=images,
            prompt=prompt,
            options={**default_options(model), **(options or {})},
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

    async def offers(self, user_id: int, category: Category) -> list[Offer]:
        """The category's models with prices and today's free runs (one query for every quota)."""
        models = load_catalog().offered(category)
        left = await self._free_left(user_id, models)
        pricing = self.settings.pricing
        return [Offer(m, *price_range(m, pricing), free_left=left.get(m.id, 0)) for m in models]

    async def free_status(self, user_id: int, model: CatalogModel) -> free_quota.QuotaStatus:
        statuses = await free_quota.statuses(
            self.db, user_id, {model.id: model.free_per_day}, self.settings.wallet.free_day_tz
        )
        return statuses[model.id]

    async def quote(self, user_id: int, draft: Draft, model: CatalogModel) -> Quote:
        pricing = self.settings.pricing
        price = price_kopecks(model, dict(draft.options), draft.prompt or "", pricing)
        wallet = await balance_of(self.db, user_id)
        free = await self.free_status(user_id, model) if model.free_per_day else None
        quote = Quote(model, draft, price, free, wallet)
        if quote.affordable:
            return quote
        return Quote(model, draft, price, free, wallet, await self._cheaper(user_id, model, wallet))

    async def _free_left(self, user_id: int, models: list[CatalogModel]) -> dict[str, int]:
        limits = {m.id: m.free_per_day for m in models if m.free_per_day}
        if not limits:
            return {}
        statuses = await free_quota.statuses(self.db, user_id, limits, self.settings.wallet.free_day_tz)
        return {model_id: status.remaining for model_id, status in statuses.items()}

    async def _cheaper(self, user_id: int, model: CatalogModel, wallet: Balance) -> tuple[Offer, ...]:
        """Models of the same category the user can afford now, free ones first, then cheapest."""
        others = [m for m in load_catalog().offered(model.category) if m.id != model.id]
        left = await self._free_left(user_id, others)
        affordable = []
        for other in others:
            low, high = price_range(other, self.settings.pricing)
            if left.get(other.id) or low <= wallet.available:
                affordable.append(Offer(other, low, high, left.get(other.id, 0)))
        affordable.sort(key=lambda offer: (offer.free_left == 0, offer.low))
        return tuple(affordable[:SUGGESTIONS])

    # --- launch ----------------------------------------------------------------------------------------

    async def launch(
        self,
        user_id: int,
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
        existing = await jobs.by_draft(self.db, user_id, pressed_draft_id)
        if existing is not None:
            return await self._relaunch(existing, announce)
        model = available_model(draft.model_id) if draft is not None else None
        if draft is None or model is None or draft.draft_id != pressed_draft_id:
            return DraftGone()
        if self.problems(model, draft) or prompt_problem(model, draft.prompt or ""):
            return NeedsChanges()
        new_job = jobs.NewJob(
            user_id=user_id,
            chat_id=chat_id,
            draft_id=draft.draft_id,
            model_id=model.id,
            prompt=draft.prompt,
            options=dict(draft.options),
            image_urls=list(draft.images),
            inputs=build_input(model, draft.prompt, list(draft.images), dict(draft.options)),
            price=price_kopecks(model, dict(draft.options), draft.prompt or "", self.settings.pricing),
            language=language,
            cid=cid,
        )
        free = (
            jobs.FreeQuota(model.free_per_day, self.settings.wallet.free_day_tz)
            if model.free_per_day
            else None
        )
        try:
            job, created = await jobs.create(self.db, new_job, free)
        except InsufficientFunds:
            return ShortOfMoney(await self.quote(user_id, draft, model))
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

    async def own_job(self, user_id: int, job_id: int) -> jobs.Job | None:
        """The job, if it is this user's (buttons carry ids, never rights)."""
        job = await jobs.get(self.db, job_id)
        return job if job is not None and job.user_id == user_id else None
