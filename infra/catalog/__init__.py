"""Build shared/creativebot/kie/catalog.json from the team's kie/models.json, our extra sources and our overlay.

``make catalog`` (``python -m infra.catalog [models.json]``). The sources are the team's models.json then
``extra_models.json`` beside this module (models KIE documents that the team's list lacks). Every source
entry is used by at least one catalog model of the overlay: a market entry by the model of the same id
(and maybe aliases that reach the same KIE model in another mode), a family entry (Veo, Suno, Runway,
GPT-4o Image, Flux Kontext, Midjourney) by the models of our own ids that the overlay makes of it. A model
the overlay marks unavailable is kept but not offered to users.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from creativebot.kie.catalog import CATEGORIES, Catalog
from infra.catalog.overlay import OVERLAY

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT.parent / "shared" / "kie" / "models.json"
EXTRA = Path(__file__).with_name("extra_models.json")
TARGET = ROOT / "shared" / "creativebot" / "kie" / "catalog.json"

_FAMILY = {
    "market": "market",
    "legacy-veo": "veo",
    "legacy-suno": "suno",
    "legacy-mj": "mj",
    "legacy-runway": "runway",
    "legacy-4o-image": "gpt4o",
    "legacy-flux-kontext": "flux_kontext",
}
_CATEGORY = {
    "text-to-image": "photo",
    "image-edit": "edit",
    "text-to-video": "video",
    "image-to-video": "animate",
    "music": "music",
    "audio": "audio",
}
_RESULT = {
    "photo": "photo",
    "edit": "photo",
    "video": "video",
    "animate": "video",
    "music": "audio",
    "audio": "audio",
}
_ETA = {"photo": 30, "edit": 40, "video": 150, "animate": 150, "music": 120, "audio": 20}
_UNAVAILABLE = {"ru": "Скоро в каталоге.", "en": "Coming soon."}
_INPUT_KEYS = ("name", "type", "required", "enum", "default", "min", "max", "notes")
# Telegram callback data is "<prefix>:<model id>" within 64 bytes; aiogram splits on ":".
_MAX_ID_BYTES = 64 - len("card:")


def _option(entry: str | dict[str, Any]) -> dict[str, Any]:
    return {"input": entry} if isinstance(entry, str) else dict(entry)


def _spec(spec: dict[str, Any]) -> dict[str, Any]:
    return {key: spec[key] for key in _INPUT_KEYS if key in spec}


def _inputs(model_id: str, source: dict[str, Any], extra: dict[str, Any]) -> list[dict[str, Any]]:
    """The body fields of the model: the source's (all, or those the overlay names, with its changes),
    never ``callBackUrl`` (the bot adds it); a fixed input documents its value as the default."""
    given = {spec["name"]: spec for spec in source["inputs"]}
    wanted: dict[str, dict[str, Any]] = extra.get("inputs") or {
        name: {} for name in given if name != "callBackUrl"
    }
    inputs = []
    for name, change in wanted.items():
        if name not in given and "type" not in change:
            raise KeyError(f"{model_id}: input {name} is not in the source; give its whole spec")
        inputs.append(_spec({**given.get(name, {}), "name": name, **change}))
    for name, value in extra.get("fixed_inputs", {}).items():
        spec = next((spec for spec in inputs if spec["name"] == name), None)
        if spec is None:
            raise KeyError(f"{model_id}: fixed input {name} is not among the inputs")
        if spec.get("enum") is not None and value not in spec["enum"]:
            raise ValueError(f"{model_id}: fixed {name}={value!r} is not one of {spec['enum']}")
        spec["default"] = value
    return inputs


def _entry(model_id: str, source: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    family = _FAMILY[source["api"]]
    inputs = _inputs(model_id, source, extra)
    names = {spec["name"]: spec for spec in inputs}
    default_prompt = "prompt" if "prompt" in names else "text" if "text" in names else None
    prompt_input = extra.get("prompt_input", default_prompt)
    kind = extra.get("kind", source["kind"])
    category = extra.get("category", _CATEGORY[kind])
    pricing = extra.get("pricing")
    if pricing is None and family == "market" and source.get("price_credits"):
        pricing = {"credits": source["price_credits"]}
    kie_model = extra.get("kie_model")
    if family == "market" and source["model"] != model_id:
        kie_model = source["model"]  # another mode of the same KIE model
    unavailable = extra.get("unavailable")
    return {
        "id": model_id,
        "kind": kind,
        "category": category,
        "family": family,
        "kie_model": kie_model,
        "fixed_inputs": extra.get("fixed_inputs", {}),
        "prompt_label": extra.get("prompt_label"),
        "extra_texts": extra.get("extra_texts", []),
        "follow_up": extra.get("follow_up", False),
        "title": extra["title"],
        "description": extra.get("description", _UNAVAILABLE),
        "available": unavailable is None and pricing is not None,
        "unavailable_reason": unavailable if unavailable else (None if pricing else "no price"),
        "inputs": inputs,
        "prompt_input": prompt_input,
        "prompt_required": extra.get(
            "prompt_required", bool(prompt_input and names[prompt_input].get("required", False))
        ),
        "images": extra.get("images"),
        "options": [_option(option) for option in extra.get("options", [])],
        "constraints": extra.get("constraints", []),
        "pricing": pricing,
        "free_per_day": extra.get("free_per_day", 0),
        "eta_sec": extra.get("eta_sec", _ETA[category]),
        "result": _RESULT[category],
    }


def sources(source: Path = SOURCE, extra: Path = EXTRA) -> dict[str, dict[str, Any]]:
    """The source entries by their ``model`` key: the team's list, then ours (no key twice)."""
    table: dict[str, dict[str, Any]] = {}
    for path in (source, extra):
        for entry in json.loads(path.read_text(encoding="utf-8")):
            if entry["model"] in table:
                raise ValueError(f"{path}: {entry['model']} is already in an earlier source")
            table[entry["model"]] = entry
    return table


