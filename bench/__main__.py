"""``make bench``: the worker against a plain aiogram bot, round trips, cold imports, wallet throughput."""

from __future__ import annotations

import asyncio
import os
import platform
import tempfile
from pathlib import Path

from bench import imports, update_path, wallet
from creativebot.db.migrate import migrate
from infra.local.postgres import ensure_database, start_embedded


def _database(scratch: Path) -> tuple[str, object | None]:
    if os.environ.get("DATABASE_URL"):
        return asyncio.run(ensure_database(os.environ["DATABASE_URL"], "cb_bench", recreate=True)), None
    server = start_embedded(scratch / "pg")  # durable defaults (fsync on), unlike the test suite's server
    return asyncio.run(ensure_database(server.get_uri(), "cb_bench", recreate=True)), server


def main() -> None:
    print(f"machine: {os.cpu_count()} cores, Python {platform.python_version()}")
    webhook = imports.cold_import_seconds("import functions.webhook.app")
    aiogram = imports.cold_import_seconds("import aiogram; from aiogram import Bot, Dispatcher")
    worker = imports.cold_import_seconds("import functions.worker.app")
    print(
        f"cold import (median of {imports.RUNS}): webhook {webhook:.2f} s | aiogram {aiogram:.2f} s | worker {worker:.2f} s"
    )
    warmed = imports.cold_import_seconds(
        "import functions.worker.app; from creativebot import snapstart;"
        " snapstart.warm(snapstart.WORKER_MODULES)"
    )
    print(
        f"worker init with the snapshot's warm-up (imports, catalog price ranges, keyboards): {warmed:.2f} s;"
        f" without SnapStart {worker:.2f} s at init and {warmed - worker:.2f} s more on the first update,"
        " a container restored from the snapshot pays neither"
    )
    with tempfile.TemporaryDirectory() as scratch:
        dsn, server = _database(Path(scratch))
        try:
            asyncio.run(migrate(dsn))
            print(
                f"worker per update through handle_record, against aiogram + MemoryStorage fed the same"
                f" updates (median of {update_path.ROUNDS}; PostgreSQL with fsync on):"
            )
            for figures in update_path.run(dsn):
                print(
                    f"  {figures.name}: ours {figures.ours_ms:.2f} ms | peer {figures.peer_ms:.2f} ms"
                    f" | ratio {figures.ratio:.2f} | {figures.round_trips:.0f} round trips"
                )
            for shared in (False, True):
                measured = asyncio.run(wallet.run(dsn, shared_wallet=shared))
                who = "50 users on one wallet" if shared else "50 concurrent users, one wallet each"
                print(
                    f"wallet, {who}: {measured.operations} operations in {measured.seconds:.2f} s"
                    f" = {measured.per_second:,.0f} ops/s (invariants checked after)"
                )
        finally:
            if server is not None:
                server.cleanup()  # type: ignore[attr-defined]


if __name__ == "__main__":
    main()
