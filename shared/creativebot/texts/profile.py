"""What Telegram shows before the first message: the command menu, the description and the short description.

One frozen dataclass per language with no defaults, Russian first, English second, so a command without a
description in either language fails at import. ``make set-webhook`` registers them (setMyCommands,
setMyDescription, setMyShortDescription); Russian is also the fallback for every other language, as in
``texts.language_for``. Plain text: Telegram does not format these fields.
"""

from __future__ import annotations

from dataclasses import dataclass

# The menu's order: what a person needs most first, the obligatory ones (payment support, terms) last.
COMMANDS = (
    "start",
    "menu",
    "balance",
    "topup",
    "gallery",
    "invite",
    "promo",
    "settings",
    "help",
    "paysupport",
    "terms",
    "cancel",
)
DESCRIPTION_LIMIT = 512  # setMyDescription
SHORT_DESCRIPTION_LIMIT = 120  # setMyShortDescription
COMMAND_DESCRIPTION_LIMIT = 256  # BotCommand.description


@dataclass(frozen=True)
class ProfileCopy:
    lang: str
    start: str
    menu: str
    balance: str
    topup: str
    gallery: str
    invite: str
    promo: str
    settings: str
    help: str
    paysupport: str
    terms: str
    cancel: str
    description: str
    short_description: str

    def commands(self) -> list[tuple[str, str]]:
        """(command, description) in menu order."""
        return [(command, str(getattr(self, command))) for command in COMMANDS]


RU = ProfileCopy(
    lang="ru",
    start="Главное меню",
    menu="Что создать: картинки, видео, звук",
    balance="Баланс и история списаний",
    topup="Пополнить баланс",
    gallery="Мои генерации",
    invite="Пригласить друга и получить бонус",
    promo="Ввести промокод",
    settings="Настройки и язык",
    help="Как пользоваться ботом",
    paysupport="Помощь с оплатой и возвраты",
    terms="Условия использования",
    cancel="Отменить текущее действие",
    description=(
        "Создаю картинки, видео и озвучку с помощью нейросетей. Выберите модель, опишите идею словами "
        "или пришлите фото — результат придёт прямо в этот чат.\n\n"
        "Оплата из кошелька в рублях, пополнение — звёздами Telegram. Деньги списываются только за "
        "готовый результат: если генерация не удалась, они вернутся на баланс сами."
    ),
    short_description="Картинки, видео и озвучка нейросетями прямо в Telegram. Платите только за готовый результат.",
)

EN = ProfileCopy(
    lang="en",
    start="Main menu",
    menu="Create: pictures, video, sound",
    balance="Balance and charges",
    topup="Top up your balance",
    gallery="My creations",
    invite="Invite a friend and get a bonus",
    promo="Enter a promo code",
    settings="Settings and language",
    help="How to use the bot",
    paysupport="Help with payments and refunds",
    terms="Terms of use",
    cancel="Cancel the current action",
    description=(
        "I make pictures, videos and voice-overs with AI models. Pick a model, describe your idea or send "
        "a photo, and the result arrives right here in this chat.\n\n"
        "You pay from a rouble wallet topped up with Telegram Stars, and only for a finished result: if a "
        "generation fails, the money returns to your balance by itself."
    ),
    short_description="AI pictures, videos and voice-overs right in Telegram. Pay only for finished results.",
)

PROFILES = (RU, EN)


def profile_copy(language: str | None) -> ProfileCopy:
    return EN if language == "en" else RU


FALLBACK = RU  # registered without a language code: what everyone whose language has no list of its own sees
