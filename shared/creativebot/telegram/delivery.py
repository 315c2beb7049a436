"""Delivering a finished job: the result (photo, video, audio; several as an album) or why it failed.

Each job is delivered once: the job row is locked for the whole delivery and ``delivered_at`` is set in
that same transaction. Telegram fetches result URLs itself (photos up to 5 MB, other files up to
20 MB); when it refuses, the file is downloaded and uploaded (up to 50 MB), else the user gets a link.
"""

from __future__ import annotations

import contextlib
import html
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest, TelegramEntityTooLarge, TelegramForbiddenError
from aiogram.types import (
    BufferedInputFile,
    InlineKeyboardMarkup,
    InputMediaAudio,
    InputMediaDocument,
    InputMediaPhoto,
    InputMediaVideo,
)

from creativebot import jobs
from creativebot.db import Pool, transaction
from creativebot.kie.catalog import CatalogModel, ResultKind, load_catalog
from creativebot.observability import log_event
from creativebot.telegram.views import results
from creativebot.texts import Copy, copy_for

UPLOAD_LIMIT = 50 * 1024 * 1024  # what a bot may upload
ALBUM_SIZE = 10
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


def kind_of(model: CatalogModel | None) -> ResultKind:
    return model.result if model else "photo"


async def download(url: str, limit: int = UPLOAD_LIMIT) -> bytes | None:
    """The file behind a result URL, or None when it is unreachable or larger than ``limit``."""
    if urlsplit(url).scheme not in {"http", "https"}:
        return None
    try:
        async with (
            httpx.AsyncClient(timeout=httpx.Timeout(60.0, connect=10.0), follow_redirects=True) as http,
            http.stream("GET", url) as response,
        ):
            if response.status_code != 200:
                return None
            chunks: list[bytes] = []
            size = 0
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > limit:
                    return None
                chunks.append(chunk)
            return b"".join(chunks)
    except httpx.HTTPError:
        return None


def _file_name(url: str, kind: str, index: int = 0) -> str:
    name = urlsplit(url).path.rsplit("/", 1)[-1]
    if "." in name:
        return name[-80:]
    return f"result-{index + 1}.{KINDS[kind].extension}"


async def _link_message(
    bot: Bot, chat_id: int, texts: Copy, urls: list[str], markup: InlineKeyboardMarkup | None
) -> None:
    links = "\n".join(f'<a href="{html.escape(url, quote=True)}">{i + 1}</a>' for i, url in enumerate(urls))
    await bot.send_message(chat_id, texts.result_link.format(links=links), reply_markup=markup)


async def _send_one(
    bot: Bot, chat_id: int, kind: str, url: str, caption: str, markup: InlineKeyboardMarkup, texts: Copy
) -> None:
    media = KINDS[kind]
    send = media.send(bot)
    try:
        await send(chat_id, url, caption=caption, reply_markup=markup)
        return
    except _REFUSED as refused:
        log_event("DELIVERY_URL_REFUSED", kind=kind, reason=str(refused)[:200])
    data = await download(url)
    if data is None:
        await _link_message(bot, chat_id, texts, [url], markup)
        return
    upload = BufferedInputFile(data, _file_name(url, kind))
    if len(data) > media.upload_limit:
        await bot.send_document(chat_id, upload, caption=caption, reply_markup=markup)
        return
    try:
        await send(chat_id, upload, caption=caption, reply_markup=markup)
    except _REFUSED:
        await bot.send_document(chat_id, upload, caption=caption, reply_markup=markup)


