"""Every word a user sees, in one place: Russian first, English second.

``Copy`` is a frozen dataclass with no defaults, so a text missing in either language is a type error
and a crash at import, never a blank message. Texts are HTML (the bot's parse mode); anything a user
typed must go through ``html.escape`` before it is formatted in.
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_LANGUAGE = "ru"


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
    rate_limited: str
    blocked_notice: str
    # --- categories and models
    categories: dict[str, str]
    category_prompt: str
    model_free_suffix: str
    price_from: str
    price_range: str
    price_delta: str
    model_card: str
    eta_line: str
    eta_measured_line: str
    inputs_line: str
    input_description: str
    input_optional: str
    runs_line: str
    runs_none_line: str
    runs: str
    free_line: str
    free_used_up_line: str
    unavailable_model: str
    btn_choose: str
    btn_next: str
    btn_skip: str
    chosen: str
    # --- step 1: photos and prompt
    step_photos: str
    photos_one: str
    photos_up_to: str
    photos_range: str
    photos_received: str
    photo_too_big: str
    photo_not_image: str
    photo_expected: str
    photo_upload_failed: str
    photos_needed: str
    photos_album_hint: str
    photos_updated: str
    photos_not_taken: str
    step_prompt: str
    prompt_title: str
    prompt_ask: str
    prompt_ask_labelled: str
    prompt_examples: dict[str, str]
    prompt_optional_hint: str
    prompt_updated: str
    text_not_taken: str
    step_text: str
    text_optional_hint: str
    prompt_current: str
    prompt_empty: str
    prompt_too_long: str
    prompt_too_short: str
    characters: str
    prompt_expected: str
    # --- step 2: format
    step_format: str
    format_price_line: str
    option_names: dict[str, str]
    value_labels: dict[str, str]
    seconds_value: str
    # --- step 3: confirm and launch
    step_confirm: str
    confirm_prompt_line: str
    confirm_photos_line: str
    confirm_price_line: str
    confirm_free_line: str
    confirm_gift_line: str
    confirm_balance_line: str
    confirm_balance_short: str
    short_balance: str
    short_balance_cheaper: str
    over_cap: str
    btn_settings: str
    edit_menu: str
    btn_edit_prompt_part: str
    btn_edit_photos: str
    btn_edit_format: str
    btn_back_to_confirm: str
    btn_launch: str
    btn_launch_free: str
    btn_edit: str
    btn_topup: str
    btn_try_model: str
    launch_started: str
    already_launched: str
    too_many_running: str
    draft_expired: str
    # --- results and failures
    status_done: str
    status_failed: str
    result_caption: str
    result_fallback_note: str
    result_follow_up_hint: str
    result_track: str
    btn_upscale: str
    btn_vary: str
    btn_hd: str
    result_paid: str
    result_free: str
    result_late_free: str
    result_link: str
    btn_repeat: str
    btn_edit_prompt: str
    btn_other_model: str
    btn_original: str
    btn_try_again: str
    hd_processing: str
    hd_failed: str
    hd_ready: str
    job_failed: str
    refund_money: str
    refund_free: str
    not_your_job: str
    delivery_gave_up: str
    # --- balance, referrals, payments
    balance_screen: str
    history_empty: str
    op_hold: str
    op_charge: str
    op_release: str
    op_refund: str
    op_topup: str
    op_welcome: str
    op_referral: str
    op_bonus: str
    op_adjust: str
    welcome_bonus: str
    invite_screen: str
    invite_terms_plain: str
    btn_pack: str
    invoice_title: str
    invoice_description: str
    payment_ok: str
    payment_unmatched: str
    invoice_stale: str
    # --- operators (ADMIN_IDS)
    # --- time
    minutes_short: str
    hours_minutes: str
    seconds_short: str


RU = Copy(
    lang="ru",
    welcome=(
        "<b>Креативы за 60 секунд</b> ⚡️\n\n"
        "🖼 Фото и арты по описанию\n"
        "✏️ Редактирование ваших фото\n"
        "🎬 Видео из текста или фото\n"
        "🎵 Музыка и песни\n"
        "🗣 Озвучка текста\n\n"
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
        "<b>Команды</b>"
    ),
    cancel_done="Отменено. Возвращаемся в главное меню.",
    not_understood="Я понимаю команды и кнопки. Откройте главное меню 👇",
    error_apology="😔 Что-то пошло не так. Мы уже разбираемся — попробуйте ещё раз из главного меню.",
    stale_button="Эта кнопка устарела — открываю главное меню.",
    rate_limited="⏳ Слишком много сообщений подряд. Подождите минуту — и продолжим.",
    blocked_notice="Доступ к боту ограничен администратором. Если это ошибка, напишите в поддержку.",
    categories={
        "photo": "🖼 Фото",
        "edit": "✏️ Редактирование фото",
        "video": "🎬 Видео",
        "animate": "📸 Оживить фото",
        "music": "🎵 Музыка",
        "audio": "🗣 Озвучка",
    },
    category_prompt="<b>{category}</b>\n\nВыберите модель 👇 Цена указана за одну генерацию.",
    model_free_suffix="🎁 бесплатно",
    price_from="от {price}",
    price_range="{low} – {high}",
    price_delta="{label} · {delta}",
    model_card="<b>{title}</b>\n{description}\n\n💰 Цена: <b>{price}</b>\n{eta}{free}",
    eta_line="⏱ Обычно готово за {eta}",
    eta_measured_line="⏱ Обычно готово за {eta} (по последним генерациям)",
    inputs_line="📥 Нужно: {inputs}",
    input_description="описание",
    input_optional="{what} (по желанию)",
    runs_line="\n💳 Вашего баланса ({balance}) хватит на {runs}",
    runs_none_line="\n💳 На балансе {balance} — пополните, чтобы запустить",
    runs="запуск|запуска|запусков",
    free_line="\n🎁 Бесплатно сегодня: {left} из {total}, обновится в 00:00 МСК (через {wait})",
    free_used_up_line="\n🎁 Бесплатные на сегодня закончились — обновятся в 00:00 МСК (через {wait}). Дальше — по цене.",
    unavailable_model="Эта модель сейчас недоступна. Выберите другую 👇",
    btn_choose="✅ Выбрать",
    btn_next="Дальше ➡️",
    btn_skip="Пропустить ➡️",
    chosen="Вы выбрали: <b>{title}</b> 👌",
    step_photos="📎 <b>Шаг 1/3 — Фото</b>\n\nПришлите {count} (JPG, PNG или WebP, до {mb} МБ).{album}",
    photos_one="одно фото",
    photos_up_to="до {max} фото",
    photos_range="от {min} до {max} фото",
    photos_received="📎 Получено фото: {count} из {max}. Пришлите ещё или нажмите «Дальше».",
    photo_too_big="Фото больше {mb} МБ — пришлите файл поменьше.",
    photo_not_image="Это не похоже на картинку. Пришлите фото (JPG, PNG или WebP).",
    photo_expected="Сейчас нужно фото. Пришлите его или нажмите «Дальше», если фото уже загружены.",
    photo_upload_failed="Не удалось сохранить фото. Попробуйте отправить его ещё раз.",
    photos_needed="Пришлите хотя бы {min} фото.",
    photos_album_hint=" Можно альбомом.",
    photos_updated="📎 Фото обновлены: {count} из {max}.",
    photos_not_taken="Эта модель работает без фото. Чтобы изменить или оживить фото, выберите модель в разделе «{edit}» или «{animate}».",
    step_prompt="✍️ <b>Шаг 1/3 — {title}</b>\n\n{ask} (до {max} символов).\n\n<i>Например:</i> {example}",
    prompt_title="Что делаем?",
    prompt_ask="Опишите, что должно получиться",
    prompt_ask_labelled="Пришлите {label}",
    prompt_examples={
        "photo": "кот-астронавт в неоновом городе, кинематографичный свет, 35 мм",
        "edit": "замени фон на морской берег на закате, лицо не меняй",
        "video": "дрон пролетает над осенним лесом на рассвете, туман, плавная камера",
        "animate": "человек на фото улыбается и машет рукой, лёгкий ветер",
        "music": "весёлый поп-рок о летнем путешествии на море, женский вокал",
        "audio": "Привет! Это Creative Bot — креативы за шестьдесят секунд.",
        "suno/my-lyrics": "Солнце над морем, песок горячий,\nмы едем к лету — и всё иначе!",
    },
    prompt_optional_hint="\n\nОписание можно пропустить.",
    prompt_updated="✏️ Описание обновлено.",
    text_not_taken="Этой модели текст не нужен — продолжайте кнопками ниже 👇",
    step_text="✍️ <b>Шаг 1/3 — {label}</b>\n\nПришлите: {label_lower} (до {max} символов).\n\n<i>Например:</i> {example}",
    text_optional_hint="\n\nЭто можно пропустить.",
    prompt_current="\n\nСейчас:\n<blockquote>{prompt}</blockquote>",
    prompt_empty="Описание пустое. Напишите, что должно получиться.",
    prompt_too_long="Слишком длинно: {length} {characters}, а модель принимает до {max}. Сократите описание и пришлите ещё раз.",
    prompt_too_short="Слишком коротко: нужно хотя бы {min} {characters}. Опишите подробнее.",
    characters="символ|символа|символов",
    prompt_expected="Сейчас нужен текст — опишите, что должно получиться.",
    step_format="⚙️ <b>Шаг 2/3 — Формат</b>\n\nВыберите параметры (✅ — выбрано) и нажмите «Дальше». На кнопках — как изменится цена.",
    format_price_line="💰 Цена сейчас: <b>{price}</b>",
    option_names={
        "aspect_ratio": "Соотношение сторон",
        "ratio": "Соотношение сторон",
        "resolution": "Разрешение",
        "image_size": "Размер",
        "quality": "Качество",
        "duration": "Длительность",
        "sound": "Звук",
        "generate_audio": "Звук",
        "voice": "Голос",
        "mode": "Режим",
        "rendering_speed": "Скорость",
        "style": "Стиль",
        "enable_pro": "Режим Pro",
        "aspectRatio": "Соотношение сторон",
        "enableFallback": "Запасная модель",
        "model": "Версия",
        "version": "Версия",
        "instrumental": "Инструментал (без слов)",
        "size": "Формат",
        "nVariants": "Вариантов",
        "speed": "Скорость",
        "motion": "Движение",
        "imageIndex": "Картинка",
    },
    value_labels={
        "True": "Да",
        "False": "Нет",
        "basic": "Стандарт",
        "high": "Высокое",
        "medium": "Среднее",
        "auto": "Авто",
        "normal": "Обычный",
        "fun": "Весёлый",
        "std": "720p",
        "pro": "1080p",
        "square": "Квадрат",
        "square_hd": "Квадрат HD",
        "portrait_4_3": "Портрет 3:4",
        "portrait_16_9": "Портрет 9:16",
        "landscape_4_3": "Альбом 4:3",
        "landscape_16_9": "Альбом 16:9",
        "TURBO": "Быстро",
        "BALANCED": "Баланс",
        "QUALITY": "Качество",
        "AUTO": "Авто",
        "GENERAL": "Общий",
        "REALISTIC": "Реализм",
        "DESIGN": "Дизайн",
    },
    seconds_value="{value} с",
    step_confirm="🔎 <b>Шаг 3/3 — Проверяем</b>\n\nМодель: <b>{title}</b>\n{details}\n\n{price}\n{balance}",
    confirm_prompt_line="Описание: <blockquote>{prompt}</blockquote>",
    confirm_photos_line="Фото: {count}",
    confirm_price_line="💰 Цена: <b>{price}</b>",
    confirm_free_line="🎁 Бесплатно — осталось {left} из {total} сегодня",
    confirm_gift_line="🎁 Подарочная генерация — осталось подарков: {left}",
    confirm_balance_line="💳 Баланс: {balance} → после запуска: {after}",
    confirm_balance_short="💳 Баланс: {balance}",
    short_balance="\n\n⚠️ Не хватает <b>{missing}</b>. Пополните баланс 👇",
    short_balance_cheaper="\n\n⚠️ Не хватает <b>{missing}</b>. Пополните баланс или запустите то же самое на модели подешевле — описание и фото сохранятся 👇",
    over_cap="\n\n⚠️ Это больше вашего дневного лимита: сегодня осталось <b>{room}</b> из {cap}. Лимит меняется в /settings.",
    btn_settings="⚙️ Настройки",
    edit_menu="✏️ <b>Что изменить?</b> Остальное останется как есть.",
    btn_edit_prompt_part="✍️ Описание",
    btn_edit_photos="📎 Фото",
    btn_edit_format="⚙️ Параметры",
    btn_back_to_confirm="↩️ К проверке",
    btn_launch="🚀 Запустить · {price}",
    btn_launch_free="🚀 Запустить бесплатно",
    btn_edit="✏️ Изменить",
    btn_topup="💳 Пополнить баланс",
    btn_try_model="{title} · {price}",
    launch_started="⏳ Генерирую… обычно ~{eta}\n\nМодель: {title}. Результат придёт сюда — можно заниматься своими делами.",
    already_launched="Эта генерация уже запущена ⏳",
    too_many_running="⏳ У вас уже {running} генерации в работе. Дождитесь результата — и запустим следующую.",
    draft_expired="Эти настройки устарели — начните заново из меню.",
    status_done="✅ Готово! Результат ниже 👇",
    status_failed="❌ Не получилось — подробности ниже.",
    result_caption="✅ <b>{title}</b>{prompt}\n{price}",
    result_fallback_note="ℹ️ Основная модель отказалась, видео сняла запасная (в 1080p).",
    result_follow_up_hint="U — увеличить картинку, V — сделать вариации. Это новая генерация: цену покажем перед запуском.",
    result_track="🎵 {title}",
    btn_upscale="U{n}",
    btn_vary="V{n}",
    btn_hd="🎞 Версия 1080p",
    result_paid="Списано: {price}",
    result_free="🎁 Бесплатная генерация",
    result_late_free="🎁 Результат пришёл позже срока — бесплатно, деньги уже на балансе",
    result_link="Файл слишком большой для Telegram — скачайте его по ссылке (действует около суток):\n{links}",
    btn_repeat="🔁 Повторить",
    btn_edit_prompt="✏️ Изменить промпт",
    btn_other_model="🔄 Другая модель",
    hd_processing="🎞 KIE готовит версию 1080p — это минута-две. Нажмите кнопку ещё раз чуть позже.",
    hd_failed="Не получилось получить версию 1080p. Попробуйте ещё раз через пару минут.",
    hd_ready="🎞 Версия 1080p",
    btn_original="📎 Оригинал файлом",
    btn_try_again="🔁 Попробовать снова",
    job_failed="😔 <b>Не получилось</b>\n\n{reason}\n\n{money}",
    refund_money="💸 Деньги вернулись на баланс: {price}.",
    refund_free="🎁 Бесплатная попытка возвращена.",
    not_your_job="Это не ваша генерация.",
    delivery_gave_up="😔 Не получилось доставить результат генерации #{job} в чат. {money}",
    balance_screen="💰 <b>Баланс</b>\n\nДоступно: <b>{available}</b>\nВ резерве: {held}\n\n<b>Последние операции</b>\n{history}",
    history_empty="Пока пусто — самое время что-нибудь создать ✨",
    op_hold="Генерация #{job} · {model}: в резерве {amount}",
    op_charge="Генерация #{job} · {model}: списано {amount}",
    op_release="Генерация #{job} · {model}: резерв снят, вернулось {amount}",
    op_refund="Возврат за #{job}: {amount}",
    op_topup="Пополнение: +{amount}",
    op_welcome="Приветственный бонус: +{amount}",
    op_referral="Бонус за приглашённого друга: +{amount}",
    op_bonus="Бонус: +{amount}",
    op_adjust="Корректировка: {amount} — {reason}",
    welcome_bonus="🎁 Вам начислен приветственный бонус: {amount}",
    invite_screen="🎁 <b>Пригласить друга</b>\n\n{terms}\n\nВаша ссылка:\n<code>{link}</code>\n\nПриглашено: {count}\nЗаработано: {earned}",
    invite_terms_plain="Отправьте ссылку другу — пусть тоже делает креативы за 60 секунд.",
    btn_pack="⭐ {stars} → {amount}",
    invoice_title="Пополнение баланса",
    invoice_description="{amount} на баланс Creative Bot — на любые генерации.",
    payment_ok="✅ Оплата прошла: +{amount}\nБаланс: {balance}",
    payment_unmatched=(
        "⚠️ Оплата получена, но зачислить её автоматически не вышло. Напишите /paysupport — "
        "зачислим вручную или вернём звёзды."
    ),
    invoice_stale="Этот счёт устарел — откройте «Пополнить баланс» и выберите сумму заново.",
    minutes_short="{minutes} мин",
    hours_minutes="{hours} ч {minutes} мин",
    seconds_short="{seconds} сек",
)

EN = Copy(
    lang="en",
    welcome=(
        "<b>Creatives in 60 seconds</b> ⚡️\n\n"
        "🖼 Photos and art from a description\n"
        "✏️ Edits of your own photos\n"
        "🎬 Video from text or a photo\n"
        "🎵 Music and songs\n"
        "🗣 Text to speech\n\n"
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
        "<b>Commands</b>"
    ),
    cancel_done="Cancelled. Back to the main menu.",
    not_understood="I understand commands and buttons. Open the main menu 👇",
    error_apology="😔 Something went wrong. We are on it; please try again from the main menu.",
    stale_button="This button has expired; opening the main menu.",
    rate_limited="⏳ Too many messages in a row. Please wait a minute and we will go on.",
    blocked_notice="An administrator has restricted your access to the bot. If this is a mistake, contact support.",
    categories={
        "photo": "🖼 Photo",
        "edit": "✏️ Photo editing",
        "video": "🎬 Video",
        "animate": "📸 Animate a photo",
        "music": "🎵 Music",
        "audio": "🗣 Voice-over",
    },
    category_prompt="<b>{category}</b>\n\nPick a model 👇 Prices are per generation.",
    model_free_suffix="🎁 free",
    price_from="from {price}",
    price_range="{low} to {high}",
    price_delta="{label} · {delta}",
    model_card="<b>{title}</b>\n{description}\n\n💰 Price: <b>{price}</b>\n{eta}{free}",
    eta_line="⏱ Usually ready in {eta}",
    eta_measured_line="⏱ Usually ready in {eta} (from recent runs)",
    inputs_line="📥 Takes: {inputs}",
    input_description="a description",
    input_optional="{what} (optional)",
    runs_line="\n💳 Your balance ({balance}) covers {runs}",
    runs_none_line="\n💳 Your balance is {balance}; top up to run it",
    runs="run|runs",
    free_line="\n🎁 Free today: {left} of {total}, resets at 00:00 Moscow time (in {wait})",
    free_used_up_line="\n🎁 Today's free runs are used up; they reset at 00:00 Moscow time (in {wait}). Until then it is paid.",
    unavailable_model="This model is not available right now. Pick another one 👇",
    btn_choose="✅ Choose",
    btn_next="Next ➡️",
    btn_skip="Skip ➡️",
    chosen="You chose <b>{title}</b> 👌",
    step_photos="📎 <b>Step 1/3: Photos</b>\n\nSend {count} (JPG, PNG or WebP, up to {mb} MB).{album}",
    photos_one="one photo",
    photos_up_to="up to {max} photos",
    photos_range="{min} to {max} photos",
    photos_received="📎 Photos received: {count} of {max}. Send more or tap “Next”.",
    photo_too_big="The photo is over {mb} MB; please send a smaller file.",
    photo_not_image="That does not look like a picture. Please send a photo (JPG, PNG or WebP).",
    photo_expected="A photo is needed now. Send one, or tap “Next” if your photos are in.",
    photo_upload_failed="Could not store the photo. Please send it again.",
    photos_needed="Please send at least {min} photos.",
    photos_album_hint=" An album works too.",
    photos_updated="📎 Photos updated: {count} of {max}.",
    photos_not_taken="This model works without photos. To edit or animate a photo, pick a model in “{edit}” or “{animate}”.",
    step_prompt="✍️ <b>Step 1/3: {title}</b>\n\n{ask} (up to {max} characters).\n\n<i>For example:</i> {example}",
    prompt_title="What shall we make?",
    prompt_ask="Describe the result",
    prompt_ask_labelled="Send the {label}",
    prompt_examples={
        "photo": "an astronaut cat in a neon city, cinematic light, 35 mm",
        "edit": "replace the background with a beach at sunset, keep the face",
        "video": "a drone flies over an autumn forest at dawn, mist, smooth camera",
        "animate": "the person smiles and waves, a light breeze",
        "music": "an upbeat pop-rock song about a summer trip to the sea, female vocals",
        "audio": "Hi! This is Creative Bot: creatives in sixty seconds.",
        "suno/my-lyrics": "Sun above the sea, the sand is hot,\nwe drive into the summer, give it all we've got!",
    },
    prompt_optional_hint="\n\nYou may skip the description.",
    prompt_updated="✏️ Description updated.",
    text_not_taken="This model needs no text; go on with the buttons below 👇",
    step_text="✍️ <b>Step 1/3: {label}</b>\n\nSend the {label_lower} (up to {max} characters).\n\n<i>For example:</i> {example}",
    text_optional_hint="\n\nYou may skip this.",
    prompt_current="\n\nNow:\n<blockquote>{prompt}</blockquote>",
    prompt_empty="The description is empty. Write what the result should be.",
    prompt_too_long="Too long: {length} {characters}, the model takes up to {max}. Please shorten it and send again.",
    prompt_too_short="Too short: at least {min} {characters}, please.",
    characters="character|characters",
    prompt_expected="Text is needed now: describe what the result should be.",
    step_format="⚙️ <b>Step 2/3: Format</b>\n\nPick the settings (✅ marks the choice), then tap “Next”. Buttons show how the price changes.",
    format_price_line="💰 Price now: <b>{price}</b>",
    option_names={
        "aspect_ratio": "Aspect ratio",
        "ratio": "Aspect ratio",
        "resolution": "Resolution",
        "image_size": "Size",
        "quality": "Quality",
        "duration": "Duration",
        "sound": "Sound",
        "generate_audio": "Sound",
        "voice": "Voice",
        "mode": "Mode",
        "rendering_speed": "Speed",
        "style": "Style",
        "enable_pro": "Pro mode",
        "aspectRatio": "Aspect ratio",
        "enableFallback": "Backup model",
        "model": "Version",
        "version": "Version",
        "instrumental": "Instrumental (no vocals)",
        "size": "Format",
        "nVariants": "Variants",
        "speed": "Speed",
        "motion": "Motion",
        "imageIndex": "Image",
    },
    value_labels={
        "True": "Yes",
        "False": "No",
        "basic": "Standard",
        "high": "High",
        "medium": "Medium",
        "auto": "Auto",
        "normal": "Normal",
        "fun": "Fun",
        "std": "720p",
        "pro": "1080p",
        "square": "Square",
        "square_hd": "Square HD",
        "portrait_4_3": "Portrait 3:4",
        "portrait_16_9": "Portrait 9:16",
        "landscape_4_3": "Landscape 4:3",
        "landscape_16_9": "Landscape 16:9",
        "TURBO": "Fast",
        "BALANCED": "Balanced",
        "QUALITY": "Quality",
        "AUTO": "Auto",
        "GENERAL": "General",
        "REALISTIC": "Realistic",
        "DESIGN": "Design",
    },
    seconds_value="{value} s",
    step_confirm="🔎 <b>Step 3/3: Check</b>\n\nModel: <b>{title}</b>\n{details}\n\n{price}\n{balance}",
    confirm_prompt_line="Description: <blockquote>{prompt}</blockquote>",
    confirm_photos_line="Photos: {count}",
    confirm_price_line="💰 Price: <b>{price}</b>",
    confirm_free_line="🎁 Free: {left} of {total} left today",
    confirm_gift_line="🎁 A gift generation: {left} gifts left",
    confirm_balance_line="💳 Balance: {balance} → after start: {after}",
    confirm_balance_short="💳 Balance: {balance}",
    short_balance="\n\n⚠️ <b>{missing}</b> short. Please top up 👇",
    short_balance_cheaper="\n\n⚠️ <b>{missing}</b> short. Top up, or run the same on a cheaper model; your description and photos stay 👇",
    over_cap="\n\n⚠️ This is over your daily limit: <b>{room}</b> of {cap} left today. Change the limit in /settings.",
    btn_settings="⚙️ Settings",
    edit_menu="✏️ <b>What shall we change?</b> The rest stays as it is.",
    btn_edit_prompt_part="✍️ Description",
    btn_edit_photos="📎 Photos",
    btn_edit_format="⚙️ Options",
    btn_back_to_confirm="↩️ Back to check",
    btn_launch="🚀 Start · {price}",
    btn_launch_free="🚀 Start for free",
    btn_edit="✏️ Change",
    btn_topup="💳 Top up",
    btn_try_model="{title} · {price}",
    launch_started="⏳ Generating… usually ~{eta}\n\nModel: {title}. The result will arrive here; feel free to do other things.",
    already_launched="This generation is already running ⏳",
    too_many_running="⏳ You already have {running} generations running. Wait for a result, then start the next one.",
    draft_expired="These settings have expired; please start again from the menu.",
    status_done="✅ Done! The result is below 👇",
    status_failed="❌ It did not work; details below.",
    result_caption="✅ <b>{title}</b>{prompt}\n{price}",
    result_fallback_note="ℹ️ The main model declined; the backup model made the video (in 1080p).",
    result_follow_up_hint="U upscales an image, V makes variations. Each is a new run: you see its price before it starts.",
    result_track="🎵 {title}",
    btn_upscale="U{n}",
    btn_vary="V{n}",
    btn_hd="🎞 1080p version",
    result_paid="Charged: {price}",
    result_free="🎁 Free generation",
    result_late_free="🎁 The result came after the deadline: it is free, your money is already back",
    result_link="The file is too big for Telegram; download it here (the link lives about a day):\n{links}",
    btn_repeat="🔁 Repeat",
    btn_edit_prompt="✏️ Edit prompt",
    btn_other_model="🔄 Another model",
    hd_processing="🎞 KIE is making the 1080p version; it takes a minute or two. Tap the button again a bit later.",
    hd_failed="Could not get the 1080p version. Please try again in a couple of minutes.",
    hd_ready="🎞 The 1080p version",
    btn_original="📎 Original as a file",
    btn_try_again="🔁 Try again",
    job_failed="😔 <b>It did not work</b>\n\n{reason}\n\n{money}",
    refund_money="💸 The money is back on your balance: {price}.",
    refund_free="🎁 Your free run was returned.",
    not_your_job="This is not your generation.",
    delivery_gave_up="😔 We could not deliver the result of generation #{job} to this chat. {money}",
    balance_screen="💰 <b>Balance</b>\n\nAvailable: <b>{available}</b>\nReserved: {held}\n\n<b>Recent operations</b>\n{history}",
    history_empty="Nothing yet; time to create something ✨",
    op_hold="Generation #{job} · {model}: {amount} reserved",
    op_charge="Generation #{job} · {model}: {amount} charged",
    op_release="Generation #{job} · {model}: reserve released, {amount} back",
    op_refund="Refund for #{job}: {amount}",
    op_topup="Top-up: +{amount}",
    op_welcome="Welcome bonus: +{amount}",
    op_referral="Bonus for an invited friend: +{amount}",
    op_bonus="Bonus: +{amount}",
    op_adjust="Adjustment: {amount}, {reason}",
    welcome_bonus="🎁 You received a welcome bonus: {amount}",
    invite_screen="🎁 <b>Invite a friend</b>\n\n{terms}\n\nYour link:\n<code>{link}</code>\n\nInvited: {count}\nEarned: {earned}",
    invite_terms_plain="Send the link to a friend so they can make creatives in 60 seconds too.",
    btn_pack="⭐ {stars} → {amount}",
    invoice_title="Balance top-up",
    invoice_description="{amount} for Creative Bot generations.",
    payment_ok="✅ Payment received: +{amount}\nBalance: {balance}",
    payment_unmatched=(
        "⚠️ Your payment arrived, but we could not credit it automatically. Write /paysupport and we will "
        "credit it by hand or return the stars."
    ),
    invoice_stale="This invoice has expired; open “Top up” and pick an amount again.",
    minutes_short="{minutes} min",
    hours_minutes="{hours} h {minutes} min",
    seconds_short="{seconds} s",
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


def shorten(text: str, limit: int) -> str:
    """``text`` on one line, cut after the last whole word that fits ``limit`` (with "…"); not escaped.
    Only a single word longer than the limit is cut inside a word."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    head, space, _ = flat[: limit + 1].rpartition(" ")
    kept = head if space and head else flat[:limit]
    return kept.rstrip(" ,.;:—-") + "…"


def format_rub(kopecks: int, language: str = DEFAULT_LANGUAGE) -> str:
    """Money for people: ``1 234 ₽`` or ``1 234,50 ₽`` (Russian), ``1,234.50 ₽`` (English)."""
    sign = "−" if kopecks < 0 else ""
    rubles, rest = divmod(abs(kopecks), 100)
    if language == "ru":
        whole = f"{rubles:,}".replace(",", "\u202f")
        return f"{sign}{whole}{',' + f'{rest:02d}' if rest else ''} ₽"
    return f"{sign}{rubles:,}{'.' + f'{rest:02d}' if rest else ''} ₽"


def format_duration(copy: Copy, seconds: int) -> str:
    """A wait for people: ``40 сек``, ``3 мин``, ``2 ч 15 мин``."""
    seconds = max(0, int(seconds))
    if seconds < 60:
        return copy.seconds_short.format(seconds=seconds)
    minutes = (seconds + 59) // 60
    if minutes < 60:
        return copy.minutes_short.format(minutes=minutes)
    return copy.hours_minutes.format(hours=minutes // 60, minutes=minutes % 60)
