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
    model_card: str
    eta_line: str
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
    step_prompt: str
    prompt_examples: dict[str, str]
    prompt_optional_hint: str
    prompt_current: str
    prompt_empty: str
    prompt_too_long: str
    prompt_too_short: str
    characters: str
    prompt_expected: str
    # --- step 2: format
    step_format: str
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
    short_balance: str
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
    result_paid: str
    result_free: str
    result_late_free: str
    result_link: str
    btn_repeat: str
    btn_edit_prompt: str
    btn_other_model: str
    btn_original: str
    btn_try_again: str
    job_failed: str
    refund_money: str
    refund_free: str
    fail_policy: str
    fail_image: str
    fail_timeout: str
    fail_busy: str
    fail_unavailable: str
    fail_rejected: str
    fail_generic: str
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
    referral_reward: str
    invite_screen: str
    invite_terms_bonus: str
    invite_terms_plain: str
    topup_screen: str
    btn_pack: str
    invoice_title: str
    invoice_description: str
    payment_ok: str
    payment_unmatched: str
    invoice_stale: str
    paysupport: str
    support_fallback: str
    terms: str
    # --- operators (ADMIN_IDS)
    admin_stats: str
    admin_adjust_usage: str
    admin_adjust_done: str
    admin_refund_usage: str
    admin_refund_done: str
    admin_refunded_notice: str
    admin_refused: str
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
    model_card="<b>{title}</b>\n{description}\n\n💰 Цена: <b>{price}</b>\n{eta}{free}",
    eta_line="⏱ Обычно готово за {eta}",
    free_line="\n🎁 Бесплатно сегодня: {left} из {total}, обновится в 00:00 МСК (через {wait})",
    free_used_up_line="\n🎁 Бесплатные на сегодня закончились — обновятся в 00:00 МСК (через {wait}). Дальше — по цене.",
    unavailable_model="Эта модель сейчас недоступна. Выберите другую 👇",
    btn_choose="✅ Выбрать",
    btn_next="Дальше ➡️",
    btn_skip="Пропустить ➡️",
    chosen="Вы выбрали: <b>{title}</b> 👌",
    step_photos="📎 <b>Шаг 1/3 — Фото</b>\n\nПришлите {count} (JPG, PNG или WebP, до {mb} МБ). Можно альбомом.",
    photos_one="одно фото",
    photos_up_to="до {max} фото",
    photos_range="от {min} до {max} фото",
    photos_received="📎 Получено фото: {count} из {max}. Пришлите ещё или нажмите «Дальше».",
    photo_too_big="Фото больше {mb} МБ — пришлите файл поменьше.",
    photo_not_image="Это не похоже на картинку. Пришлите фото (JPG, PNG или WebP).",
    photo_expected="Сейчас нужно фото. Пришлите его или нажмите «Дальше», если фото уже загружены.",
    photo_upload_failed="Не удалось сохранить фото. Попробуйте отправить его ещё раз.",
    photos_needed="Пришлите хотя бы {min} фото.",
    step_prompt="✍️ <b>Шаг 1/3 — Что делаем?</b>\n\nОпишите, что должно получиться (до {max} символов).\n\n<i>Например:</i> {example}",
    prompt_examples={
        "photo": "кот-астронавт в неоновом городе, кинематографичный свет, 35 мм",
        "edit": "замени фон на морской берег на закате, лицо не меняй",
        "video": "дрон пролетает над осенним лесом на рассвете, туман, плавная камера",
        "animate": "человек на фото улыбается и машет рукой, лёгкий ветер",
        "music": "весёлый поп-рок о летнем путешествии на море, женский вокал",
        "audio": "Привет! Это Creative Bot — креативы за шестьдесят секунд.",
    },
    prompt_optional_hint="\n\nОписание можно пропустить.",
    prompt_current="\n\nСейчас:\n<blockquote>{prompt}</blockquote>",
    prompt_empty="Описание пустое. Напишите, что должно получиться.",
    prompt_too_long="Слишком длинно: {length} {characters}, а модель принимает до {max}. Сократите описание и пришлите ещё раз.",
    prompt_too_short="Слишком коротко: нужно хотя бы {min} {characters}. Опишите подробнее.",
    characters="символ|символа|символов",
    prompt_expected="Сейчас нужен текст — опишите, что должно получиться.",
    step_format="⚙️ <b>Шаг 2/3 — Формат</b>\n\nВыберите параметры (✅ — выбрано) и нажмите «Дальше».",
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
    short_balance="\n\n⚠️ Не хватает <b>{missing}</b>. Пополните баланс или выберите модель подешевле 👇",
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
    result_paid="Списано: {price}",
    result_free="🎁 Бесплатная генерация",
    result_late_free="🎁 Результат пришёл позже срока — бесплатно, деньги уже на балансе",
    result_link="Файл слишком большой для Telegram — скачайте его по ссылке (действует около суток):\n{links}",
    btn_repeat="🔁 Повторить",
    btn_edit_prompt="✏️ Изменить промпт",
    btn_other_model="🔄 Другая модель",
    btn_original="📎 Оригинал файлом",
    btn_try_again="🔁 Попробовать снова",
    job_failed="😔 <b>Не получилось</b>\n\n{reason}\n\n{money}",
    refund_money="💸 Деньги вернулись на баланс: {price}.",
    refund_free="🎁 Бесплатная попытка возвращена.",
    fail_policy="Модель отклонила запрос: похоже на нарушение правил контента. Измените описание или фото.",
    fail_image="Модель не смогла прочитать фото. Попробуйте другое изображение.",
    fail_timeout="Модель не ответила за {minutes} минут.",
    fail_busy="Сервис генерации сейчас перегружен. Попробуйте чуть позже.",
    fail_unavailable="Модель сейчас недоступна. Попробуйте чуть позже или выберите другую.",
    fail_rejected="Модель не приняла запрос: {detail}. Измените описание и попробуйте снова.",
    fail_generic="Модель вернула ошибку.",
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
    referral_reward="🎉 По вашей ссылке пришёл новый пользователь! Бонус: +{amount}",
    invite_screen="🎁 <b>Пригласить друга</b>\n\n{terms}\n\nВаша ссылка:\n<code>{link}</code>\n\nПриглашено: {count}\nЗаработано: {earned}",
    invite_terms_bonus="Отправьте ссылку другу: когда он впервые запустит бота, вы получите {bonus}.",
    invite_terms_plain="Отправьте ссылку другу — пусть тоже делает креативы за 60 секунд.",
    topup_screen="💳 <b>Пополнение баланса</b>\n\nОплата звёздами Telegram ⭐ — мгновенно, без карты.\n1 ⭐ = {rate} на баланс.\n\nВыберите сумму 👇",
    btn_pack="⭐ {stars} → {amount}",
    invoice_title="Пополнение баланса",
    invoice_description="{amount} на баланс Creative Bot — на любые генерации.",
    payment_ok="✅ Оплата прошла: +{amount}\nБаланс: {balance}",
    payment_unmatched=(
        "⚠️ Оплата получена, но зачислить её автоматически не вышло. Напишите /paysupport — "
        "зачислим вручную или вернём звёзды."
    ),
    invoice_stale="Этот счёт устарел — откройте «Пополнить баланс» и выберите сумму заново.",
    paysupport=(
        "💬 <b>Помощь с оплатой</b>\n\n"
        "Если звёзды списались, а баланс не пополнился, или генерация оплачена, но результат не пришёл, "
        "напишите {contact} и укажите время платежа. Если услуга не оказана, мы вернём звёзды."
    ),
    support_fallback="администратору бота (контакт указан в описании бота)",
    terms=(
        "📄 <b>Условия</b>\n\n"
        "1. Баланс пополняется звёздами Telegram: 1 ⭐ = {rate}.\n"
        "2. Цена генерации видна до запуска; при запуске она резервируется.\n"
        "3. Списываем только за готовый результат. Если генерация не удалась или не пришла за {timeout} минут, "
        "резерв возвращается автоматически.\n"
        "4. Результаты храните у себя: у провайдера они живут недолго.\n"
        "5. Незаконный контент запрещён; такие запросы модели отклоняют.\n"
        "6. Вопросы об оплате — /paysupport."
    ),
    admin_stats=(
        "📊 <b>Сводка</b>\n\n"
        "Пользователи: {users} (сегодня новых: {new_users})\n"
        "Генерации за сутки: {jobs_day} · успешно {succeeded} · ошибок {failed} · в работе {open}\n"
        "Списано за сутки: {charged}\n"
        "Пополнено за сутки: {topped_up}\n"
        "Кредиты KIE: {credits}\n\n"
        "/adjust &lt;id&gt; &lt;±рубли&gt; &lt;причина&gt; — корректировка баланса\n"
        "/refund &lt;номер генерации&gt; — вернуть деньги за генерацию"
    ),
    admin_adjust_usage="Формат: /adjust &lt;id пользователя&gt; &lt;±рубли&gt; &lt;причина&gt;, например /adjust 12345 +50 компенсация",
    admin_adjust_done="✅ Баланс пользователя {user}: {amount}. Теперь доступно {available}.",
    admin_refund_usage="Формат: /refund &lt;номер генерации&gt;, например /refund 123",
    admin_refund_done="✅ Возврат за генерацию #{job}: {amount} пользователю {user}.",
    admin_refunded_notice="💸 Возврат за генерацию #{job}: {amount} вернулись на баланс.",
    admin_refused="⛔ Не выполнено: {reason}",
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
    model_card="<b>{title}</b>\n{description}\n\n💰 Price: <b>{price}</b>\n{eta}{free}",
    eta_line="⏱ Usually ready in {eta}",
    free_line="\n🎁 Free today: {left} of {total}, resets at 00:00 Moscow time (in {wait})",
    free_used_up_line="\n🎁 Today's free runs are used up; they reset at 00:00 Moscow time (in {wait}). Until then it is paid.",
    unavailable_model="This model is not available right now. Pick another one 👇",
    btn_choose="✅ Choose",
    btn_next="Next ➡️",
    btn_skip="Skip ➡️",
    chosen="You chose <b>{title}</b> 👌",
    step_photos="📎 <b>Step 1/3: Photos</b>\n\nSend {count} (JPG, PNG or WebP, up to {mb} MB). An album works too.",
    photos_one="one photo",
    photos_up_to="up to {max} photos",
    photos_range="{min} to {max} photos",
    photos_received="📎 Photos received: {count} of {max}. Send more or tap “Next”.",
    photo_too_big="The photo is over {mb} MB; please send a smaller file.",
    photo_not_image="That does not look like a picture. Please send a photo (JPG, PNG or WebP).",
    photo_expected="A photo is needed now. Send one, or tap “Next” if your photos are in.",
    photo_upload_failed="Could not store the photo. Please send it again.",
    photos_needed="Please send at least {min} photos.",
    step_prompt="✍️ <b>Step 1/3: What shall we make?</b>\n\nDescribe the result (up to {max} characters).\n\n<i>For example:</i> {example}",
    prompt_examples={
        "photo": "an astronaut cat in a neon city, cinematic light, 35 mm",
        "edit": "replace the background with a beach at sunset, keep the face",
        "video": "a drone flies over an autumn forest at dawn, mist, smooth camera",
        "animate": "the person smiles and waves, a light breeze",
        "music": "an upbeat pop-rock song about a summer trip to the sea, female vocals",
        "audio": "Hi! This is Creative Bot: creatives in sixty seconds.",
    },
    prompt_optional_hint="\n\nYou may skip the description.",
    prompt_current="\n\nNow:\n<blockquote>{prompt}</blockquote>",
    prompt_empty="The description is empty. Write what the result should be.",
    prompt_too_long="Too long: {length} {characters}, the model takes up to {max}. Please shorten it and send again.",
    prompt_too_short="Too short: at least {min} {characters}, please.",
    characters="character|characters",
    prompt_expected="Text is needed now: describe what the result should be.",
    step_format="⚙️ <b>Step 2/3: Format</b>\n\nPick the settings (✅ marks the choice), then tap “Next”.",
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
    short_balance="\n\n⚠️ <b>{missing}</b> short. Top up, or pick a cheaper model 👇",
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
    result_paid="Charged: {price}",
    result_free="🎁 Free generation",
    result_late_free="🎁 The result came after the deadline: it is free, your money is already back",
    result_link="The file is too big for Telegram; download it here (the link lives about a day):\n{links}",
    btn_repeat="🔁 Repeat",
    btn_edit_prompt="✏️ Edit prompt",
    btn_other_model="🔄 Another model",
    btn_original="📎 Original as a file",
    btn_try_again="🔁 Try again",
    job_failed="😔 <b>It did not work</b>\n\n{reason}\n\n{money}",
    refund_money="💸 The money is back on your balance: {price}.",
    refund_free="🎁 Your free run was returned.",
    fail_policy="The model refused: it looks like a content policy issue. Change the description or the photo.",
    fail_image="The model could not read the photo. Try another image.",
    fail_timeout="The model did not answer within {minutes} minutes.",
    fail_busy="The generation service is overloaded right now. Please try a bit later.",
    fail_unavailable="The model is unavailable right now. Try later or pick another model.",
    fail_rejected="The model did not accept the request: {detail}. Change the description and try again.",
    fail_generic="The model returned an error.",
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
    referral_reward="🎉 Someone joined with your link! Bonus: +{amount}",
    invite_screen="🎁 <b>Invite a friend</b>\n\n{terms}\n\nYour link:\n<code>{link}</code>\n\nInvited: {count}\nEarned: {earned}",
    invite_terms_bonus="Send the link to a friend: when they start the bot for the first time, you get {bonus}.",
    invite_terms_plain="Send the link to a friend so they can make creatives in 60 seconds too.",
    topup_screen="💳 <b>Top up</b>\n\nPay with Telegram Stars ⭐: instant, no card needed.\n1 ⭐ = {rate} of balance.\n\nPick an amount 👇",
    btn_pack="⭐ {stars} → {amount}",
    invoice_title="Balance top-up",
    invoice_description="{amount} for Creative Bot generations.",
    payment_ok="✅ Payment received: +{amount}\nBalance: {balance}",
    payment_unmatched=(
        "⚠️ Your payment arrived, but we could not credit it automatically. Write /paysupport and we will "
        "credit it by hand or return the stars."
    ),
    invoice_stale="This invoice has expired; open “Top up” and pick an amount again.",
    paysupport=(
        "💬 <b>Payment help</b>\n\n"
        "If Stars were taken but the balance did not grow, or a paid generation never arrived, "
        "write to {contact} with the time of the payment. If the service was not provided, we refund the Stars."
    ),
    support_fallback="the bot's administrator (see the bot's description)",
    terms=(
        "📄 <b>Terms</b>\n\n"
        "1. The balance is topped up with Telegram Stars: 1 ⭐ = {rate}.\n"
        "2. A generation's price is shown before it starts and reserved when it starts.\n"
        "3. You pay only for a finished result. If a generation fails or does not arrive within {timeout} minutes, "
        "the reserve comes back automatically.\n"
        "4. Keep your results: the provider stores them only briefly.\n"
        "5. Illegal content is forbidden; the models refuse such requests.\n"
        "6. Payment questions: /paysupport."
    ),
    admin_stats=(
        "📊 <b>Summary</b>\n\n"
        "Users: {users} (new today: {new_users})\n"
        "Generations in 24 h: {jobs_day} · succeeded {succeeded} · failed {failed} · running {open}\n"
        "Charged in 24 h: {charged}\n"
        "Topped up in 24 h: {topped_up}\n"
        "KIE credits: {credits}\n\n"
        "/adjust &lt;id&gt; &lt;±roubles&gt; &lt;reason&gt;: correct a balance\n"
        "/refund &lt;generation number&gt;: refund a generation"
    ),
    admin_adjust_usage="Usage: /adjust &lt;user id&gt; &lt;±roubles&gt; &lt;reason&gt;, e.g. /adjust 12345 +50 compensation",
    admin_adjust_done="✅ Balance of user {user}: {amount}. Now available: {available}.",
    admin_refund_usage="Usage: /refund &lt;generation number&gt;, e.g. /refund 123",
    admin_refund_done="✅ Refunded generation #{job}: {amount} to user {user}.",
    admin_refunded_notice="💸 Refund for generation #{job}: {amount} is back on your balance.",
    admin_refused="⛔ Not done: {reason}",
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
