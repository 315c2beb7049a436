"""SnapStart: what a version's snapshot holds, and what every container restored from it renews.

Lambda initialises a published version once, snapshots its memory, and starts each new container from
that snapshot. The snapshot holds the work every container would otherwise repeat on a cold start:
importing aiogram, FastAPI and our routers, loading the catalog and computing every model's price range,
building each language's fixed keyboards and the Dispatcher with its routers. It must hold nothing that
has to be fresh, unique or secret per container: no settings (the secrets are read after the restore), no
database pool (its sockets), no HTTP client, no event loop (all are built and bound to the Dispatcher on
the first invocation), and no shared random state (``after_restore`` reseeds it).

The hooks are registered with the runtime's ``snapshot_restore_py`` (provided by Lambda's Python runtime;
a dev dependency here); where it is missing (``make run``) registering is skipped.
"""

from __future__ import annotations

import importlib
import random
import time
from collections.abc import Callable

# What a cold worker imports on its first update; importing here moves that into the snapshot.
WORKER_MODULES = (
    "creativebot.worker",
    "creativebot.telegram.bot",
    "creativebot.telegram.delivery",
    "creativebot.fetch",
)
CALLBACK_MODULES = ("creativebot.callbacks", "creativebot.generation")


def warm(modules: tuple[str, ...]) -> dict[str, float]:
    """The work the snapshot should hold, timed (milliseconds): imports, the catalog and its price
    ranges, the keyboards. Touches no network."""
    timings: dict[str, float] = {}
    started = time.perf_counter()
    for name in modules:
        importlib.import_module(name)
    timings["imports"] = (time.perf_counter() - started) * 1000

    from creativebot.kie.catalog import credit_range, load_catalog  # noqa: PLC0415 - imported above

    started = time.perf_counter()
    for model in load_catalog().models:
        credit_range(model)
    timings["catalog"] = (time.perf_counter() - started) * 1000
    if "creativebot.worker" in modules:
        from creativebot import worker  # noqa: PLC0415
        from creativebot.telegram.keyboards import main_menu  # noqa: PLC0415
        from creativebot.texts import copy_for  # noqa: PLC0415

        started = time.perf_counter()
        for language in ("ru", "en"):
            main_menu(copy_for(language))
        worker.prebuild()
        timings["dispatcher"] = (time.perf_counter() - started) * 1000
    return timings


def after_restore() -> None:
    """Every restored container gets its own random state (the snapshot's would be shared by all)."""
    random.seed()


def register(modules: tuple[str, ...]) -> bool:
    """Register the hooks with Lambda's runtime; False where the runtime's library is absent."""
    try:
        from snapshot_restore_py import (  # noqa: PLC0415
            register_after_restore,
            register_before_snapshot,
        )
    except ImportError:
        return False
    before: Callable[[], object] = lambda: warm(modules)  # noqa: E731 - a hook takes no arguments
    register_before_snapshot(before)
    register_after_restore(after_restore)
    return True
