"""The model catalog: valid against its schema, priced in every mode, and what it sends is what KIE accepts."""

from __future__ import annotations

import itertools
import json
from decimal import Decimal
from importlib import resources

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
from infra.local.kie.fake import FakeKie

PRICING = PricingSettings()


def test_the_whole_file_validates_against_its_schema() -> None:
    raw = json.loads(resources.files("creativebot.kie").joinpath("catalog.json").read_text(encoding="utf-8"))
    catalog = Catalog.model_validate(raw)
    assert len(catalog.models) >= 50
    assert len({model.id for model in catalog.models}) == len(catalog.models)
    assert all(model.title.ru and model.title.en for model in catalog.models)
    # every category has something to offer
    assert all(catalog.offered(category) for category in CATEGORIES)


def test_unavailable_models_say_why() -> None:
    hidden = [model for model in load_catalog().models if not model.available]
    assert hidden, "the catalog keeps unpriced models without offering them"
    assert all(model.unavailable_reason for model in hidden)


@pytest.mark.parametrize("model", [m for m in load_catalog().models if m.available], ids=lambda m: m.id)
def test_every_mode_has_a_price_and_builds_an_input_kie_accepts(model: CatalogModel) -> None:
    names = [option.input for option in model.options]
    combos = itertools.islice(itertools.product(*(model.choices(option) for option in model.options)), 60)
    images = [f"https://kie.example/files/{i}.png" for i in range(model.images.min if model.images else 0)]
    prompt = "a lighthouse at dawn, watercolor" if model.prompt_input else None
    for combo in combos:
        options = dict(zip(names, combo, strict=True))
        assert price_kopecks(model, options, prompt or "", PRICING) >= 100
        if violations(model, options):
            continue
        payload = build_input(model, prompt, images, options)
        assert FakeKie.invalid_input(model, payload) is None, (model.id, options, payload)


def test_roubles_follow_the_documented_formula() -> None:
    catalog = load_catalog()
    z_image = catalog.get("z-image")
    banana_2 = catalog.get("nano-banana-2")
    kling = catalog.get("kling-2.6/text-to-video")
    wan_27 = catalog.get("wan/2-7-text-to-video")
    tts = catalog.get("elevenlabs/text-to-speech-turbo-2-5")
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


def test_cross_field_rules_explain_themselves() -> None:
    hailuo = load_catalog().get("hailuo/2-3-image-to-video-standard")
    assert hailuo is not None
    assert violations(hailuo, {"resolution": "768P", "duration": "10"}) == []
    [message] = violations(hailuo, {"resolution": "1080P", "duration": "10"})
    assert "1080P" in message.ru and "6" in message.ru


def test_defaults_and_inputs_keep_kie_types() -> None:
    kling = load_catalog().get("kling-2.6/image-to-video")
    assert kling is not None
    payload = build_input(kling, "wave", ["https://kie.example/a.png"], default_options(kling))
    assert payload == {
        "prompt": "wave",
        "image_urls": ["https://kie.example/a.png"],
        "sound": False,
        "duration": "5",
    }


def test_every_option_and_category_has_copy_in_both_languages() -> None:
    used = {option.input for model in load_catalog().models for option in model.options}
    for copy in (RU, EN):
        assert used <= set(copy.option_names), used - set(copy.option_names)
        assert set(CATEGORIES) == set(copy.categories) == set(copy.prompt_examples)
