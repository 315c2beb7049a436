"""What we add to KIE's model list: titles, one-line descriptions, wizard choices, prices per mode.

Credits follow the KIE price list the team recorded (kie/models.json ``price_note``; 1 credit = USD 0.005).
A model without a confirmed price, or whose input the wizard cannot collect, is kept but not offered.

``OVERLAY`` maps a catalog id to its entry. ``source`` names the models.json / extra_models.json entry it
is made of (default: the id itself); a market model of another id is another mode of the same KIE model
(its ``kie_model``). Family entries (Veo, Suno, Runway, GPT-4o Image, Flux Kontext, Midjourney) give
``kie_model``, ``fixed_inputs`` (sent with every request) and ``inputs``: the source's body fields we send,
each with changes to its spec (a field the source lacks needs its whole spec). Titles are unique across
the catalog: a photo edit says "· правка", a video from a photo "· по фото".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

RATIO_LIMITS_2K = ["auto", "5:4", "4:5", "3:1", "1:3", "9:21"]


def _t(ru: str, en: str) -> dict[str, str]:
    return {"ru": ru, "en": en}


def _by(input_name: str, table: Mapping[str, float]) -> list[dict[str, Any]]:
    """Price rules keyed by one input's value."""
    return [{"when": {input_name: value}, "credits": credits} for value, credits in table.items()]


def _grid(first: str, second: str, table: Mapping[tuple[str, str], float]) -> list[dict[str, Any]]:
    """Price rules keyed by two inputs' values."""
    return [{"when": {first: a, second: b}, "credits": credits} for (a, b), credits in table.items()]


_KLING_26 = {
    "credits": 55,
    "rules": [
        {"when": {"sound": True, "duration": "10"}, "credits": 220},
        {"when": {"sound": True}, "credits": 110},
        {"when": {"duration": "10"}, "credits": 110},
    ],
}
_WAN_26 = {
    "credits": 70,
    "rules": _grid(
        "resolution",
        "duration",
        {
            ("720p", "5"): 70,
            ("720p", "10"): 140,
            ("720p", "15"): 210,
            ("1080p", "5"): 104.5,
            ("1080p", "10"): 209.5,
            ("1080p", "15"): 315,
        },
    ),
}
_WAN_25 = {
    "credits": 60,
    "rules": _grid(
        "resolution",
        "duration",
        {("720p", "5"): 60, ("720p", "10"): 120, ("1080p", "5"): 100, ("1080p", "10"): 200},
    ),
}
_WAN_27 = {
    "credits": 24,
    "rules": _by("resolution", {"720p": 16, "1080p": 24}),
    "per": "second",
    "per_input": "duration",
}
_GROK_VIDEO = {
    "credits": 1.6,
    "rules": _by("resolution", {"720p": 3}),
    "per": "second",
    "per_input": "duration",
}
_HAILUO_1080_ONLY_6S = [
    {
        "when": {"resolution": "1080P"},
        "allowed": {"duration": ["6"]},
        "message": _t(
            "1080P доступно только для 6 секунд — выберите 6 с или 768P.", "1080P works only with 6 seconds."
        ),
    }
]
_GPT_IMAGE_2_RATIOS = [
    {
        "when": {"resolution": "2K"},
        "allowed": {
            "aspect_ratio": ["1:1", "3:2", "2:3", "4:3", "3:4", "16:9", "9:16", "2:1", "1:2", "21:9"],
        },
        "message": _t(
            "Для 2K выберите другое соотношение сторон (без 5:4, 4:5, 3:1, 1:3, 9:21 и «авто»).",
            "2K does not support 5:4, 4:5, 3:1, 1:3, 9:21 or auto.",
        ),
    },
    {
        "when": {"resolution": "4K"},
        "allowed": {"aspect_ratio": ["3:2", "2:3", "4:3", "3:4", "16:9", "9:16", "2:1", "1:2", "21:9"]},
        "message": _t(
            "Для 4K выберите вытянутый формат (1:1, 5:4, 4:5, 3:1, 1:3, 9:21 и «авто» недоступны).",
            "4K does not support 1:1, 5:4, 4:5, 3:1, 1:3, 9:21 or auto.",
        ),
    },
]
# ElevenLabs voices: the names are KIE's own voice list (henjicc/Henji-AI:docs/api/KIE/Music Models/
# ElevenLabs/130-ElevenLabs Turbo 2.5文生语音.md); the genders agree across public voice lists that carry
# the ElevenLabs library's labels. Kuon's gender is listed both ways there, so its label says how it sounds.
_VOICES = {
    "choices": [
        "EkK5I93UQWFDigLMpZcX",
        "Z3R5wn05IrDiVCyEkUrK",
        "NNl6r8mD7vthiJatiJt1",
        "2zRM7PkgwBPiau2jvVXc",
        "YOq2y2Up4RgXP2HyXjE5",
        "B8gJV1IhpuegLxdpXFOE",
    ],
    "labels": {
        "EkK5I93UQWFDigLMpZcX": _t("Джеймс · муж.", "James · male"),
        "Z3R5wn05IrDiVCyEkUrK": _t("Арабелла · жен.", "Arabella · female"),
        "NNl6r8mD7vthiJatiJt1": _t("Брэдфорд · муж.", "Bradford · male"),
        "2zRM7PkgwBPiau2jvVXc": _t("Моника · жен.", "Monika · female"),
        "YOq2y2Up4RgXP2HyXjE5": _t("Ксавьер · муж.", "Xavier · male"),
        "B8gJV1IhpuegLxdpXFOE": _t("Куон · звонкий", "Kuon · bright"),
    },
}
_SPEAK = _t("Текст для озвучки", "Text to speak")
NO_PRICE = "no confirmed price in the KIE price list"

# --- the family APIs (Veo, Suno, Runway, GPT-4o Image, Flux Kontext, Midjourney) ------------------------
# Each family entry of models.json becomes several models of our own ids ("source" names the entry): the
# request body is {**fixed_inputs, **the wizard's values, "callBackUrl"} (+ "model": kie_model).

_YES_NO = {"True": _t("Да", "Yes"), "False": _t("Нет", "No")}

# Veo 3.1: credits per video by resolution (Fast 720p 0.30 / 1080p 0.325 / 4K 0.90 USD; Quality 1.25 /
# 1.275 / 1.85; Lite 0.15 / 0.175 / 0.75). The list also prints "image-to-video, Lite-4K $0.15", beside
# 0.75 for Lite 4K text-to-video and reference-to-video: we charge 0.75 there too, never less than KIE may.
_VEO_CREDITS = {
    "veo3_fast": {"720p": 60, "1080p": 65, "4k": 180},
    "veo3": {"720p": 250, "1080p": 255, "4k": 370},
    "veo3_lite": {"720p": 30, "1080p": 35, "4k": 150},
}
_VEO_NAMES = {"veo3_fast": "Veo 3.1 Fast", "veo3": "Veo 3.1 Quality", "veo3_lite": "Veo 3.1 Lite"}
_VEO_ETA = {"veo3_fast": 180, "veo3": 300, "veo3_lite": 150}
_VEO_RESOLUTION = {"input": "resolution", "labels": {"4k": _t("4K", "4K")}}
_VEO_FALLBACK = {
    "input": "enableFallback",
    "labels": {"True": _t("Да, если откажут", "Yes, if refused"), "False": _t("Нет", "No")},
}
_VEO_FALLBACK_16_9 = [
    {
        "when": {"enableFallback": True},
        "allowed": {"aspectRatio": ["16:9"]},
        "message": _t(
            "Запасная модель снимает только 16:9 — выберите 16:9 или откажитесь от неё.",
            "The backup model makes 16:9 only: pick 16:9 or turn it off.",
        ),
    }
]


