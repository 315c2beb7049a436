"""aiogram FSM storage in PostgreSQL, so a conversation survives any Lambda container.

One row per storage key. ``update_data`` is a single ``INSERT … ON CONFLICT … data || new`` statement,
so concurrent writers of one key never lose each other's keys (aiogram's default is read-modify-write).
State and data may expire (``state_ttl``, ``data_ttl``): an expired value reads as absent.
Data must be JSON-serializable.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from aiogram.exceptions import DataNotDictLikeError
from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, DefaultKeyBuilder, KeyBuilder, StateType, StorageKey

from creativebot.db import Pool

_STATE_ALIVE = "(state_expires_at IS NULL OR state_expires_at > now())"
_DATA_ALIVE = "(data_expires_at IS NULL OR data_expires_at > now())"


class PostgresStorage(BaseStorage):
    def __init__(
        self,
        pool: Pool,
        *,
        state_ttl: timedelta | None = None,
        data_ttl: timedelta | None = None,
        key_builder: KeyBuilder | None = None,
    ) -> None:
        self.pool = pool
        self.state_ttl = state_ttl
        self.data_ttl = data_ttl
        self.key_builder = key_builder or DefaultKeyBuilder(
            with_bot_id=True, with_business_connection_id=True, with_destiny=True
        )

    def _key(self, key: StorageKey) -> str:
        return self.key_builder.build(key)

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        value = state.state if isinstance(state, State) else state
        if value is None:
            await self.pool.execute(
                "UPDATE fsm_storage SET state = NULL, state_expires_at = NULL, updated_at = now() WHERE key = $1",
                self._key(key),
            )
            await self._drop_if_empty(key)
            return
        await self.pool.execute(
            """
            INSERT INTO fsm_storage (key, state, state_expires_at) VALUES ($1, $2, now() + $3::interval)
            ON CONFLICT (key) DO UPDATE
               SET state = EXCLUDED.state, state_expires_at = EXCLUDED.state_expires_at, updated_at = now()
            """,
            self._key(key),
            value,
            self.state_ttl,
        )

    async def get_state(self, key: StorageKey) -> str | None:
        state: str | None = await self.pool.fetchval(
            f"SELECT state FROM fsm_storage WHERE key = $1 AND {_STATE_ALIVE}", self._key(key)
        )
        return state

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        if not isinstance(data, dict):
            raise DataNotDictLikeError(f"Data must be a dict or dict-like object, got {type(data).__name__}")
        await self.pool.execute(
            """
            INSERT INTO fsm_storage (key, data, data_expires_at) VALUES ($1, $2, now() + $3::interval)
            ON CONFLICT (key) DO UPDATE
               SET data = EXCLUDED.data, data_expires_at = EXCLUDED.data_expires_at, updated_at = now()
            """,
            self._key(key),
            dict(data),
            self.data_ttl,
        )
        if not data:
            await self._drop_if_empty(key)

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        data: dict[str, Any] | None = await self.pool.fetchval(
            f"SELECT data FROM fsm_storage WHERE key = $1 AND {_DATA_ALIVE}", self._key(key)
        )
        return data if data is not None else {}

    async def update_data(self, key: StorageKey, data: Mapping[str, Any]) -> dict[str, Any]:
        """Merge ``data`` into the stored dict atomically (like dict.update) and return the result."""
        if not isinstance(data, Mapping):
            raise DataNotDictLikeError(f"Data must be a dict or dict-like object, got {type(data).__name__}")
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
            self._key(key),
            dict(data),
            self.data_ttl,
        )
        return merged

    async def _drop_if_empty(self, key: StorageKey) -> None:
        await self.pool.execute(
            "DELETE FROM fsm_storage WHERE key = $1 AND state IS NULL AND data = '{}'::jsonb", self._key(key)
        )

    async def close(self) -> None:
        """The pool belongs to the worker runtime, which closes it."""
