"""A snapshot/restore cycle in-process: the routed Dispatcher built before the snapshot serves updates once
the first invocation after the restore has bound its pool, settings and KIE client."""

from __future__ import annotations

from bench.update_path import sqs_record, start_update
from creativebot import snapstart, worker
from creativebot.texts import RU
from infra.local.botsession import MemorySession
from tests.helpers import Queues


def test_the_prebuilt_dispatcher_serves_the_first_update_after_a_restore(
    database_url: str, sqs: Queues, worker_runtime: None
) -> None:
    # Before the snapshot: the warm-up builds the routed Dispatcher, with nothing bound to it
    snapstart.warm(snapstart.WORKER_MODULES)
    prebuilt = worker._prebuilt
    assert prebuilt is not None and "settings" not in prebuilt.workflow_data
    # After the restore: the first update binds the container's parts to that same Dispatcher
    snapstart.after_restore()
    runtime = worker.get_runtime()
    session = MemorySession()
    runtime.bot_session = session
    worker.handle_record(sqs_record(start_update(1)))
    assert runtime.dispatcher is prebuilt and worker._prebuilt is None
    assert prebuilt["settings"] is runtime.settings and prebuilt["kie"] is runtime.kie
    assert any(getattr(call.method, "text", None) == RU.welcome for call in session.calls)