def _veo(tier: str, mode: str) -> dict[str, Any]:
    """Veo 3.1 of one tier: text (text-to-video), frames (1-2 photos), references (1-3 photos, 8 s)."""
    name = _VEO_NAMES[tier]
    inputs: dict[str, dict[str, Any]] = {"prompt": {}}
    fixed: dict[str, Any] = {"enableTranslation": True}  # Veo wants English; KIE translates
    options: list[Any] = []
    if mode == "text":
        fixed["generationType"] = "TEXT_2_VIDEO"
        options.append({"input": "aspectRatio", "choices": ["16:9", "9:16"]})
    elif mode == "frames":
        inputs["imageUrls"] = {}
        fixed["generationType"] = "FIRST_AND_LAST_FRAMES_2_VIDEO"
        options.append({"input": "aspectRatio", "choices": ["16:9", "9:16", "Auto"]})
    else:
        inputs["imageUrls"] = {"max": 3, "notes": "1-3 reference images: people, things, a style to use"}
        fixed.update(generationType="REFERENCE_2_VIDEO", duration=8)  # references: 8 seconds only
        options.append({"input": "aspectRatio", "choices": ["16:9", "9:16"]})
    inputs.update(generationType={}, aspectRatio={}, resolution={}, duration={}, enableFallback={})
    inputs["enableTranslation"] = {}
    options.append(_VEO_RESOLUTION)
    if mode != "references":
        options.append({"input": "duration"})
    options.append(_VEO_FALLBACK)
    entry: dict[str, Any] = {
        "source": "veo3_fast",
        "kie_model": tier,
        "fixed_inputs": fixed,
        "inputs": inputs,
        "options": options,
        "constraints": _VEO_FALLBACK_16_9,
        "pricing": {"credits": _VEO_CREDITS[tier]["720p"], "rules": _by("resolution", _VEO_CREDITS[tier])},
        "eta_sec": _VEO_ETA[tier],
    }
    if mode == "text":
        entry.update(
            kind="text-to-video",
            title=_t(name, name),
            description={
                "veo3_fast": _t(
                    "Google Veo: реалистичное видео со звуком и речью, быстро.",
                    "Google Veo: realistic video with sound and speech, fast.",
                ),
                "veo3": _t(
                    "Лучший Veo: кинокартинка, звук и речь.",
                    "Veo at its best: cinematic picture, sound and speech.",
                ),
                "veo3_lite": _t(
                    "Самый доступный Veo, тоже со звуком.", "The most affordable Veo, sound included."
                ),
            }[tier],
        )
    elif mode == "frames":
        entry.update(
            kind="image-to-video",
            title=_t(f"{name} · по фото", f"{name} · from photo"),
            images={"input": "imageUrls", "min": 1, "max": 2},
            description=_t(
                "Оживляет фото; из двух фото — первый и последний кадр.",
                "Animates a photo; two photos become the first and last frames.",
            ),
        )
    else:
        entry.update(
            kind="image-to-video",
            title=_t(f"{name} · по референсам", f"{name} · references"),
            images={"input": "imageUrls", "min": 1, "max": 3},
            description=_t(
                "Видео с людьми и вещами с ваших фото (до 3), 8 секунд.",
                "A video starring people and things from up to 3 photos, 8 s.",
            ),
        )
    return entry


_SUNO_VERSION = {
    "input": "model",
    "choices": ["V5_5", "V5", "V4_5PLUS", "V4_5ALL", "V4_5", "V4"],
    "labels": {
        "V5_5": _t("V5.5", "V5.5"),
        "V5": _t("V5", "V5"),
        "V4_5PLUS": _t("V4.5+", "V4.5+"),
        "V4_5ALL": _t("V4.5 All", "V4.5 All"),
        "V4_5": _t("V4.5", "V4.5"),
        "V4": _t("V4", "V4"),
    },
}
_SUNO = {
    "source": "V5",
    "kind": "music",
    "pricing": {"credits": 12},  # Generate Music: USD 0.06 per request (two tracks)
    "eta_sec": 120,
}

_RUNWAY = {
    "source": "runway",
    # 5 s 720p USD 0.06; 10 s 720p and 5 s 1080p USD 0.15 (text or photo alike)
    "pricing": {
        "credits": 12,
        "rules": [{"when": {"duration": 10}, "credits": 30}, {"when": {"quality": "1080p"}, "credits": 30}],
    },
    "constraints": [
        {
            "when": {"quality": "1080p"},
            "allowed": {"duration": [5]},
            "message": _t(
                "1080p — только для 5 секунд: выберите 5 с или 720p.", "1080p works only with 5 seconds."
            ),
        }
    ],
    "eta_sec": 150,
}

_GPT4O = {
    "source": "gpt4o-image",
    "options": [
        {
            "input": "size",
            "labels": {
                "1:1": _t("Квадрат 1:1", "Square 1:1"),
                "3:2": _t("Альбом 3:2", "Landscape 3:2"),
                "2:3": _t("Портрет 2:3", "Portrait 2:3"),
            },
        },
        {
            "input": "nVariants",
            "labels": {
                "1": _t("1 вариант", "1 image"),
                "2": _t("2 варианта", "2 images"),
                "4": _t("4 варианта", "4 images"),
            },
        },
    ],
    # USD 0.03 per image: 6 credits times the variants
    "pricing": {"credits": 6, "per": "unit", "per_input": "nVariants"},
    "eta_sec": 60,
}

# Midjourney's values the way KIE's MJ generate doc gives them (the local fake keeps the same table).
_MJ_RATIOS = ["1:1", "16:9", "9:16", "4:3", "3:4", "3:2", "2:3"]
_MJ_RATIO_ENUM = ["1:2", "9:16", "2:3", "3:4", "5:6", "6:5", "4:3", "3:2", "1:1", "16:9", "2:1"]
_MJ_IMAGE_OPTIONS = [
    {
        "input": "speed",
        "choices": ["fast", "relaxed", "turbo"],
        "labels": {
            "relaxed": _t("Неспешно", "Relaxed"),
            "fast": _t("Быстро", "Fast"),
            "turbo": _t("Турбо", "Turbo"),
        },
    },
    {"input": "aspectRatio", "choices": _MJ_RATIOS},
    {
        "input": "version",
        "choices": ["7", "6.1", "6", "niji6"],
        "labels": {
            "7": _t("V7", "V7"),
            "6.1": _t("V6.1", "V6.1"),
            "6": _t("V6", "V6"),
            "niji6": _t("Niji 6 (аниме)", "Niji 6 (anime)"),
        },
    },
]
_MJ_IMAGE_INPUTS: dict[str, dict[str, Any]] = {
    "taskType": {},
    "prompt": {"max": 2000},
    "speed": {},
    "aspectRatio": {"enum": _MJ_RATIO_ENUM},
    "version": {},
}
_MJ_PICK = {
    "input": "imageIndex",
    "labels": {str(i): _t(f"№{i + 1}", f"#{i + 1}") for i in range(4)},
}

