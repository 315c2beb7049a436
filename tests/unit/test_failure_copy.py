"""Failure reasons in our own words: every KIE failure the docs and the fake know maps to a kind, and
neither language ever repeats KIE's English."""

from __future__ import annotations

import dataclasses
import re
import string

import pytest

from creativebot import generation
from creativebot.texts.failures import EN, RU, FailureKind, classify, explain, failure_text
from infra.local.kie import families as fake_families

K = FailureKind
FLAGGED = fake_families.FLAGGED
VEO_REJECTED = fake_families.VEO_REJECTED_BY_FLOW

# (fail_code, fail_reason, family) as a job records them, and the kind each must read as. Reasons are
# KIE's words: from the fake (infra/local/kie/fake.py, families.py), from API.md (/work/shared/kie/API.md)
# and the KIE doc texts it cites, or from our own code (generation.py, kie/client.py).
CASES: list[tuple[str | None, str | None, str, FailureKind]] = [
    # --- our own codes (generation.py, jobs.TIMEOUT_CODE)
    ("timeout", "no result within 30 minutes", "market", K.TIMEOUT),
    ("no_result", "the task succeeded without result files", "market", K.NO_RESULT),
    ("fail", None, "suno", K.GENERIC),
    # --- createTask refusals (fake.py _create_task, families.py _create, kie/client.py)
    ("kie_402", "Credits insufficient", "market", K.BUSY),
    ("kie_401", "You do not have access permissions", "market", K.BUSY),
    ("kie_433", None, "market", K.BUSY),
    ("kie_402", "Credits insufficient", "suno", K.BUSY),
    ("kie_429", "Rate limit exceeded: 20 requests per 10 seconds", "market", K.BUSY),
    ("kie_430", "Your call frequency is too high. Please try again later.", "suno", K.BUSY),
    ("kie_455", "System maintenance", "suno", K.UNAVAILABLE),
    ("kie_0", "network error: ConnectError", "veo", K.UNAVAILABLE),
    ("kie_422", "The model does not exist or is not supported", "market", K.UNAVAILABLE),
    ("kie_422", "prompt is not supported in this language", "market", K.LANGUAGE),
    ("kie_422", "prompt is longer than 5000 characters", "market", K.TOO_LONG),
    ("kie_422", "prompt is longer than 500 characters (customMode false)", "suno", K.TOO_LONG),
    ("kie_422", "style is longer than 1000 characters for V4_5", "suno", K.TOO_LONG),
    ("kie_413", "Theme or prompt too long", "suno", K.TOO_LONG),
    ("kie_422", "input is required", "market", K.REJECTED),
    ("kie_422", "aspect_ratio must be one of ('1:1', '16:9')", "market", K.REJECTED),
    ("kie_400", "Invalid JSON body", "market", K.REJECTED),
    ("kie_422", "The request parameters are incorrect, please check the parameters.", "veo", K.REJECTED),
    ("kie_422", "REFERENCE_2_VIDEO supports aspectRatio 16:9 and 9:16 only", "veo", K.REJECTED),
    ("kie_422", "motion is required for mj_video and mj_video_hd", "mj", K.REJECTED),
    ("kie_422", "1080p is not available for 10-second videos", "runway", K.REJECTED),
    ("kie_422", "safetyTolerance must be within 0..2 when editing (inputImage)", "flux_kontext", K.REJECTED),
    ("kie_451", None, "gpt4o", K.IMAGE),
    # --- market tasks (fake.py _complete; API.md §2.1)
    ("500", "Internal server error", "market", K.GENERIC),
    ("400", FLAGGED, "market", K.POLICY),
    ("422", VEO_REJECTED, "market", K.POLICY),  # the fallback hint is Veo's alone
    # --- Veo (fake Veo; the Veo callback codes quoted in API.md §3/§4.5)
    ("422", VEO_REJECTED, "veo", K.FALLBACK),
    ("400", FLAGGED, "veo", K.POLICY),
    ("400", "Your prompt was flagged by Website as violating content policies.", "veo", K.POLICY),
    ("400", "Only English prompts are supported at this time.", "veo", K.LANGUAGE),
    (
        "400",
        "Failed to fetch the image. Kindly verify any access limits set by you or your service provider.",
        "veo",
        K.IMAGE,
    ),
    ("400", "public error unsafe image upload.", "veo", K.POLICY),
    ("500", "Internal Error, Please try again later.", "veo", K.GENERIC),
    ("500", "Internal Error - Timeout", "veo", K.MODEL_TIMEOUT),
    ("501", "Failed - Video generation task failed", "veo", K.GENERIC),
    # --- Suno (fake Suno.failure: SUNO_REFUNDED, SUNO_SENSITIVE; Suno callback codes)
    ("531", fake_families.SUNO_REFUNDED, "suno", K.REFUNDED_BY_KIE),
    ("400", fake_families.SUNO_SENSITIVE, "suno", K.POLICY),
    ("SENSITIVE_WORD_ERROR", None, "suno", K.POLICY),
    ("400", "Lyrics contained copyrighted material.", "suno", K.COPYRIGHT),
    ("413", "Uploaded audio matches existing work of art.", "suno", K.COPYRIGHT),
    ("413", None, "suno", K.TOO_LONG),
    ("408", "Rate Limited - Timeout.", "suno", K.MODEL_TIMEOUT),
    ("501", "Audio generation failed.", "suno", K.GENERIC),
    # --- Midjourney (fake Midjourney.failure)
    ("400", FLAGGED, "mj", K.POLICY),
    ("500", "Image generation failed", "mj", K.GENERIC),
    # --- Runway (fake Runway.failure; 451 from API.md §4.5)
    (
        "400",
        "Your prompt was caught by our AI moderator. Please adjust it and try again!",
        "runway",
        K.POLICY,
    ),
    ("500", "Generation failed, please try again later.", "runway", K.GENERIC),
    ("451", None, "runway", K.IMAGE),
    # --- GPT-4o Image (fake Gpt4o.failure)
    ("400", "Your content was flagged by OpenAI as violating content policies", "gpt4o", K.POLICY),
    ("500", "Failed to generate image.", "gpt4o", K.GENERIC),
    ("451", None, "gpt4o", K.IMAGE),
    # --- Flux Kontext (fake FluxKontext.failure)
    ("400", FLAGGED, "flux_kontext", K.POLICY),
    ("501", "Image generation task failed", "flux_kontext", K.GENERIC),
    # --- a task failCode "400" with nothing to go on (API.md §4.5: "content or input problem")
    ("400", None, "market", K.REJECTED),
]

