"""aiogram FSM storage in PostgreSQL, so a conversation survives any Lambda container.

One row per storage key. Two ways to use it:

- **Inside an update** (``async with storage.scope(conn)``): the row is read once (or handed over by the
  statement that loaded the user, see ``prime``), every read and write after that works on memory,
  and ``scope.writes()`` gives the final state to save with the update's done mark (``updates.finish``).
  A handler that fails leaves the stored conversation untouched, and its retry starts from it.
- **Outside an update** (tests, tools): every call is its own statement; ``update_data`` is a single
  ``INSERT … ON CONFLICT … data || new``, so concurrent writers of one key never lose each other's keys.

State and data may expire (``state_ttl``, ``data_ttl``): an expired value reads as absent.
Data must be JSON-serializable.
"""

from __future__ import annotations

import contextvars
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from aiogram.exceptions import DataNotDictLikeError
from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, DefaultKeyBuilder, KeyBuilder, StateType, StorageKey

from creativebot.db import Connection, Pool
from creativebot.updates import FsmWrite

_STATE_ALIVE = "(state_expires_at IS NULL OR state_expires_at > now())"
_DATA_ALIVE = "(data_expires_at IS NULL OR data_expires_at > now())"
# The live state and data of one key, or NULLs; shared with the statement that primes a scope.
LOAD_COLUMNS = (
    f"CASE WHEN {_STATE_ALIVE} THEN state END AS fsm_state, CASE WHEN {_DATA_ALIVE} THEN data END AS fsm_data"
)


@dataclass
class Conversation:
    state: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    changed: bool = False


@dataclass
class FsmScope:
    """The conversations one update reads and writes, on the update's connection."""

    conn: Connection
    rows: dict[str, Conversation] = field(default_factory=dict)

    def prime(self, key: str, state: str | None, data: dict[str, Any] | None) -> None:
        """Hand over a row read by another statement of this update (saves a round trip)."""
        self.rows.setdefault(key, Conversation(state, dict(data or {})))


_scope: contextvars.ContextVar[FsmScope | None] = contextvars.ContextVar("fsm_scope", default=None)


