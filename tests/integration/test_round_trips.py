"""Round trips to PostgreSQL per update, counted on the wire by a proxy in front of the database.

The goal of the update path: at most 5 for /start of a returning user and at most 6 for a menu press,
the dedup claim and the done mark included.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from bench.update_path import press_update, sqs_record, start_update
from creativebot import worker
from creativebot.config import get_settings
from infra.local.botsession import MemorySession
from infra.local.pgcount import RoundTrips
from tests.helpers import Queues


@pytest.fixture
def counted(database_url: str, sqs: Queues, worker_runtime: None) -> Iterator[RoundTrips]:
    """The worker runtime pointed at a counting proxy, its Bot answering in memory."""
    runtime = worker.get_runtime()
    runtime.bot_session = MemorySession()
    counter = RoundTrips(database_url)
    os.environ["DATABASE_URL"] = runtime.run(counter.start())
    get_settings.cache_clear()
    yield counter
    runtime.run(counter.close())


def _trips(counter: RoundTrips, make: Callable[[int], dict[str, Any]], first_id: int) -> list[int]:
    """Round trips of five updates after two warm-up ones (connections open, statements prepared)."""
    for i in range(2):
        worker.handle_record(sqs_record(make(first_id + i)))
    trips = []
    for i in range(5):
        counter.reset()
        worker.handle_record(sqs_record(make(first_id + 10 + i)))
        trips.append(counter.count)
    return trips


def test_start_of_a_returning_user_takes_at_most_five_round_trips(counted: RoundTrips) -> None:
    worker.handle_record(sqs_record(start_update(1)))  # the first /start creates the user
    trips = _trips(counted, start_update, 100)
    assert max(trips) <= 5, trips


@pytest.mark.parametrize("button", ["menu:main", "menu:help", "menu:balance", "cat:photo", "cat:video"])
def test_a_menu_press_takes_at_most_six_round_trips(counted: RoundTrips, button: str) -> None:
    worker.handle_record(sqs_record(start_update(1)))
    trips = _trips(counted, lambda update_id: press_update(update_id, button), 100)
    assert max(trips) <= 6, trips


def test_a_duplicate_update_costs_one_round_trip(counted: RoundTrips) -> None:
    worker.handle_record(sqs_record(start_update(1)))
    worker.handle_record(sqs_record(start_update(2)))
    counted.reset()
    worker.handle_record(sqs_record(start_update(2)))
    assert counted.count == 1