async def _send_album(bot: Bot, chat_id: int, kind: str, urls: list[str], caption: str | None) -> None:
    media = KINDS[kind]
    items = [media.album_item(media=url, caption=caption if i == 0 else None) for i, url in enumerate(urls)]
    try:
        await bot.send_media_group(chat_id, items)
        return
    except _REFUSED as refused:
        log_event("DELIVERY_URL_REFUSED", kind=kind, reason=str(refused)[:200])
    uploads: list[Any] = []
    for i, url in enumerate(urls):
        data = await download(url)
        if data is None:
            continue
        file = BufferedInputFile(data, _file_name(url, kind, i))
        item_type = DOCUMENT.album_item if len(data) > media.upload_limit else media.album_item
        uploads.append(item_type(media=file, caption=caption if i == 0 else None))
    if len(uploads) >= 2 and len({type(item) for item in uploads}) == 1:
        await bot.send_media_group(chat_id, uploads)
    else:
        for item in uploads:
            await bot.send_document(chat_id, item.media, caption=item.caption)


async def _set_status(bot: Bot, job: jobs.Job, text: str) -> None:
    if job.status_message_id is None:
        return
    # Deleted, too old or unchanged: the new message below tells the story anyway.
    with contextlib.suppress(TelegramBadRequest):
        await bot.edit_message_text(text, chat_id=job.chat_id, message_id=job.status_message_id)


async def _send_results(bot: Bot, job: jobs.Job, model: CatalogModel | None, texts: Copy) -> None:
    urls = list(job.result_urls or [])
    kind = kind_of(model)
    caption = results.caption(texts, job, model)
    markup = results.result_keyboard(texts, job, KINDS[kind].offers_original)
    await _set_status(bot, job, texts.status_done)
    if len(urls) == 1:
        await _send_one(bot, job.chat_id, kind, urls[0], caption, markup, texts)
        return
    for start in range(0, len(urls), ALBUM_SIZE):
        chunk = urls[start : start + ALBUM_SIZE]
        if len(chunk) == 1:
            await _send_one(bot, job.chat_id, kind, chunk[0], caption, markup, texts)
            return
        await _send_album(bot, job.chat_id, kind, chunk, None)
    await bot.send_message(job.chat_id, caption, reply_markup=markup)  # albums cannot carry buttons


async def _send_failure(
    bot: Bot, job: jobs.Job, model: CatalogModel | None, texts: Copy, timeout_min: int
) -> None:
    await _set_status(bot, job, texts.status_failed)
    markup = results.result_keyboard(texts, job, KINDS[kind_of(model)].offers_original)
    await bot.send_message(job.chat_id, results.failure_notice(texts, job, timeout_min), reply_markup=markup)


async def deliver(pool: Pool, bot: Bot, job_id: int, *, timeout_min: int) -> bool:
    """Tell the user how the job ended, once. False when there was nothing (new) to deliver."""
    async with transaction(pool) as conn:
        job = await jobs.lock_for_delivery(conn, job_id)
        if job is None or not job.awaiting_delivery:
            log_event("DELIVERY_SKIPPED", job_id=job_id, reason="unknown" if job is None else "nothing new")
            return False
        texts = copy_for(job.language)
        model = load_catalog().get(job.model_id)
        try:
            if job.deliverable:
                await _send_results(bot, job, model, texts)
            else:
                await _send_failure(bot, job, model, texts, timeout_min)
        except TelegramForbiddenError as gone:
            # The user blocked the bot: retrying cannot help and would hold up the chat's queue.
            log_event("DELIVERY_UNDELIVERABLE", level="warning", job_id=job_id, reason=gone.message)
        await jobs.mark_delivered(conn, job.id)
    log_event(
        "DELIVERY_OK",
        job_id=job_id,
        status=job.status,
        late=job.late_result,
        results=len(job.result_urls or []),
    )
    return True


async def send_originals(bot: Bot, job: jobs.Job, texts: Copy) -> None:
    """The result files as documents (uncompressed), for the "📎 Оригинал файлом" button."""
    kind = kind_of(load_catalog().get(job.model_id))
    for index, url in enumerate(job.result_urls or []):
        data = await download(url)
        if data is None:
            await _link_message(bot, job.chat_id, texts, [url], None)
            continue
        await bot.send_document(job.chat_id, BufferedInputFile(data, _file_name(url, kind, index)))
