"""Money copy: the balance history, top-up routes, manual transfers, refunds, /paysupport, the referral
reward, and the operators' payments panel. Russian first, English second.

Same rules as :mod:`creativebot.texts`: one frozen dataclass per language with no defaults (a missing text
fails at import), HTML, and anything a person typed goes through ``html.escape`` before it is formatted in.
Older money texts (the balance screen's frame, ``op_*`` history lines, ``payment_ok``, the invoice texts)
stay in ``creativebot.texts``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PaymentsCopy:
    lang: str
    # --- balance history
    btn_promo: str
    btn_newer: str
    btn_older: str
    history_when: str  # strftime: a line's date and time this year
    history_when_year: str  # ... and in another year
    history_tz_moscow: str
    history_tz_other: str
    history_page: str
    op_reversal: str
    op_writeoff: str
    free_done: str
    gift_done: str
    free_running: str
    free_returned: str
    # --- top-up routes
    topup_screen: str
    topup_route_card: str
    topup_route_transfer: str
    btn_topup_card: str
    btn_topup_transfer: str
    btn_back_to_launch: str
    card_screen: str
    contact_email: str
    contact_phone: str
    btn_card_pack: str
    card_unavailable: str
    stars_unavailable: str
    transfer_screen: str
    btn_transfer_pack: str
    transfer_details: str
    btn_cancel_transfer: str
    transfer_canceled: str
    transfer_closed: str
    transfer_proof_received: str
    transfer_approved: str
    transfer_rejected: str
    reject_reasons: dict[str, str]
    stars_refunded: str
    expired_invoice: str
    expired_transfer: str
    # --- referrals
    invite_terms_bonus: str
    referral_joined: str
    referral_reward: str
    # --- /paysupport and /terms
    support_screen: str
    support_contact_line: str
    btn_support_generation: str
    btn_support_other: str
    support_payment_button: str
    support_topic_payment: str
    support_topics: dict[str, str]
    support_ask: str
    support_text_expected: str
    support_too_long: str
    support_sent: str
    support_answer: str
    terms: str
    terms_route_card: str
    terms_route_transfer: str
    # --- names
    method_icons: dict[str, str]
    method_names: dict[str, str]
    state_names: dict[str, str]
    job_states: dict[str, str]
    # --- operators
    admin_payments: str
    admin_payments_empty: str
    admin_payment_line: str
    admin_payment_card: str
    admin_card_code: str
    admin_card_charge: str
    admin_card_proof: str
    admin_card_reason: str
    admin_card_refund: str
    admin_card_reviewed: str
    btn_open_payment: str
    btn_payments_list: str
    btn_panel: str
    btn_approve: str
    btn_reject: str
    btn_reject_custom: str
    btn_refund_stars: str
    btn_refund_anyway: str
    admin_transfer_proof: str
    admin_transfer_approved: str
    admin_transfer_rejected: str
    admin_already_decided: str
    admin_reject_pick: str
    admin_reject_custom_prompt: str
    admin_refund_usage: str
    admin_refund_not_found: str
    admin_refund_not_stars: str
    admin_refund_not_paid: str
    admin_refund_in_progress: str
    admin_refund_already: str
    admin_refund_short: str
    admin_refund_done: str
    admin_refund_written_off: str
    admin_refund_refused: str
    admin_refund_outside: str
    admin_unmatched: str
    admin_support_ticket: str
    admin_support_none: str
    admin_support_payment_line: str
    admin_support_job_line: str
    btn_support_reply: str
    admin_support_reply_prompt: str
    admin_support_answered: str
    admin_support_gone: str
    admin_not_delivered: str


RU = PaymentsCopy(
    lang="ru",
    btn_promo="🎟 Промокод",
    btn_newer="◀️ Новее",
    btn_older="Старше ▶️",
    history_when="%d.%m %H:%M",
    history_when_year="%d.%m.%Y %H:%M",
    history_tz_moscow="🕒 Время московское (МСК).",
    history_tz_other="🕒 Время по часовому поясу {tz}.",
    history_page="Стр. {page}",
    op_reversal="Возврат звёзд за пополнение: {amount}",
    op_writeoff="Возврат звёзд: {amount} не удержано с баланса",
    free_done="Генерация #{job} · {model}: 🎁 бесплатно",
    gift_done="Генерация #{job} · {model}: 🎁 подарочная",
    free_running="Генерация #{job} · {model}: 🎁 бесплатно, в работе",
    free_returned="Генерация #{job} · {model}: не получилась, 🎁 попытка вернулась",
    topup_screen=(
        "💳 <b>Пополнение баланса</b>\n\n"
        "⭐ Звёзды Telegram — мгновенно, без карты: 1 ⭐ = {rate} на баланс.{routes}\n\nВыберите сумму 👇"
    ),
    topup_route_card="\n💳 Картой в рублях — через платёжного провайдера Telegram, рубль в рубль.",
    topup_route_transfer="\n🏦 Переводом по реквизитам — зачислим после проверки оператором.",
    btn_topup_card="💳 Картой в рублях",
    btn_topup_transfer="🏦 Переводом по реквизитам",
    btn_back_to_launch="↩️ Вернуться к генерации",
    card_screen=(
        "💳 <b>Оплата картой</b>\n\nСумма зачисляется на баланс рубль в рубль. "
        "Telegram попросит {contact} — туда придёт чек.\n\nВыберите сумму 👇"
    ),
    contact_email="e-mail",
    contact_phone="номер телефона",
    btn_card_pack="💳 {amount}",
    card_unavailable="😔 Оплата картой сейчас недоступна. Пополните баланс звёздами или попробуйте позже.",
    stars_unavailable="😔 Telegram не выставил счёт в звёздах. Попробуйте ещё раз через минуту.",
    transfer_screen=(
        "🏦 <b>Перевод по реквизитам</b>\n\nВыберите сумму. Затем покажем реквизиты и код для комментария "
        "к переводу; пришлите скриншот — оператор проверит перевод и зачислит деньги, обычно в течение "
        "нескольких часов."
    ),
    btn_transfer_pack="🏦 {amount}",
    transfer_details=(
        "🏦 <b>Перевод {amount}</b>\n\n"
        "1. Переведите ровно <b>{amount}</b>:\n<blockquote>{details}</blockquote>\n"
        "2. В комментарии к переводу напишите код: <code>{code}</code>\n"
        "3. Пришлите сюда скриншот перевода (фото или файл).\n\n"
        "Зачислим после проверки оператором. Заявка действует 24 часа."
    ),
    btn_cancel_transfer="✖️ Отменить заявку",
    transfer_canceled="Заявка {code} отменена.",
    transfer_closed="Эта заявка уже закрыта.",
    transfer_proof_received=(
        "📨 Скриншот получен. Оператор проверит перевод {code} на {amount} и зачислит деньги — "
        "мы напишем сюда."
    ),
    transfer_approved="✅ Перевод {code} подтверждён: +{amount}\nБаланс: {balance}",
    transfer_rejected=(
        "❌ Перевод {code} на {amount} не подтверждён: {reason}\n\nЕсли это ошибка — напишите /paysupport."
    ),
    reject_reasons={
        "not_found": "перевод не поступил",
        "amount": "сумма перевода не совпадает",
        "no_code": "в комментарии к переводу нет кода",
    },
    stars_refunded="↩️ Звёзды вернулись: ⭐ {stars} за пополнение на {amount}.\nС баланса списано {debited}.\nБаланс: {balance}",
    expired_invoice=(
        "⌛ Счёт на пополнение {amount} не был оплачен за сутки и больше не действует. Деньги не списывались. "
        "Пополнить снова — /topup"
    ),
    expired_transfer=(
        "⌛ Заявка на перевод {code} ({amount}) закрыта: за сутки мы не получили скриншот. "
        "Если вы уже перевели деньги — напишите /paysupport, разберёмся."
    ),
    invite_terms_bonus="Отправьте ссылку другу: когда он впервые пополнит баланс, вы получите {bonus}.",
    referral_joined=(
        "👋 По вашей ссылке пришёл новый пользователь! Бонус {amount} придёт, когда он впервые пополнит баланс."
    ),
    referral_reward="🎉 Ваш друг впервые пополнил баланс — вам бонус: +{amount}",
    support_screen=(
        "💬 <b>Помощь с оплатой</b>\n\n"
        "Если звёзды или деньги списались, а баланс не пополнился, или оплаченная генерация не пришла — "
        "разберёмся и вернём оплату, если услуга не оказана.\n\nО чём вопрос? Выберите платёж или тему 👇{contact}"
    ),
    support_contact_line="\n\nМожно и напрямую: {contact}",
    btn_support_generation="🎨 Генерация",
    btn_support_other="💬 Другое",
    support_payment_button="{icon} {amount} · {when} · {state}",
    support_topic_payment="Платёж {icon} {amount} от {when}",
    support_topics={"generation": "Генерация", "other": "Другой вопрос"},
    support_ask="✍️ <b>{topic}</b>\n\nОпишите одним сообщением, что случилось. Ответим здесь же.",
    support_text_expected="Нужен текст: опишите, что случилось, одним сообщением.",
    support_too_long="Слишком длинно: уложитесь в {max} символов.",
    support_sent="✅ Обращение #{ticket} отправлено. Ответим здесь же — обычно в течение дня.",
    support_answer="💬 <b>Ответ поддержки</b> на обращение #{ticket}:\n\n{answer}",
    terms=(
        "📄 <b>Условия</b>\n\n"
        "1. Баланс пополняется звёздами Telegram: 1 ⭐ = {rate}.{routes}\n"
        "2. Цена генерации видна до запуска; при запуске она резервируется.\n"
        "3. Списываем только за готовый результат. Если генерация не удалась или не пришла за {timeout} минут, "
        "резерв возвращается автоматически.\n"
        "4. Результаты храните у себя: у провайдера они живут недолго.\n"
        "5. Незаконный контент запрещён; такие запросы модели отклоняют.\n"
        "6. Если услуга не оказана, вернём оплату: звёзды — звёздами. При возврате с баланса списывается "
        "сумма этого пополнения. Вопросы об оплате — /paysupport."
    ),
    terms_route_card="\n   Картой в рублях через платёжного провайдера Telegram — рубль в рубль, с чеком.",
    terms_route_transfer="\n   Переводом по реквизитам — рубль в рубль, после проверки оператором.",
    method_icons={"stars": "⭐", "rub": "💳", "manual": "🏦"},
    method_names={"stars": "звёзды Telegram", "rub": "картой (провайдер)", "manual": "перевод по реквизитам"},
    state_names={
        "pending": "ожидает оплаты",
        "paid": "оплачен",
        "failed": "не прошёл",
        "expired": "истёк",
        "refunded": "возвращён",
    },
    job_states={
        "created": "создана",
        "submitted": "в работе",
        "succeeded": "готово",
        "failed": "ошибка",
        "canceled": "отменена",
    },
    admin_payments="💳 <b>Платежи</b>\n\nЖдут проверки: {waiting} · ожидают оплаты: {pending}\n\n{lines}",
    admin_payments_empty="Платежей пока нет.",
    admin_payment_line="#{id} {icon} {amount} · {who} · {state} · {when}{extra}",
    admin_payment_card=(
        "{icon} <b>Платёж #{id}</b>\n\nКто: {who}\nСпособ: {method}\nОплачено: {paid} → на баланс {amount}\n"
        "Состояние: {state}\nСоздан: {created}{details}"
    ),
    admin_card_code="\nКод перевода: <code>{code}</code>",
    admin_card_charge="\nCharge id: <code>{charge}</code>",
    admin_card_proof="\nСкриншот: получен {when}",
    admin_card_reason="\nПричина: {reason}",
    admin_card_refund="\nВозврат: списано {debited}, не удержано {written_off}",
    admin_card_reviewed="\nПроверил: {admin}",
    btn_open_payment="#{id} {icon} {amount}",
    btn_payments_list="⬅️ К платежам",
    btn_panel="⬅️ Панель",
    btn_approve="✅ Подтвердить",
    btn_reject="❌ Отклонить",
    btn_reject_custom="✍️ Своя причина",
    btn_refund_stars="↩️ Вернуть звёзды",
    btn_refund_anyway="⚠️ Вернуть всё равно",
    admin_transfer_proof=(
        "🏦 <b>Перевод #{id}</b> · <code>{code}</code>\nОт: {who}\nСумма: {amount}\nЗаявка создана: {created}\n\n"
        "Сверьте поступление и код в комментарии."
    ),
    admin_transfer_approved="✅ Перевод #{id} ({code}, {amount}) подтвердил {admin}.",
    admin_transfer_rejected="❌ Перевод #{id} ({code}, {amount}) отклонил {admin}: {reason}",
    admin_already_decided="Платёж #{id} уже {state}.",
    admin_reject_pick="Почему отклоняем перевод #{id} ({code}, {amount})? Причину увидит пользователь.",
    admin_reject_custom_prompt="✍️ Напишите одним сообщением причину отказа по переводу #{id} — пользователь увидит её.",
    admin_refund_usage="Формат: /refund_stars &lt;telegram_payment_charge_id&gt;",
    admin_refund_not_found="Платёж звёздами с таким charge id не найден.",
    admin_refund_not_stars=(
        "Через бота возвращаются только звёзды. Платёж #{id} — {method}: верните деньги у провайдера "
        "или переводом, затем спишите их с баланса через /adjust."
    ),
    admin_refund_not_paid="Платёж #{id} {state}: возвращать нечего.",
    admin_refund_in_progress="Возврат по платежу #{id} уже выполняет другой оператор. Если он не завершится, повторите через пару минут.",
    admin_refund_already="Платёж #{id} уже возвращён: списано {debited}, не удержано {written_off}.",
    admin_refund_short=(
        "⚠️ Платёж #{id}: пополнение дало {amount}, а на балансе {available}. Не хватает {missing}.\n\n"
        "Telegram возвращает звёзды только целиком. «Вернуть всё равно» — спишем {available}, "
        "а {missing} спишем за счёт бота (баланс не уйдёт в минус)."
    ),
    admin_refund_done="✅ Звёзды по платежу #{id} возвращены: ⭐ {stars}. С баланса списано {debited}{written_off}.",
    admin_refund_written_off=", не удержано {amount}",
    admin_refund_refused="⛔ Telegram не вернул звёзды по платежу #{id}: {error}. Баланс не изменён.",
    admin_refund_outside=(
        "↩️ Telegram вернул звёзды по платежу #{id} ({who}, ⭐ {stars}) без бота. "
        "С баланса списано {debited}, не удержано {written_off}."
    ),
    admin_unmatched=(
        "⚠️ Оплата без нашего счёта: {who} заплатил {paid}. Платёж #{id}, ничего не зачислено. "
        "Вернуть звёзды: /refund_stars {charge}"
    ),
    admin_support_ticket=(
        "💬 <b>Обращение #{ticket}</b> от {who}\nТема: {topic}\n\n<blockquote>{body}</blockquote>\n\n"
        "<b>Последние платежи</b>\n{payments}\n\n<b>Последние генерации</b>\n{jobs}"
    ),
    admin_support_none="—",
    admin_support_payment_line="#{id} {icon} {amount} · {state} · {when}",
    admin_support_job_line="#{id} · {model} · {state} · {price} · {when}",
    btn_support_reply="✍️ Ответить",
    admin_support_reply_prompt="✍️ Ответ на обращение #{ticket}: напишите его одним сообщением — пользователь получит его как есть.",
    admin_support_answered="✅ Ответ на обращение #{ticket} отправлен.",
    admin_support_gone="Обращение не найдено.",
    admin_not_delivered="⚠️ Сообщение не доставлено: пользователь заблокировал бота.",
)

EN = PaymentsCopy(
    lang="en",
    btn_promo="🎟 Promo code",
    btn_newer="◀️ Newer",
    btn_older="Older ▶️",
    history_when="%d.%m %H:%M",
    history_when_year="%d.%m.%Y %H:%M",
    history_tz_moscow="🕒 Times are Moscow time (MSK).",
    history_tz_other="🕒 Times are in the {tz} time zone.",
    history_page="Page {page}",
    op_reversal="Stars refunded for a top-up: {amount}",
    op_writeoff="Stars refunded: {amount} not taken from the balance",
    free_done="Generation #{job} · {model}: 🎁 free",
    gift_done="Generation #{job} · {model}: 🎁 a gift run",
    free_running="Generation #{job} · {model}: 🎁 free, running",
    free_returned="Generation #{job} · {model}: did not work, 🎁 the run came back",
    topup_screen=(
        "💳 <b>Top up</b>\n\n"
        "⭐ Telegram Stars: instant, no card needed. 1 ⭐ = {rate} of balance.{routes}\n\nPick an amount 👇"
    ),
    topup_route_card="\n💳 By card in roubles, through Telegram's payments provider, rouble for rouble.",
    topup_route_transfer="\n🏦 By bank transfer: credited once an operator has checked it.",
    btn_topup_card="💳 Card (roubles)",
    btn_topup_transfer="🏦 Bank transfer",
    btn_back_to_launch="↩️ Back to the generation",
    card_screen=(
        "💳 <b>Pay by card</b>\n\nThe amount goes to your balance rouble for rouble. "
        "Telegram will ask for your {contact}; the receipt is sent there.\n\nPick an amount 👇"
    ),
    contact_email="e-mail",
    contact_phone="phone number",
    btn_card_pack="💳 {amount}",
    card_unavailable="😔 Card payments are not available right now. Top up with Stars or try later.",
    stars_unavailable="😔 Telegram did not issue the Stars invoice. Please try again in a minute.",
    transfer_screen=(
        "🏦 <b>Bank transfer</b>\n\nPick an amount. Then you get the details and a code for the transfer's "
        "comment; send a screenshot, and an operator checks the transfer and credits it, usually within a "
        "few hours."
    ),
    btn_transfer_pack="🏦 {amount}",
    transfer_details=(
        "🏦 <b>Transfer {amount}</b>\n\n"
        "1. Transfer exactly <b>{amount}</b> to:\n<blockquote>{details}</blockquote>\n"
        "2. Put this code in the transfer's comment: <code>{code}</code>\n"
        "3. Send a screenshot of the transfer here (a photo or a file).\n\n"
        "We credit it once an operator has checked it. The request is valid for 24 hours."
    ),
    btn_cancel_transfer="✖️ Cancel the request",
    transfer_canceled="Request {code} is canceled.",
    transfer_closed="This request is already closed.",
    transfer_proof_received=(
        "📨 Screenshot received. An operator will check transfer {code} of {amount} and credit it; "
        "we will tell you here."
    ),
    transfer_approved="✅ Transfer {code} confirmed: +{amount}\nBalance: {balance}",
    transfer_rejected=(
        "❌ Transfer {code} of {amount} was not confirmed: {reason}\n\nIf this is a mistake, write /paysupport."
    ),
    reject_reasons={
        "not_found": "the transfer has not arrived",
        "amount": "the amount transferred does not match",
        "no_code": "the transfer's comment has no code",
    },
    stars_refunded=(
        "↩️ Your Stars are back: ⭐ {stars} for a top-up of {amount}.\n{debited} was taken from the balance.\n"
        "Balance: {balance}"
    ),
    expired_invoice=(
        "⌛ The top-up invoice for {amount} was not paid within a day and is no longer valid. Nothing was "
        "charged. Top up again: /topup"
    ),
    expired_transfer=(
        "⌛ Transfer request {code} ({amount}) is closed: no screenshot came within a day. If you did "
        "transfer the money, write /paysupport and we will sort it out."
    ),
    invite_terms_bonus="Send the link to a friend: when they top up for the first time, you get {bonus}.",
    referral_joined=(
        "👋 Someone joined with your link! Your {amount} bonus comes when they top up for the first time."
    ),
    referral_reward="🎉 Your friend topped up for the first time: your bonus is +{amount}",
    support_screen=(
        "💬 <b>Payment help</b>\n\n"
        "If Stars or money were taken but the balance did not grow, or a paid generation never arrived, we "
        "will sort it out and refund the payment if the service was not provided.\n\n"
        "What is it about? Pick a payment or a topic 👇{contact}"
    ),
    support_contact_line="\n\nYou can also write to {contact}",
    btn_support_generation="🎨 A generation",
    btn_support_other="💬 Something else",
    support_payment_button="{icon} {amount} · {when} · {state}",
    support_topic_payment="Payment {icon} {amount} of {when}",
    support_topics={"generation": "A generation", "other": "Another question"},
    support_ask="✍️ <b>{topic}</b>\n\nDescribe what happened in one message. We will answer here.",
    support_text_expected="Text, please: describe what happened in one message.",
    support_too_long="Too long: please keep it within {max} characters.",
    support_sent="✅ Request #{ticket} is sent. We will answer here, usually within a day.",
    support_answer="💬 <b>Support's answer</b> to request #{ticket}:\n\n{answer}",
    terms=(
        "📄 <b>Terms</b>\n\n"
        "1. The balance is topped up with Telegram Stars: 1 ⭐ = {rate}.{routes}\n"
        "2. A generation's price is shown before it starts and reserved when it starts.\n"
        "3. You pay only for a finished result. If a generation fails or does not arrive within {timeout} minutes, "
        "the reserve comes back automatically.\n"
        "4. Keep your results: the provider stores them only briefly.\n"
        "5. Illegal content is forbidden; the models refuse such requests.\n"
        "6. If the service was not provided, we refund the payment: Stars as Stars. A refund takes that "
        "top-up's amount off the balance. Payment questions: /paysupport."
    ),
    terms_route_card="\n   By card in roubles through Telegram's payments provider, rouble for rouble, with a receipt.",
    terms_route_transfer="\n   By bank transfer, rouble for rouble, once an operator has checked it.",
    method_icons={"stars": "⭐", "rub": "💳", "manual": "🏦"},
    method_names={"stars": "Telegram Stars", "rub": "card (provider)", "manual": "bank transfer"},
    state_names={
        "pending": "awaiting payment",
        "paid": "paid",
        "failed": "failed",
        "expired": "expired",
        "refunded": "refunded",
    },
    job_states={
        "created": "created",
        "submitted": "running",
        "succeeded": "done",
        "failed": "failed",
        "canceled": "canceled",
    },
    admin_payments="💳 <b>Payments</b>\n\nAwaiting review: {waiting} · awaiting payment: {pending}\n\n{lines}",
    admin_payments_empty="No payments yet.",
    admin_payment_line="#{id} {icon} {amount} · {who} · {state} · {when}{extra}",
    admin_payment_card=(
        "{icon} <b>Payment #{id}</b>\n\nWho: {who}\nMethod: {method}\nPaid: {paid} → to the balance {amount}\n"
        "State: {state}\nCreated: {created}{details}"
    ),
    admin_card_code="\nTransfer code: <code>{code}</code>",
    admin_card_charge="\nCharge id: <code>{charge}</code>",
    admin_card_proof="\nScreenshot: received {when}",
    admin_card_reason="\nReason: {reason}",
    admin_card_refund="\nRefund: debited {debited}, written off {written_off}",
    admin_card_reviewed="\nReviewed by: {admin}",
    btn_open_payment="#{id} {icon} {amount}",
    btn_payments_list="⬅️ Payments",
    btn_panel="⬅️ Panel",
    btn_approve="✅ Confirm",
    btn_reject="❌ Reject",
    btn_reject_custom="✍️ Another reason",
    btn_refund_stars="↩️ Refund the Stars",
    btn_refund_anyway="⚠️ Refund anyway",
    admin_transfer_proof=(
        "🏦 <b>Transfer #{id}</b> · <code>{code}</code>\nFrom: {who}\nAmount: {amount}\nRequested: {created}\n\n"
        "Check that it arrived, with the code in its comment."
    ),
    admin_transfer_approved="✅ Transfer #{id} ({code}, {amount}) confirmed by {admin}.",
    admin_transfer_rejected="❌ Transfer #{id} ({code}, {amount}) rejected by {admin}: {reason}",
    admin_already_decided="Payment #{id} is already {state}.",
    admin_reject_pick="Why is transfer #{id} ({code}, {amount}) rejected? The person will see the reason.",
    admin_reject_custom_prompt="✍️ Write the reason for rejecting transfer #{id} in one message; the person will see it.",
    admin_refund_usage="Usage: /refund_stars &lt;telegram_payment_charge_id&gt;",
    admin_refund_not_found="No Stars payment with that charge id.",
    admin_refund_not_stars=(
        "Only Stars are refunded through the bot. Payment #{id} is {method}: refund it at the provider or "
        "by transfer, then take it off the balance with /adjust."
    ),
    admin_refund_not_paid="Payment #{id} is {state}: there is nothing to refund.",
    admin_refund_in_progress="Another operator is refunding payment #{id}. If it does not finish, try again in a couple of minutes.",
    admin_refund_already="Payment #{id} is already refunded: debited {debited}, written off {written_off}.",
    admin_refund_short=(
        "⚠️ Payment #{id}: the top-up credited {amount}, the balance holds {available}. {missing} is missing.\n\n"
        "Telegram refunds Stars only whole. “Refund anyway” debits {available} and writes off {missing} "
        "at the bot's cost (the balance never goes below zero)."
    ),
    admin_refund_done="✅ Stars of payment #{id} refunded: ⭐ {stars}. Debited {debited}{written_off}.",
    admin_refund_written_off=", written off {amount}",
    admin_refund_refused="⛔ Telegram did not refund payment #{id}: {error}. The balance is unchanged.",
    admin_refund_outside=(
        "↩️ Telegram refunded payment #{id} ({who}, ⭐ {stars}) without the bot. "
        "Debited {debited}, written off {written_off}."
    ),
    admin_unmatched=(
        "⚠️ A payment without an invoice of ours: {who} paid {paid}. Payment #{id}, nothing credited. "
        "Refund the Stars: /refund_stars {charge}"
    ),
    admin_support_ticket=(
        "💬 <b>Request #{ticket}</b> from {who}\nTopic: {topic}\n\n<blockquote>{body}</blockquote>\n\n"
        "<b>Recent payments</b>\n{payments}\n\n<b>Recent generations</b>\n{jobs}"
    ),
    admin_support_none="—",
    admin_support_payment_line="#{id} {icon} {amount} · {state} · {when}",
    admin_support_job_line="#{id} · {model} · {state} · {price} · {when}",
    btn_support_reply="✍️ Answer",
    admin_support_reply_prompt="✍️ Answer to request #{ticket}: write it in one message; the person gets it as it is.",
    admin_support_answered="✅ The answer to request #{ticket} is sent.",
    admin_support_gone="No such request.",
    admin_not_delivered="⚠️ Not delivered: the person has blocked the bot.",
)

_BY_LANGUAGE = {copy.lang: copy for copy in (RU, EN)}


def payments_copy(language: str | None) -> PaymentsCopy:
    """The section in a person's language (Russian for anything else, as ``texts.copy_for``)."""
    return _BY_LANGUAGE.get(language or "ru", RU)
