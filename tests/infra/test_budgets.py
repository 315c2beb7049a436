"""Each function's time budget, as the code spends it, fits the timeout template.yaml gives it."""

from __future__ import annotations

from typing import Any

from creativebot import budget, callbacks, maintenance, updates
from creativebot.config import FetchSettings, KieSettings
from creativebot.queue import sqs_client
from creativebot.telegram import delivery
from tests.infra.test_template import _props

KIE_TIMEOUT = KieSettings.model_fields["kie_timeout_sec"].default
FETCH_DEADLINE = FetchSettings.model_fields["fetch_deadline_sec"].default


def _timeout(function: str) -> int:
    value: Any = _props(function)["Timeout"]
    return int(value)


def test_the_webhook_answers_even_when_sqs_is_slow() -> None:
    # two attempts of connect + read (botocore's own retry) fit the webhook's timeout
    config: Any = sqs_client.__wrapped__("eu-central-1").meta.config
    attempts = config.retries["total_max_attempts"]
    assert attempts * (config.connect_timeout + config.read_timeout) < _timeout("WebhookFunction")


def test_the_callback_answers_kie_within_its_15_seconds_and_inside_its_own_timeout() -> None:
    # recordInfo gets what is left of KIE's 15 s minus the margin for the settlement
    assert callbacks.ANSWER_WITHIN_SEC - budget.MARGIN_SEC >= budget.MIN_CALL_SEC
    assert _timeout("KieCallbackFunction") > callbacks.ANSWER_WITHIN_SEC


def test_the_worker_fits_one_kie_call_or_one_download_and_its_leases_outlive_it() -> None:
    worker = _timeout("WorkerFunction")
    assert worker > KIE_TIMEOUT + budget.MARGIN_SEC
    assert worker > FETCH_DEADLINE + budget.MARGIN_SEC
    # a crashed update or delivery is free again before SQS hands its record out once more
    visibility = int(_props("UpdatesQueue")["VisibilityTimeout"])
    assert worker < updates.LEASE.total_seconds() < visibility
    assert worker < delivery.LEASE.total_seconds() < visibility


def test_cron_has_room_for_a_job_and_stops_before_its_timeout() -> None:
    cron = _timeout("CronFunction")
    # one job = one KIE call at its full timeout plus a settlement; the run stops when that no longer fits
    assert cron > KIE_TIMEOUT + 1 + budget.MARGIN_SEC
    assert maintenance.BATCH >= 1
