"""SnapStart's hooks: the snapshot holds the warm-up (imports, catalog, the routed Dispatcher) and nothing
per container (settings and their secrets, pools, clients, loops); a restore reseeds and binds them fresh."""

from __future__ import annotations

import random
import subprocess
import sys

import snapshot_restore_py

from creativebot import snapstart


def test_registering_adds_one_hook_of_each_kind() -> None:
    before = len(snapshot_restore_py.get_before_snapshot())
    after = len(snapshot_restore_py.get_after_restore())
    assert snapstart.register(snapstart.WORKER_MODULES)
    assert len(snapshot_restore_py.get_before_snapshot()) == before + 1
    assert len(snapshot_restore_py.get_after_restore()) == after + 1


def test_the_snapshot_holds_the_dispatcher_and_no_connection_client_or_secret() -> None:
    # In a fresh interpreter, as Lambda's init: import the worker's app, run the before-snapshot hooks
    probe = (
        "import functions.worker.app, snapshot_restore_py, gc, asyncio\n"
        "for hook, args, kwargs in snapshot_restore_py.get_before_snapshot(): hook(*args, **kwargs)\n"
        "from creativebot import worker, db, config\n"
        "import httpx, asyncpg, aiohttp, pydantic\n"
        "kinds = (httpx.AsyncClient, asyncpg.Pool, aiohttp.ClientSession, pydantic.SecretStr, asyncio.AbstractEventLoop)\n"
        "alive = [type(o).__name__ for o in gc.get_objects() if isinstance(o, kinds)]\n"
        "prebuilt = worker._prebuilt\n"
        "print(prebuilt is not None, worker._runtime is None, len(db._pools), config.get_settings.cache_info().currsize,"
        " 'settings' in prebuilt.workflow_data, prebuilt.fsm.storage._pool is None, alive)"
    )
    result = subprocess.run(  # noqa: S603 - our own interpreter and a fixed probe
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    )
    assert result.stdout.strip() == "True True 0 0 False True []", result.stdout + result.stderr


def test_each_restored_container_gets_its_own_random_state() -> None:
    # Two containers restored from one snapshot start with the same random state…
    random.seed(20261129)
    snapshot = random.getstate()
    snapstart.after_restore()
    first = random.random()
    random.setstate(snapshot)
    snapstart.after_restore()
    second = random.random()
    # …which without the hook would give both the same numbers
    random.setstate(snapshot)
    unhooked = random.random()
    random.setstate(snapshot)
    assert random.random() == unhooked
    assert first != second
