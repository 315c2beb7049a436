"""What we add to KIE's model list: titles, one-line descriptions, wizard choices, prices per mode.

Credits follow the KIE price list the team recorded (kie/models.json ``price_note``; 1 credit = USD 0.005).
A model without a confirmed price, or whose input the wizard cannot collect, is kept but not offered.
"""

from __future__ import annotations

from typing import Any

RATIO_LIMITS_2K = ["auto", "5:4", "4:5", "3:1", "1:3", "9:21"]


def _t(ru: str, en: str) -> dict[str, str]:
    return {"ru": ru, "en": en}


def _by(input_name: str, table: dict[str, float]) -> list[dict[str, Any]]:
    """Price rules keyed by one input's value."""
    return [{"when": {input_name: value}, "credits": credits} for value, credits in table.items()]


def _grid(first: str, second: str, table: dict[tuple[str, str], float]) -> list[dict[str, Any]]:
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
_VOICES = {
    "choices": [
        "EkK5I93UQWFDigLMpZcX",
        "Z3R5wn05IrDiVCyEkUrK",
        "NNl6r8mD7vthiJatiJt1",
        "YOq2y2Up4RgXP2HyXjE5",
        "B8gJV1IhpuegLxdpXFOE",
        "2zRM7PkgwBPiau2jvVXc",
    ],
    "labels": {
        "EkK5I93UQWFDigLMpZcX": _t("Голос 1", "Voice 1"),
        "Z3R5wn05IrDiVCyEkUrK": _t("Голос 2", "Voice 2"),
        "NNl6r8mD7vthiJatiJt1": _t("Голос 3", "Voice 3"),
        "YOq2y2Up4RgXP2HyXjE5": _t("Голос 4", "Voice 4"),
        "B8gJV1IhpuegLxdpXFOE": _t("Голос 5", "Voice 5"),
        "2zRM7PkgwBPiau2jvVXc": _t("Голос 6", "Voice 6"),
    },
}
NO_PRICE = "no confirmed price in the 2026-06-30 KIE price list"

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
        "title": _t("Nano Banana Edit", "Nano Banana Edit"),
        "description": _t(
            "Меняет фото по словам: фон, одежду, детали.",
            "Edits a photo by words: background, clothes, details.",
        ),
        "images": {"input": "image_urls", "min": 1, "max": 10},
        "options": ["aspect_ratio"],
    },
    "seedream/4.5-edit": {
        "title": _t("Seedream 4.5 Edit", "Seedream 4.5 Edit"),
        "description": _t("Редактирование с сохранением лица и стиля.", "Edits that keep faces and style."),
        "images": {"input": "image_urls", "min": 1, "max": 10},
        "options": ["aspect_ratio", "quality"],
    },
    "seedream/5-lite-image-to-image": {
        "title": _t("Seedream 5 Lite Edit", "Seedream 5 Lite Edit"),
        "description": _t("Быстрое редактирование по референсам.", "Fast edits from reference photos."),
        "images": {"input": "image_urls", "min": 1, "max": 10},
        "options": ["aspect_ratio", "quality"],
    },
    "bytedance/seedream-v4-edit": {
        "title": _t("Seedream 4 Edit", "Seedream 4 Edit"),
        "unavailable": NO_PRICE,
    },
    "qwen/image-edit": {
        "title": _t("Qwen Image Edit", "Qwen Image Edit"),
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
        "title": _t("Qwen 2 Edit", "Qwen 2 Edit"),
        "description": _t("Qwen второго поколения для правок фото.", "Second-generation Qwen photo editing."),
        "images": {"input": "image_url", "min": 1, "max": 1},
        "options": ["image_size"],
    },
    "qwen/image-to-image": {
        "title": _t("Qwen Image-to-Image", "Qwen Image-to-Image"),
        "description": _t(
            "Новая картинка по мотивам вашего фото.", "A new picture in the spirit of your photo."
        ),
        "images": {"input": "image_url", "min": 1, "max": 1},
        # 4 credits per megapixel; the output follows the input, priced for up to 2 MP.
        "pricing": {"credits": 8},
    },
    "flux-2/pro-image-to-image": {
        "title": _t("Flux 2 Pro Edit", "Flux 2 Pro Edit"),
        "description": _t("Flux 2 Pro по вашим фото-референсам.", "Flux 2 Pro from your reference photos."),
        "images": {"input": "input_urls", "min": 1, "max": 8},
        "options": ["aspect_ratio", "resolution"],
        "pricing": {"credits": 5, "rules": _by("resolution", {"1K": 5, "2K": 7})},
    },
    "flux-2/flex-image-to-image": {
        "title": _t("Flux 2 Flex Edit", "Flux 2 Flex Edit"),
        "description": _t("Flux 2 Flex по вашим фото-референсам.", "Flux 2 Flex from your reference photos."),
        "images": {"input": "input_urls", "min": 1, "max": 8},
        "options": ["aspect_ratio", "resolution"],
        "pricing": {"credits": 14, "rules": _by("resolution", {"1K": 14, "2K": 24})},
    },
    "gpt-image/1.5-image-to-image": {
        "title": _t("GPT Image 1.5 Edit", "GPT Image 1.5 Edit"),
        "description": _t("OpenAI меняет фото по описанию.", "OpenAI edits your photo by description."),
        "images": {"input": "input_urls", "min": 1, "max": 10},
        "options": ["aspect_ratio", "quality"],
        "pricing": {"credits": 4, "rules": _by("quality", {"medium": 4, "high": 22})},
    },
    "gpt-image-2-image-to-image": {
        "title": _t("GPT Image 2 Edit", "GPT Image 2 Edit"),
        "description": _t("OpenAI нового поколения для правок, до 4K.", "OpenAI's newest editing, up to 4K."),
        "images": {"input": "input_urls", "min": 1, "max": 10},
        "options": ["aspect_ratio", "resolution"],
        "pricing": {"credits": 6, "rules": _by("resolution", {"1K": 6, "2K": 10, "4K": 16})},
        "constraints": _GPT_IMAGE_2_RATIOS,
    },
    "grok-imagine/image-to-image": {
        "title": _t("Grok Imagine Edit", "Grok Imagine Edit"),
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
        "title": _t("Kling 2.6", "Kling 2.6"),
        "description": _t(
            "Оживляет фото: движение по вашему описанию.", "Brings a photo to life as you describe."
        ),
        "images": {"input": "image_urls", "min": 1, "max": 1},
        "options": ["duration", "sound"],
        "pricing": _KLING_26,
        "eta_sec": 180,
    },
    "kling/v2-5-turbo-image-to-video-pro": {
        "title": _t("Kling 2.5 Turbo", "Kling 2.5 Turbo"),
        "description": _t("Быстрое оживление фото.", "Fast photo animation."),
        "images": {"input": "image_url", "min": 1, "max": 1},
        "options": ["duration"],
        "pricing": {"credits": 42, "rules": _by("duration", {"5": 42, "10": 84})},
        "eta_sec": 150,
    },
    "kling/v2-1-standard": {
        "title": _t("Kling 2.1", "Kling 2.1"),
        "description": _t("Недорогое оживление фото.", "Affordable photo animation."),
        "images": {"input": "image_url", "min": 1, "max": 1},
        "options": ["duration"],
        "pricing": {"credits": 25, "rules": _by("duration", {"5": 25, "10": 50})},
        "eta_sec": 150,
    },
    "kling/v2-1-pro": {
        "title": _t("Kling 2.1 Pro", "Kling 2.1 Pro"),
        "description": _t("Kling 2.1 в 1080p.", "Kling 2.1 at 1080p."),
        "images": {"input": "image_url", "min": 1, "max": 1},
        "options": ["duration"],
        "pricing": {"credits": 50, "rules": _by("duration", {"5": 50, "10": 100})},
        "eta_sec": 180,
    },
    "hailuo/2-3-image-to-video-standard": {
        "title": _t("Hailuo 2.3", "Hailuo 2.3"),
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
        "title": _t("Hailuo 2.3 Pro", "Hailuo 2.3 Pro"),
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
        "title": _t("Wan 2.6", "Wan 2.6"),
        "description": _t("Оживление фото до 15 секунд.", "Photo animation up to 15 seconds."),
        "images": {"input": "image_urls", "min": 1, "max": 1},
        "options": ["resolution", "duration"],
        "pricing": _WAN_26,
        "eta_sec": 180,
    },
    "wan/2-5-image-to-video": {
        "title": _t("Wan 2.5", "Wan 2.5"),
        "description": _t("Оживление фото — дешевле.", "Photo animation, cheaper."),
        "images": {"input": "image_url", "min": 1, "max": 1},
        "options": ["resolution", "duration"],
        "pricing": _WAN_25,
        "eta_sec": 180,
    },
    "wan/2-7-image-to-video": {
        "title": _t("Wan 2.7", "Wan 2.7"),
        "description": _t(
            "Новейший Wan: первый кадр — ваше фото.", "The newest Wan, starting from your photo."
        ),
        "images": {"input": "first_frame_url", "min": 1, "max": 1},
        "options": ["resolution", {"input": "duration", "choices": [5, 10, 15]}],
        "pricing": _WAN_27,
        "eta_sec": 180,
    },
    "bytedance/seedance-1.5-pro": {
        "title": _t("Seedance 1.5 Pro", "Seedance 1.5 Pro"),
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
        "title": _t("Grok Imagine Video", "Grok Imagine Video"),
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
    "sora-2-image-to-video": {"title": _t("Sora 2", "Sora 2"), "unavailable": NO_PRICE},
    # --- Аудио ----------------------------------------------------------------------------------------
    "elevenlabs/text-to-speech-turbo-2-5": {
        "title": _t("ElevenLabs Turbo 2.5", "ElevenLabs Turbo 2.5"),
        "description": _t("Быстрая озвучка текста, 32 языка.", "Fast text to speech, 32 languages."),
        "options": [{"input": "voice", **_VOICES}],
        "pricing": {"credits": 6, "per": "1000_chars"},
        "eta_sec": 20,
    },
    "elevenlabs/text-to-speech-multilingual-v2": {
        "title": _t("ElevenLabs Multilingual", "ElevenLabs Multilingual"),
        "description": _t("Самая естественная озвучка ElevenLabs.", "ElevenLabs' most natural voice."),
        "options": [{"input": "voice", **_VOICES}],
        "pricing": {"credits": 12, "per": "1000_chars"},
        "eta_sec": 30,
    },
    "elevenlabs/text-to-dialogue-v3": {
        "title": _t("ElevenLabs Dialogue", "ElevenLabs Dialogue"),
        "unavailable": "needs a structured multi-speaker dialogue the three-step wizard does not collect",
    },
}
