"""Build shared/creativebot/kie/catalog.json from the team's kie/models.json and our overlay.

``make catalog`` (``python -m infra.catalog [models.json]``). Every market-API model of the source
appears in the catalog; one the overlay marks unavailable is kept but not offered to users.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from creativebot.kie.catalog import Catalog
from infra.catalog.overlay import OVERLAY

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT.parent / "shared" / "kie" / "models.json"
TARGET = ROOT / "shared" / "creativebot" / "kie" / "catalog.json"

_CATEGORY = {
    "text-to-image": "photo",
    "image-edit": "edit",
    "text-to-video": "video",
    "image-to-video": "animate",
    "audio": "audio",
}
_RESULT = {"photo": "photo", "edit": "photo", "video": "video", "animate": "video", "audio": "audio"}
_ETA = {"photo": 30, "edit": 40, "video": 150, "animate": 150, "audio": 20}
_UNAVAILABLE = {"ru": "Скоро в каталоге.", "en": "Coming soon."}


def _option(entry: str | dict[str, Any]) -> dict[str, Any]:
    return {"input": entry} if isinstance(entry, str) else dict(entry)


def _entry(source: dict[str, Any]) -> dict[str, Any]:
    model_id = source["model"]
    if model_id not in OVERLAY:
        raise KeyError(f"{model_id}: add it to infra/catalog/overlay.py (title, description, options, price)")
    extra = OVERLAY[model_id]
    names = {spec["name"]: spec for spec in source["inputs"]}
    prompt_input = "prompt" if "prompt" in names else "text" if "text" in names else None
    category = extra.get("category", _CATEGORY[source["kind"]])
    pricing = extra.get("pricing")
    if pricing is None and source.get("price_credits"):
        pricing = {"credits": source["price_credits"]}
    unavailable = extra.get("unavailable")
    entry: dict[str, Any] = {
        "id": model_id,
        "kind": source["kind"],
        "category": category,
        "title": extra["title"],
        "description": extra.get("description", _UNAVAILABLE),
        "available": unavailable is None and pricing is not None,
        "unavailable_reason": unavailable if unavailable else (None if pricing else "no price"),
        "inputs": source["inputs"],
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
    return entry


def build(source: Path = SOURCE) -> dict[str, Any]:
    models = [m for m in json.loads(source.read_text(encoding="utf-8")) if m["api"] == "market"]
    catalog = {"version": 1, "models": [_entry(model) for model in models]}
    Catalog.model_validate(catalog)  # refuse to write a catalog the bot could not load
    return catalog


def write(catalog: dict[str, Any], target: Path = TARGET) -> None:
    target.write_text(json.dumps(catalog, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
