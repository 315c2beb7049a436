"""Every word a user sees, in one place: Russian first, English second.

``Copy`` is a frozen dataclass with no defaults, so a text missing in either language is a type error
and a crash at import, never a blank message. Texts are HTML (the bot's parse mode); anything a user
typed must go through ``html.escape`` before it is formatted in.
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_LANGUAGE = "ru"
LANGUAGES = ("ru", "en")


@dataclass(frozen=True)
class Copy:
    lang: str
    # --- main menu and basics
    welcome: str
    menu_prompt: str
    btn_main_menu: str
    btn_back: str
    btn_cancel: str
    btn_balance: str
    btn_invite: str
    btn_help: str
    help: str
    cancel_done: str
    not_understood: str
    error_apology: str
    stale_button: str


RU = Copy(
    lang="ru",
    welcome=(
        "<b>Креативы за 60 секунд</b> ⚡️\n\n"
        "🖼 Фото и арты по описанию\n"
        "✏️ Редактирование ваших фото\n"
        "🎬 Видео из текста или фото\n"
        "🎵 Озвучка текста\n\n"
        "Три коротких шага — и результат прямо в чате. Если генерация не удалась, деньги вернутся сами."
    ),
    menu_prompt="Выберите, что создаём 👇",
    btn_main_menu="🏠 Главное меню",
    btn_back="⬅️ Назад",
    btn_cancel="✖️ Отмена",
    btn_balance="💰 Баланс",
    btn_invite="🎁 Пригласить друга",
    btn_help="❓ Помощь",
    help=(
        "<b>Как это работает</b>\n\n"
        "1. Выберите раздел и модель.\n"
        "2. Шаг 1/3 — опишите, что сделать (и пришлите фото, если модель их просит).\n"
        "3. Шаг 2/3 — выберите формат. Шаг 3/3 — проверьте цену и нажмите «Запустить».\n\n"
        "Деньги резервируются при запуске и списываются только за готовый результат. "
        "Если генерация не удалась, резерв возвращается на баланс автоматически.\n\n"
        "<b>Команды</b>\n"
        "/start — главное меню\n"
        "/balance — баланс и история\n"
        "/cancel — отменить текущий шаг\n"
        "/paysupport — вопросы об оплате\n"
        "/terms — условия\n"
        "/help — эта справка"
    ),
    cancel_done="Отменено. Возвращаемся в главное меню.",
    not_understood="Я понимаю команды и кнопки. Откройте главное меню 👇",
    error_apology="😔 Что-то пошло не так. Мы уже разбираемся — попробуйте ещё раз из главного меню.",
    stale_button="Эта кнопка устарела — открываю главное меню.",
)

EN = Copy(
    lang="en",
    welcome=(
        "<b>Creatives in 60 seconds</b> ⚡️\n\n"
        "🖼 Photos and art from a description\n"
        "✏️ Edits of your own photos\n"
        "🎬 Video from text or a photo\n"
        "🎵 Text to speech\n\n"
        "Three short steps and the result lands right here. If a generation fails, the money comes back by itself."
    ),
    menu_prompt="What shall we make? 👇",
    btn_main_menu="🏠 Main menu",
    btn_back="⬅️ Back",
    btn_cancel="✖️ Cancel",
    btn_balance="💰 Balance",
    btn_invite="🎁 Invite a friend",
    btn_help="❓ Help",
    help=(
        "<b>How it works</b>\n\n"
        "1. Pick a section and a model.\n"
        "2. Step 1/3: describe what to make (and send photos if the model asks for them).\n"
        "3. Step 2/3: choose the format. Step 3/3: check the price and tap “Start”.\n\n"
        "The price is reserved at start and charged only for a finished result. "
        "If a generation fails, the reserve returns to your balance automatically.\n\n"
        "<b>Commands</b>\n"
        "/start — main menu\n"
        "/balance — balance and history\n"
        "/cancel — cancel the current step\n"
        "/paysupport — payment questions\n"
        "/terms — terms\n"
        "/help — this help"
    ),
    cancel_done="Cancelled. Back to the main menu.",
    not_understood="I understand commands and buttons. Open the main menu 👇",
    error_apology="😔 Something went wrong. We are on it; please try again from the main menu.",
    stale_button="This button has expired; opening the main menu.",
)

_BY_LANGUAGE = {copy.lang: copy for copy in (RU, EN)}


def language_for(telegram_language_code: str | None) -> str:
    """Russian first: English only for users whose Telegram speaks English."""
    if telegram_language_code and telegram_language_code.lower().startswith("en"):
        return "en"
    return DEFAULT_LANGUAGE


def copy_for(language: str | None) -> Copy:
    return _BY_LANGUAGE.get(language or DEFAULT_LANGUAGE, RU)


def plural(language: str, count: int, forms: str) -> str:
    """Pick a form by count: Russian ``one|few|many``, English ``one|other``."""
    variants = forms.split("|")
    if language == "ru":
        tail, tail100 = count % 10, count % 100
        if tail == 1 and tail100 != 11:
            return variants[0]
        if 2 <= tail <= 4 and not 12 <= tail100 <= 14:
            return variants[1]
        return variants[2]
    return variants[0] if count == 1 else variants[-1]


def format_rub(kopecks: int, language: str = DEFAULT_LANGUAGE) -> str:
    """Money for people: ``1 234 ₽`` or ``1 234,50 ₽`` (Russian), ``1,234.50 ₽`` (English)."""
    sign = "−" if kopecks < 0 else ""
    rubles, rest = divmod(abs(kopecks), 100)
    if language == "ru":
        whole = f"{rubles:,}".replace(",", "\u202f")
        return f"{sign}{whole}{',' + f'{rest:02d}' if rest else ''} ₽"
    return f"{sign}{rubles:,}{'.' + f'{rest:02d}' if rest else ''} ₽"
