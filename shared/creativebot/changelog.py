"""What changed in the bot, release by release ("📟 Что нового" in the operators' journal).

A Python module rather than a data file, so the Lambda layer ships it with the package and a missing
translation fails at import. Newest first; a few short lines each, in both languages.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Release:
    day: date
    ru: str
    en: str

    def text(self, language: str) -> str:
        return self.en if language == "en" else self.ru


RELEASES: tuple[Release, ...] = (
    Release(
        date(2026, 11, 29),
        "Пульт оператора в /admin: статистика с графиком, карточки пользователей, модели без деплоя "
        "(скрыть, цена, бесплатные) с автоскрытием сбоящих, рассылки через очередь, промокоды и журнал.",
        "The operators' control room in /admin: stats with a chart, user cards, live models (hide, price, "
        "free runs) with failing ones hidden automatically, broadcasts through the queue, promo codes, a journal.",
    ),
    Release(
        date(2026, 11, 29),
        "Оплата: звёзды, рубли через провайдера и перевод с подтверждением оператора; возвраты звёзд; "
        "раздел «Платежи» для операторов.",
        "Payments: Stars, roubles through a provider and transfers an operator confirms; Stars refunds; "
        "a Payments section for operators.",
    ),
    Release(
        date(2026, 11, 29),
        "Новые модели и семейства KIE, раздел музыки; подсказки и понятные ответы на каждом шаге, "
        "сообщения об изменении баланса на языке пользователя.",
        "New models and KIE families, a music section; hints and clear answers at every step, balance "
        "changes explained to their owner in their language.",
    ),
    Release(
        date(2026, 11, 29),
        "Защита от враждебного ввода: числа и кнопки проверяются до базы, лимит сообщений на человека, "
        "блокировка, ограничение одновременных генераций.",
        "Hostile input: numbers and buttons checked before the database, a per-person message rate, "
        "blocking, a cap on generations running at once.",
    ),
    Release(
        date(2026, 11, 29),
        "Деньги и результаты ровно один раз при любых сбоях: запуск, повтор нажатия, cron, доставка.",
        "Money and results exactly once under any fault: launch, a retried press, cron, delivery.",
    ),
    Release(
        date(2026, 11, 29),
        "Выкладка, которой можно доверять: тревоги, которые доходят до людей, база через TLS или RDS Proxy, "
        "выкладка одной командой.",
        "A deploy to trust: alarms that reach people, the database over TLS or through RDS Proxy, one-command deploys.",
    ),
    Release(
        date(2026, 11, 29),
        "Путь апдейта переписан: одно соединение и три обращения к базе на апдейт, мастер как сервис, "
        "экраны отдельно от обработчиков.",
        "The update path reworked: one connection and three database round trips per update, the wizard as "
        "a service, screens apart from handlers.",
    ),
    Release(
        date(2026, 11, 28),
        "Первая версия: мастер в три шага, кошелёк с резервом и возвратом, бесплатные генерации, "
        "рефералы, доставка результата в чат.",
        "First release: a three-step wizard, a wallet with holds and refunds, free runs, referrals, results "
        "delivered to the chat.",
    ),
)
