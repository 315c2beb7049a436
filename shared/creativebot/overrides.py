"""Operators' live changes over the catalog: a hidden model, its own markup or fixed price, its free runs.

Stored in ``model_overrides``; every container reads them at most ``TTL`` old, so a change reaches users
within a minute without a deploy. Everything that lists, prices or launches a model asks ``Overrides``.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from creativebot.db import Connection, Pool
from creativebot.kie.catalog import CatalogModel, PriceFactors, price_kopecks, price_range

TTL_SEC = 30.0


@dataclass(frozen=True)
class ModelOverride:
    model_id: str
    hidden: bool = False
    hidden_reason: str | None = None  # "operator", or "auto: 5 of the last 10 failed"
    markup: Decimal | None = None  # replaces PRICE_MARKUP for this model
    fixed_price_kopecks: int | None = None  # one price for every mode
    free_per_day: int | None = None  # replaces the catalog's free runs per day


@dataclass(frozen=True)
class _Factors:
    kie_usd_per_credit: Decimal
    rub_per_usd: Decimal
    price_markup: Decimal


@dataclass(frozen=True)
class Overrides:
    by_model: Mapping[str, ModelOverride] = field(default_factory=dict)

    def of(self, model_id: str) -> ModelOverride | None:
        return self.by_model.get(model_id)

    def visible(self, model: CatalogModel) -> bool:
        """Users may pick the model: it is available, or KIE's price list lacks it and an operator has set
        its price (a model kept back for another reason stays back); and no operator hid it."""
        override = self.of(model.id)
        if override is not None and override.hidden:
            return False
        priced_here = (
            model.pricing is None and override is not None and override.fixed_price_kopecks is not None
        )
        return model.available or priced_here

    def free_per_day(self, model: CatalogModel) -> int:
        override = self.of(model.id)
        return override.free_per_day if override and override.free_per_day is not None else model.free_per_day

    def _factors(self, model: CatalogModel, pricing: PriceFactors) -> PriceFactors:
        override = self.of(model.id)
        if override is None or override.markup is None:
            return pricing
        return _Factors(pricing.kie_usd_per_credit, pricing.rub_per_usd, override.markup)

    def price(self, model: CatalogModel, options: dict[str, Any], prompt: str, pricing: PriceFactors) -> int:
        """Kopecks for one generation with these options."""
        override = self.of(model.id)
        if override and override.fixed_price_kopecks is not None:
            return override.fixed_price_kopecks
        return price_kopecks(model, options, prompt, self._factors(model, pricing))

    def price_range(self, model: CatalogModel, pricing: PriceFactors) -> tuple[int, int]:
        """The cheapest and the dearest price, in kopecks (for "от 10 ₽" labels)."""
        override = self.of(model.id)
        if override and override.fixed_price_kopecks is not None:
            return override.fixed_price_kopecks, override.fixed_price_kopecks
        return price_range(model, self._factors(model, pricing))


NONE = Overrides()
_cached: tuple[float, Overrides] | None = None


async def current(db: Pool | Connection) -> Overrides:
    """The operators' overrides, at most TTL_SEC old in this container."""
    global _cached  # noqa: PLW0603 - one cache per container is the point
    now = time.monotonic()
    if _cached is not None and now - _cached[0] < TTL_SEC:
        return _cached[1]
    rows = await db.fetch(
        "SELECT model_id, hidden, hidden_reason, markup, fixed_price_kopecks, free_per_day FROM model_overrides"
    )
    overrides = Overrides({row["model_id"]: ModelOverride(**dict(row)) for row in rows})
    _cached = (now, overrides)
    return overrides


def forget() -> None:
    """Drop this container's cache (after an operator's change here, and in tests)."""
    global _cached  # noqa: PLW0603
    _cached = None


async def save(db: Pool | Connection, override: ModelOverride, *, admin_id: int) -> ModelOverride | None:
    """Store the override of a model; returns the one it replaced (None when there was none)."""
    before = await db.fetchrow(
        "SELECT model_id, hidden, hidden_reason, markup, fixed_price_kopecks, free_per_day"
        " FROM model_overrides WHERE model_id = $1",
        override.model_id,
    )
    await db.execute(
        """
        INSERT INTO model_overrides (model_id, hidden, hidden_reason, markup, fixed_price_kopecks, free_per_day,
                                     updated_by, updated_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, now())
        ON CONFLICT (model_id) DO UPDATE
           SET hidden = EXCLUDED.hidden, hidden_reason = EXCLUDED.hidden_reason, markup = EXCLUDED.markup,
               fixed_price_kopecks = EXCLUDED.fixed_price_kopecks, free_per_day = EXCLUDED.free_per_day,
               updated_by = EXCLUDED.updated_by, updated_at = now()
        """,
        override.model_id,
        override.hidden,
        override.hidden_reason,
        override.markup,
        override.fixed_price_kopecks,
        override.free_per_day,
        admin_id,
    )
    forget()
    return ModelOverride(**dict(before)) if before else None


def changed(base: ModelOverride | None, model_id: str, **changes: Any) -> ModelOverride:
    """``base`` (or no override) with ``changes`` applied."""
    return replace(base or ModelOverride(model_id), **changes)
