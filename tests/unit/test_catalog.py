"""The model catalog: valid against its schema, priced in every mode, and what it sends is what KIE accepts.

Market models are checked with the fake KIE's market validation (it reads the catalog); family models
(Veo, Suno, Runway, GPT-4o Image, Flux Kontext, Midjourney) with the fake's own tables of each family's
request (infra/local/kie/families.py), on the body the bot builds: ``{**fixed_inputs, **payload,
"callBackUrl"}`` plus ``"model": kie_model`` unless the payload names the model (Suno's version option).
"""

from __future__ import annotations

import itertools
import json
from collections import Counter
from decimal import Decimal
from importlib import resources
from typing import Any

import pytest

from creativebot.config import PricingSettings
from creativebot.kie.catalog import (
    CATEGORIES,
    Catalog,
    CatalogModel,
    build_input,
    credits_for,
    default_options,
    load_catalog,
    price_kopecks,
    violations,
)
from creativebot.texts import EN, RU
from infra.catalog import SOURCE, build, offered_per_category, unavailable
from infra.local.kie.fake import FakeKie
from infra.local.kie.families import Family, FamilyTask

PRICING = PricingSettings()
CATALOG = load_catalog()
CALLBACK = "https://bot.test.invalid/kie/callback"
PROMPT = "a lighthouse at dawn, watercolor"
NO_PRICE = "no confirmed price in the KIE price list"

# Where each family's request goes; Midjourney's kie_model picks its endpoint.
CREATE_PATHS = {
    ("veo", None): "/api/v1/veo/generate",
    ("suno", None): "/api/v1/generate",
    ("runway", None): "/api/v1/runway/generate",
    ("gpt4o", None): "/api/v1/gpt4o-image/generate",
    ("flux_kontext", None): "/api/v1/flux/kontext/generate",
    ("mj", None): "/api/v1/mj/generate",
    ("mj", "upscale"): "/api/v1/mj/generateUpscale",
    ("mj", "vary"): "/api/v1/mj/generateVary",
}
# These family APIs have no ``model`` body field (Midjourney's kie_model names the endpoint instead).
NO_MODEL_FIELD = {"mj", "runway", "gpt4o"}

UNAVAILABLE = {
    "bytedance/seedream-v4-text-to-image": NO_PRICE,
    "bytedance/seedream-v4-edit": NO_PRICE,
    "bytedance/v1-pro-text-to-video": NO_PRICE,
    "sora-2-text-to-video": NO_PRICE,
    "sora-2-pro-text-to-video": NO_PRICE,
    "sora-2-image-to-video": NO_PRICE,
    "elevenlabs/text-to-dialogue-v3": (
        "needs a structured multi-speaker dialogue the three-step wizard does not collect"
    ),
    "midjourney/text-to-image": NO_PRICE,
    "midjourney/image-to-image": NO_PRICE,
    "midjourney/image-to-video": NO_PRICE,
    "midjourney/upscale": NO_PRICE,
    "midjourney/vary": NO_PRICE,
}
OFFERED_PER_CATEGORY = {"photo": 22, "edit": 19, "video": 16, "animate": 21, "music": 2, "audio": 2}


def raw_catalog() -> dict[str, Any]:
    text = resources.files("creativebot.kie").joinpath("catalog.json").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def combos(model: CatalogModel, limit: int = 60) -> list[dict[str, Any]]:
    """Up to ``limit`` combinations of the model's step-2 choices."""
    names = [option.input for option in model.options]
    every = itertools.product(*(model.choices(option) for option in model.options))
    return [dict(zip(names, combo, strict=True)) for combo in itertools.islice(every, limit)]


def photos(model: CatalogModel, count: int | None = None) -> list[str]:
    wanted = (model.images.min if model.images else 0) if count is None else count
    return [f"https://kie.example/files/{i}.png" for i in range(wanted)]


def payload(model: CatalogModel, options: dict[str, Any], images: list[str] | None = None) -> dict[str, Any]:
    """What the wizard sends: prompt, photos, options, documented defaults, and the extra texts."""
    prompt = PROMPT if model.prompt_input else None
    built = build_input(model, prompt, photos(model) if images is None else images, options)
    for text in model.extra_texts:
        built[text.input] = text.example.en
    return built


def family_body(model: CatalogModel, values: dict[str, Any]) -> dict[str, Any]:
    """The body of a family request, as the bot builds it."""
    body: dict[str, Any] = {**model.fixed_inputs, **values, "callBackUrl": CALLBACK}
    if model.kie_model and "model" not in values and model.family not in NO_MODEL_FIELD:
        body["model"] = model.kie_model
    return body


