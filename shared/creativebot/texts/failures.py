"""Why a generation failed, in our own words: every way a job can end badly, in both languages.

``classify(code, reason, family)`` turns what the job recorded into a :class:`FailureKind`;
``failure_text(kind, language, minutes=...)`` is the sentence a person reads (the reason line of
``job_failed``, which already opens with its own emoji and heading, so these texts start with a word).
KIE's own text (``reason``: failMsg / errorMessage, English, free text) is only matched against, never
shown: the caller logs it.

Inputs, as the job stores them (``jobs.Job.fail_code`` / ``fail_reason``):

* our codes: ``timeout`` (jobs.TIMEOUT_CODE, the cron gave up), ``no_result`` (a "success" without files,
  generation.outcome_of), ``fail`` (a failed task without a code, generation.outcome_of), and
  ``kie_<n>``: createTask refused with KIE's code ``n`` (generation._refused; ``n`` = 0 is a network
  error before anything was sent, kie.client);
* KIE's failCode / errorCode of a failed task: numeric strings ("400", "422", "500", "501", "531"…);
  Suno's record status (``SENSITIVE_WORD_ERROR``…) is accepted too, should a caller pass it.

The order: codes whose meaning is certain win; then words in the reason; then what the code means
in general; anything else is ``GENERIC``. Sources are named next to each rule (API.md is
/work/shared/kie/API.md; "fake" is infra/local/kie/).

Same rules as :mod:`creativebot.texts`: one frozen dataclass per language with no defaults, HTML.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from creativebot.generation import NO_RESULT_CODE, OPERATOR_CODES, REFUSED_PREFIX
from creativebot.jobs import TIMEOUT_CODE


class FailureKind(StrEnum):
    POLICY = "policy"  # the model's content rules: rephrase, or another photo
    COPYRIGHT = "copyright"  # Suno: lyrics or audio match a protected work
    IMAGE = "image"  # the model could not fetch or read the photo
    LANGUAGE = "language"  # the model does not take the prompt's language
    TOO_LONG = "too_long"  # the prompt (lyrics, style) is over the model's limit
    FALLBACK = "fallback"  # Veo 422: its backup model (enableFallback, 16:9 only) would likely make it
    REJECTED = "rejected"  # the request failed the model's checks for another reason
    BUSY = "busy"  # our KIE account (credits, key, limits): never the user's fault
    UNAVAILABLE = "unavailable"  # the model or KIE is down, in maintenance, or gone
    TIMEOUT = "timeout"  # our deadline passed (needs ``minutes``); a late result is delivered free
    MODEL_TIMEOUT = "model_timeout"  # KIE's own timeout
    REFUNDED_BY_KIE = "refunded_by_kie"  # Suno 531: failed on their side
    NO_RESULT = "no_result"  # finished without a file
    GENERIC = "generic"  # anything else


# createTask refusals that mean "KIE is overloaded for us": 429 rate limit (API.md §4.4); Suno's own
# table has 405 rate limit and 430 call frequency (and 429 "insufficient credits" there).
_BUSY_CODES = frozenset({405, 429, 430})
# createTask refusals that mean "not now / not this model": 404 endpoint or model not found,
# 455 maintenance, 505 feature disabled (API.md §4.5); 0 a network error (kie.client).
_UNAVAILABLE_CODES = frozenset({0, 404, 455, 505})

_SUNO_REFUNDED = 531  # API.md §3 Suno: "531 = failed and credits refunded"; fake SUNO_REFUNDED
_IMAGE_FETCH = 451  # API.md §4.5: "451 = failed to download the input image (4o, Runway)"
_KIE_TIMEOUT = 408  # API.md §4.5 "(Suno) timeout"; Suno callback "Rate Limited - Timeout"
_TOO_LONG = 413  # Suno createTask "Theme or prompt too long"
_VEO_FALLBACK = 422  # API.md §3 Veo: "422 (fallback suggestion)"; fake VEO_REJECTED_BY_FLOW
_REQUEST_CODES = frozenset({400, 422})  # API.md §4.5: "400" content or input problem; 422 validation

# Suno record statuses (API.md §3 Suno, fake Suno.failure).
_STATUSES = {"sensitive_word_error": FailureKind.POLICY}

# Words in the lowercased reason, tried in this order (the first match wins).
_WORDS: tuple[tuple[FailureKind, re.Pattern[str]], ...] = (
    # fake FLAGGED, Runway "caught by our AI moderator", 4o "flagged by OpenAI", Suno SUNO_SENSITIVE,
    # Veo "public error unsafe image upload" (API.md §4.5); "safety" as a word, not "safetyTolerance".
    (
        FailureKind.POLICY,
        re.compile(
            r"flagged|polic(y|ies)|unsafe|nsfw|sensitive|violat|moderat|inappropriate|prohibited"
            r"|\bsafety\b|celebrit|public figure|prominent (people|person)"
        ),
    ),
    # Suno callbacks: 400 "Lyrics contained copyrighted material", 413 "Uploaded audio matches existing
    # work of art".
    (FailureKind.COPYRIGHT, re.compile(r"copyright|existing work")),
    # Veo "Failed to fetch the image. Kindly verify any access limits…" (API.md §4.5).
    (
        FailureKind.IMAGE,
        re.compile(
            r"(image|photo|picture|\bimg\b).*(fetch|load|decod|\bread\b|invalid|corrupt|broken|access)"
            r"|(fetch|load|decod|\bread\b|invalid|corrupt|broken|access).*(image|photo|picture|\bimg\b)"
        ),
    ),
    # fake createTask 422 "prompt is not supported in this language"; Veo "Only English prompts are
    # supported at this time" (API.md §4.5).
    (FailureKind.LANGUAGE, re.compile(r"\blanguage\b|english")),
    # fake validation "prompt is longer than 500 characters (customMode false)", "… is longer than N
    # characters"; Suno "Theme or prompt too long".
    (
        FailureKind.TOO_LONG,
        re.compile(
            r"too long|longer than|\blength\b|cannot exceed|exceeds? (the )?(max|limit)"
            r"|too many (characters|words|tokens)"
        ),
    ),
    # Veo callback 500 "Internal Error - Timeout".
    (FailureKind.MODEL_TIMEOUT, re.compile(r"time ?out|timed out")),
    # fake createTask 422 "The model does not exist or is not supported"; 455 "System maintenance".
    (FailureKind.UNAVAILABLE, re.compile(r"does not exist|not supported|maintenance|disabled")),
)


def _number(code: str) -> int | None:
    return int(code) if code.isdigit() else None


def _by_words(text: str) -> FailureKind | None:
    for kind, pattern in _WORDS:
        if pattern.search(text):
            return kind
    return None


def _refusal(number: int | None, text: str) -> FailureKind:
    """createTask said no (``kie_<n>``): nothing ran."""
    if number is None:
        return _by_words(text) or FailureKind.GENERIC
    if number in OPERATOR_CODES or number in _BUSY_CODES:
        return FailureKind.BUSY  # whatever the text says: it is about our account
    if number in _UNAVAILABLE_CODES or number >= 500:
        return FailureKind.UNAVAILABLE
    if number == _IMAGE_FETCH:
        return FailureKind.IMAGE
    if number == _TOO_LONG:
        return _by_words(text) or FailureKind.TOO_LONG
    return _by_words(text) or FailureKind.REJECTED


def classify(code: str | None, reason: str | None, family: str) -> FailureKind:
    """What kind of failure a job ended with. ``family`` is the model's API family (catalog ``family``)."""
    code = (code or "").strip()
    text = " ".join((reason or "").lower().split())
    if code == TIMEOUT_CODE:
        return FailureKind.TIMEOUT
    if code == NO_RESULT_CODE:
        return FailureKind.NO_RESULT
    if code.startswith(REFUSED_PREFIX):
        return _refusal(_number(code.removeprefix(REFUSED_PREFIX)), text)
    if code.lower() in _STATUSES:
        return _STATUSES[code.lower()]
    number = _number(code)
    if family == "veo" and (number == _VEO_FALLBACK or "fallback" in text):
        return FailureKind.FALLBACK
    if number == _SUNO_REFUNDED:
        return FailureKind.REFUNDED_BY_KIE
    if number == _IMAGE_FETCH:
        return FailureKind.IMAGE
    if number == _KIE_TIMEOUT:
        return FailureKind.MODEL_TIMEOUT
    by_words = _by_words(text)
    if by_words is not None:
        return by_words
    if number == _TOO_LONG:
        return FailureKind.TOO_LONG
    if number in _REQUEST_CODES:
        return FailureKind.REJECTED
    return FailureKind.GENERIC


