"""🖼 Мои генерации: the gallery of a person's results. Russian first, English second.

Same rules as :mod:`creativebot.texts`: one frozen dataclass per language with no defaults (a missing text
fails at import), HTML, and anything a person typed goes through ``html.escape`` before it is formatted in.
Dates, the time-zone note, the page label and the ◀️/▶️ buttons are the balance history's
(:mod:`creativebot.texts.payments`), so both lists read alike.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class GalleryCopy:
    lang: str
    btn_gallery: str  # the gallery's button: in the main menu, and back to the gallery from a re-sent result
    screen: str
    empty: str
    item: str
    item_prompt: str
    item_gone: str
    free: str
    btn_send: str
    btn_repeat: str
    btn_edit: str
    resent: str
    file_gone: str


RU = GalleryCopy(
    lang="ru",
    btn_gallery="🖼 Мои генерации",
    screen=(
        "🖼 <b>Мои генерации</b>\n\n{items}\n\n{footer}\n"
        "📤 — прислать снова · 🔁 — повторить · ✏️ — изменить промпт"
    ),
    empty=(
        "🖼 <b>Мои генерации</b>\n\n"
        "Здесь будут ваши готовые картинки, видео и звук. Пока пусто — выберите, что создать 👇"
    ),
    item="<b>{number}.</b> {when} · {model} · {price}",
    item_prompt="\n<i>{prompt}</i>",
    item_gone="\n📭 Файл больше недоступен — повторите генерацию кнопкой 🔁 {number}",
    free="🎁 бесплатно",
    btn_send="📤 {number}",
    btn_repeat="🔁 {number}",
    btn_edit="✏️ {number}",
    resent="🖼 <b>{model}</b> · {when}{prompt}",
    file_gone=(
        "📭 Файл этой генерации больше недоступен. Её можно повторить — это будет новая генерация, "
        "цену покажем перед запуском."
    ),
)

EN = GalleryCopy(
    lang="en",
    btn_gallery="🖼 My creations",
    screen="🖼 <b>My creations</b>\n\n{items}\n\n{footer}\n📤 send again · 🔁 repeat · ✏️ edit the prompt",
    empty=(
        "🖼 <b>My creations</b>\n\n"
        "Your finished pictures, videos and sounds will be here. Nothing yet: pick what to create 👇"
    ),
    item="<b>{number}.</b> {when} · {model} · {price}",
    item_prompt="\n<i>{prompt}</i>",
    item_gone="\n📭 The file is no longer available: repeat the generation with 🔁 {number}",
    free="🎁 free",
    btn_send="📤 {number}",
    btn_repeat="🔁 {number}",
    btn_edit="✏️ {number}",
    resent="🖼 <b>{model}</b> · {when}{prompt}",
    file_gone=(
        "📭 This result's file is no longer available. You can repeat the generation: it will be a new one, "
        "and you will see its price before it starts."
    ),
)

_BY_LANGUAGE = {copy.lang: copy for copy in (RU, EN)}


def gallery_copy(language: str | None) -> GalleryCopy:
    """The section in a person's language (Russian for anything else, as ``texts.copy_for``)."""
    return _BY_LANGUAGE.get(language or "ru", RU)
