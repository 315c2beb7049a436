"""🖼 Мои генерации: /gallery and its menu button, its pages, and a result sent again.

A result is sent again from what Telegram stored when it was delivered (its file ids): no download from
KIE, no upload, nothing charged. Repeat and edit are the result's own buttons (``ResultAction``), which
the wizard's router handles. A button carries a job id, never a right: the job is looked up as the
pressing person's own result, and anything else is refused as a forged button.
"""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message

from creativebot import gallery
from creativebot.config import WorkerSettings
from creativebot.db import Connection
from creativebot.observability import log_event
from creativebot.telegram.callbacks import GalleryPage, GallerySend, Menu
from creativebot.telegram.delivery import ALBUM_SIZE, KINDS
from creativebot.telegram.keyboards import main_menu
from creativebot.telegram.screens import Screen, show
from creativebot.telegram.views import gallery as views
from creativebot.texts import Copy
from creativebot.texts.gallery import gallery_copy
from creativebot.texts.payments import payments_copy
from creativebot.users import User


async def _render(
    event: Message | CallbackQuery,
    texts: Copy,
    user: User,
    db: Connection,
    settings: WorkerSettings,
    number: int,
) -> None:
    page = await gallery.page(db, user.id, number)
    if not page.items and number > 0:  # an old button past the end: the newest page instead
        page = await gallery.page(db, user.id, 0)
    tz = settings.wallet.free_day_tz
    await show(event, views.gallery(texts, gallery_copy(texts.lang), payments_copy(texts.lang), page, tz))


async def gallery_screen(
    event: Message | CallbackQuery, texts: Copy, user: User, db: Connection, settings: WorkerSettings
) -> None:
    await _render(event, texts, user, db, settings, 0)


async def gallery_page(
    callback: CallbackQuery,
    callback_data: GalleryPage,
    texts: Copy,
    user: User,
    db: Connection,
    settings: WorkerSettings,
) -> None:
    await _render(callback, texts, user, db, settings, callback_data.page)


async def _send_files(bot: Bot, chat_id: int, files: list[dict[str, str]], screen: Screen) -> None:
    """The files by their file ids. One carries the caption and the buttons; several go as albums (when
    they are of one kind) or one by one, followed by the caption and the buttons (an album has none)."""
    if len(files) == 1:
        only = files[0]
        send = KINDS[only["kind"]].send(bot)
        await send(chat_id, only["file_id"], caption=screen.text, reply_markup=screen.markup)
        return
    kinds = {file["kind"] for file in files}
    if len(kinds) == 1:
        media = KINDS[kinds.pop()]
        for start in range(0, len(files), ALBUM_SIZE):
            chunk = files[start : start + ALBUM_SIZE]
            if len(chunk) == 1:
                await media.send(bot)(chat_id, chunk[0]["file_id"])
            else:
                await bot.send_media_group(
                    chat_id, [media.album_item(media=file["file_id"]) for file in chunk]
                )
    else:
        for file in files:
            await KINDS[file["kind"]].send(bot)(chat_id, file["file_id"])
    await bot.send_message(chat_id, screen.text, reply_markup=screen.markup)


async def send_again(
    callback: CallbackQuery,
    callback_data: GallerySend,
    texts: Copy,
    user: User,
    db: Connection,
    settings: WorkerSettings,
    bot: Bot,
) -> None:
    item = await gallery.result(db, user.id, callback_data.job)
    if item is None:
        log_event("FORGED_BUTTON", level="warning", job_id=callback_data.job, action="gallery_send")
        await show(callback, Screen("not_your_job", texts.not_your_job, main_menu(texts)), new_message=True)
        return
    gc = gallery_copy(texts.lang)
    if not item.files:
        await show(callback, views.file_gone(texts, gc, item, callback_data.page), new_message=True)
        return
    tz = settings.wallet.free_day_tz
    screen = views.resent(texts, gc, payments_copy(texts.lang), item, callback_data.page, tz)
    chat_id = callback.message.chat.id if callback.message is not None else callback.from_user.id
    try:
        await _send_files(bot, chat_id, item.files, screen)
    except TelegramBadRequest as refused:  # Telegram no longer knows the file id
        log_event("GALLERY_RESEND_FAILED", level="warning", job_id=item.id, reason=refused.message[:200])
        await show(callback, views.file_gone(texts, gc, item, callback_data.page), new_message=True)
        return
    log_event("GALLERY_RESEND", job_id=item.id, files=len(item.files))


def build_router() -> Router:
    router = Router(name="gallery")
    router.message.register(gallery_screen, Command("gallery"))
    router.callback_query.register(gallery_screen, Menu.filter(F.screen == "gallery"))
    router.callback_query.register(gallery_page, GalleryPage.filter())
    router.callback_query.register(send_again, GallerySend.filter())
    return router