def fake_with_a_finished_mj_grid() -> tuple[FakeKie, dict[str, Family], str]:
    """A fake KIE (not served) whose validators we call, holding one finished Midjourney grid."""
    fake = FakeKie("test-key")
    parent = FamilyTask(
        family="mj",
        task_id="mj-grid-1",
        endpoint="/api/v1/mj/generate",
        request={"taskType": "mj_txt2img", "prompt": PROMPT, "speed": "fast"},
        callback_url=None,
        switches=set(),
        kind="mj_txt2img",
        phase="success",
    )
    fake.family_tasks[parent.task_id] = parent
    return fake, {family.create_path: family for family in fake.families.all}, parent.task_id


# --- the file -----------------------------------------------------------------------------------------


def test_the_whole_file_validates_against_its_schema() -> None:
    catalog = Catalog.model_validate(raw_catalog())
    assert len({model.id for model in catalog.models}) == len(catalog.models)
    assert all(model.title.ru and model.title.en for model in catalog.models)
    assert all(catalog.offered(category) for category in CATEGORIES)


@pytest.mark.skipif(not SOURCE.exists(), reason="the team's kie/models.json is not beside the repository")
def test_the_file_is_what_make_catalog_builds() -> None:
    assert build() == raw_catalog(), "run `make catalog`"


def test_enough_models_are_offered_and_each_is_complete() -> None:
    offered = [model for model in CATALOG.models if model.available and not model.follow_up]
    assert len(offered) >= 72
    for model in offered:
        assert model.pricing is not None, model.id
        for text in (model.title, model.description):
            assert text.ru.strip() and text.en.strip() and text.ru != "Скоро в каталоге.", model.id


def test_offered_models_per_category() -> None:
    counts = offered_per_category(raw_catalog())
    assert counts == OFFERED_PER_CATEGORY
    assert sum(counts.values()) >= 72
    assert counts == {category: len(CATALOG.offered(category)) for category in CATEGORIES}


def test_unavailable_models_say_why() -> None:
    assert unavailable(raw_catalog()) == UNAVAILABLE
    hidden = [model for model in CATALOG.models if not model.available]
    assert all(model.unavailable_reason for model in hidden)


def test_titles_are_unique_across_the_whole_catalog() -> None:
    for language in ("ru", "en"):
        titles = Counter(model.title.get(language).casefold() for model in CATALOG.models)
        assert [title for title, count in titles.items() if count > 1] == [], language


def test_ids_fit_a_buttons_data() -> None:
    for model in CATALOG.models:
        assert ":" not in model.id and len(f"card:{model.id}".encode()) <= 64, model.id


# --- prices -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("model", [m for m in CATALOG.models if m.available], ids=lambda m: m.id)
def test_every_mode_has_a_price(model: CatalogModel) -> None:
    for options in combos(model):
        assert price_kopecks(model, options, PROMPT, PRICING) >= 100, (model.id, options)


def test_roubles_follow_the_documented_formula() -> None:
    z_image = CATALOG.get("z-image")
    banana_2 = CATALOG.get("nano-banana-2")
    kling = CATALOG.get("kling-2.6/text-to-video")
    wan_27 = CATALOG.get("wan/2-7-text-to-video")
    tts = CATALOG.get("elevenlabs/text-to-speech-turbo-2-5")
    assert z_image and banana_2 and kling and wan_27 and tts
    # 0.8 credits x $0.005 x 100 RUB/$ x 2.0 = 0.80 RUB -> rounded up to 1 RUB
    assert price_kopecks(z_image, {}, "", PRICING) == 100
    assert credits_for(banana_2, {"resolution": "4K"}) == Decimal(18)
    assert price_kopecks(banana_2, {"resolution": "4K"}, "", PRICING) == 1800
    assert credits_for(kling, {"sound": True, "duration": "10"}) == Decimal(220)
    assert credits_for(kling, {"sound": False, "duration": "5"}) == Decimal(55)
    # per second, per 1000 characters
    assert credits_for(wan_27, {"resolution": "720p", "duration": 10}) == Decimal(160)
    assert credits_for(tts, {}, "x" * 2500) == Decimal(18)


