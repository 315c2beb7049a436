"""make set-webhook: URL, secret and allowed_updates, and the bot's profile, as Telegram receives them."""

from __future__ import annotations

import json
from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from creativebot.telegram.set_webhook import main, used_update_types
from creativebot.texts.profile import (
    COMMAND_DESCRIPTION_LIMIT,
    COMMANDS,
    DESCRIPTION_LIMIT,
    EN,
    FALLBACK,
    PROFILES,
    RU,
    SHORT_DESCRIPTION_LIMIT,
)
from infra.local.telegram import EmulatorServer
from tests.conftest import FAKE_ENV

DEFAULT_SCOPE = ("default",)


def test_set_webhook_registers_url_secret_and_the_routers_update_types(
    telegram: EmulatorServer, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given: updates that Telegram holds for the bot
    telegram.emulator.user(100)
    telegram.server.call(_queue_an_update(telegram))
    # When
    assert main(["--drop-pending-updates"]) == 0
    # Then
    webhook = telegram.emulator.webhook
    assert webhook is not None
    assert webhook.url == "https://bot.test.invalid/telegram/webhook"
    assert webhook.secret_token == "test-webhook-secret"
    assert webhook.allowed_updates == used_update_types()
    assert {"message", "callback_query"} <= set(used_update_types())
    assert telegram.emulator.pending == []
    out = capsys.readouterr().out
    assert "https://bot.test.invalid/telegram/webhook" in out
    assert "description: ru, en, default" in out


async def _queue_an_update(telegram: EmulatorServer) -> None:
    telegram.emulator.user_text(100, "hello")


def _menu(copy_commands: list[tuple[str, str]]) -> list[dict[str, str]]:
    return [{"command": command, "description": text} for command, text in copy_commands]


def test_set_webhook_publishes_the_menus_and_descriptions_in_russian_and_english(
    telegram: EmulatorServer,
) -> None:
    # When
    assert main([]) == 0
    # Then: a menu per language, and Russian for everyone else
    profile = telegram.emulator.profile
    assert profile.get_commands(DEFAULT_SCOPE, "ru") == _menu(RU.commands())
    assert profile.get_commands(DEFAULT_SCOPE, "en") == _menu(EN.commands())
    assert profile.get_commands(DEFAULT_SCOPE, "") == _menu(RU.commands())
    assert [item["command"] for item in profile.menu_for(100, "en")] == list(COMMANDS)
    assert profile.menu_for(100, "en")[0]["description"] == "Main menu"
    assert profile.menu_for(100, "de")[0]["description"] == "Главное меню"
    # the texts a person sees before the first message
    assert profile.text_for("description", "ru") == RU.description
    assert profile.text_for("description", "en-GB") == EN.description
    assert profile.text_for("description", "uk") == RU.description
    assert profile.text_for("short_description", "en") == EN.short_description
    assert profile.text_for("short_description", None) == RU.short_description


def test_the_profile_copy_fits_telegrams_limits_in_both_languages() -> None:
    assert [copy.lang for copy in PROFILES] == ["ru", "en"]  # Russian first
    assert FALLBACK is RU
    assert set(COMMANDS) >= {"start", "help", "settings", "paysupport", "terms", "cancel"}
    for copy in PROFILES:
        assert [command for command, _text in copy.commands()] == list(COMMANDS)
        for command, text in copy.commands():
            assert 1 <= len(text) <= COMMAND_DESCRIPTION_LIMIT, (copy.lang, command)
        assert 0 < len(copy.description) <= DESCRIPTION_LIMIT, copy.lang
        assert 0 < len(copy.short_description) <= SHORT_DESCRIPTION_LIMIT, copy.lang
    # the two languages really differ (no English left in the Russian copy or the other way round)
    assert not {text for _c, text in RU.commands()} & {text for _c, text in EN.commands()}


def test_a_missing_setting_is_reported_not_raised(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("PUBLIC_BASE_URL")
    assert main([]) == 1
    assert "PUBLIC_BASE_URL" in capsys.readouterr().err


# --- settings from Secrets Manager, in the region the operator names ------------------------------------


@pytest.fixture
def no_region(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A shell with no AWS region and no Telegram secrets in the environment; a fresh Secrets Manager client."""
    from aws_lambda_powertools.utilities.parameters import constants

    for name in ("AWS_REGION", "AWS_DEFAULT_REGION", "TELEGRAM_BOT_TOKEN", "TELEGRAM_WEBHOOK_SECRET"):
        monkeypatch.delenv(name, raising=False)
    # Powertools keeps one Secrets Manager client per process, bound to the region it first saw.
    monkeypatch.delitem(constants.DEFAULT_PROVIDERS, "secrets", raising=False)
    yield
    constants.DEFAULT_PROVIDERS.pop("secrets", None)


def _secret(region: str, name: str) -> str:
    client = boto3.client("secretsmanager", region_name=region)
    value = {
        "TELEGRAM_BOT_TOKEN": FAKE_ENV["TELEGRAM_BOT_TOKEN"],
        "TELEGRAM_WEBHOOK_SECRET": "from-secrets-manager",
    }
    arn: str = client.create_secret(Name=name, SecretString=json.dumps(value))["ARN"]
    return arn


@pytest.mark.usefixtures("no_region")
def test_the_region_flag_reads_the_secret_there(
    telegram: EmulatorServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    with mock_aws():
        _secret("eu-west-1", "creativebot/test-flag")
        monkeypatch.setenv("APP_SECRETS_ID", "creativebot/test-flag")
        assert main(["--region", "eu-west-1"]) == 0
    assert telegram.emulator.webhook is not None
    assert telegram.emulator.webhook.secret_token == "from-secrets-manager"


@pytest.mark.usefixtures("no_region")
def test_a_secret_arn_carries_its_region(telegram: EmulatorServer, monkeypatch: pytest.MonkeyPatch) -> None:
    with mock_aws():
        arn = _secret("ap-southeast-2", "creativebot/test-arn")
        monkeypatch.setenv("APP_SECRETS_ID", arn)
        assert main([]) == 0
    assert telegram.emulator.webhook is not None
    assert telegram.emulator.webhook.secret_token == "from-secrets-manager"


@pytest.mark.usefixtures("no_region")
def test_a_secret_name_without_a_region_is_explained(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("APP_SECRETS_ID", "creativebot/production")
    assert main([]) == 1
    err = capsys.readouterr().err
    assert "--region" in err and "AWS_REGION" in err
    assert "NoRegionError" not in err