UNKNOWN: list[tuple[str | None, str | None, str]] = [
    (None, None, "market"),
    ("", "", "veo"),
    ("777", "Something unexpected happened on the worker", "market"),
    ("fail", "Task execution aborted", "mj"),
    ("kie_abc", None, "market"),
    ("CALLBACK_EXCEPTION", None, "suno"),
]

_LATIN = re.compile(r"[A-Za-z]")


def _long_words(text: str) -> set[str]:
    return {word.lower() for word in re.findall(r"[A-Za-z]{4,}", text)}


def _phrases(text: str, length: int = 4) -> set[tuple[str, ...]]:
    """Every run of ``length`` words: a phrase copied from KIE shows up here; "please try again" does not."""
    words = re.findall(r"[a-z0-9]+", text.lower())
    return {tuple(words[i : i + length]) for i in range(len(words) - length + 1)}


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_the_table_is_big_and_covers_every_family_and_most_kinds() -> None:
    assert len(CASES) >= 30
    assert {family for _, _, family, _ in CASES} == {
        "market",
        "veo",
        "suno",
        "mj",
        "runway",
        "gpt4o",
        "flux_kontext",
    }
    assert {kind for *_, kind in CASES} == set(FailureKind)


@pytest.mark.parametrize(("code", "reason", "family", "kind"), CASES)
def test_each_real_failure_reads_as_its_kind(
    code: str | None, reason: str | None, family: str, kind: FailureKind
) -> None:
    assert classify(code, reason, family) is kind


