"""Delivering a finished job: the result (photo, video, audio; several as an album) or why it failed.

A delivery is a list of messages (parts). Each attempt is claimed on the job row in a short statement
(counted, with a lease), then the parts go out with no database lock held, and each part is recorded as
sent right after Telegram accepts it, so a retry sends only what is missing. The Bot API has no
idempotency key: a crash in the moment between Telegram's answer and that record (one round trip)
sends that one message again; nothing else can repeat.

Telegram fetches result URLs itself (photos up to 5 MB, other files up to 20 MB); when it refuses, the
file is downloaded through the outbound fence and uploaded (up to 50 MB), else the user gets a link.

A delivery that cannot succeed ends: at once when the chat is gone (the user blocked the bot, the chat
does not exist), or after ``MAX_ATTEMPTS``. Then the job is marked undeliverable, an operator event is
logged, and a paid result the user never received is refunded (they pay only for what reached them).
"""

from __future__ import annotations

import contextlib
import html
import io
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest, TelegramEntityTooLarge, TelegramForbiddenError
from aiogram.types import (
    BufferedInputFile,
    InlineKeyboardMarkup,
    InputMediaAudio,
    InputMediaDocument,
    InputMediaPhoto,
    InputMediaVideo,
    Message,
)

from creativebot import budget, faults, jobs, overrides
from creativebot.db import Pool
from creativebot.fetch import FetchPolicy, FetchRefused, fetch_bytes
from creativebot.kie.catalog import CatalogModel, ResultKind, load_catalog
from creativebot.observability import log_event
from creativebot.telegram.views import results
from creativebot.texts import Copy, copy_for, format_rub
from creativebot.wallet import WalletError, refund

UPLOAD_LIMIT = 50 * 1024 * 1024  # what a bot may upload
THUMBNAIL_SIDE = 320  # sendAudio's thumbnail: a JPEG up to 320 px and 200 kB
THUMBNAIL_SOURCE_LIMIT = 5 * 1024 * 1024
ALBUM_SIZE = 10
MAX_ATTEMPTS = 5
LEASE = timedelta(minutes=2)  # an attempt that died frees the job after this (SQS retries after 6 min)
_REFUSED = (TelegramBadRequest, TelegramEntityTooLarge)

Sender = Callable[..., Awaitable[Any]]


@dataclass(frozen=True)
class MediaKind:
    """How one kind of file travels to Telegram."""

    extension: str  # for a file name when the URL has none
    send: Callable[[Bot], Sender]  # the Bot method for one file of this kind
    album_item: type[Any]  # its InputMedia type in a media group
    upload_limit: int  # above it, an upload goes as a document instead
    offers_original: bool  # the "📎 Оригинал файлом" button makes sense (Telegram compresses photos)


KINDS: dict[str, MediaKind] = {
    "photo": MediaKind("png", lambda bot: bot.send_photo, InputMediaPhoto, 10 * 1024 * 1024, True),
    "video": MediaKind("mp4", lambda bot: bot.send_video, InputMediaVideo, UPLOAD_LIMIT, False),
    "audio": MediaKind("mp3", lambda bot: bot.send_audio, InputMediaAudio, UPLOAD_LIMIT, False),
    "document": MediaKind("bin", lambda bot: bot.send_document, InputMediaDocument, UPLOAD_LIMIT, False),
}
DOCUMENT = KINDS["document"]


class ChatGone(Exception):
    """Telegram will never deliver to this chat (blocked, deactivated, not found)."""


def kind_of(model: CatalogModel | None) -> ResultKind:
    return model.result if model else "photo"


def file_of(message: Message) -> dict[str, str] | None:
    """What Telegram stored for a message we sent, to send it again without a download."""
    if message.photo:
        return {"kind": "photo", "file_id": message.photo[-1].file_id}
    for kind in ("video", "audio", "document"):
        media = getattr(message, kind)
        if media is not None:
            return {"kind": kind, "file_id": media.file_id}
    return None


