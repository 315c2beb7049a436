"""PostgreSQL access: one small asyncpg pool per event loop per container, and transaction helpers.

A Lambda container runs one invocation at a time, so the pool stays small (``DB_POOL_MAX_SIZE``,
default 3) and opens connections lazily; the whole fleet's budget is reserved concurrency × that size.
"""

from __future__ import annotations

import asyncio
import json
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
from asyncpg.pool import PoolConnectionProxy

from creativebot.config import DatabaseOnlySettings, get_settings

Pool = asyncpg.Pool
# What repositories accept: a pool (one statement each) or a connection inside a transaction.
Connection = asyncpg.Connection | PoolConnectionProxy

# Errors that mean "the database is unreachable or the connection broke", as opposed to a bad query.
UNAVAILABLE_ERRORS: tuple[type[BaseException], ...] = (
    OSError,
    asyncio.TimeoutError,
    asyncpg.exceptions.ConnectionDoesNotExistError,
    asyncpg.exceptions.InterfaceError,
    asyncpg.exceptions.CannotConnectNowError,
    asyncpg.exceptions.TooManyConnectionsError,
    asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.PostgresConnectionError,
)

# Put in a statement's SELECT list (or WHERE clause), it makes that statement's own transaction commit
# without waiting for the WAL flush (the setting is transaction-local, so the session stays durable).
# Only for bookkeeping a database crash may lose without harm: the update-dedup marks, the user's
# last-seen refresh and the conversation state. Never for money or job state, which commit durably.
RELAXED_COMMIT = "set_config('synchronous_commit', 'off', true)"

_pools: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Pool] = weakref.WeakKeyDictionary()


async def _init_connection(conn: Connection) -> None:
    for type_name in ("json", "jsonb"):
        await conn.set_type_codec(type_name, encoder=json.dumps, decoder=json.loads, schema="pg_catalog")


async def _keep_session(conn: Connection) -> None:
    """The pool's reset on release. asyncpg has already rolled back an open transaction by now; its
    default reset adds a round trip that drops advisory locks, cursors, LISTENs and SET values, and
    our pooled connections never take any of those (only ``SET LOCAL`` inside transactions, and the
    migration runner's advisory lock lives on a connection of its own)."""


async def create_pool(
    dsn: str, *, max_size: int = 3, command_timeout: float = 15.0, statement_cache_size: int = 100
) -> Pool:
    """A pool that opens connections on demand; JSON columns come back as Python objects."""
    pool = await asyncpg.create_pool(
        dsn,
        min_size=0,
        max_size=max_size,
        command_timeout=command_timeout,
        max_inactive_connection_lifetime=300.0,
        statement_cache_size=statement_cache_size,
        init=_init_connection,
        reset=_keep_session,
    )
    assert pool is not None  # asyncpg types the result as optional only for the `async with` form
    return pool


async def get_pool() -> Pool:
    """The pool of the running event loop, created on first use from DATABASE_URL."""
    loop = asyncio.get_running_loop()
    pool = _pools.get(loop)
    if pool is None or pool.is_closing():
        db = get_settings(DatabaseOnlySettings).db
        pool = await create_pool(
            db.database_url.get_secret_value(),
            max_size=db.db_pool_max_size,
            command_timeout=db.db_command_timeout_sec,
            statement_cache_size=db.db_statement_cache_size,
        )
        _pools[loop] = pool
    return pool


async def close_pool() -> None:
    """Close the running loop's pool (tests and the local stack's shutdown)."""
    pool = _pools.pop(asyncio.get_running_loop(), None)
    if pool is not None:
        await pool.close()


@asynccontextmanager
async def transaction(db: Pool | Connection) -> AsyncIterator[Connection]:
    """One transaction: on a pooled connection, or a savepoint inside the caller's transaction.

    Commits on success, rolls back on any exception.
    """
    if isinstance(db, Pool):
        async with db.acquire() as conn, conn.transaction():
            yield conn
    else:
        async with db.transaction():
            yield db