@pytest.mark.parametrize(
    ("model_id", "options", "credits"),
    [
        ("veo3-fast/text-to-video", {"resolution": "720p"}, 60),
        ("veo3-fast/text-to-video", {"resolution": "1080p"}, 65),
        ("veo3-fast/image-to-video", {"resolution": "4k"}, 180),
        ("veo3/text-to-video", {"resolution": "720p"}, 250),
        ("veo3/image-to-video", {"resolution": "4k"}, 370),
        ("veo3-lite/text-to-video", {"resolution": "1080p"}, 35),
        ("veo3-lite/reference-to-video", {"resolution": "720p"}, 30),
        ("veo3-fast/reference-to-video", {"resolution": "4k"}, 180),
        ("suno/by-description", {"model": "V5_5", "instrumental": True}, 12),
        ("suno/my-lyrics", {"model": "V4"}, 12),
        ("runway/text-to-video", {"duration": 5, "quality": "720p"}, 12),
        ("runway/text-to-video", {"duration": 10, "quality": "720p"}, 30),
        ("runway/image-to-video", {"duration": 5, "quality": "1080p"}, 30),
        ("gpt4o-image/text-to-image", {"nVariants": 1}, 6),
        ("gpt4o-image/edit", {"nVariants": 4}, 24),
        ("flux-kontext-pro/text-to-image", {}, 5),
        ("flux-kontext-max/edit", {}, 10),
        ("recraft/remove-background", {}, 1),
        ("recraft/crisp-upscale", {}, 0.5),
        ("wan/2-7-image", {"resolution": "2K"}, 4.8),
        ("wan/2-7-image-pro-edit", {}, 12),
        ("qwen2/text-to-image", {}, 5.6),
        ("ideogram/v3-remix", {"rendering_speed": "QUALITY"}, 10),
        ("kling/v2-1-master-image-to-video", {"duration": "10"}, 320),
        ("kling/v3-turbo-text-to-video", {"resolution": "1080p", "duration": "10"}, 225),
        ("hailuo/02-image-to-video-standard", {"resolution": "512P", "duration": "6"}, 12),
        ("hailuo/02-image-to-video-pro", {}, 57),
    ],
)
def test_new_models_cost_what_the_price_list_says(
    model_id: str, options: dict[str, Any], credits: float
) -> None:
    model = CATALOG.get(model_id)
    assert model is not None
    assert credits_for(model, options) == Decimal(str(credits))


def test_a_veo_video_in_roubles() -> None:
    veo = CATALOG.get("veo3-fast/text-to-video")
    assert veo is not None
    # 65 credits x $0.005 x 100 x 2.0 = 65 RUB
    assert price_kopecks(veo, {"resolution": "1080p"}, PROMPT, PRICING) == 6500


# --- what goes to KIE ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "model", [m for m in CATALOG.models if m.available and m.family == "market"], ids=lambda m: m.id
)
def test_every_market_mode_builds_an_input_kie_accepts(model: CatalogModel) -> None:
    # The fake finds the model by the id KIE knows (an alias reaches the same KIE model in another mode).
    target = CATALOG.get(model.kie_id)
    assert target is not None, model.kie_id
    for options in combos(model):
        if violations(model, options):
            continue
        values = payload(model, options)
        assert FakeKie.invalid_input(target, values) is None, (model.id, options, values)


@pytest.mark.parametrize("model", [m for m in CATALOG.models if m.family != "market"], ids=lambda m: m.id)
def test_every_family_request_passes_the_fakes_validation(model: CatalogModel) -> None:
    fake, families, grid = fake_with_a_finished_mj_grid()
    family = families[CREATE_PATHS[(model.family, model.kie_model if model.family == "mj" else None)]]
    checked = 0
    for options in combos(model):
        if violations(model, options):
            continue
        counts = [model.images.min, model.images.max] if model.images else [0]
        for count in sorted(set(counts)):
            values = payload(model, options, photos(model, count))
            if model.follow_up:
                values["taskId"] = grid  # the bot takes it from the result's task
            body = family_body(model, values)
            assert family.validate(body) is None, (model.id, options, body)
            assert all(body[name] == value for name, value in model.fixed_inputs.items())
            checked += 1
    assert checked, f"{model.id}: no combination of its options is allowed"
    assert fake.family_tasks.keys() == {grid}


def test_family_bodies_by_example() -> None:
    lyrics = CATALOG.get("suno/my-lyrics")
    assert lyrics is not None
    values = payload(lyrics, default_options(lyrics))
    assert family_body(lyrics, values) == {
        "customMode": True,
        "instrumental": False,
        "model": "V5",
        "prompt": PROMPT,
        "style": "pop rock, female vocals, upbeat",
        "title": "Summer Evening",
        "callBackUrl": CALLBACK,
    }
    veo = CATALOG.get("veo3-lite/reference-to-video")
    assert veo is not None
    images = photos(veo, 3)
    assert family_body(veo, payload(veo, default_options(veo), images)) == {
        "prompt": PROMPT,
        "imageUrls": images,
        "model": "veo3_lite",
        "generationType": "REFERENCE_2_VIDEO",
        "duration": 8,
        "aspectRatio": "16:9",
        "resolution": "720p",
        "enableFallback": False,
        "enableTranslation": True,
        "callBackUrl": CALLBACK,
    }
    runway = CATALOG.get("runway/image-to-video")
    assert runway is not None
    assert family_body(runway, payload(runway, {"duration": 10})) == {
        "prompt": PROMPT,
        "imageUrl": "https://kie.example/files/0.png",
        "duration": 10,
        "quality": "720p",
        "callBackUrl": CALLBACK,
    }
    flux = CATALOG.get("flux-kontext-max/edit")
    assert flux is not None
    assert family_body(flux, payload(flux, {})) == {
        "prompt": PROMPT,
        "inputImage": "https://kie.example/files/0.png",
        "enableTranslation": True,
        "model": "flux-kontext-max",
        "callBackUrl": CALLBACK,
    }