class PostgresStorage(BaseStorage):
    def __init__(
        self,
        pool: Pool | None = None,
        *,
        state_ttl: timedelta | None = None,
        data_ttl: timedelta | None = None,
        key_builder: KeyBuilder | None = None,
    ) -> None:
        self._pool = pool  # None until the runtime binds it (a SnapStart snapshot holds no pool)
        self.state_ttl = state_ttl
        self.data_ttl = data_ttl
        self.key_builder = key_builder or DefaultKeyBuilder(
            with_bot_id=True, with_business_connection_id=True, with_destiny=True
        )

    @property
    def pool(self) -> Pool:
        if self._pool is None:
            raise RuntimeError("the FSM storage is used before the runtime bound its pool")
        return self._pool

    def bind(self, pool: Pool) -> None:
        self._pool = pool

    def key_of(self, key: StorageKey) -> str:
        return self.key_builder.build(key)

    # --- inside an update --------------------------------------------------------------------------

    @asynccontextmanager
    async def scope(self, conn: Connection) -> AsyncIterator[FsmScope]:
        scope = FsmScope(conn)
        token = _scope.set(scope)
        try:
            yield scope
        finally:
            _scope.reset(token)

    def writes(self, scope: FsmScope) -> list[FsmWrite]:
        """What the update changed, for ``updates.finish``."""
        return [
            (key, row.state, row.data, self.state_ttl, self.data_ttl)
            for key, row in scope.rows.items()
            if row.changed
        ]

    async def _conversation(self, scope: FsmScope, key: StorageKey) -> Conversation:
        name = self.key_of(key)
        row = scope.rows.get(name)
        if row is None:
            loaded = await scope.conn.fetchrow(f"SELECT {LOAD_COLUMNS} FROM fsm_storage WHERE key = $1", name)
            row = scope.rows[name] = Conversation(
                loaded["fsm_state"] if loaded else None, dict((loaded["fsm_data"] if loaded else None) or {})
            )
        return row

    # --- aiogram's storage contract ------------------------------------------------------------------

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        value = state.state if isinstance(state, State) else state
        scope = _scope.get()
        if scope is not None:
            row = await self._conversation(scope, key)
            row.state, row.changed = value, True
            return
        if value is None:
            await self.pool.execute(
                "UPDATE fsm_storage SET state = NULL, state_expires_at = NULL, updated_at = now() WHERE key = $1",
                self.key_of(key),
            )
            await self._drop_if_empty(key)
            return
        await self.pool.execute(
            """
            INSERT INTO fsm_storage (key, state, state_expires_at) VALUES ($1, $2, now() + $3::interval)
            ON CONFLICT (key) DO UPDATE
               SET state = EXCLUDED.state, state_expires_at = EXCLUDED.state_expires_at, updated_at = now()
            """,
            self.key_of(key),
            value,
            self.state_ttl,
        )

    async def get_state(self, key: StorageKey) -> str | None:
        scope = _scope.get()
        if scope is not None:
            return (await self._conversation(scope, key)).state
        state: str | None = await self.pool.fetchval(
            f"SELECT state FROM fsm_storage WHERE key = $1 AND {_STATE_ALIVE}", self.key_of(key)
        )
        return state

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        if not isinstance(data, dict):
            raise DataNotDictLikeError(f"Data must be a dict or dict-like object, got {type(data).__name__}")
        scope = _scope.get()
        if scope is not None:
            row = await self._conversation(scope, key)
            row.data, row.changed = dict(data), True
            return
        await self.pool.execute(
            """
            INSERT INTO fsm_storage (key, data, data_expires_at) VALUES ($1, $2, now() + $3::interval)
            ON CONFLICT (key) DO UPDATE
               SET data = EXCLUDED.data, data_expires_at = EXCLUDED.data_expires_at, updated_at = now()
            """,
            self.key_of(key),
            dict(data),
            self.data_ttl,
        )
        if not data:
            await self._drop_if_empty(key)

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        scope = _scope.get()
        if scope is not None:
            return dict((await self._conversation(scope, key)).data)
        data: dict[str, Any] | None = await self.pool.fetchval(
            f"SELECT data FROM fsm_storage WHERE key = $1 AND {_DATA_ALIVE}", self.key_of(key)
        )
        return data if data is not None else {}

    async def update_data(self, key: StorageKey, data: Mapping[str, Any]) -> dict[str, Any]:
        """Merge ``data`` into the stored dict (like dict.update) and return the result; atomic outside
        an update, and inside one the update's own FIFO group keeps writers of a chat in turn."""
        if not isinstance(data, Mapping):
            raise DataNotDictLikeError(f"Data must be a dict or dict-like object, got {type(data).__name__}")
        scope = _scope.get()
        if scope is not None:
            row = await self._conversation(scope, key)
            row.data, row.changed = {**row.data, **data}, True
            return dict(row.data)
        merged: dict[str, Any] = await self.pool.fetchval(
            f"""
            INSERT INTO fsm_storage AS s (key, data, data_expires_at) VALUES ($1, $2, now() + $3::interval)
            ON CONFLICT (key) DO UPDATE
               SET data = CASE WHEN {_DATA_ALIVE.replace("data_expires_at", "s.data_expires_at")}
                               THEN s.data || EXCLUDED.data ELSE EXCLUDED.data END,
                   data_expires_at = EXCLUDED.data_expires_at,
                   updated_at = now()
            RETURNING data
            """,
            self.key_of(key),
            dict(data),
            self.data_ttl,
        )
        return merged

    async def _drop_if_empty(self, key: StorageKey) -> None:
        await self.pool.execute(
            "DELETE FROM fsm_storage WHERE key = $1 AND state IS NULL AND data = '{}'::jsonb",
            self.key_of(key),
        )

    async def close(self) -> None:
        """The pool belongs to the worker runtime, which closes it."""
