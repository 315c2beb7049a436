"""A long generation's signs of life and its cancel button. Russian first, English second.

Same rules as :mod:`creativebot.texts`: one frozen dataclass per language with no defaults (a missing text
fails at import), HTML. ``{title}`` is the model's title, already escaped; ``{elapsed}`` and ``{left}`` are
durations written by ``texts.format_duration`` ("7 мин", "1 ч 5 мин"); ``{price}`` by ``texts.format_rub``.
The launch's own "⏳ Генерирую…" stays in ``creativebot.texts`` (``launch_started``).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ProgressCopy:
    lang: str
    # --- the status message, edited by cron while the result is late
    slow: str  # the model's usual time has passed
    overloaded_money: str  # much later: the held price returns by itself at the timeout
    overloaded_free: str  # ... a free daily run comes back
    overloaded_gift: str  # ... a granted (gift) run comes back
    # --- ✖️ Отменить, while the job has not been offered to KIE
    btn_cancel: str
    canceled_money: str
    canceled_free: str
    canceled_gift: str
    cancel_too_late: str  # KIE has the job (or may have it): it runs to its end
    cancel_finished: str  # the job ended before the press


RU = ProgressCopy(
    lang="ru",
    slow=(
        "⏳ Дольше обычного — ждём ещё… (прошло {elapsed})\n\n"
        "Модель: {title}. Результат придёт сюда — можно заниматься своими делами."
    ),
    overloaded_money=(
        "⏳ Модель перегружена. Если результата не будет через {left}, деньги вернутся сами "
        "(прошло {elapsed})\n\nМодель: {title}. Результат придёт сюда."
    ),
    overloaded_free=(
        "⏳ Модель перегружена. Если результата не будет через {left}, бесплатная попытка вернётся сама "
        "(прошло {elapsed})\n\nМодель: {title}. Результат придёт сюда."
    ),
    overloaded_gift=(
        "⏳ Модель перегружена. Если результата не будет через {left}, подарочная генерация вернётся сама "
        "(прошло {elapsed})\n\nМодель: {title}. Результат придёт сюда."
    ),
    btn_cancel="✖️ Отменить",
    canceled_money="✖️ Отменено, деньги вернулись на баланс: {price}.",
    canceled_free="✖️ Отменено, бесплатная попытка вернулась.",
    canceled_gift="✖️ Отменено, подарочная генерация вернулась.",
    cancel_too_late=(
        "⏳ Уже отправлено в работу — дождитесь результата: он придёт сюда сам. "
        "Если не получится, всё вернётся само."
    ),
    cancel_finished="Эта генерация уже завершилась — отменять нечего.",
)

EN = ProgressCopy(
    lang="en",
    slow=(
        "⏳ Taking longer than usual; still waiting… ({elapsed} so far)\n\n"
        "Model: {title}. The result will arrive here; feel free to do other things."
    ),
    overloaded_money=(
        "⏳ The model is overloaded. If there is no result in {left}, your money comes back by itself "
        "({elapsed} so far)\n\nModel: {title}. The result will arrive here."
    ),
    overloaded_free=(
        "⏳ The model is overloaded. If there is no result in {left}, your free run comes back by itself "
        "({elapsed} so far)\n\nModel: {title}. The result will arrive here."
    ),
    overloaded_gift=(
        "⏳ The model is overloaded. If there is no result in {left}, your gift generation comes back by "
        "itself ({elapsed} so far)\n\nModel: {title}. The result will arrive here."
    ),
    btn_cancel="✖️ Cancel",
    canceled_money="✖️ Canceled; the money is back on your balance: {price}.",
    canceled_free="✖️ Canceled; your free run is back.",
    canceled_gift="✖️ Canceled; your gift generation is back.",
    cancel_too_late=(
        "⏳ Already sent to the model; please wait for the result: it will arrive here. "
        "If it fails, everything comes back by itself."
    ),
    cancel_finished="This generation has already ended; there is nothing to cancel.",
)

_BY_LANGUAGE = {copy.lang: copy for copy in (RU, EN)}


def progress_copy(language: str | None) -> ProgressCopy:
    """The section in a person's language (Russian for anything else, as ``texts.copy_for``)."""
    return _BY_LANGUAGE.get(language or "ru", RU)
