"""What a finished job looks like to its owner: the caption, the buttons, and why it failed."""

from __future__ import annotations

import html
from collections.abc import Sequence

from aiogram.types import InlineKeyboardMarkup

from creativebot import jobs
from creativebot.kie.catalog import CatalogModel, load_catalog, title_of
from creativebot.telegram.callbacks import FollowUp, Menu, ResultAction
from creativebot.telegram.keyboards import Row, markup
from creativebot.texts import Copy, format_rub, shorten
from creativebot.texts.failures import FailureKind, classify, failure_text

MJ_GRID = 4  # Midjourney's result: four images, each with its own follow-up buttons


def has_grid(job: jobs.Job, model: CatalogModel | None) -> bool:
    """Midjourney's follow-ups (upscale, vary) work on a grid: a picture result of four images (not an
    upscaled single image, not a video)."""
    urls = job.result_urls or []
    return model is not None and model.result == "photo" and job.deliverable and len(urls) == MJ_GRID


def hd_available(job: jobs.Job, model: CatalogModel | None) -> bool:
    """Veo makes a 1080p version of a 16:9 720p video on request (a backup-model video is 1080p)."""
    if model is None or model.family != "veo" or not job.deliverable:
        return False
    fallback = any(meta.get("fallback") for meta in job.result_meta or [])
    options = job.options
    return options.get("resolution") == "720p" and options.get("aspectRatio") == "16:9" and not fallback


def result_keyboard(
    texts: Copy,
    job: jobs.Job,
    offers_original: bool,
    follow_ups: Sequence[str] = (),
    model: CatalogModel | None = None,
) -> InlineKeyboardMarkup:
    """The buttons under a delivered result or a failure notice: Midjourney's U1-U4 / V1-V4 and Veo's
    1080p where the result has them."""
    rows: list[Row] = []
    images = len(job.result_urls or []) if job.deliverable else 0
    for action in follow_ups:
        label = texts.btn_upscale if action == "upscale" else texts.btn_vary
        count = min(images, MJ_GRID)
        rows.append(
            [(label.format(n=i + 1), FollowUp(action=action, job=job.id, index=i)) for i in range(count)]
        )
    if hd_available(job, model):
        rows.append([(texts.btn_hd, FollowUp(action="hd", job=job.id, index=0))])
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
    if job.payment in ("free", "gift"):
        return texts.result_free
    return texts.result_paid.format(price=format_rub(job.price, texts.lang))


def caption(texts: Copy, job: jobs.Job, model: CatalogModel | None, follow_ups: Sequence[str] = ()) -> str:
    title = html.escape(title_of(job.model_id, texts.lang))
    prompt = f"\n<blockquote>{html.escape(shorten(job.prompt, 200))}</blockquote>" if job.prompt else ""
    text = texts.result_caption.format(title=title, prompt=prompt, price=price_line(texts, job))
    if any(meta.get("fallback") for meta in job.result_meta or []):
        text += "\n" + texts.result_fallback_note
    if follow_ups:
        text += "\n" + texts.result_follow_up_hint
    return text


def track_caption(texts: Copy, title: str | None) -> str:
    """A track that is not the last of its result: just its name."""
    return texts.result_track.format(title=html.escape(title)) if title else ""


def failure_kind(job: jobs.Job) -> FailureKind:
    model = load_catalog().get(job.model_id)
    return classify(job.fail_code, job.fail_reason, model.family if model else "market")


def failure_reason(texts: Copy, job: jobs.Job, timeout_min: int) -> str:
    """Why the job failed, in our words, with what to do next (KIE's own text only goes to the logs)."""
    return failure_text(failure_kind(job), texts.lang, minutes=timeout_min)


def failure_notice(texts: Copy, job: jobs.Job, timeout_min: int) -> str:
    money = (
        texts.refund_money.format(price=format_rub(job.price, texts.lang))
        if job.payment == "wallet"
        else texts.refund_free
    )
    return texts.job_failed.format(reason=failure_reason(texts, job, timeout_min), money=money)