class Courier:
    """Sends one job's messages: Telegram by URL first, then a fenced download and an upload."""

    def __init__(
        self,
        bot: Bot,
        job: jobs.Job,
        texts: Copy,
        fetch_policy: FetchPolicy,
        deadline_sec: float,
        *,
        silent: bool = False,
    ):
        self.bot = bot
        self.job = job
        self.texts = texts
        self.fetch_policy = fetch_policy
        self.deadline_sec = deadline_sec
        self.silent = silent  # the user's "silent results" setting (/settings)

    async def download(self, url: str, limit: int = UPLOAD_LIMIT) -> bytes | None:
        """The file behind a result URL through the fence, or None when it is refused or unreachable."""
        try:
            return await fetch_bytes(
                url, policy=self.fetch_policy, max_bytes=limit, deadline_sec=budget.timeout(self.deadline_sec)
            )
        except FetchRefused:
            return None

    async def link(self, urls: list[str], markup: InlineKeyboardMarkup | None) -> list[Message]:
        links = "\n".join(
            f'<a href="{html.escape(url, quote=True)}">{i + 1}</a>' for i, url in enumerate(urls)
        )
        text = self.texts.result_link.format(links=links)
        return [
            await self.bot.send_message(
                self.job.chat_id, text, reply_markup=markup, disable_notification=self.silent
            )
        ]

    async def thumbnail(self, url: str | None) -> BufferedInputFile | None:
        """A track's cover as Telegram takes a thumbnail (JPEG, 320 px); None when it cannot be had."""
        data = await self.download(url, THUMBNAIL_SOURCE_LIMIT) if url else None
        if data is None:
            return None
        from PIL import Image, UnidentifiedImageError  # noqa: PLC0415 - only audio deliveries need it

        try:
            with Image.open(io.BytesIO(data)) as image:
                image.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE))
                out = io.BytesIO()
                image.convert("RGB").save(out, "JPEG", quality=85)
        except (UnidentifiedImageError, OSError, ValueError):
            return None
        return BufferedInputFile(out.getvalue(), "cover.jpg")

    async def one(
        self,
        kind: str,
        url: str,
        caption: str,
        markup: InlineKeyboardMarkup | None,
        tags: Mapping[str, Any] | None = None,
    ) -> list[Message]:
        """One file; ``tags`` of a track (title, cover) go with an audio file."""
        media = KINDS[kind]
        send = media.send(self.bot)
        chat = self.job.chat_id
        extra: dict[str, Any] = {"disable_notification": self.silent}
        if kind == "audio" and tags:
            extra["title"] = tags.get("title")
            extra["thumbnail"] = await self.thumbnail(tags.get("cover"))
        try:
            return [await send(chat, url, caption=caption, reply_markup=markup, **extra)]
        except _REFUSED as refused:
            _raise_if_gone(refused)
            log_event("DELIVERY_URL_REFUSED", kind=kind, reason=str(refused)[:200])
        data = await self.download(url)
        if data is None:
            return await self.link([url], markup)
        upload = BufferedInputFile(data, _file_name(url, kind))
        as_document: dict[str, Any] = {
            "caption": caption,
            "reply_markup": markup,
            "disable_notification": self.silent,
        }
        if len(data) > media.upload_limit:
            return [await self.bot.send_document(chat, upload, **as_document)]
        try:
            return [await send(chat, upload, caption=caption, reply_markup=markup, **extra)]
        except _REFUSED as refused:
            _raise_if_gone(refused)
            return [await self.bot.send_document(chat, upload, **as_document)]

    async def album(self, kind: str, urls: list[str]) -> list[Message]:
        media = KINDS[kind]
        chat = self.job.chat_id
        try:
            items = [media.album_item(media=url) for url in urls]
            return list(await self.bot.send_media_group(chat, items, disable_notification=self.silent))
        except _REFUSED as refused:
            _raise_if_gone(refused)
            log_event("DELIVERY_URL_REFUSED", kind=kind, reason=str(refused)[:200])
        uploads: list[Any] = []
        unreachable: list[str] = []  # files neither Telegram nor we could fetch: the user gets links
        for i, url in enumerate(urls):
            data = await self.download(url)
            if data is None:
                unreachable.append(url)
                continue
            item_type = DOCUMENT.album_item if len(data) > media.upload_limit else media.album_item
            uploads.append(item_type(media=BufferedInputFile(data, _file_name(url, kind, i))))
        if len(uploads) >= 2 and len({type(item) for item in uploads}) == 1:
            sent = list(await self.bot.send_media_group(chat, uploads, disable_notification=self.silent))
        else:
            sent = [
                await self.bot.send_document(chat, item.media, disable_notification=self.silent)
                for item in uploads
            ]
        return sent + (await self.link(unreachable, None) if unreachable else [])

    async def text(self, text: str, markup: InlineKeyboardMarkup | None) -> list[Message]:
        return [
            await self.bot.send_message(
                self.job.chat_id, text, reply_markup=markup, disable_notification=self.silent
            )
        ]