@dataclass(frozen=True)
class FailureCopy:
    lang: str
    policy: str
    copyright: str
    image: str
    language: str
    too_long: str
    fallback: str
    rejected: str
    busy: str
    unavailable: str
    timeout: str  # {minutes}
    model_timeout: str
    refunded_by_kie: str
    no_result: str
    generic: str


RU = FailureCopy(
    lang="ru",
    policy="Модель отклонила запрос по своим правилам контента. Перефразуйте описание или возьмите другое фото.",
    copyright="Модель нашла совпадение с чужим произведением, защищённым авторским правом. Напишите свой текст и попробуйте снова.",
    image="Модель не смогла открыть фото. Попробуйте другое изображение.",
    language="Модель не приняла язык описания. Напишите его по-английски или проще, без сленга и редких слов.",
    too_long="Описание слишком длинное для этой модели. Сократите его и попробуйте снова.",
    fallback=(
        "Основная модель отклонила запрос по правилам контента. Включите «Запасную модель» "
        "(она снимает только 16:9) — с ней, скорее всего, получится. Или перефразуйте описание."
    ),
    rejected="Модель не приняла запрос с такими настройками. Измените описание или параметры — или выберите другую модель.",
    busy="Сервис генерации сейчас перегружен. Попробуйте чуть позже.",
    unavailable="Модель сейчас недоступна. Попробуйте чуть позже или выберите другую.",
    timeout="Модель не уложилась в {minutes} мин. Если результат всё-таки придёт, пришлём его сюда бесплатно.",
    model_timeout="Модель не успела закончить работу. Попробуйте ещё раз чуть позже.",
    refunded_by_kie="У модели случился сбой на её стороне — вы тут ни при чём. Попробуйте ещё раз.",
    no_result="Модель закончила работу, но не прислала результат. Попробуйте ещё раз.",
    generic="Модель не смогла выполнить генерацию. Попробуйте ещё раз чуть позже или выберите другую модель.",
)

