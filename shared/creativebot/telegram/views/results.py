"""What a finished job looks like to its owner: the caption, the buttons, and why it failed."""

from __future__ import annotations

import html

from aiogram.types import InlineKeyboardMarkup

from creativebot import jobs
from creativebot.generation import OPERATOR_CODES
from creativebot.kie.catalog import CatalogModel
from creativebot.telegram.callbacks import Menu, ResultAction
from creativebot.telegram.keyboards import Row, markup
from creativebot.texts import Copy, format_rub

_POLICY_WORDS = ("flagged", "policy", "unsafe", "nsfw", "sensitive", "violat")
_IMAGE_WORDS = ("fetch", "download", "read", "invalid", "decode")


def result_keyboard(texts: Copy, job: jobs.Job, offers_original: bool) -> InlineKeyboardMarkup:
    """The buttons under a delivered result or a failure notice."""
    rows: list[Row] = []
    if job.deliverable and offers_original:
        rows.append([(texts.btn_original, ResultAction(action="file", job=job.id))])
    repeat = texts.btn_repeat if job.deliverable else texts.btn_try_again
    rows.append([(repeat, ResultAction(action="repeat", job=job.id))])
    rows.append([(texts.btn_edit_prompt, ResultAction(action="edit", job=job.id))])
    rows.append([(texts.btn_other_model, ResultAction(action="other", job=job.id))])
    rows.append([(texts.btn_main_menu, Menu(screen="main"))])
    return markup(rows)


def price_line(texts: Copy, job: jobs.Job) -> str:
    if job.late_result:
        return texts.result_late_free
    if job.payment == "free":
        return texts.result_free
    return texts.result_paid.format(price=format_rub(job.price, texts.lang))


def caption(texts: Copy, job: jobs.Job, model: CatalogModel | None) -> str:
    title = html.escape(model.title.get(texts.lang) if model else job.model_id)
    prompt = f"\n<blockquote>{html.escape(job.prompt[:200])}</blockquote>" if job.prompt else ""
    return texts.result_caption.format(title=title, prompt=prompt, price=price_line(texts, job))


def failure_reason(texts: Copy, job: jobs.Job, timeout_min: int) -> str:
    """Why the job failed, for people, with what to do next."""
    code = job.fail_code or ""
    reason = (job.fail_reason or "").lower()
    if code == jobs.TIMEOUT_CODE:
        return texts.fail_timeout.format(minutes=timeout_min)
    if code.startswith("kie_"):
        kie_code = int(code.removeprefix("kie_")) if code.removeprefix("kie_").isdigit() else 0
        if kie_code in OPERATOR_CODES:
            return texts.fail_busy
        if kie_code == 422:
            return texts.fail_rejected.format(detail=html.escape(job.fail_reason or "?"))
        return texts.fail_unavailable
    if any(word in reason for word in _POLICY_WORDS):
        return texts.fail_policy
    if "image" in reason and any(word in reason for word in _IMAGE_WORDS):
        return texts.fail_image
    return texts.fail_generic


def failure_notice(texts: Copy, job: jobs.Job, timeout_min: int) -> str:
    money = (
        texts.refund_money.format(price=format_rub(job.price, texts.lang))
        if job.payment == "wallet"
        else texts.refund_free
    )
    return texts.job_failed.format(reason=failure_reason(texts, job, timeout_min), money=money)
