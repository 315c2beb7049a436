"""The catalog as operators run it live: hide or show a model, its markup or fixed price, its free runs.

Changes go to ``model_overrides`` (creativebot.overrides) with an audit entry in the same transaction;
every container reads them at most ``overrides.TTL_SEC`` old, so users see a change within a minute.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

from creativebot import audit, overrides
from creativebot.admin import model_health
from creativebot.db import Connection, Pool, transaction
from creativebot.kie.catalog import CatalogModel, PriceFactors, load_catalog
from creativebot.overrides import ModelOverride

PAGE = 8


@dataclass(frozen=True)
class ModelRow:
    model: CatalogModel
    override: ModelOverride | None
    visible: bool
    low: int  # kopecks, with the overrides (meaningless when not ``priced``)
    high: int
    priced: bool  # the catalog has a price for it, or an operator fixed one
    free_per_day: int
    health: model_health.Health | None


def catalog_models() -> list[CatalogModel]:
    """The models an operator manages, in the catalog's order: every one, since an operator may price a
    model KIE's price list lacks (overrides.Overrides.visible)."""
    return list(load_catalog().models)


async def _rows(
    db: Pool | Connection, models: list[CatalogModel], pricing: PriceFactors, window: int
) -> list[ModelRow]:
    live = await overrides.current(db)
    health = await model_health.recent(db, [model.id for model in models], window=window)
    rows = []
    for model in models:
        override = live.of(model.id)
        low, high = live.price_range(model, pricing)
        rows.append(
            ModelRow(
                model=model,
                override=override,
                visible=live.visible(model),
                low=low,
                high=high,
                priced=model.pricing is not None
                or bool(override and override.fixed_price_kopecks is not None),
                free_per_day=live.free_per_day(model),
                health=health.get(model.id),
            )
        )
    return rows


async def page_of(
    db: Pool | Connection, page: int, pricing: PriceFactors, window: int
) -> tuple[list[ModelRow], int]:
    """One page of models and the number of pages."""
    models = catalog_models()
    pages = max(1, -(-len(models) // PAGE))
    page = min(page, pages - 1)
    return await _rows(db, models[page * PAGE : (page + 1) * PAGE], pricing, window), pages


async def row_of(db: Pool | Connection, model_id: str, pricing: PriceFactors, window: int) -> ModelRow | None:
    model = load_catalog().get(model_id)
    if model is None:
        return None
    return (await _rows(db, [model], pricing, window))[0]


def _snapshot(override: ModelOverride | None) -> dict[str, Any] | None:
    if override is None:
        return None
    values = asdict(override)
    return {key: str(value) if isinstance(value, Decimal) else value for key, value in values.items()}


async def change(
    db: Pool | Connection, model_id: str, *, admin_id: int, action: str, **changes: Any
) -> ModelOverride:
    """Apply ``changes`` to the model's override, with an audit entry; showing a hidden model also
    restarts the auto-hide rule's window for it."""
    async with transaction(db) as conn:
        await conn.execute("SELECT pg_advisory_xact_lock(hashtext('model_overrides:' || $1))", model_id)
        overrides.forget()  # read what is stored now, not this container's cached copy
        before = (await overrides.current(conn)).of(model_id)
        after = overrides.changed(before, model_id, **changes)
        await overrides.save(conn, after, admin_id=admin_id)
        if before is not None and before.hidden and not after.hidden:
            await model_health.restart_window(conn, model_id, admin_id)
        await audit.record(
            conn, admin_id, action, f"model:{model_id}", before=_snapshot(before), after=_snapshot(after)
        )
    overrides.forget()
    return after


async def set_hidden(db: Pool | Connection, model_id: str, *, admin_id: int, hidden: bool) -> ModelOverride:
    return await change(
        db,
        model_id,
        admin_id=admin_id,
        action="model.hide" if hidden else "model.show",
        hidden=hidden,
        hidden_reason="operator" if hidden else None,
    )


async def set_markup(
    db: Pool | Connection, model_id: str, *, admin_id: int, markup: Decimal | None
) -> ModelOverride:
    return await change(db, model_id, admin_id=admin_id, action="model.markup", markup=markup)


async def set_fixed_price(
    db: Pool | Connection, model_id: str, *, admin_id: int, kopecks: int | None
) -> ModelOverride:
    return await change(
        db, model_id, admin_id=admin_id, action="model.fixed_price", fixed_price_kopecks=kopecks
    )


async def set_free_per_day(
    db: Pool | Connection, model_id: str, *, admin_id: int, runs: int | None
) -> ModelOverride:
    return await change(db, model_id, admin_id=admin_id, action="model.free_per_day", free_per_day=runs)
