"""make set-webhook: URL, secret and allowed_updates as Telegram receives them."""

from __future__ import annotations

import pytest

from creativebot.telegram.set_webhook import main, used_update_types
from infra.local.telegram import EmulatorServer


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
    assert "https://bot.test.invalid/telegram/webhook" in capsys.readouterr().out


async def _queue_an_update(telegram: EmulatorServer) -> None:
    telegram.emulator.user_text(100, "hello")


def test_a_missing_setting_is_reported_not_raised(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("PUBLIC_BASE_URL")
    assert main([]) == 1
    assert "PUBLIC_BASE_URL" in capsys.readouterr().err