def _raise_if_gone(error: TelegramBadRequest | TelegramEntityTooLarge) -> None:
    if "chat not found" in error.message.lower():
        raise ChatGone(error.message) from error


def _file_name(url: str, kind: str, index: int = 0) -> str:
    name = urlsplit(url).path.rsplit("/", 1)[-1]
    if "." in name:
        return name[-80:]
    return f"result-{index + 1}.{KINDS[kind].extension}"


Part = Callable[[], Awaitable[list[Message]]]


def plan(
    courier: Courier, model: CatalogModel | None, timeout_min: int, follow_ups: Sequence[str] = ()
) -> list[Part]:
    """The messages of this job's delivery, in order: each is one Telegram call (and one record).
    ``follow_ups``: the follow-up actions users may run on this result (Midjourney's upscale, vary)."""
    job, texts = courier.job, courier.texts
    kind = kind_of(model)
    markup = results.result_keyboard(texts, job, KINDS[kind].offers_original, follow_ups, model)
    if not job.deliverable:
        log_event(
            "JOB_FAILURE_EXPLAINED",
            job_id=job.id,
            kind=results.failure_kind(job).value,
            code=job.fail_code,
            reason=(job.fail_reason or "")[:300],
        )
        notice = results.failure_notice(texts, job, timeout_min)
        return [lambda: courier.text(notice, markup)]
    caption = results.caption(texts, job, model, follow_ups)
    urls = list(job.result_urls or [])
    meta = list(job.result_meta or [])
    if kind == "audio":
        # Tracks go one by one, each with its title and cover; the last one carries the caption.
        parts: list[Part] = []
        for index, url in enumerate(urls):
            tags = meta[index] if index < len(meta) else {}
            last = index == len(urls) - 1
            text = caption if last else results.track_caption(texts, tags.get("title"))
            parts.append(
                lambda url=url, text=text, tags=tags, keys=(markup if last else None): courier.one(  # type: ignore[misc]
                    "audio", url, text, keys, tags
                )
            )
        return parts
    if len(urls) == 1:
        return [lambda: courier.one(kind, urls[0], caption, markup)]
    parts = []
    for start in range(0, len(urls), ALBUM_SIZE):
        chunk = urls[start : start + ALBUM_SIZE]
        if len(chunk) == 1:  # a last single file carries the caption and the buttons itself
            parts.append(lambda url=chunk[0]: courier.one(kind, url, caption, markup))  # type: ignore[misc]
            return parts
        parts.append(lambda chunk=chunk: courier.album(kind, chunk))  # type: ignore[misc]
    parts.append(lambda: courier.text(caption, markup))  # albums cannot carry buttons
    return parts


async def follow_ups_of(pool: Pool, model: CatalogModel | None) -> tuple[str, ...]:
    """The follow-up actions users may run on this model's results now (priced, not hidden)."""
    if model is None:
        return ()
    candidates = [
        m for m in load_catalog().models if m.follow_up and m.family == model.family and m.kie_model
    ]
    if not candidates:
        return ()
    live = await overrides.current(pool)
    return tuple(m.kie_model for m in candidates if m.kie_model and live.visible(m))


async def _set_status(bot: Bot, job: jobs.Job, text: str) -> None:
    if job.status_message_id is None:
        return
    # Deleted, too old or unchanged: the new message below tells the story anyway.
    with contextlib.suppress(TelegramBadRequest):
        await bot.edit_message_text(text, chat_id=job.chat_id, message_id=job.status_message_id)