EN = FailureCopy(
    lang="en",
    policy="The model refused the request under its content rules. Rephrase the description or use another photo.",
    copyright="The model found a match with someone else's copyrighted work. Write your own lyrics and try again.",
    image="The model could not open the photo. Try another image.",
    language="The model did not accept the language of the description. Write it in English or in simpler words.",
    too_long="The description is too long for this model. Shorten it and try again.",
    fallback=(
        "The main model refused the request under its content rules. Turn on “Backup model” "
        "(it makes 16:9 only): it will most likely work. Or rephrase the description."
    ),
    rejected="The model did not accept the request with these settings. Change the description or the options, or pick another model.",
    busy="The generation service is overloaded right now. Please try a bit later.",
    unavailable="The model is unavailable right now. Try later or pick another model.",
    timeout="The model did not finish within {minutes} min. If the result still arrives, we will send it here for free.",
    model_timeout="The model did not manage to finish in time. Try again a bit later.",
    refunded_by_kie="The model failed on its side, not because of you. Please try again.",
    no_result="The model finished but sent no result. Please try again.",
    generic="The model could not complete the generation. Try again a bit later or pick another model.",
)

_BY_LANGUAGE = {copy.lang: copy for copy in (RU, EN)}


def failures_copy(language: str | None) -> FailureCopy:
    """The section in a person's language (Russian for anything else, as ``texts.copy_for``)."""
    return _BY_LANGUAGE.get(language or "ru", RU)


def failure_text(kind: FailureKind, language: str | None, *, minutes: int | None = None) -> str:
    """The sentence for ``kind``; ``minutes`` (the job deadline) is required for ``TIMEOUT``."""
    text: str = getattr(failures_copy(language), kind.value)
    if kind is FailureKind.TIMEOUT:
        if minutes is None:
            raise ValueError("the timeout text needs minutes")
        return text.format(minutes=minutes)
    return text


def explain(
    code: str | None, reason: str | None, family: str, language: str | None, *, minutes: int | None = None
) -> str:
    """``failure_text(classify(code, reason, family), language, minutes=minutes)``."""
    return failure_text(classify(code, reason, family), language, minutes=minutes)