def check(catalog: Catalog) -> None:
    """What the schema cannot see: titles unique in each language, ids fit a button, copy for offers."""
    for language in ("ru", "en"):
        titles = Counter(model.title.get(language).casefold() for model in catalog.models)
        twice = sorted(title for title, count in titles.items() if count > 1)
        if twice:
            raise ValueError(f"titles used twice ({language}): {twice}")
    for model in catalog.models:
        if ":" in model.id or len(model.id.encode()) > _MAX_ID_BYTES:
            raise ValueError(f"{model.id}: an id must fit a button's data (no ':', {_MAX_ID_BYTES} bytes)")
        if model.available and model.description.ru == _UNAVAILABLE["ru"]:
            raise ValueError(f"{model.id}: an offered model needs a description")
        if model.family in ("veo", "flux_kontext") and not model.kie_model:
            raise ValueError(f"{model.id}: the {model.family} API needs the model name (kie_model)")
        if model.family == "mj" and model.kie_model not in (None, "upscale", "vary"):
            raise ValueError(f"{model.id}: Midjourney's kie_model picks the endpoint: upscale or vary")


def build(source: Path = SOURCE, extra: Path = EXTRA) -> dict[str, Any]:
    table = sources(source, extra)
    models = []
    for model_id, overlay in OVERLAY.items():
        key = overlay.get("source", model_id)
        if key not in table:
            raise KeyError(f"{model_id}: no source entry {key!r} in models.json or extra_models.json")
        models.append(_entry(model_id, table[key], overlay))
    used = {overlay.get("source", model_id) for model_id, overlay in OVERLAY.items()}
    missing = [key for key in table if key not in used]
    if missing:
        raise KeyError(
            f"{missing}: add them to infra/catalog/overlay.py (title, description, options, price)"
        )
    catalog = {"version": 1, "models": models}
    check(Catalog.model_validate(catalog))  # refuse to write a catalog the bot could not load
    return catalog


def write(catalog: dict[str, Any], target: Path = TARGET) -> None:
    target.write_text(json.dumps(catalog, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def offered_per_category(catalog: dict[str, Any]) -> dict[str, int]:
    """Models people can pick (available, not a follow-up), per category."""
    counts = Counter(
        model["category"] for model in catalog["models"] if model["available"] and not model["follow_up"]
    )
    return {category: counts.get(category, 0) for category in CATEGORIES}


def unavailable(catalog: dict[str, Any]) -> dict[str, str]:
    """The models kept but not offered, with the reason."""
    return {model["id"]: model["unavailable_reason"] for model in catalog["models"] if not model["available"]}


def summary(catalog: dict[str, Any]) -> str:
    per_category = offered_per_category(catalog)
    hidden = unavailable(catalog)
    follow_ups = sum(1 for model in catalog["models"] if model["follow_up"])
    lines = [
        f"{len(catalog['models'])} models: {sum(per_category.values())} offered, "
        f"{len(hidden)} unavailable, {follow_ups} launched from result buttons",
        "offered per category: " + ", ".join(f"{name} {count}" for name, count in per_category.items()),
        "unavailable:",
        *(f"  {model_id}: {reason}" for model_id, reason in hidden.items()),
    ]
    return "\n".join(lines)