@pytest.mark.parametrize(("code", "reason", "family", "kind"), CASES)
def test_russian_text_never_repeats_kie_words(
    code: str | None, reason: str | None, family: str, kind: FailureKind
) -> None:
    text = explain(code, reason, family, "ru", minutes=30)
    assert text.strip()
    assert not (_long_words(reason or "") & _long_words(text)), text
    assert not _LATIN.search(text), text


@pytest.mark.parametrize(("code", "reason", "family", "kind"), CASES)
def test_english_text_is_ours_not_kies(
    code: str | None, reason: str | None, family: str, kind: FailureKind
) -> None:
    text = explain(code, reason, family, "en", minutes=30)
    assert text.strip()
    assert not (_phrases(reason or "") & _phrases(text)), text
    if reason:
        assert reason.lower() not in text.lower()


@pytest.mark.parametrize(("code", "reason", "family"), UNKNOWN)
def test_unknown_failures_get_the_generic_line(code: str | None, reason: str | None, family: str) -> None:
    assert classify(code, reason, family) is FailureKind.GENERIC
    assert explain(code, reason, family, "ru") == RU.generic
    assert explain(code, reason, family, "en") == EN.generic


@pytest.mark.parametrize("code", sorted(generation.OPERATOR_CODES))
@pytest.mark.parametrize(
    "reason", [FLAGGED, "prompt is not supported in this language", "Invalid image", None]
)
def test_our_account_problems_never_blame_the_user(code: int, reason: str | None) -> None:
    assert classify(f"kie_{code}", reason, "market") is FailureKind.BUSY
    assert explain(f"kie_{code}", reason, "market", "ru") == RU.busy


def test_the_veo_fallback_hint_names_the_backup_model_option_and_16_9() -> None:
    assert "Запасн" in RU.fallback and "16:9" in RU.fallback
    assert "Backup model" in EN.fallback and "16:9" in EN.fallback


def test_the_timeout_text_says_how_long_we_waited() -> None:
    assert "45 мин" in failure_text(FailureKind.TIMEOUT, "ru", minutes=45)
    assert "45 min" in failure_text(FailureKind.TIMEOUT, "en", minutes=45)
    with pytest.raises(ValueError, match="minutes"):
        failure_text(FailureKind.TIMEOUT, "ru")


def test_other_languages_read_russian() -> None:
    assert failure_text(FailureKind.POLICY, "de") == RU.policy
    assert failure_text(FailureKind.POLICY, None) == RU.policy
    assert failure_text(FailureKind.POLICY, "en") == EN.policy


def test_every_kind_has_a_text_in_both_languages() -> None:
    fields = {field.name for field in dataclasses.fields(RU)} - {"lang"}
    assert fields == {kind.value for kind in FailureKind}
    for kind in FailureKind:
        ru = failure_text(kind, "ru", minutes=30)
        en = failure_text(kind, "en", minutes=30)
        assert ru.strip() and en.strip() and ru != en


@pytest.mark.parametrize("field", sorted({kind.value for kind in FailureKind}))
def test_the_texts_fit_under_the_failure_heading(field: str) -> None:
    ru, en = getattr(RU, field), getattr(EN, field)
    assert _placeholders(ru) == _placeholders(en) == ({"minutes"} if field == "timeout" else set())
    for text in (ru, en):
        # job_failed opens with its own emoji and heading: the reason starts with a word, ends a sentence
        assert text[0].isalpha() and text.endswith("."), text
        assert len(text) <= 220, text
        assert "<" not in text and ">" not in text  # HTML parse mode: nothing to escape, nothing to break
    assert not _LATIN.search(failure_text(FailureKind(field), "ru", minutes=30)), ru
