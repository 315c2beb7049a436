"""After a result: repeat it, change it, get the original file, try another model, or run a follow-up
(Midjourney's upscale and variations, each a new paid job through the same check; Veo's 1080p version).

Buttons carry job ids, never rights: every handler re-checks that the job is the presser's own.
"""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from creativebot.jobs import Job
from creativebot.kie.client import KieError
from creativebot.observability import log_event
from creativebot.telegram.callbacks import FollowUp, ResultAction
from creativebot.telegram.delivery import Courier, send_originals
from creativebot.telegram.keyboards import main_menu
from creativebot.telegram.routers.generate import REACHED_CONFIRM, _ask_next, _confirm, render_category
from creativebot.telegram.screens import Screen, show
from creativebot.telegram.states import Step
from creativebot.telegram.views import results as result_views
from creativebot.telegram.views import wizard as views
from creativebot.texts import Copy
from creativebot.users import User
from creativebot.wizard import WizardService, texts_of


async def _own_job(
    callback: CallbackQuery, texts: Copy, user: User, wizard: WizardService, job_id: int, action: str
) -> Job | None:
    job = await wizard.own_job(user, job_id)
    if job is None:
        log_event("FORGED_BUTTON", level="warning", job_id=job_id, action=action)
        await show(callback, Screen("not_your_job", texts.not_your_job, main_menu(texts)), new_message=True)
    return job


async def result_action(
    callback: CallbackQuery,
    callback_data: ResultAction,
    state: FSMContext,
    texts: Copy,
    user: User,
    wizard: WizardService,
    bot: Bot,
) -> None:
    job = await _own_job(callback, texts, user, wizard, callback_data.job, callback_data.action)
    if job is None:
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
    draft = wizard.new_draft(
        model,
        images=tuple(job.image_urls),
        prompt=job.prompt or "",
        options=job.options,
        texts=texts_of(model, job.inputs),
    )
    await state.set_data(draft.to_state())
    if callback_data.action == "edit" and model.prompt_input:
        await state.update_data({REACHED_CONFIRM: True})
        await state.set_state(Step.prompt)
        await show(callback.message, views.step_prompt(texts, model, draft))
    elif callback_data.action == "edit":
        await _ask_next(callback.message, state, texts, user, wizard, model, draft)
    else:
        await _confirm(callback.message, state, texts, user, wizard, model, draft)


async def follow_up(
    callback: CallbackQuery,
    callback_data: FollowUp,
    state: FSMContext,
    texts: Copy,
    user: User,
    wizard: WizardService,
    bot: Bot,
) -> None:
    job = await _own_job(callback, texts, user, wizard, callback_data.job, callback_data.action)
    if job is None:
        return
    assert isinstance(callback.message, Message)
    index = callback_data.index
    if job.task_id is None or not job.deliverable or index >= len(job.result_urls or []):
        await show(callback, views.unavailable_model(texts), new_message=True)
        return
    parent = await wizard.model(job.model_id)
    if callback_data.action == "hd" and result_views.hd_available(job, parent):
        await _send_hd(callback.message, bot, texts, wizard, job, index)
        return
    grid = parent is not None and result_views.has_grid(job, parent)
    model = await wizard.follow_up(parent, callback_data.action) if grid and parent is not None else None
    if model is None:
        await show(callback, views.unavailable_model(texts), new_message=True)
        return
    # The follow-up's own inputs: the parent's KIE task and which of its images.
    draft = wizard.new_draft(model, options={"imageIndex": index}, texts={"taskId": job.task_id})
    await state.set_data({**draft.to_state(), REACHED_CONFIRM: True})
    log_event("FOLLOW_UP_CHOSEN", model=model.id, parent_job=job.id, index=index)
    await _confirm(callback.message, state, texts, user, wizard, model, draft, new_message=True)


async def _send_hd(
    message: Message, bot: Bot, texts: Copy, wizard: WizardService, job: Job, index: int
) -> None:
    """Veo's 1080p version of a 720p video: KIE makes it on the first request (a minute or two)."""
    assert job.task_id is not None
    try:
        url = await wizard.kie.veo_1080p(job.task_id, index)
    except KieError as error:
        log_event("VEO_HD_FAIL", level="warning", job_id=job.id, code=error.code)
        await message.answer(texts.hd_failed)
        return
    if url is None:
        await message.answer(texts.hd_processing)
        return
    # Over 20 MB Telegram will not fetch it: the courier downloads and uploads it, or sends a link.
    settings = wizard.settings
    courier = Courier(bot, job, texts, settings.fetch.policy, settings.fetch.fetch_deadline_sec)
    await courier.one("video", url, texts.hd_ready, None)
    log_event("VEO_HD_SENT", job_id=job.id)


def build_router() -> Router:
    router = Router(name="results")
    router.callback_query.register(result_action, ResultAction.filter())
    router.callback_query.register(follow_up, FollowUp.filter())
    return router
