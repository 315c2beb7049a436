"""The operators' control room (/admin), and the lines people see because of it: a promo code redeemed, a
balance an operator changed, free generations granted.

One frozen dataclass per language with no defaults, Russian first, English second: a text missing in
either language fails at import. HTML (the bot's parse mode); anything a person typed is escaped first.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AdminCopy:
    lang: str
    # --- the panel
    panel: str
    sections: dict[str, str]
    btn_panel: str
    btn_prev: str
    btn_next: str
    btn_cancel: str
    page: str
    none: str
    # --- statistics
    periods: dict[str, str]
    stats: str
    stats_models: str
    stats_model_line: str
    stats_no_jobs: str
    credits_unknown: str
    btn_chart: str
    chart_caption: str
    seconds: str
    # --- people
    people: str
    person_not_found: str
    person_card: str
    person_active: str
    person_blocked: str
    person_unreachable: str
    unreachable_reasons: dict[str, str]
    person_referrer: str
    entry_line: str
    entry_kinds: dict[str, str]
    job_line: str
    job_statuses: dict[str, str]
    btn_adjust: str
    btn_grant: str
    btn_block: str
    btn_unblock: str
    btn_people: str
    adjust_prompt: str
    adjust_bad: str
    adjust_done: str
    refused: str
    refused_funds: str
    refused_unknown_user: str
    grant_prompt: str
    grant_bad: str
    grant_done: str
    block_done: str
    unblock_done: str
    # --- /adjust and /refund
    adjust_usage: str
    refund_usage: str
    refund_not_found: str
    refund_done: str
    # --- what the person concerned is told (in their language)
    owner_credited: str
    owner_debited: str
    owner_granted: str
    owner_unblocked: str
    owner_refunded: str
    # --- models
    models: str
    model_line: str
    model_free: str
    health_line: str
    health_none: str
    model_card: str
    model_markup: str
    model_fixed: str
    model_visible: str
    model_hidden: str
    model_unavailable: str
    model_needs_price: str
    hidden_by_operator: str
    btn_hide: str
    btn_show: str
    btn_markup: str
    btn_fixed: str
    btn_free: str
    btn_models: str
    markup_prompt: str
    fixed_prompt: str
    free_prompt: str
    model_saved: str
    auto_hidden_notice: str
    # --- broadcasts
    broadcast: str
    broadcast_none: str
    broadcast_recent: str
    broadcast_line: str
    btn_new_broadcast: str
    compose_prompt: str
    compose_bad: str
    preview_note: str
    audiences: dict[str, str]
    btn_audience: str
    confirm_broadcast: str
    btn_send: str
    btn_recompose: str
    broadcast_busy: str
    broadcast_not_draft: str
    progress: str
    broadcast_statuses: dict[str, str]
    stalled: str
    btn_pause: str
    btn_resume: str
    btn_stop: str
    btn_refresh: str
    broadcast_queue_failed: str
    # --- promo codes (operators)
    promos: str
    promos_empty: str
    promo_line: str
    reward_money: str
    reward_runs: str
    promo_states: dict[str, str]
    promo_until: str
    btn_new_money: str
    btn_new_runs: str
    btn_disable: str
    btn_promos: str
    promo_prompt_money: str
    promo_prompt_runs: str
    promo_bad: str
    promo_taken: str
    promo_created: str
    promo_card: str
    # --- promo codes (people)
    promo_ask: str
    promo_ok_money: str
    promo_ok_runs: str
    promo_unknown: str
    promo_already: str
    promo_exhausted: str
    promo_expired: str
    # --- the journal and the changelog
    journal: str
    journal_empty: str
    journal_line: str
    journal_system: str
    changelog: str
    changelog_entry: str


RU = AdminCopy(
    lang="ru",
    panel=(
        "🛠 <b>Панель оператора</b>\n\n"
        "Пользователей: {users} · новых сегодня: {new_users}\n"
        "Генераций сегодня: {jobs_today} · в работе: {open}\n"
        "Рассылка: {broadcast}"
    ),
    sections={
        "stats": "📊 Статистика",
        "people": "👥 Пользователи",
        "payments": "💳 Платежи",
        "models": "🧩 Модели",
        "broadcast": "📣 Рассылка",
        "promos": "🎟 Промокоды",
        "journal": "📜 Журнал",
        "changelog": "📟 Что нового",
    },
    btn_panel="⬅️ Панель",
    btn_prev="◀️",
    btn_next="▶️",
    btn_cancel="✖️ Отмена",
    page="{page} из {pages}",
    none="—",
    periods={"1": "Сегодня", "7": "7 дней", "30": "30 дней"},
    stats=(
        "📊 <b>Статистика · {period}</b>\nс {since}\n\n"
        "👥 Новые: {new_users} · активные: {active_users}\n"
        "🎨 Генерации: {generations} — ✅ {succeeded} · ❌ {failed} · ⏳ {open}\n"
        "💰 Пополнения: {revenue}\n"
        "💸 Списано за генерации: {charged} (возвраты {refunded})\n"
        "🔋 KIE: потрачено {credits} кр. ≈ {cost} · осталось {credits_left}\n"
        "📈 Маржа: {margin} ({margin_share})"
    ),
    stats_models="\n\n<b>По моделям</b> (генераций · успешно · медиана):\n{lines}",
    stats_model_line="• {title}: {total} · {rate} · {median}",
    stats_no_jobs="\n\nЗа этот период генераций не было.",
    credits_unknown="нет ответа KIE",
    btn_chart="📈 График за 30 дней",
    chart_caption=(
        "📈 <b>30 дней</b>: столбцы — генерации в день (тёмные — успешные, левая шкала), "
        "линия — пополнения в рублях (правая шкала).\nВсего: {generations} генераций, пополнений на {revenue}."
    ),
    seconds="{seconds} с",
    people="👥 <b>Пользователи</b>\n\nПришлите id или @username — или выберите из новых:",
    person_not_found="Не нашёл «{query}». Пришлите id (цифрами) или @username.",
    person_card=(
        "👤 <b>{name}</b>{username} · <code>{id}</code> · {language}\n"
        "С нами с {created} · последний визит {seen}\n"
        "{status}\n\n"
        "💰 Баланс: <b>{balance}</b> · в резерве {held} · доступно {available}\n"
        "🎁 Подарочные генерации: {gift_runs}\n"
        "👥 Пригласил(а): {invited} (бонусов на {earned}){referrer}\n\n"
        "<b>Последние операции</b>\n{entries}\n\n"
        "<b>Последние генерации</b>\n{jobs}"
    ),
    person_active="✅ Активен",
    person_blocked="⛔ Заблокирован с {since}",
    person_unreachable="\n📵 Бот не может писать: {reason}",
    unreachable_reasons={
        "blocked": "человек заблокировал бота",
        "deactivated": "аккаунт удалён",
        "not_found": "чат не найден",
    },
    person_referrer=" · пришёл(а) от <code>{referrer}</code>",
    entry_line="{date} · {kind} {amount}{note}",
    entry_kinds={
        "topup": "пополнение",
        "bonus": "бонус",
        "adjust": "корректировка",
        "hold": "резерв",
        "charge": "списание",
        "release": "резерв снят",
        "refund": "возврат",
    },
    job_line="#{id} · {model} · {status} · {price} · {date}",
    job_statuses={
        "created": "создана",
        "submitted": "в работе",
        "succeeded": "✅ готово",
        "failed": "❌ ошибка",
        "canceled": "отменена",
    },
    btn_adjust="💰 Изменить баланс",
    btn_grant="🎁 Подарить генерации",
    btn_block="⛔ Заблокировать",
    btn_unblock="✅ Разблокировать",
    btn_people="⬅️ К пользователям",
    adjust_prompt=(
        "💰 {name}: доступно {available}.\n\nПришлите сумму и причину, например "
        "<code>+50 компенсация</code> или <code>-20,5 ошибка</code>."
    ),
    adjust_bad=(
        "Не понял. Нужны сумма (не больше 1 000 000 ₽, с копейками через запятую) и причина, "
        "например <code>+50 компенсация</code>."
    ),
    adjust_done="✅ Баланс <code>{user}</code>: {amount}. Теперь доступно {available}.",
    refused="⛔ Не выполнено: {reason}",
    refused_funds="доступно только {available}",
    refused_unknown_user="пользователя <code>{user}</code> нет — он ещё не писал боту",
    grant_prompt="🎁 Сколько бесплатных генераций подарить {name}? Пришлите число от 1 до 100.",
    grant_bad="Нужно целое число от 1 до 100.",
    grant_done="✅ {name}: подарено генераций — {runs}, теперь их {total}.",
    block_done="⛔ {name} заблокирован(а): бот ответит одной вежливой строкой и ничего не запустит.",
    unblock_done="✅ {name} разблокирован(а).",
    adjust_usage=(
        "Формат: /adjust &lt;id пользователя&gt; &lt;±рубли&gt; &lt;причина&gt;, например "
        "/adjust 12345 +50 компенсация. Сумма — не больше 1 000 000 ₽."
    ),
    refund_usage="Формат: /refund &lt;номер генерации&gt;, например /refund 123",
    refund_not_found="Генерации #{job} нет.",
    refund_done="✅ Возврат за генерацию #{job}: {amount} пользователю {user}.",
    owner_credited="💳 Администратор пополнил ваш баланс: +{amount}\nПричина: {reason}\nДоступно: {available}",
    owner_debited="💳 Администратор списал с баланса {amount}\nПричина: {reason}\nДоступно: {available}",
    owner_granted=(
        "🎁 Вам подарены бесплатные генерации: {runs}. Всего у вас {total}.\n"
        "Они тратятся сами при запуске любой модели дешевле {cap}."
    ),
    owner_unblocked="✅ Доступ к боту восстановлен. /start — главное меню.",
    owner_refunded="💸 Возврат за генерацию #{job}: {amount} вернулись на баланс.",
    models=(
        "🧩 <b>Модели</b> · {page}\n"
        "👁 — видна, 🙈 — скрыта, ⛔ — нет в каталоге. Успешность и медиана — по последним {window} генерациям; "
        "автоскрытие: {failed} ошибок из {window}.\n\n{lines}"
    ),
    model_line="{icon} <b>{title}</b> · {price}{free}\n      {health}",
    model_free=" · 🎁 {free}/день",
    health_line="✅ {rate} из {finished} · ⏱ {median}",
    health_none="завершённых генераций ещё нет",
    model_card=(
        "{icon} <b>{title}</b>\n<code>{model}</code>\n\n"
        "💰 Цена: {price}{price_note}\n"
        "🎁 Бесплатно в день: {free}\n"
        "🩺 Последние {window}: {health}\n\n"
        "{visibility}"
    ),
    model_markup=" · наценка ×{markup}",
    model_fixed=" · фиксированная",
    model_visible="👁 Видна пользователям.",
    model_hidden="🙈 Скрыта: {reason}.",
    model_unavailable="⛔ Каталог её не предлагает: {reason}.",
    model_needs_price=" Цены KIE для неё нет: назначьте фиксированную цену, и пользователи её увидят.",
    hidden_by_operator="оператором",
    btn_hide="🙈 Скрыть",
    btn_show="👁 Показать",
    btn_markup="📈 Наценка",
    btn_fixed="💵 Фикс. цена",
    btn_free="🎁 Бесплатно/день",
    btn_models="⬅️ К моделям",
    markup_prompt=(
        "📈 Наценка для {title}: пришлите число от 1 до 100, например <code>2.5</code> "
        "(цена = кредиты × курс × наценка). <code>0</code> — как у всех."
    ),
    fixed_prompt=(
        "💵 Цена одной генерации {title} в рублях: от 1 до 100 000, например <code>49</code>. "
        "<code>0</code> — снять фиксированную цену."
    ),
    free_prompt=(
        "🎁 Сколько бесплатных генераций {title} в день давать каждому? Число от 0 до 100, "
        "<code>-</code> — как в каталоге ({catalog})."
    ),
    model_saved="✅ Сохранено. Пользователи увидят это в течение минуты.",
    auto_hidden_notice=(
        "⚠️ Модель <b>{title}</b> (<code>{model}</code>) скрыта автоматически: {failed} из последних "
        "{window} генераций завершились ошибкой.\nВернуть: /admin → 🧩 Модели."
    ),
    broadcast="📣 <b>Рассылка</b>\n\n{state}",
    broadcast_none="Сейчас ничего не отправляется.",
    broadcast_recent="\n\n<b>Последние</b>\n{lines}",
    broadcast_line="#{id} · {date} · {status} · {sent} из {total}",
    btn_new_broadcast="✍️ Новая рассылка",
    compose_prompt=(
        "✍️ Пришлите сообщение для рассылки: текст с форматированием или одно фото с подписью. "
        "Сначала я покажу, как его увидят люди."
    ),
    compose_bad="Подойдёт текст или одно фото с подписью — не альбом, не видео и не файл.",
    preview_note="👆 Так рассылку #{id} увидят получатели. Кому отправить?",
    audiences={
        "all": "Всем",
        "active30": "Активным за 30 дней",
        "paid": "Платившим хотя бы раз",
        "lang_ru": "Русскоязычным",
        "lang_en": "Англоязычным",
    },
    btn_audience="{name} · {count}",
    confirm_broadcast=(
        "📣 Отправить рассылку #{id}?\n\nКому: {audience} — {count} чел.\n"
        "Не быстрее {rate} сообщений в секунду: примерно {eta}."
    ),
    btn_send="✅ Отправить",
    btn_recompose="✏️ Написать заново",
    broadcast_busy="⏳ Уже идёт (или стоит на паузе) рассылка #{id}. Новую можно начать, когда та закончится или будет отменена.",
    broadcast_not_draft="Эта рассылка уже запущена или удалена.",
    progress=(
        "📣 <b>Рассылка #{id}</b> · {status}\n\n"
        "Отправлено: {sent} из {total}\n"
        "Заблокировали бота: {blocked}\n"
        "Не доставлено: {failed}\n"
        "Осталось: {left}"
    ),
    broadcast_statuses={
        "draft": "черновик",
        "running": "идёт",
        "paused": "⏸ на паузе",
        "canceled": "✖️ отменена",
        "done": "✅ завершена",
    },
    stalled="\n\n⚠️ Отправка давно не отвечает — нажмите «Продолжить».",
    btn_pause="⏸ Пауза",
    btn_resume="▶️ Продолжить",
    btn_stop="✖️ Отменить рассылку",
    btn_refresh="🔄 Обновить",
    broadcast_queue_failed="⚠️ Очередь не приняла рассылку. Нажмите «Продолжить» через минуту.",
    promos="🎟 <b>Промокоды</b> · {page}\n\n{lines}",
    promos_empty="Промокодов пока нет.",
    promo_line="<code>{code}</code> · {reward} · {used} из {total} · {state}",
    reward_money="{amount}",
    reward_runs="🎁 {runs} ген.",
    promo_states={
        "active": "действует",
        "expired": "истёк",
        "exhausted": "исчерпан",
        "disabled": "отключён",
    },
    promo_until=" до {date}",
    btn_new_money="➕ Промокод на рубли",
    btn_new_runs="➕ Промокод на генерации",
    btn_disable="🚫 Отключить",
    btn_promos="⬅️ К промокодам",
    promo_prompt_money=(
        "Пришлите: <code>КОД РУБЛИ АКТИВАЦИЙ ДНЕЙ</code>, например <code>ВЕСНА 100 50 30</code> — 100 ₽, "
        "50 активаций, 30 дней (0 дней — бессрочно). Код — от 3 до 32 букв, цифр, _ или -."
    ),
    promo_prompt_runs=(
        "Пришлите: <code>КОД ГЕНЕРАЦИЙ АКТИВАЦИЙ ДНЕЙ</code>, например <code>ПОДАРОК 3 100 7</code> — "
        "3 бесплатные генерации, 100 активаций, 7 дней (0 дней — бессрочно)."
    ),
    promo_bad="❌ Не понял.\n\n{prompt}",
    promo_taken="Код <code>{code}</code> уже есть — придумайте другой.",
    promo_created="✅ Промокод <code>{code}</code>: {reward}, активаций — {total}{until}.",
    promo_card="🎟 <code>{code}</code>\n\n{reward} · использовано {used} из {total}\n{state}\nСоздан {created}",
    promo_ask="🎟 Пришлите промокод одним сообщением.",
    promo_ok_money="✅ Промокод активирован: +{amount}\nДоступно: {balance}",
    promo_ok_runs="✅ Промокод активирован: бесплатных генераций +{runs}. Всего у вас {total}.",
    promo_unknown="Такого промокода нет. Проверьте написание и пришлите ещё раз — или /cancel.",
    promo_already="Вы уже активировали этот промокод.",
    promo_exhausted="Этот промокод уже закончился 😔",
    promo_expired="Срок действия этого промокода истёк.",
    journal="📜 <b>Журнал</b> · {page}\n\n{lines}",
    journal_empty="Пока пусто.",
    journal_line="{date} · {admin} · <b>{action}</b> {target}\n      {change}",
    journal_system="автоправило",
    changelog="📟 <b>Что нового</b> · {page}\n\n{entries}",
    changelog_entry="<b>{date}</b>\n{text}",
)

EN = AdminCopy(
    lang="en",
    panel=(
        "🛠 <b>Operator panel</b>\n\n"
        "Users: {users} · new today: {new_users}\n"
        "Generations today: {jobs_today} · running: {open}\n"
        "Broadcast: {broadcast}"
    ),
    sections={
        "stats": "📊 Statistics",
        "people": "👥 Users",
        "payments": "💳 Payments",
        "models": "🧩 Models",
        "broadcast": "📣 Broadcast",
        "promos": "🎟 Promo codes",
        "journal": "📜 Journal",
        "changelog": "📟 What's new",
    },
    btn_panel="⬅️ Panel",
    btn_prev="◀️",
    btn_next="▶️",
    btn_cancel="✖️ Cancel",
    page="{page} of {pages}",
    none="—",
    periods={"1": "Today", "7": "7 days", "30": "30 days"},
    stats=(
        "📊 <b>Statistics · {period}</b>\nsince {since}\n\n"
        "👥 New: {new_users} · active: {active_users}\n"
        "🎨 Generations: {generations} — ✅ {succeeded} · ❌ {failed} · ⏳ {open}\n"
        "💰 Top-ups: {revenue}\n"
        "💸 Charged for generations: {charged} (refunds {refunded})\n"
        "🔋 KIE: {credits} credits spent ≈ {cost} · left {credits_left}\n"
        "📈 Margin: {margin} ({margin_share})"
    ),
    stats_models="\n\n<b>By model</b> (generations · succeeded · median):\n{lines}",
    stats_model_line="• {title}: {total} · {rate} · {median}",
    stats_no_jobs="\n\nNo generations in this period.",
    credits_unknown="KIE did not answer",
    btn_chart="📈 Chart for 30 days",
    chart_caption=(
        "📈 <b>30 days</b>: bars are generations per day (dark: succeeded, left axis), "
        "the line is top-ups in roubles (right axis).\nIn total: {generations} generations, {revenue} topped up."
    ),
    seconds="{seconds} s",
    people="👥 <b>Users</b>\n\nSend an id or a @username, or pick one of the newest:",
    person_not_found="Could not find “{query}”. Send an id (digits) or a @username.",
    person_card=(
        "👤 <b>{name}</b>{username} · <code>{id}</code> · {language}\n"
        "With us since {created} · last seen {seen}\n"
        "{status}\n\n"
        "💰 Balance: <b>{balance}</b> · reserved {held} · available {available}\n"
        "🎁 Gift generations: {gift_runs}\n"
        "👥 Invited: {invited} ({earned} in bonuses){referrer}\n\n"
        "<b>Recent operations</b>\n{entries}\n\n"
        "<b>Recent generations</b>\n{jobs}"
    ),
    person_active="✅ Active",
    person_blocked="⛔ Blocked since {since}",
    person_unreachable="\n📵 The bot cannot write to them: {reason}",
    unreachable_reasons={
        "blocked": "they blocked the bot",
        "deactivated": "the account is deleted",
        "not_found": "the chat does not exist",
    },
    person_referrer=" · came from <code>{referrer}</code>",
    entry_line="{date} · {kind} {amount}{note}",
    entry_kinds={
        "topup": "top-up",
        "bonus": "bonus",
        "adjust": "adjustment",
        "hold": "reserve",
        "charge": "charge",
        "release": "reserve released",
        "refund": "refund",
    },
    job_line="#{id} · {model} · {status} · {price} · {date}",
    job_statuses={
        "created": "created",
        "submitted": "running",
        "succeeded": "✅ done",
        "failed": "❌ failed",
        "canceled": "canceled",
    },
    btn_adjust="💰 Change balance",
    btn_grant="🎁 Give generations",
    btn_block="⛔ Block",
    btn_unblock="✅ Unblock",
    btn_people="⬅️ Back to users",
    adjust_prompt=(
        "💰 {name}: {available} available.\n\nSend the amount and the reason, e.g. "
        "<code>+50 compensation</code> or <code>-20.5 mistake</code>."
    ),
    adjust_bad=(
        "I did not get that. Send an amount (at most 1,000,000 ₽, kopecks after a dot) and a reason, "
        "e.g. <code>+50 compensation</code>."
    ),
    adjust_done="✅ Balance of <code>{user}</code>: {amount}. Now available: {available}.",
    refused="⛔ Not done: {reason}",
    refused_funds="only {available} is available",
    refused_unknown_user="there is no user <code>{user}</code>: they have not written to the bot yet",
    grant_prompt="🎁 How many free generations to give {name}? Send a number from 1 to 100.",
    grant_bad="A whole number from 1 to 100, please.",
    grant_done="✅ {name}: {runs} generations given, {total} in total now.",
    block_done="⛔ {name} is blocked: the bot answers with one polite line and runs nothing for them.",
    unblock_done="✅ {name} is unblocked.",
    adjust_usage=(
        "Usage: /adjust &lt;user id&gt; &lt;±roubles&gt; &lt;reason&gt;, e.g. /adjust 12345 +50 compensation. "
        "At most 1,000,000 ₽."
    ),
    refund_usage="Usage: /refund &lt;generation number&gt;, e.g. /refund 123",
    refund_not_found="There is no generation #{job}.",
    refund_done="✅ Refunded generation #{job}: {amount} to user {user}.",
    owner_credited="💳 An administrator added to your balance: +{amount}\nReason: {reason}\nAvailable: {available}",
    owner_debited="💳 An administrator took {amount} from your balance\nReason: {reason}\nAvailable: {available}",
    owner_granted=(
        "🎁 You got free generations: {runs}. You have {total} now.\n"
        "They are used by themselves when you start any model cheaper than {cap}."
    ),
    owner_unblocked="✅ Your access to the bot is restored. /start opens the main menu.",
    owner_refunded="💸 Refund for generation #{job}: {amount} is back on your balance.",
    models=(
        "🧩 <b>Models</b> · {page}\n"
        "👁 visible, 🙈 hidden, ⛔ not offered by the catalog. Success and median over the last {window} generations; "
        "auto-hide: {failed} failures of {window}.\n\n{lines}"
    ),
    model_line="{icon} <b>{title}</b> · {price}{free}\n      {health}",
    model_free=" · 🎁 {free}/day",
    health_line="✅ {rate} of {finished} · ⏱ {median}",
    health_none="no finished generations yet",
    model_card=(
        "{icon} <b>{title}</b>\n<code>{model}</code>\n\n"
        "💰 Price: {price}{price_note}\n"
        "🎁 Free per day: {free}\n"
        "🩺 Last {window}: {health}\n\n"
        "{visibility}"
    ),
    model_markup=" · markup ×{markup}",
    model_fixed=" · fixed",
    model_visible="👁 Visible to users.",
    model_hidden="🙈 Hidden: {reason}.",
    model_unavailable="⛔ The catalog keeps it back: {reason}.",
    model_needs_price=" KIE's price list lacks it: set a fixed price and users will see it.",
    hidden_by_operator="by an operator",
    btn_hide="🙈 Hide",
    btn_show="👁 Show",
    btn_markup="📈 Markup",
    btn_fixed="💵 Fixed price",
    btn_free="🎁 Free per day",
    btn_models="⬅️ Back to models",
    markup_prompt=(
        "📈 Markup for {title}: send a number from 1 to 100, e.g. <code>2.5</code> "
        "(price = credits × rate × markup). <code>0</code> means the common one."
    ),
    fixed_prompt=(
        "💵 Price of one {title} generation in roubles, 1 to 100,000, e.g. <code>49</code>. "
        "<code>0</code> removes the fixed price."
    ),
    free_prompt=(
        "🎁 How many free {title} generations a day for everyone? A number from 0 to 100, "
        "<code>-</code> for the catalog's ({catalog})."
    ),
    model_saved="✅ Saved. Users will see it within a minute.",
    auto_hidden_notice=(
        "⚠️ Model <b>{title}</b> (<code>{model}</code>) was hidden automatically: {failed} of its last "
        "{window} generations failed.\nTo show it again: /admin → 🧩 Models."
    ),
    broadcast="📣 <b>Broadcast</b>\n\n{state}",
    broadcast_none="Nothing is being sent now.",
    broadcast_recent="\n\n<b>Recent</b>\n{lines}",
    broadcast_line="#{id} · {date} · {status} · {sent} of {total}",
    btn_new_broadcast="✍️ New broadcast",
    compose_prompt=(
        "✍️ Send the message to broadcast: formatted text, or one photo with a caption. "
        "First I will show you how people will see it."
    ),
    compose_bad="Text or one photo with a caption, please: not an album, a video or a file.",
    preview_note="👆 This is how people will see broadcast #{id}. Who gets it?",
    audiences={
        "all": "Everyone",
        "active30": "Active in 30 days",
        "paid": "Paid at least once",
        "lang_ru": "Russian speakers",
        "lang_en": "English speakers",
    },
    btn_audience="{name} · {count}",
    confirm_broadcast=(
        "📣 Send broadcast #{id}?\n\nTo: {audience}, {count} people.\n"
        "At most {rate} messages a second: about {eta}."
    ),
    btn_send="✅ Send",
    btn_recompose="✏️ Write it again",
    broadcast_busy="⏳ Broadcast #{id} is running (or paused). A new one can start when it ends or is cancelled.",
    broadcast_not_draft="This broadcast has already started or is gone.",
    progress=(
        "📣 <b>Broadcast #{id}</b> · {status}\n\n"
        "Sent: {sent} of {total}\n"
        "Blocked the bot: {blocked}\n"
        "Not delivered: {failed}\n"
        "Left: {left}"
    ),
    broadcast_statuses={
        "draft": "draft",
        "running": "running",
        "paused": "⏸ paused",
        "canceled": "✖️ cancelled",
        "done": "✅ finished",
    },
    stalled="\n\n⚠️ Sending has been silent for a while: press “Resume”.",
    btn_pause="⏸ Pause",
    btn_resume="▶️ Resume",
    btn_stop="✖️ Cancel the broadcast",
    btn_refresh="🔄 Refresh",
    broadcast_queue_failed="⚠️ The queue did not take the broadcast. Press “Resume” in a minute.",
    promos="🎟 <b>Promo codes</b> · {page}\n\n{lines}",
    promos_empty="No promo codes yet.",
    promo_line="<code>{code}</code> · {reward} · {used} of {total} · {state}",
    reward_money="{amount}",
    reward_runs="🎁 {runs} gen.",
    promo_states={
        "active": "active",
        "expired": "expired",
        "exhausted": "used up",
        "disabled": "disabled",
    },
    promo_until=" until {date}",
    btn_new_money="➕ Code for roubles",
    btn_new_runs="➕ Code for generations",
    btn_disable="🚫 Disable",
    btn_promos="⬅️ Back to promo codes",
    promo_prompt_money=(
        "Send: <code>CODE ROUBLES USES DAYS</code>, e.g. <code>SPRING 100 50 30</code>: 100 ₽, "
        "50 uses, 30 days (0 days: no expiry). A code is 3 to 32 letters, digits, _ or -."
    ),
    promo_prompt_runs=(
        "Send: <code>CODE GENERATIONS USES DAYS</code>, e.g. <code>GIFT 3 100 7</code>: "
        "3 free generations, 100 uses, 7 days (0 days: no expiry)."
    ),
    promo_bad="❌ I did not get that.\n\n{prompt}",
    promo_taken="Code <code>{code}</code> exists already; pick another one.",
    promo_created="✅ Promo code <code>{code}</code>: {reward}, {total} uses{until}.",
    promo_card="🎟 <code>{code}</code>\n\n{reward} · used {used} of {total}\n{state}\nCreated {created}",
    promo_ask="🎟 Send your promo code in one message.",
    promo_ok_money="✅ Promo code applied: +{amount}\nAvailable: {balance}",
    promo_ok_runs="✅ Promo code applied: +{runs} free generations. You have {total} now.",
    promo_unknown="There is no such promo code. Check the spelling and send it again, or /cancel.",
    promo_already="You have already used this promo code.",
    promo_exhausted="This promo code has run out 😔",
    promo_expired="This promo code has expired.",
    journal="📜 <b>Journal</b> · {page}\n\n{lines}",
    journal_empty="Nothing yet.",
    journal_line="{date} · {admin} · <b>{action}</b> {target}\n      {change}",
    journal_system="auto rule",
    changelog="📟 <b>What's new</b> · {page}\n\n{entries}",
    changelog_entry="<b>{date}</b>\n{text}",
)

_BY_LANGUAGE = {copy.lang: copy for copy in (RU, EN)}


def admin_copy(language: str | None) -> AdminCopy:
    return _BY_LANGUAGE.get(language or "ru", RU)
