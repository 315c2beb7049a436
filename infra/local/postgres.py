"""Embedded PostgreSQL for the local stack and the test suite, through the ``pgserver`` package."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg


def start_embedded(data_dir: Path) -> Any:
    """Start (or reuse) a PostgreSQL server whose data lives in ``data_dir``; stopped at exit."""
    data_dir.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset, as it is in containers and CI.
        warnings.simplefilter("ignore")
        import pgserver  # noqa: PLC0415 - a dev/local dependency, never imported on Lambda

        return pgserver.get_server(data_dir, cleanup_mode="stop")


def with_database(url: str, database: str) -> str:
    """The same server URL pointing at another database."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + database, parts.query, parts.fragment))


async def ensure_database(admin_url: str, database: str, *, recreate: bool = False) -> str:
    """Create ``database`` on the server of ``admin_url`` if missing; return its URL."""
    conn = await asyncpg.connect(admin_url)
    try:
        if recreate:
            await conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", database)
        if not exists:
            await conn.execute(f'CREATE DATABASE "{database}"')
    finally:
        await conn.close()
    return with_database(admin_url, database)


async def drop_database(admin_url: str, database: str) -> None:
    conn = await asyncpg.connect(admin_url)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    finally:
        await conn.close()


async def relax_durability(admin_url: str) -> None:
    """Trade crash safety for speed on a throwaway server (tests only)."""
    conn = await asyncpg.connect(admin_url)
    try:
        for setting in ("fsync", "synchronous_commit", "full_page_writes"):
            await conn.execute(f"ALTER SYSTEM SET {setting} = off")
        await conn.execute("SELECT pg_reload_conf()")
    finally:
        await conn.close()
