"""PostgresStorage against aiogram's storage contract, plus atomic update_data and TTL."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import TypedDict

import pytest
from aiogram.exceptions import DataNotDictLikeError
from aiogram.fsm.state import State, StatesGroup
from aiogram.fsm.storage.base import StorageKey

from creativebot.db import Pool
from creativebot.telegram.fsm import PostgresStorage

KEY = StorageKey(bot_id=42, chat_id=-100500, user_id=100500)


class Wizard(StatesGroup):
    prompt = State()


@pytest.fixture
def storage(pool: Pool) -> PostgresStorage:
    return PostgresStorage(pool)


# --- the cases aiogram's own storage tests check (tests/test_fsm/storage/test_storages.py) -------------


async def test_set_state(storage: PostgresStorage) -> None:
    assert await storage.get_state(key=KEY) is None
    await storage.set_state(key=KEY, state="state")
    assert await storage.get_state(key=KEY) == "state"
    await storage.set_state(key=KEY, state=None)
    assert await storage.get_state(key=KEY) is None


async def test_set_state_accepts_state_objects(storage: PostgresStorage) -> None:
    await storage.set_state(key=KEY, state=Wizard.prompt)
    assert await storage.get_state(key=KEY) == "Wizard:prompt"


async def test_set_data(storage: PostgresStorage) -> None:
    assert await storage.get_data(key=KEY) == {}
    assert await storage.get_value(storage_key=KEY, dict_key="foo") is None
    assert await storage.get_value(storage_key=KEY, dict_key="foo", default="baz") == "baz"

    await storage.set_data(key=KEY, data={"foo": "bar"})
    assert await storage.get_data(key=KEY) == {"foo": "bar"}
    assert await storage.get_value(storage_key=KEY, dict_key="foo") == "bar"
    assert await storage.get_value(storage_key=KEY, dict_key="foo", default="baz") == "bar"

    await storage.set_data(key=KEY, data={})
    assert await storage.get_data(key=KEY) == {}
    assert await storage.get_value(storage_key=KEY, dict_key="foo") is None
    assert await storage.get_value(storage_key=KEY, dict_key="foo", default="baz") == "baz"

    class CustomTypedDict(TypedDict, total=False):
        foo: str
        bar: str

    await storage.set_data(key=KEY, data=CustomTypedDict(foo="bar", bar="baz"))
    assert await storage.get_data(key=KEY) == {"foo": "bar", "bar": "baz"}
    assert await storage.get_value(storage_key=KEY, dict_key="foo") == "bar"
    assert await storage.get_value(storage_key=KEY, dict_key="foo", default="baz") == "bar"

    with pytest.raises(DataNotDictLikeError):
        await storage.set_data(key=KEY, data=())  # type: ignore[arg-type]


async def test_update_data(storage: PostgresStorage) -> None:
    assert await storage.get_data(key=KEY) == {}
    assert await storage.update_data(key=KEY, data={"foo": "bar"}) == {"foo": "bar"}
    assert await storage.update_data(key=KEY, data={}) == {"foo": "bar"}
    assert await storage.get_data(key=KEY) == {"foo": "bar"}
    assert await storage.update_data(key=KEY, data={"baz": "spam"}) == {"foo": "bar", "baz": "spam"}
    assert await storage.get_data(key=KEY) == {"foo": "bar", "baz": "spam"}
    assert await storage.update_data(key=KEY, data={"baz": "test"}) == {"foo": "bar", "baz": "test"}
    assert await storage.get_data(key=KEY) == {"foo": "bar", "baz": "test"}


# --- beyond the contract -------------------------------------------------------------------------------


async def test_keys_are_isolated_by_chat_user_and_destiny(storage: PostgresStorage) -> None:
    other_user = StorageKey(bot_id=42, chat_id=-100500, user_id=7)
    other_destiny = StorageKey(bot_id=42, chat_id=-100500, user_id=100500, destiny="dialog")
    await storage.set_state(KEY, "a")
    await storage.set_data(KEY, {"who": "key"})
    assert await storage.get_state(other_user) is None
    assert await storage.get_data(other_destiny) == {}


async def test_state_and_data_are_independent(storage: PostgresStorage) -> None:
    await storage.set_data(KEY, {"draft": 1})
    await storage.set_state(KEY, "s")
    await storage.set_state(KEY, None)
    assert await storage.get_data(KEY) == {"draft": 1}
    await storage.set_state(KEY, "s")
    await storage.set_data(KEY, {})
    assert await storage.get_state(KEY) == "s"


async def test_update_data_under_20_concurrent_writers_loses_no_key(storage: PostgresStorage) -> None:
    # Given: twenty writers of one key at the same moment (two Lambdas, a double tap, …)
    # When
    await asyncio.gather(*(storage.update_data(KEY, {f"field_{i}": i}) for i in range(20)))
    # Then: every key is there
    assert await storage.get_data(KEY) == {f"field_{i}": i for i in range(20)}


async def test_state_expires_after_its_ttl(pool: Pool) -> None:
    # Given: states and data that live 300 ms
    storage = PostgresStorage(
        pool, state_ttl=timedelta(milliseconds=300), data_ttl=timedelta(milliseconds=300)
    )
    await storage.set_state(KEY, "waiting")
    await storage.set_data(KEY, {"draft": "x"})
    assert await storage.get_state(KEY) == "waiting"
    assert await storage.get_data(KEY) == {"draft": "x"}
    # When
    await asyncio.sleep(0.4)
    # Then: both read as absent, and an update starts from an empty dict
    assert await storage.get_state(KEY) is None
    assert await storage.get_data(KEY) == {}
    assert await storage.update_data(KEY, {"fresh": True}) == {"fresh": True}


async def test_an_emptied_key_leaves_no_row(storage: PostgresStorage, pool: Pool) -> None:
    await storage.set_state(KEY, "s")
    await storage.set_data(KEY, {"a": 1})
    await storage.set_state(KEY, None)
    await storage.set_data(KEY, {})
    assert await pool.fetchval("SELECT count(*) FROM fsm_storage") == 0