def test_cross_field_rules_explain_themselves() -> None:
    hailuo = CATALOG.get("hailuo/2-3-image-to-video-standard")
    runway = CATALOG.get("runway/text-to-video")
    veo = CATALOG.get("veo3-fast/image-to-video")
    assert hailuo and runway and veo
    assert violations(hailuo, {"resolution": "768P", "duration": "10"}) == []
    [message] = violations(hailuo, {"resolution": "1080P", "duration": "10"})
    assert "1080P" in message.ru and "6" in message.ru
    assert violations(runway, {"quality": "1080p", "duration": 5}) == []
    [message] = violations(runway, {"quality": "1080p", "duration": 10})
    assert "1080p" in message.ru and "5" in message.en
    assert violations(veo, {"enableFallback": True, "aspectRatio": "16:9"}) == []
    [message] = violations(veo, {"enableFallback": True, "aspectRatio": "9:16"})
    assert "16:9" in message.ru and "16:9" in message.en


def test_defaults_and_inputs_keep_kie_types() -> None:
    kling = CATALOG.get("kling-2.6/image-to-video")
    assert kling is not None
    built = build_input(kling, "wave", ["https://kie.example/a.png"], default_options(kling))
    assert built == {
        "prompt": "wave",
        "image_urls": ["https://kie.example/a.png"],
        "sound": False,
        "duration": "5",
    }
    wan = CATALOG.get("wan/2-7-image-edit")
    assert wan is not None and wan.kie_id == "wan/2-7-image"
    # one image per run: the price is per image and KIE's default is four
    assert build_input(wan, "red", ["https://kie.example/a.png"], {})["n"] == 1


# --- the wizard's copy --------------------------------------------------------------------------------


def test_voices_have_names() -> None:
    for model_id in ("elevenlabs/text-to-speech-turbo-2-5", "elevenlabs/text-to-speech-multilingual-v2"):
        model = CATALOG.get(model_id)
        assert model is not None
        [voice] = model.options
        assert voice.labels is not None
        for value in model.choices(voice):
            label = voice.labels[str(value)]
            assert "Голос" not in label.ru and "Voice" not in label.en
            assert " · " in label.ru and " · " in label.en
        assert model.prompt_label is not None
        assert model.prompt_label.ru == "Текст для озвучки" and model.prompt_label.en == "Text to speak"


def test_suno_asks_for_lyrics_style_and_title() -> None:
    lyrics = CATALOG.get("suno/my-lyrics")
    simple = CATALOG.get("suno/by-description")
    assert lyrics and simple
    assert lyrics.prompt_label is not None and simple.prompt_label is None
    assert [text.input for text in lyrics.extra_texts] == ["style", "title"]
    assert simple.prompt_limits == (1, 500)
    assert all(m.category == "music" and m.result == "audio" for m in (lyrics, simple))


def test_follow_ups_are_never_listed() -> None:
    follow_ups = {model.id for model in CATALOG.models if model.follow_up}
    assert follow_ups == {"midjourney/upscale", "midjourney/vary"}
    listed = {model.id for category in CATEGORIES for model in CATALOG.offered(category)}
    assert not follow_ups & listed


def test_every_option_and_category_has_copy_in_both_languages() -> None:
    used = {option.input for model in CATALOG.models for option in model.options}
    for copy in (RU, EN):
        assert used <= set(copy.option_names), sorted(used - set(copy.option_names))
        assert set(CATEGORIES) == set(copy.categories)
        # an example per category, and per model where the category's would mislead (lyrics)
        ids = {model.id for model in CATALOG.models}
        assert set(CATEGORIES) <= set(copy.prompt_examples) <= set(CATEGORIES) | ids


def test_a_model_users_may_get_must_be_one_the_wizard_can_fill() -> None:
    edit = CATALOG.get("bytedance/seedream-v4-edit")
    assert edit is not None and edit.images is not None  # an operator's price may unlock it
    broken = edit.model_dump()
    broken["images"] = None
    with pytest.raises(ValueError, match="cannot fill the required inputs"):
        CatalogModel.model_validate(broken)
