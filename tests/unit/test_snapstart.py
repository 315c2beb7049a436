"""SnapStart's hooks: the snapshot holds the warm-up and nothing per-container; a restore reseeds."""

from __future__ import annotations

import random
import subprocess
import sys

import snapshot_restore_py

from creativebot import snapstart


def test_the_worker_app_registers_both_hooks_at_import() -> None:
    before = len(snapshot_restore_py.get_before_snapshot())
    after = len(snapshot_restore_py.get_after_restore())
    assert snapstart.register(snapstart.WORKER_MODULES)
    assert len(snapshot_restore_py.get_before_snapshot()) == before + 1
    assert len(snapshot_restore_py.get_after_restore()) == after + 1


def test_the_warm_up_holds_no_connection_loop_or_client() -> None:
    # In a fresh interpreter, as Lambda's init: import the worker's app, run the before-snapshot hooks
    probe = (
        "import functions.worker.app, snapshot_restore_py, asyncio, gc\n"
        "for hook, args, kwargs in snapshot_restore_py.get_before_snapshot(): hook(*args, **kwargs)\n"
        "from creativebot import worker, db\n"
        "import httpx, asyncpg\n"
        "open_clients = [o for o in gc.get_objects() if isinstance(o, (httpx.AsyncClient, asyncpg.Pool))]\n"
        "print(worker._runtime is None, len(db._pools), len(open_clients), 'aiogram' in __import__('sys').modules)"
    )
    result = subprocess.run(  # noqa: S603 - our own interpreter and a fixed probe
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    )
    assert result.stdout.split() == ["True", "0", "0", "True"]


def test_each_restored_container_gets_its_own_random_state() -> None:
    # Two containers restored from one snapshot start with the same random state…
    random.seed(20261129)
    snapshot = random.getstate()
    snapstart.after_restore()
    first = random.random()
    random.setstate(snapshot)
    snapstart.after_restore()
    second = random.random()
    # …and the hook makes them differ (without it both would draw the same number)
    random.setstate(snapshot)
    unhooked = random.random()
    random.setstate(snapshot)
    assert random.random() == unhooked
    assert first != second


def test_the_warm_up_computes_the_catalog_and_keyboards() -> None:
    timings = snapstart.warm(snapstart.WORKER_MODULES)
    assert set(timings) == {"imports", "catalog", "keyboards"}
    assert all(value >= 0 for value in timings.values())
