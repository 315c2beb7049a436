"""Configuration: validated on first use, one error naming every bad variable, no secret in it."""

from __future__ import annotations

import json

import boto3
import pytest
from moto import mock_aws

from creativebot.config import (
    ConfigError,
    DatabaseOnlySettings,
    WebhookSettings,
    WorkerSettings,
    get_settings,
    load_settings,
)
from tests.helpers import REGION

GOOD_DSN = "postgresql://bot:s3cret-pass@db.internal:5432/creativebot"
QUEUE = "https://sqs.eu-central-1.amazonaws.com/123456789012/updates.fifo"


def test_missing_token_and_malformed_database_url_give_one_error_naming_both(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given: no bot token and a DSN that is not a PostgreSQL URL
    token = "7654321:this-value-must-never-be-printed"
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN")
    monkeypatch.setenv("DATABASE_URL", "mysql://root@localhost/db")
    monkeypatch.setenv("UPDATES_QUEUE_URL", QUEUE)
    # When
    with pytest.raises(ConfigError) as error:
        load_settings(WorkerSettings)
    # Then: one message names both variables and why
    message = str(error.value)
    assert "TELEGRAM_BOT_TOKEN: is required but not set" in message
    assert "DATABASE_URL: must be a PostgreSQL URL" in message
    assert "mysql://" not in message
    # ... and a malformed token is reported without its value
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", token.replace(":", "-"))
    with pytest.raises(ConfigError) as error:
        load_settings(WorkerSettings)
    assert "TELEGRAM_BOT_TOKEN: must look like a BotFather token" in str(error.value)
    assert "this-value-must-never-be-printed" not in str(error.value)


def test_every_problem_is_listed_once(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given: several bad variables across concerns
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", "spaces are not allowed")
    monkeypatch.setenv("KIE_CALLBACK_SECRET", "short")
    monkeypatch.setenv("ADMIN_IDS", "12,abc")
    monkeypatch.setenv("DATABASE_URL", GOOD_DSN)
    monkeypatch.setenv("UPDATES_QUEUE_URL", "https://sqs.example.com/updates")
    monkeypatch.delenv("PUBLIC_BASE_URL")
    # When
    with pytest.raises(ConfigError) as error:
        load_settings(WorkerSettings)
    lines = str(error.value).splitlines()[1:]
    # Then: each bad variable has exactly one line
    names = sorted(line.strip().removeprefix("- ").split(":")[0] for line in lines)
    assert names == sorted(
        [
            "TELEGRAM_WEBHOOK_SECRET",
            "KIE_CALLBACK_SECRET",
            "ADMIN_IDS",
            "UPDATES_QUEUE_URL",
            "PUBLIC_BASE_URL",
        ]
    )
    assert "spaces are not allowed" not in str(error.value)


def test_values_are_parsed_and_typed(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given: a complete environment
    monkeypatch.setenv("DATABASE_URL", GOOD_DSN)
    monkeypatch.setenv("UPDATES_QUEUE_URL", QUEUE)
    monkeypatch.setenv("ADMIN_IDS", "111, 222,333")
    monkeypatch.setenv("TELEGRAM_API_BASE", "http://127.0.0.1:8081/")
    # When
    settings = load_settings(WorkerSettings)
    # Then
    assert settings.app.admin_ids == (111, 222, 333)
    assert settings.telegram.telegram_api_base == "http://127.0.0.1:8081"
    assert settings.kie.kie_api_base == "https://api.kie.ai"
    assert settings.queue.aws_region == REGION
    assert "s3cret-pass" not in repr(settings)


def test_unix_socket_dsns_are_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given: the URL shape pgserver hands out
    monkeypatch.setenv("DATABASE_URL", "postgresql://postgres:@/postgres?host=/tmp/pg")
    # Then
    assert load_settings(DatabaseOnlySettings).db.db_pool_max_size == 3


def test_settings_are_read_on_first_use_and_cached(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given: settings read once
    monkeypatch.setenv("UPDATES_QUEUE_URL", QUEUE)
    first = get_settings(WebhookSettings)
    # When: the environment changes afterwards
    monkeypatch.setenv("UPDATES_QUEUE_URL", QUEUE.replace("updates", "other"))
    # Then: the container keeps what it validated
    assert get_settings(WebhookSettings) is first
    assert first.queue.updates_queue_url == QUEUE


def test_the_webhook_does_not_need_the_bot_token(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given: the webhook's environment carries only what it uses
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN")
    monkeypatch.setenv("UPDATES_QUEUE_URL", QUEUE)
    # Then
    assert (
        load_settings(WebhookSettings).telegram.telegram_webhook_secret.get_secret_value()
        == "test-webhook-secret"
    )


def test_secrets_manager_fills_unset_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given: secrets kept in Secrets Manager, the environment naming the secret and overriding one value
    with mock_aws():
        client = boto3.client("secretsmanager", region_name=REGION)
        secret = {"TELEGRAM_BOT_TOKEN": "7777777:from-secrets-manager-xyz", "DATABASE_URL": GOOD_DSN}
        client.create_secret(Name="creativebot/prod", SecretString=json.dumps(secret))
        monkeypatch.delenv("TELEGRAM_BOT_TOKEN")
        monkeypatch.setenv("APP_SECRETS_ID", "creativebot/prod")
        monkeypatch.setenv("UPDATES_QUEUE_URL", QUEUE)
        monkeypatch.setenv("KIE_API_KEY", "env-wins-over-secret")
        from aws_lambda_powertools.utilities import parameters

        parameters.clear_caches()  # type: ignore[no-untyped-call]
        # When
        settings = load_settings(WorkerSettings)
    # Then
    assert settings.telegram.telegram_bot_token.get_secret_value() == secret["TELEGRAM_BOT_TOKEN"]
    assert settings.db.database_url.get_secret_value() == GOOD_DSN
    assert settings.kie.kie_api_key.get_secret_value() == "env-wins-over-secret"