OVERLAY: dict[str, dict[str, Any]] = {
    # --- Фото ----------------------------------------------------------------------------------------
    "z-image": {
        "title": _t("Z-Image", "Z-Image"),
        "description": _t(
            "Быстрые фото по описанию — бесплатно каждый день.", "Fast images from text, free every day."
        ),
        "options": ["aspect_ratio"],
        "free_per_day": 5,
        "eta_sec": 20,
    },
    "google/nano-banana": {
        "title": _t("Nano Banana", "Nano Banana"),
        "description": _t(
            "Gemini от Google: точно следует описанию.",
            "Google's Gemini image model; follows prompts closely.",
        ),
        "options": ["aspect_ratio"],
    },
    "nano-banana-2": {
        "title": _t("Nano Banana 2", "Nano Banana 2"),
        "description": _t("Новое поколение Nano Banana, до 4K.", "The next Nano Banana, up to 4K."),
        "options": ["aspect_ratio", "resolution"],
        "pricing": {"credits": 8, "rules": _by("resolution", {"1K": 8, "2K": 12, "4K": 18})},
    },
    "nano-banana-pro": {
        "title": _t("Nano Banana Pro", "Nano Banana Pro"),
        "description": _t(
            "Лучшее качество Nano Banana, текст на картинке.",
            "Top Nano Banana quality, good with text in images.",
        ),
        "options": ["aspect_ratio", "resolution"],
        "pricing": {"credits": 18, "rules": _by("resolution", {"1K": 18, "2K": 18, "4K": 24})},
    },
    "seedream/4.5-text-to-image": {
        "title": _t("Seedream 4.5", "Seedream 4.5"),
        "description": _t("ByteDance: детальные фото в 2K и 4K.", "ByteDance: detailed 2K and 4K images."),
        "options": ["aspect_ratio", "quality"],
    },
    "seedream/5-lite-text-to-image": {
        "title": _t("Seedream 5 Lite", "Seedream 5 Lite"),
        "description": _t("Seedream 5 — быстрее и дешевле.", "Seedream 5, faster and cheaper."),
        "options": ["aspect_ratio", "quality"],
    },
    "bytedance/seedream-v4-text-to-image": {"title": _t("Seedream 4", "Seedream 4"), "unavailable": NO_PRICE},
    "flux-2/pro-text-to-image": {
        "title": _t("Flux 2 Pro", "Flux 2 Pro"),
        "description": _t(
            "Black Forest Labs: реализм и чистая композиция.",
            "Black Forest Labs: realism and clean composition.",
        ),
        "options": ["aspect_ratio", "resolution"],
        "pricing": {"credits": 5, "rules": _by("resolution", {"1K": 5, "2K": 7})},
    },
    "flux-2/flex-text-to-image": {
        "title": _t("Flux 2 Flex", "Flux 2 Flex"),
        "description": _t(
            "Flux 2 с тонкой настройкой стиля и типографики.", "Flux 2 tuned for style and typography."
        ),
        "options": ["aspect_ratio", "resolution"],
        "pricing": {"credits": 14, "rules": _by("resolution", {"1K": 14, "2K": 24})},
    },
    "gpt-image/1.5-text-to-image": {
        "title": _t("GPT Image 1.5", "GPT Image 1.5"),
        "description": _t("OpenAI: понимает сложные описания.", "OpenAI: understands complex prompts."),
        "options": ["aspect_ratio", "quality"],
        "pricing": {"credits": 4, "rules": _by("quality", {"medium": 4, "high": 22})},
    },
    "gpt-image-2-text-to-image": {
        "title": _t("GPT Image 2", "GPT Image 2"),
        "description": _t("OpenAI нового поколения, до 4K.", "OpenAI's newest image model, up to 4K."),
        "options": ["aspect_ratio", "resolution"],
        "pricing": {"credits": 6, "rules": _by("resolution", {"1K": 6, "2K": 10, "4K": 16})},
        "constraints": _GPT_IMAGE_2_RATIOS,
    },
    "ideogram/v3-text-to-image": {
        "title": _t("Ideogram 3", "Ideogram 3"),
        "description": _t("Лучше всех пишет текст на изображениях.", "The best at lettering inside images."),
        "options": ["rendering_speed", "style", "image_size"],
        "pricing": {
            "credits": 7,
            "rules": _by("rendering_speed", {"TURBO": 3.5, "BALANCED": 7, "QUALITY": 10}),
        },
    },
    "qwen/text-to-image": {
        "title": _t("Qwen Image", "Qwen Image"),
        "description": _t(
            "Alibaba Qwen: хорош с китайским и английским текстом.", "Alibaba Qwen: good with lettering."
        ),
        "options": ["image_size"],
        # 4 credits per megapixel of the output size.
        "pricing": {
            "credits": 4.2,
            "rules": _by(
                "image_size",
                {
                    "square": 1.05,
                    "square_hd": 4.2,
                    "portrait_4_3": 3.15,
                    "portrait_16_9": 2.36,
                    "landscape_4_3": 3.15,
                    "landscape_16_9": 2.36,
                },
            ),
        },
    },
    "google/imagen4-fast": {
        "title": _t("Imagen 4 Fast", "Imagen 4 Fast"),
        "description": _t("Google Imagen 4 — быстрый режим.", "Google Imagen 4, fast mode."),
        "options": ["aspect_ratio"],
    },
    "google/imagen4": {
        "title": _t("Imagen 4", "Imagen 4"),
        "description": _t("Google Imagen 4: фотореализм.", "Google Imagen 4: photorealism."),
        "options": ["aspect_ratio"],
    },
    "google/imagen4-ultra": {
        "title": _t("Imagen 4 Ultra", "Imagen 4 Ultra"),
        "description": _t("Google Imagen 4 в максимальном качестве.", "Google Imagen 4 at its best quality."),
        "options": ["aspect_ratio"],
    },
    "grok-imagine/text-to-image": {
        "title": _t("Grok Imagine", "Grok Imagine"),
        "description": _t("xAI: несколько вариантов за один запуск.", "xAI: several variants per run."),
        "options": ["aspect_ratio", "enable_pro"],
        "pricing": {"credits": 4, "rules": _by("enable_pro", {"True": 5})},
    },
    # --- Редактирование фото --------------------------------------------------------------------------
    "google/nano-banana-edit": {
        "title": _t("Nano Banana · правка", "Nano Banana · edit"),
        "description": _t(
            "Меняет фото по словам: фон, одежду, детали.",
            "Edits a photo by words: background, clothes, details.",
        ),
        "images": {"input": "image_urls", "min": 1, "max": 10},
        "options": ["aspect_ratio"],
    },
    "seedream/4.5-edit": {
        "title": _t("Seedream 4.5 · правка", "Seedream 4.5 · edit"),
        "description": _t("Редактирование с сохранением лица и стиля.", "Edits that keep faces and style."),
        "images": {"input": "image_urls", "min": 1, "max": 10},
        "options": ["aspect_ratio", "quality"],
    },
    "seedream/5-lite-image-to-image": {
        "title": _t("Seedream 5 Lite · правка", "Seedream 5 Lite · edit"),
        "description": _t("Быстрое редактирование по референсам.", "Fast edits from reference photos."),
        "images": {"input": "image_urls", "min": 1, "max": 10},
        "options": ["aspect_ratio", "quality"],
    },
    "bytedance/seedream-v4-edit": {
        "title": _t("Seedream 4 · правка", "Seedream 4 · edit"),
        # No listed price; an operator's price makes it available, so the wizard must be able to run it.
        "images": {"input": "image_urls", "min": 1, "max": 10},
        "unavailable": NO_PRICE,
    },
    "qwen/image-edit": {
        "title": _t("Qwen Image · правка", "Qwen Image · edit"),
        "description": _t("Точечные правки и надписи на фото.", "Precise edits and lettering on a photo."),
        "images": {"input": "image_url", "min": 1, "max": 1},
        "options": ["image_size"],
        # 6 credits per megapixel of the output size.
        "pricing": {
            "credits": 4.72,
            "rules": _by(
                "image_size",
                {
                    "square": 1.57,
                    "square_hd": 6.3,
                    "portrait_4_3": 4.72,
                    "portrait_16_9": 3.54,
                    "landscape_4_3": 4.72,
                    "landscape_16_9": 3.54,
                },
            ),
        },
    },
    "qwen2/image-edit": {
        "title": _t("Qwen 2 Image · правка", "Qwen 2 Image · edit"),
        "description": _t("Qwen второго поколения для правок фото.", "Second-generation Qwen photo editing."),
        "images": {"input": "image_url", "min": 1, "max": 1},
        "options": ["image_size"],
    },
    "qwen/image-to-image": {
        "title": _t("Qwen Image · по мотивам", "Qwen Image · remix"),
        "description": _t(
            "Новая картинка по мотивам вашего фото.", "A new picture in the spirit of your photo."
        ),
        "images": {"input": "image_url", "min": 1, "max": 1},
        # 4 credits per megapixel; the output follows the input, priced for up to 2 MP.
        "pricing": {"credits": 8},
    },
    "flux-2/pro-image-to-image": {
        "title": _t("Flux 2 Pro · правка", "Flux 2 Pro · edit"),
        "description": _t("Flux 2 Pro по вашим фото-референсам.", "Flux 2 Pro from your reference photos."),
        "images": {"input": "input_urls", "min": 1, "max": 8},
        "options": ["aspect_ratio", "resolution"],
        "pricing": {"credits": 5, "rules": _by("resolution", {"1K": 5, "2K": 7})},
    },
    "flux-2/flex-image-to-image": {
        "title": _t("Flux 2 Flex · правка", "Flux 2 Flex · edit"),
        "description": _t("Flux 2 Flex по вашим фото-референсам.", "Flux 2 Flex from your reference photos."),
        "images": {"input": "input_urls", "min": 1, "max": 8},
        "options": ["aspect_ratio", "resolution"],
        "pricing": {"credits": 14, "rules": _by("resolution", {"1K": 14, "2K": 24})},
    },
    "gpt-image/1.5-image-to-image": {
        "title": _t("GPT Image 1.5 · правка", "GPT Image 1.5 · edit"),
        "description": _t("OpenAI меняет фото по описанию.", "OpenAI edits your photo by description."),
        "images": {"input": "input_urls", "min": 1, "max": 10},
        "options": ["aspect_ratio", "quality"],
        "pricing": {"credits": 4, "rules": _by("quality", {"medium": 4, "high": 22})},
    },
    "gpt-image-2-image-to-image": {
        "title": _t("GPT Image 2 · правка", "GPT Image 2 · edit"),
        "description": _t("OpenAI нового поколения для правок, до 4K.", "OpenAI's newest editing, up to 4K."),
        "images": {"input": "input_urls", "min": 1, "max": 10},
        "options": ["aspect_ratio", "resolution"],
        "pricing": {"credits": 6, "rules": _by("resolution", {"1K": 6, "2K": 10, "4K": 16})},
        "constraints": _GPT_IMAGE_2_RATIOS,
    },
    "grok-imagine/image-to-image": {
        "title": _t("Grok Imagine · правка", "Grok Imagine · edit"),
        "description": _t("xAI переосмысляет ваше фото.", "xAI reimagines your photo."),
        "images": {"input": "image_urls", "min": 1, "max": 1},
    },
    # --- Видео ----------------------------------------------------------------------------------------
    "kling-2.6/text-to-video": {
        "title": _t("Kling 2.6", "Kling 2.6"),
        "description": _t(
            "Кинематографичное видео по описанию, можно со звуком.",
            "Cinematic video from text, sound optional.",
        ),
        "options": ["aspect_ratio", "duration", "sound"],
        "pricing": _KLING_26,
        "eta_sec": 180,
    },
    "kling/v2-5-turbo-text-to-video-pro": {
        "title": _t("Kling 2.5 Turbo", "Kling 2.5 Turbo"),
        "description": _t(
            "Kling быстрее и дешевле, 5 или 10 секунд.", "Faster, cheaper Kling; 5 or 10 seconds."
        ),
        "options": ["aspect_ratio", "duration"],
        "pricing": {"credits": 42, "rules": _by("duration", {"5": 42, "10": 84})},
        "eta_sec": 150,
    },
    "hailuo/02-text-to-video-standard": {
        "title": _t("Hailuo 02", "Hailuo 02"),
        "description": _t("MiniMax Hailuo: живое движение, 768p.", "MiniMax Hailuo: lively motion, 768p."),
        "options": ["duration"],
        "pricing": {"credits": 30, "rules": _by("duration", {"6": 30, "10": 50})},
        "eta_sec": 150,
    },
    "hailuo/02-text-to-video-pro": {
        "title": _t("Hailuo 02 Pro", "Hailuo 02 Pro"),
        "description": _t("Hailuo в 1080p, 6 секунд.", "Hailuo at 1080p, 6 seconds."),
        "eta_sec": 180,
    },
    "wan/2-6-text-to-video": {
        "title": _t("Wan 2.6", "Wan 2.6"),
        "description": _t("Alibaba Wan: до 15 секунд в 1080p.", "Alibaba Wan: up to 15 s in 1080p."),
        "options": ["resolution", "duration"],
        "pricing": _WAN_26,
        "eta_sec": 180,
    },
    "wan/2-5-text-to-video": {
        "title": _t("Wan 2.5", "Wan 2.5"),
        "description": _t("Wan прошлого поколения — дешевле.", "The previous Wan, cheaper."),
        "options": ["aspect_ratio", "resolution", "duration"],
        "pricing": _WAN_25,
        "eta_sec": 180,
    },
    "wan/2-7-text-to-video": {
        "title": _t("Wan 2.7", "Wan 2.7"),
        "description": _t("Новейший Wan, оплата по секундам.", "The newest Wan, priced per second."),
        "options": ["ratio", "resolution", {"input": "duration", "choices": [5, 10, 15]}],
        "pricing": _WAN_27,
        "eta_sec": 180,
    },
    "bytedance/seedance-2": {
        "title": _t("Seedance 2", "Seedance 2"),
        "description": _t(
            "ByteDance: видео со звуком по описанию.", "ByteDance: video with sound from text."
        ),
        "prompt_required": True,
        "options": ["aspect_ratio", "resolution", {"input": "duration", "choices": [5, 10, 15]}],
        "pricing": {
            "credits": 41,
            "rules": _by("resolution", {"480p": 19, "720p": 41, "1080p": 102, "4k": 208}),
            "per": "second",
            "per_input": "duration",
        },
        "eta_sec": 240,
    },
    "bytedance/v1-pro-text-to-video": {
        "title": _t("Seedance 1 Pro", "Seedance 1 Pro"),
        "unavailable": NO_PRICE,
    },
    "grok-imagine/text-to-video": {
        "title": _t("Grok Imagine Video", "Grok Imagine Video"),
        "description": _t("xAI: короткие ролики по описанию.", "xAI: short clips from text."),
        "options": [
            "aspect_ratio",
            "resolution",
            {"input": "mode", "choices": ["normal", "fun"]},
            {"input": "duration", "choices": [6, 10, 15]},
        ],
        "pricing": _GROK_VIDEO,
        "eta_sec": 120,
    },
    "kling-3.0/video": {
        "title": _t("Kling 3.0", "Kling 3.0"),
        "description": _t(
            "Новейший Kling: 720p, 1080p или 4K, со звуком.",
            "The newest Kling: 720p, 1080p or 4K, with sound.",
        ),
        "prompt_required": True,
        "options": ["aspect_ratio", "mode", {"input": "duration", "choices": ["5", "10", "15"]}, "sound"],
        "pricing": {
            "credits": 18,
            "rules": _grid(
                "mode",
                "sound",
                {("std", "False"): 14, ("std", "True"): 20, ("pro", "False"): 18, ("pro", "True"): 27},
            )
            + _by("mode", {"4K": 67}),
            "per": "second",
            "per_input": "duration",
        },
        "eta_sec": 240,
    },
    "sora-2-text-to-video": {"title": _t("Sora 2", "Sora 2"), "unavailable": NO_PRICE},
    "sora-2-pro-text-to-video": {"title": _t("Sora 2 Pro", "Sora 2 Pro"), "unavailable": NO_PRICE},
    # --- Оживить фото -------------------------------------------------------------------------------------
    "kling-2.6/image-to-video": {
        "title": _t("Kling 2.6 · по фото", "Kling 2.6 · from photo"),
        "description": _t(
            "Оживляет фото: движение по вашему описанию.", "Brings a photo to life as you describe."
        ),
        "images": {"input": "image_urls", "min": 1, "max": 1},
        "options": ["duration", "sound"],
        "pricing": _KLING_26,
        "eta_sec": 180,
    },
    "kling/v2-5-turbo-image-to-video-pro": {
        "title": _t("Kling 2.5 Turbo · по фото", "Kling 2.5 Turbo · from photo"),
        "description": _t("Быстрое оживление фото.", "Fast photo animation."),
        "images": {"input": "image_url", "min": 1, "max": 1},
        "options": ["duration"],
        "pricing": {"credits": 42, "rules": _by("duration", {"5": 42, "10": 84})},
        "eta_sec": 150,
    },
    "kling/v2-1-standard": {
        "title": _t("Kling 2.1 · по фото", "Kling 2.1 · from photo"),
        "description": _t("Недорогое оживление фото.", "Affordable photo animation."),
        "images": {"input": "image_url", "min": 1, "max": 1},
        "options": ["duration"],
        "pricing": {"credits": 25, "rules": _by("duration", {"5": 25, "10": 50})},
        "eta_sec": 150,
    },
    "kling/v2-1-pro": {
        "title": _t("Kling 2.1 Pro · по фото", "Kling 2.1 Pro · from photo"),
        "description": _t("Kling 2.1 в 1080p.", "Kling 2.1 at 1080p."),
        "images": {"input": "image_url", "min": 1, "max": 1},
        "options": ["duration"],
        "pricing": {"credits": 50, "rules": _by("duration", {"5": 50, "10": 100})},
        "eta_sec": 180,
    },
    "hailuo/2-3-image-to-video-standard": {
        "title": _t("Hailuo 2.3 · по фото", "Hailuo 2.3 · from photo"),
        "description": _t("Реалистичное движение людей и камеры.", "Realistic motion of people and camera."),
        "images": {"input": "image_url", "min": 1, "max": 1},
        "options": ["resolution", "duration"],
        "pricing": {
            "credits": 30,
            "rules": _grid("resolution", "duration", {("768P", "10"): 50, ("1080P", "6"): 50}),
        },
        "constraints": _HAILUO_1080_ONLY_6S,
        "eta_sec": 150,
    },
    "hailuo/2-3-image-to-video-pro": {
        "title": _t("Hailuo 2.3 Pro · по фото", "Hailuo 2.3 Pro · from photo"),
        "description": _t("Hailuo 2.3 в максимальном качестве.", "Hailuo 2.3 at its best quality."),
        "images": {"input": "image_url", "min": 1, "max": 1},
        "options": ["resolution", "duration"],
        "pricing": {
            "credits": 45,
            "rules": _grid("resolution", "duration", {("768P", "10"): 90, ("1080P", "6"): 80}),
        },
        "constraints": _HAILUO_1080_ONLY_6S,
        "eta_sec": 180,
    },
    "wan/2-6-image-to-video": {
        "title": _t("Wan 2.6 · по фото", "Wan 2.6 · from photo"),
        "description": _t("Оживление фото до 15 секунд.", "Photo animation up to 15 seconds."),
        "images": {"input": "image_urls", "min": 1, "max": 1},
        "options": ["resolution", "duration"],
        "pricing": _WAN_26,
        "eta_sec": 180,
    },
    "wan/2-5-image-to-video": {
        "title": _t("Wan 2.5 · по фото", "Wan 2.5 · from photo"),
        "description": _t("Оживление фото — дешевле.", "Photo animation, cheaper."),
        "images": {"input": "image_url", "min": 1, "max": 1},
        "options": ["resolution", "duration"],
        "pricing": _WAN_25,
        "eta_sec": 180,
    },
    "wan/2-7-image-to-video": {
        "title": _t("Wan 2.7 · по фото", "Wan 2.7 · from photo"),
        "description": _t(
            "Новейший Wan: первый кадр — ваше фото.", "The newest Wan, starting from your photo."
        ),
        "images": {"input": "first_frame_url", "min": 1, "max": 1},
        "options": ["resolution", {"input": "duration", "choices": [5, 10, 15]}],
        "pricing": _WAN_27,
        "eta_sec": 180,
    },
    "bytedance/seedance-1.5-pro": {
        "title": _t("Seedance 1.5 Pro · по фото", "Seedance 1.5 Pro · from photo"),
        "description": _t(
            "ByteDance: фото в видео, можно со звуком.", "ByteDance: photo to video, sound optional."
        ),
        "images": {"input": "input_urls", "min": 1, "max": 2},
        "options": [
            "aspect_ratio",
            "resolution",
            {"input": "duration", "choices": [4, 8, 12]},
            "generate_audio",
        ],
        "pricing": {
            "credits": 3.5,
            "rules": _grid(
                "resolution",
                "generate_audio",
                {
                    ("480p", "False"): 1.75,
                    ("480p", "True"): 3.5,
                    ("720p", "False"): 3.5,
                    ("720p", "True"): 7,
                    ("1080p", "False"): 7.5,
                    ("1080p", "True"): 15,
                },
            ),
            "per": "second",
            "per_input": "duration",
        },
        "eta_sec": 180,
    },
    "grok-imagine/image-to-video": {
        "title": _t("Grok Imagine Video · по фото", "Grok Imagine Video · from photo"),
        "description": _t("xAI оживляет фото за пару минут.", "xAI animates a photo in a couple of minutes."),
        "images": {"input": "image_urls", "min": 1, "max": 1},
        "options": [
            "resolution",
            {"input": "mode", "choices": ["normal", "fun"]},
            {"input": "duration", "choices": [6, 10, 15]},
        ],
        "pricing": _GROK_VIDEO,
        "eta_sec": 120,
    },
    "sora-2-image-to-video": {
        "title": _t("Sora 2 · по фото", "Sora 2 · from photo"),
        "images": {"input": "image_urls", "min": 1, "max": 1},
        "unavailable": NO_PRICE,
    },
    # --- Аудио ----------------------------------------------------------------------------------------
    "elevenlabs/text-to-speech-turbo-2-5": {
        "title": _t("ElevenLabs Turbo 2.5", "ElevenLabs Turbo 2.5"),
        "description": _t("Быстрая озвучка текста, 32 языка.", "Fast text to speech, 32 languages."),
        "prompt_label": _SPEAK,
        "options": [{"input": "voice", **_VOICES}],
        "pricing": {"credits": 6, "per": "1000_chars"},
        "eta_sec": 20,
    },
    "elevenlabs/text-to-speech-multilingual-v2": {
        "title": _t("ElevenLabs Multilingual", "ElevenLabs Multilingual"),
        "description": _t("Самая естественная озвучка ElevenLabs.", "ElevenLabs' most natural voice."),
        "prompt_label": _SPEAK,
        "options": [{"input": "voice", **_VOICES}],
        "pricing": {"credits": 12, "per": "1000_chars"},
        "eta_sec": 30,
    },
    "elevenlabs/text-to-dialogue-v3": {
        "title": _t("ElevenLabs Dialogue", "ElevenLabs Dialogue"),
        "unavailable": "needs a structured multi-speaker dialogue the three-step wizard does not collect",
    },
    # --- Семейные API: Veo 3.1 ----------------------------------------------------------------------------
    "veo3-fast/text-to-video": _veo("veo3_fast", "text"),
    "veo3/text-to-video": _veo("veo3", "text"),
    "veo3-lite/text-to-video": _veo("veo3_lite", "text"),
    "veo3-fast/image-to-video": _veo("veo3_fast", "frames"),
    "veo3/image-to-video": _veo("veo3", "frames"),
    "veo3-lite/image-to-video": _veo("veo3_lite", "frames"),
    "veo3-fast/reference-to-video": _veo("veo3_fast", "references"),
    "veo3-lite/reference-to-video": _veo("veo3_lite", "references"),
    # --- Suno -----------------------------------------------------------------------------------------------
    "suno/by-description": {
        **_SUNO,
        "title": _t("Suno · по описанию", "Suno · from a description"),
        "description": _t(
            "Готовая песня по описанию: музыка, стихи и вокал, два варианта.",
            "A finished song from a description: music, lyrics, vocals; two takes.",
        ),
        "fixed_inputs": {"customMode": False},
        "inputs": {
            "prompt": {"required": True, "max": 500, "notes": "simple mode: a description of the song"},
            "customMode": {},
            "instrumental": {},
            "model": {"default": "V5"},
        },
        "options": [
            _SUNO_VERSION,
            {
                "input": "instrumental",
                "labels": {"False": _t("С вокалом", "With vocals"), "True": _t("Без слов", "Instrumental")},
            },
        ],
    },
    "suno/my-lyrics": {
        **_SUNO,
        "title": _t("Suno · свой текст", "Suno · my lyrics"),
        "description": _t(
            "Песня на ваши стихи в стиле, который вы назовёте.",
            "A song on your lyrics, in the style you name.",
        ),
        # Custom mode with vocals: the lyrics are sung as written; an instrumental would drop them.
        "fixed_inputs": {"customMode": True, "instrumental": False},
        "inputs": {
            # 3000 / 200 characters: V4's limits (V4.5 and later take 5000 / 1000), so every version fits
            "prompt": {"required": True, "max": 3000, "notes": "custom mode: the lyrics, sung as written"},
            "style": {"required": True, "max": 200},
            "title": {"required": True},
            "customMode": {},
            "instrumental": {},
            "model": {"default": "V5"},
        },
        "prompt_label": _t("Текст песни", "Song lyrics"),
        "extra_texts": [
            {
                "input": "style",
                "label": _t("Стиль музыки", "Music style"),
                "example": _t("поп-рок, женский вокал, бодро", "pop rock, female vocals, upbeat"),
            },
            {
                "input": "title",
                "label": _t("Название песни", "Song title"),
                "example": _t("Летний вечер", "Summer Evening"),
            },
        ],
        "options": [_SUNO_VERSION],
    },
    # --- Runway ---------------------------------------------------------------------------------------------
    "runway/text-to-video": {
        **_RUNWAY,
        "kind": "text-to-video",
        "title": _t("Runway", "Runway"),
        "description": _t("Runway: динамичные ролики на 5–10 секунд.", "Runway: dynamic 5–10 second clips."),
        "inputs": {"prompt": {}, "aspectRatio": {}, "duration": {}, "quality": {}},
        "options": [
            {"input": "aspectRatio", "choices": ["16:9", "9:16", "1:1", "4:3", "3:4"]},
            "duration",
            "quality",
        ],
    },
    "runway/image-to-video": {
        **_RUNWAY,
        "kind": "image-to-video",
        "title": _t("Runway · по фото", "Runway · from photo"),
        "description": _t(
            "Runway превращает фото в короткий ролик.", "Runway turns a photo into a short clip."
        ),
        "inputs": {"prompt": {}, "imageUrl": {}, "duration": {}, "quality": {}},
        "images": {"input": "imageUrl", "min": 1, "max": 1},
        "options": ["duration", "quality"],
    },
    # --- GPT-4o Image ---------------------------------------------------------------------------------------
    "gpt4o-image/text-to-image": {
        **_GPT4O,
        "kind": "text-to-image",
        "title": _t("GPT-4o Image", "GPT-4o Image"),
        "description": _t(
            "OpenAI 4o: сложные сцены и надписи, до 4 вариантов.",
            "OpenAI 4o: complex scenes and lettering, up to 4 variants.",
        ),
        "inputs": {"prompt": {"required": True}, "size": {}, "nVariants": {}},
    },
    "gpt4o-image/edit": {
        **_GPT4O,
        "title": _t("GPT-4o Image · правка", "GPT-4o Image · edit"),
        "description": _t(
            "Меняет и объединяет до 5 фото по вашим словам.", "Edits and combines up to 5 photos as you say."
        ),
        "inputs": {"prompt": {"required": True}, "filesUrl": {}, "size": {}, "nVariants": {}},
        "images": {"input": "filesUrl", "min": 1, "max": 5},
    },
    # --- Flux Kontext ---------------------------------------------------------------------------------------
    "flux-kontext-pro/text-to-image": {
        "source": "flux-kontext-pro",
        "kind": "text-to-image",
        "kie_model": "flux-kontext-pro",
        "title": _t("Flux Kontext Pro", "Flux Kontext Pro"),
        "description": _t(
            "Black Forest Labs: точно по описанию, быстро.", "Black Forest Labs: true to the prompt, fast."
        ),
        "fixed_inputs": {"enableTranslation": True},  # the prompt must be English; KIE translates
        "inputs": {"prompt": {}, "aspectRatio": {}, "enableTranslation": {}},
        "options": ["aspectRatio"],
        "pricing": {"credits": 5},  # USD 0.025
    },
    "flux-kontext-max/text-to-image": {
        "source": "flux-kontext-pro",
        "kind": "text-to-image",
        "kie_model": "flux-kontext-max",
        "title": _t("Flux Kontext Max", "Flux Kontext Max"),
        "description": _t(
            "Kontext Max: больше деталей в сложных сценах.", "Kontext Max: more detail in complex scenes."
        ),
        "fixed_inputs": {"enableTranslation": True},
        "inputs": {"prompt": {}, "aspectRatio": {}, "enableTranslation": {}},
        "options": ["aspectRatio"],
        "pricing": {"credits": 10},  # USD 0.05
    },
    # Editing keeps the photo's own proportions (no aspectRatio sent).
    "flux-kontext-pro/edit": {
        "source": "flux-kontext-pro",
        "kie_model": "flux-kontext-pro",
        "title": _t("Flux Kontext Pro · правка", "Flux Kontext Pro · edit"),
        "description": _t(
            "Точечная правка: меняет названное, остальное не трогает.",
            "Targeted edits: changes what you name, keeps the rest.",
        ),
        "fixed_inputs": {"enableTranslation": True},
        "inputs": {"prompt": {}, "inputImage": {}, "enableTranslation": {}},
        "images": {"input": "inputImage", "min": 1, "max": 1},
        "pricing": {"credits": 5},
    },
    "flux-kontext-max/edit": {
        "source": "flux-kontext-pro",
        "kie_model": "flux-kontext-max",
        "title": _t("Flux Kontext Max · правка", "Flux Kontext Max · edit"),
        "description": _t(
            "Самые аккуратные правки Kontext, сложные сцены.", "Kontext's most careful edits, complex scenes."
        ),
        "fixed_inputs": {"enableTranslation": True},
        "inputs": {"prompt": {}, "inputImage": {}, "enableTranslation": {}},
        "images": {"input": "inputImage", "min": 1, "max": 1},
        "pricing": {"credits": 10},
    },
    # --- Midjourney: no price in KIE's list; an operator may price it in the control room ------------------
    "midjourney/text-to-image": {
        "source": "midjourney",
        "title": _t("Midjourney", "Midjourney"),
        "description": _t(
            "Узнаваемый художественный стиль, 4 варианта за раз.",
            "The signature artistic look, 4 images a run.",
        ),
        "fixed_inputs": {"taskType": "mj_txt2img"},
        "inputs": _MJ_IMAGE_INPUTS,
        "options": _MJ_IMAGE_OPTIONS,
        "eta_sec": 90,
        "unavailable": NO_PRICE,
    },
    "midjourney/image-to-image": {
        "source": "midjourney",
        "kind": "image-edit",
        "title": _t("Midjourney · по фото", "Midjourney · from photo"),
        "description": _t(
            "Midjourney рисует по мотивам вашего фото.", "Midjourney paints in the spirit of your photo."
        ),
        "fixed_inputs": {"taskType": "mj_img2img"},
        "inputs": {**_MJ_IMAGE_INPUTS, "fileUrls": {}},
        "images": {"input": "fileUrls", "min": 1, "max": 1},
        "options": _MJ_IMAGE_OPTIONS,
        "eta_sec": 90,
        "unavailable": NO_PRICE,
    },
    "midjourney/image-to-video": {
        "source": "midjourney",
        "kind": "image-to-video",
        "title": _t("Midjourney · видео", "Midjourney · video"),
        "description": _t("Midjourney оживляет картинку.", "Midjourney brings a picture to life."),
        "fixed_inputs": {"taskType": "mj_video"},
        "inputs": {
            "taskType": {},
            "prompt": {"max": 2000},
            "fileUrls": {},
            "motion": {
                "type": "string",
                "enum": ["low", "high"],
                "notes": "required for mj_video (KIE's MJ generate doc)",
            },
        },
        "images": {"input": "fileUrls", "min": 1, "max": 1},
        "options": [
            {
                "input": "motion",
                "labels": {"low": _t("Спокойное", "Calm"), "high": _t("Активное", "Lively")},
            }
        ],
        "eta_sec": 180,
        "unavailable": NO_PRICE,
    },
    "midjourney/upscale": {
        "source": "midjourney-upscale",
        "kie_model": "upscale",
        "follow_up": True,
        "title": _t("Midjourney · увеличение", "Midjourney · upscale"),
        "description": _t(
            "Увеличивает выбранную картинку из четырёх.", "Upscales the picked image of the four."
        ),
        "inputs": {"taskId": {}, "imageIndex": {}},
        "options": [_MJ_PICK],
        "eta_sec": 60,
        "unavailable": NO_PRICE,
    },
    "midjourney/vary": {
        "source": "midjourney-vary",
        "kie_model": "vary",
        "follow_up": True,
        "title": _t("Midjourney · вариации", "Midjourney · variations"),
        "description": _t("Четыре новых варианта выбранной картинки.", "Four new takes on the picked image."),
        "inputs": {"taskId": {}, "imageIndex": {}},
        "options": [_MJ_PICK],
        "eta_sec": 90,
        "unavailable": NO_PRICE,
    },
    # --- Ещё модели рынка KIE (источники в extra_models.json) --------------------------------------------
    "wan/2-7-image": {
        "title": _t("Wan 2.7 Image", "Wan 2.7 Image"),
        "description": _t(
            "Alibaba Wan: недорогие детальные картинки в 2K.", "Alibaba Wan: affordable, detailed 2K images."
        ),
        "options": ["aspect_ratio", "resolution"],
    },
    "wan/2-7-image-pro": {
        "title": _t("Wan 2.7 Image Pro", "Wan 2.7 Image Pro"),
        "description": _t("Wan Pro: больше деталей, до 4K.", "Wan Pro: more detail, up to 4K."),
        "options": ["aspect_ratio", "resolution"],
        "eta_sec": 45,
    },
    "wan/2-7-image-edit": {
        "source": "wan/2-7-image",
        "kind": "image-edit",
        "title": _t("Wan 2.7 Image · правка", "Wan 2.7 Image · edit"),
        "description": _t(
            "Правки по словам, можно объединить до 9 фото.", "Edits by words; combines up to 9 photos."
        ),
        "images": {"input": "input_urls", "min": 1, "max": 9},
        "options": ["resolution"],
    },
    "wan/2-7-image-pro-edit": {
        "source": "wan/2-7-image-pro",
        "kind": "image-edit",
        "title": _t("Wan 2.7 Image Pro · правка", "Wan 2.7 Image Pro · edit"),
        "description": _t(
            "Wan Pro: аккуратные правки по 1–9 фото.", "Wan Pro: careful edits from 1–9 photos."
        ),
        "images": {"input": "input_urls", "min": 1, "max": 9},
        "options": [{"input": "resolution", "choices": ["1K", "2K"]}],  # 4K only without photos
        "eta_sec": 50,
    },
    "qwen2/text-to-image": {
        "title": _t("Qwen 2 Image", "Qwen 2 Image"),
        "description": _t(
            "Alibaba Qwen 2: чёткие надписи и плакаты.", "Alibaba Qwen 2: crisp lettering and posters."
        ),
        "options": ["image_size"],
    },
    "recraft/remove-background": {
        "title": _t("Recraft · убрать фон", "Recraft · remove background"),
        "description": _t(
            "Убирает фон с фото за секунды — для товаров и аватарок.",
            "Removes a photo's background in seconds: products, avatars.",
        ),
        "images": {"input": "image", "min": 1, "max": 1, "max_mb": 5},
        "eta_sec": 20,
    },
    "recraft/crisp-upscale": {
        "title": _t("Recraft · чёткость", "Recraft · crisp upscale"),
        "description": _t("Увеличивает фото и делает его резче.", "Upscales a photo and makes it sharper."),
        "images": {"input": "image", "min": 1, "max": 1},
        "eta_sec": 30,
    },
    "ideogram/v3-remix": {
        "title": _t("Ideogram 3 · ремикс", "Ideogram 3 · remix"),
        "description": _t(
            "Перерисовывает ваше фото в новом стиле, хорошо с текстом.",
            "Redraws your photo in a new style; good with lettering.",
        ),
        "images": {"input": "image_url", "min": 1, "max": 1},
        "options": ["rendering_speed", "image_size"],
        "pricing": {
            "credits": 7,
            "rules": _by("rendering_speed", {"TURBO": 3.5, "BALANCED": 7, "QUALITY": 10}),
        },
    },
    "kling/v2-1-master-text-to-video": {
        "title": _t("Kling 2.1 Master", "Kling 2.1 Master"),
        "description": _t(
            "Флагман Kling 2.1: плавное движение и детали, 1080p.",
            "Kling 2.1's flagship: smooth motion and detail, 1080p.",
        ),
        "options": ["aspect_ratio", "duration"],
        "pricing": {"credits": 160, "rules": _by("duration", {"5": 160, "10": 320})},
        "eta_sec": 240,
    },
    "kling/v2-1-master-image-to-video": {
        "title": _t("Kling 2.1 Master · по фото", "Kling 2.1 Master · from photo"),
        "description": _t(
            "Флагман Kling 2.1 оживляет фото в 1080p.", "Kling 2.1's flagship animates a photo in 1080p."
        ),
        "images": {"input": "image_url", "min": 1, "max": 1},
        "options": ["duration"],
        "pricing": {"credits": 160, "rules": _by("duration", {"5": 160, "10": 320})},
        "eta_sec": 240,
    },
    "kling/v3-turbo-text-to-video": {
        "title": _t("Kling 3.0 Turbo", "Kling 3.0 Turbo"),
        "description": _t(
            "Быстрый Kling 3.0: до 15 секунд в 720p или 1080p.",
            "Fast Kling 3.0: up to 15 s in 720p or 1080p.",
        ),
        "options": ["aspect_ratio", "resolution", {"input": "duration", "choices": ["5", "10", "15"]}],
        "pricing": {
            "credits": 18,
            "rules": _by("resolution", {"720p": 18, "1080p": 22.5}),
            "per": "second",
            "per_input": "duration",
        },
        "eta_sec": 180,
    },
    "kling/v3-turbo-image-to-video": {
        "title": _t("Kling 3.0 Turbo · по фото", "Kling 3.0 Turbo · from photo"),
        "description": _t(
            "Быстрый Kling 3.0 оживляет фото, до 15 секунд.",
            "Fast Kling 3.0 animates a photo, up to 15 s.",
        ),
        "images": {"input": "image_urls", "min": 1, "max": 1},
        "options": ["resolution", {"input": "duration", "choices": ["5", "10", "15"]}],
        "pricing": {
            "credits": 18,
            "rules": _by("resolution", {"720p": 18, "1080p": 22.5}),
            "per": "second",
            "per_input": "duration",
        },
        "eta_sec": 180,
    },
    "hailuo/02-image-to-video-standard": {
        "title": _t("Hailuo 02 · по фото", "Hailuo 02 · from photo"),
        "description": _t(
            "MiniMax Hailuo: живое движение по фото, недорого.",
            "MiniMax Hailuo: lively motion from a photo, affordable.",
        ),
        "images": {"input": "image_url", "min": 1, "max": 1},
        "options": ["resolution", "duration"],
        "pricing": {
            "credits": 30,
            "rules": _grid(
                "resolution",
                "duration",
                {("512P", "6"): 12, ("512P", "10"): 20, ("768P", "6"): 30, ("768P", "10"): 50},
            ),
        },
        "eta_sec": 150,
    },
    "hailuo/02-image-to-video-pro": {
        "title": _t("Hailuo 02 Pro · по фото", "Hailuo 02 Pro · from photo"),
        "description": _t("Hailuo 02 по фото в 1080p, 6 секунд.", "Hailuo 02 from a photo in 1080p, 6 s."),
        "images": {"input": "image_url", "min": 1, "max": 1},
        "eta_sec": 180,
    },
}