async def _send(pool: Pool, courier: Courier, parts: Sequence[Part]) -> None:
    job = courier.job
    if job.delivered_parts == 0:
        status = courier.texts.status_done if job.deliverable else courier.texts.status_failed
        await _set_status(courier.bot, job, status)
    for index, part in enumerate(parts):
        if index < job.delivered_parts:
            continue  # an earlier attempt sent it
        sent = await part()
        faults.point("delivery.after_send")
        files = [file for message in sent if (file := file_of(message)) is not None]
        await jobs.record_delivered_part(pool, job, index + 1, files)


async def deliver(
    pool: Pool,
    bot: Bot,
    job_id: int,
    *,
    timeout_min: int,
    fetch_policy: FetchPolicy,
    fetch_deadline_sec: float = 30.0,
) -> bool:
    """Tell the user how the job ended, once. False when there was nothing (new) to deliver now."""
    job = await jobs.claim_delivery(pool, job_id, lease=LEASE)
    if job is None:
        log_event("DELIVERY_SKIPPED", job_id=job_id, reason="nothing new, or another attempt holds it")
        return False
    texts = copy_for(job.language)
    quiet = bool(await pool.fetchval("SELECT quiet_results FROM users WHERE id = $1", job.user_id))
    courier = Courier(bot, job, texts, fetch_policy, fetch_deadline_sec, silent=quiet)
    if job.delivery_attempts > MAX_ATTEMPTS:
        await _give_up(pool, courier, f"{MAX_ATTEMPTS} attempts failed", tell=True)
        return True
    faults.point("delivery.after_claim")
    model = load_catalog().get(job.model_id)
    try:
        follow_ups = await follow_ups_of(pool, model) if results.has_grid(job, model) else ()
        parts = plan(courier, model, timeout_min, follow_ups)
        await _send(pool, courier, parts)
    except (TelegramForbiddenError, ChatGone) as gone:
        # The user blocked the bot or the chat is gone: retrying cannot help and holds up the queue.
        await _give_up(pool, courier, f"chat unreachable: {gone}"[:200], tell=False)
        return True
    except TelegramBadRequest as refused:
        if "chat not found" in refused.message.lower():
            await _give_up(pool, courier, f"chat unreachable: {refused.message}"[:200], tell=False)
            return True
        await jobs.release_delivery(pool, job.id)
        raise
    except Exception:
        await jobs.release_delivery(pool, job.id)  # the queue's retry may start at once
        raise
    faults.point("delivery.before_done")
    await jobs.mark_delivered(pool, job)
    log_event(
        "DELIVERY_OK",
        job_id=job_id,
        status=job.status,
        late=job.late_result,
        results=len(job.result_urls or []),
    )
    return True


async def _give_up(pool: Pool, courier: Courier, reason: str, *, tell: bool) -> None:
    """The final state of a delivery that cannot succeed: recorded, refunded if paid, logged."""
    job = await jobs.mark_delivery_failed(pool, courier.job.id, reason)
    if job is None:
        return
    refunded = 0
    if job.status == "succeeded" and job.payment == "wallet" and not job.late_result:
        try:
            refunded = (await refund(pool, job.user_id, job.hold_ref)).entry.amount
        except WalletError as error:
            log_event("DELIVERY_REFUND_FAILED", level="error", job_id=job.id, error=str(error))
    log_event("DELIVERY_GAVE_UP", level="error", job_id=job.id, reason=reason, refunded=refunded)
    if not tell:
        return
    texts = courier.texts
    money = texts.refund_money.format(price=format_rub(refunded, texts.lang)) if refunded else ""
    with contextlib.suppress(Exception):  # the chat may be the very thing that fails
        await courier.bot.send_message(
            job.chat_id, texts.delivery_gave_up.format(job=job.id, money=money).strip()
        )


async def send_originals(bot: Bot, job: jobs.Job, texts: Copy, fetch_policy: FetchPolicy) -> None:
    """The result files as documents (uncompressed), for the "📎 Оригинал файлом" button."""
    courier = Courier(bot, job, texts, fetch_policy, deadline_sec=30.0)
    kind = kind_of(load_catalog().get(job.model_id))
    for index, url in enumerate(job.result_urls or []):
        data = await courier.download(url)
        if data is None:
            await courier.link([url], None)
            continue
        await bot.send_document(job.chat_id, BufferedInputFile(data, _file_name(url, kind, index)))
