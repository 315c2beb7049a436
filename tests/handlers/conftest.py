"""Fixtures of the fast handler tier (see harness.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from creativebot.config import WorkerSettings, get_settings
from creativebot.db import Pool
from creativebot.kie.client import KieClient
from infra.local.kie import FakeKieServer
from tests.handlers.harness import Harness
from tests.helpers import Queues


@pytest.fixture
async def harness(pool: Pool, kie: FakeKieServer, sqs: Queues) -> AsyncIterator[Harness]:
    settings = get_settings(WorkerSettings)
    async with KieClient(settings.kie) as client:
        yield Harness(pool, settings, client)
