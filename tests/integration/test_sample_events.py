"""Every sample event in infra/events/ goes through ``make invoke``'s entry point to its real handler."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from functions.cron import app as cron_app
from infra import invoke
from infra.local.telegram import EmulatorServer
from tests.helpers import Queues

EVENTS = Path(__file__).resolve().parents[2] / "infra" / "events"
USER = 111111  # the person in the sample events

# Each function reads its whole configuration, so every fake part it talks to is up.
pytestmark = pytest.mark.usefixtures("database_url", "worker_runtime", "sqs", "kie")


def _invoke(function: str, event_file: str, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    assert invoke.main([function, str(EVENTS / event_file)]) == 0
    result: dict[str, Any] = json.loads(capsys.readouterr().out)
    return result


@pytest.fixture
def cron_container() -> Iterator[None]:
    yield
    cron_app.container.run(cron_app.container.aclose())


def test_every_function_has_a_sample_event() -> None:
    named = {path.name.split(".")[0] for path in EVENTS.glob("*.json")}
    assert named == {
        "http_api_webhook_start",
        "http_api_kie_callback",
        "sqs_fifo_update_batch",
        "scheduler_input",
    }


def test_the_webhook_event_queues_the_update(sqs: Queues, capsys: pytest.CaptureFixture[str]) -> None:
    response = _invoke("webhook", "http_api_webhook_start.json", capsys)
    assert response["statusCode"] == 200
    [message] = sqs.receive_all()
    assert json.loads(message["Body"])["message"]["text"] == "/start"


def test_the_sqs_event_reaches_the_bot(telegram: EmulatorServer, capsys: pytest.CaptureFixture[str]) -> None:
    telegram.emulator.user(USER)
    assert _invoke("worker", "sqs_fifo_update_batch.json", capsys) == {"batchItemFailures": []}
    [reply] = [call for call in telegram.emulator.calls_of("sendMessage") if call.ok]
    assert int(reply.params["chat_id"]) == USER


def test_the_callback_event_carries_a_valid_token(capsys: pytest.CaptureFixture[str]) -> None:
    # The token in the sample is signed with the test KIE_CALLBACK_SECRET, so it passes the 403 check
    # and stops at the job lookup: the database has no job 1.
    response = _invoke("kie_callback", "http_api_kie_callback.json", capsys)
    assert response["statusCode"] == 404
    assert json.loads(response["body"]) == {"code": 404, "msg": "unknown job"}


@pytest.mark.usefixtures("cron_container")
def test_the_scheduler_event_runs_maintenance(capsys: pytest.CaptureFixture[str]) -> None:
    assert _invoke("cron", "scheduler_input.json", capsys)["status"] == "ok"


def test_a_missing_event_file_is_explained(capsys: pytest.CaptureFixture[str]) -> None:
    assert invoke.main(["webhook", str(EVENTS / "no-such-event.json")]) == 2
    assert "cannot read the event" in capsys.readouterr().err
