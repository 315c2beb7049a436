"""🖼 Мои генерации: a page of a person's results, and what comes with a re-sent one. No I/O.

Each result on a page has a number; its row of buttons sends it again (when Telegram still has its
files), repeats it, or edits its prompt. Repeat and edit are the result's own buttons (``ResultAction``,
handled by the wizard), so they work the same from here as under the delivered result.
"""

from __future__ import annotations

import html

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup

from creativebot.gallery import Item, Page
from creativebot.telegram.callbacks import GalleryPage, GallerySend, Menu, ResultAction
from creativebot.telegram.keyboards import Row, main_menu, markup
from creativebot.telegram.screens import Screen
from creativebot.telegram.views.money import model_title, tz_note, when
from creativebot.texts import Copy, format_rub, shorten
from creativebot.texts.gallery import GalleryCopy
from creativebot.texts.payments import PaymentsCopy

PROMPT_EXCERPT = 80  # characters of a prompt shown on a page
MAIN = Menu(screen="main")


def _price(texts: Copy, gc: GalleryCopy, item: Item) -> str:
    return gc.free if item.free else format_rub(item.price, texts.lang)


def _prompt(gc: GalleryCopy, item: Item) -> str:
    return (
        gc.item_prompt.format(prompt=html.escape(shorten(item.prompt, PROMPT_EXCERPT))) if item.prompt else ""
    )


def _item_text(texts: Copy, gc: GalleryCopy, pc: PaymentsCopy, item: Item, number: int, tz: str) -> str:
    text = gc.item.format(
        number=number,
        when=when(pc, item.created_at, tz),
        model=model_title(item.model_id, texts.lang),
        price=_price(texts, gc, item),
    )
    text += _prompt(gc, item)
    if not item.files:
        text += gc.item_gone.format(number=number)
    return text


def _item_row(gc: GalleryCopy, item: Item, number: int, page_number: int) -> Row:
    row: list[tuple[str, CallbackData]] = []
    if item.files:
        row.append((gc.btn_send.format(number=number), GallerySend(job=item.id, page=page_number)))
    row.append((gc.btn_repeat.format(number=number), ResultAction(action="repeat", job=item.id)))
    row.append((gc.btn_edit.format(number=number), ResultAction(action="edit", job=item.id)))
    return row


def gallery(texts: Copy, gc: GalleryCopy, pc: PaymentsCopy, page: Page, tz: str) -> Screen:
    """A page of results, newest first, numbered across pages; or a friendly empty screen."""
    if not page.items:
        return Screen("gallery_empty", gc.empty, main_menu(texts))
    first = page.number * page.size + 1
    numbered = list(enumerate(page.items, start=first))
    items = "\n\n".join(_item_text(texts, gc, pc, item, number, tz) for number, item in numbered)
    rows: list[Row] = [_item_row(gc, item, number, page.number) for number, item in numbered]
    paging: list[tuple[str, CallbackData]] = []
    if page.number > 0:
        paging.append((pc.btn_newer, GalleryPage(page=page.number - 1)))
    if page.has_more:
        paging.append((pc.btn_older, GalleryPage(page=page.number + 1)))
    footer = tz_note(pc, tz)
    if paging:
        rows.append(paging)
        footer = pc.history_page.format(page=page.number + 1) + " · " + footer
    rows.append([(texts.btn_main_menu, MAIN)])
    return Screen("gallery", gc.screen.format(items=items, footer=footer), markup(rows))


def _keyboard(texts: Copy, gc: GalleryCopy, item: Item, page_number: int) -> InlineKeyboardMarkup:
    """Under a re-sent result (or the news that its file is gone): repeat, edit, back to the page, menu."""
    return markup(
        [
            [
                (texts.btn_repeat, ResultAction(action="repeat", job=item.id)),
                (texts.btn_edit_prompt, ResultAction(action="edit", job=item.id)),
            ],
            [(gc.btn_gallery, GalleryPage(page=page_number)), (texts.btn_main_menu, MAIN)],
        ]
    )


def resent(texts: Copy, gc: GalleryCopy, pc: PaymentsCopy, item: Item, page_number: int, tz: str) -> Screen:
    """The caption and buttons of a result sent again: what it was, then repeat, edit, back to the page."""
    text = gc.resent.format(
        model=model_title(item.model_id, texts.lang),
        when=when(pc, item.created_at, tz),
        prompt=_prompt(gc, item),
    )
    return Screen("gallery_resent", text, _keyboard(texts, gc, item, page_number))


def file_gone(texts: Copy, gc: GalleryCopy, item: Item, page_number: int) -> Screen:
    """Telegram no longer has the result's file: say so, and offer to repeat it."""
    return Screen("gallery_file_gone", gc.file_gone, _keyboard(texts, gc, item, page_number))
