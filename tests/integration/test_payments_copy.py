"""The money copy section: both languages complete and consistent, and what the operator turns on."""

from __future__ import annotations

import dataclasses
import string
from typing import get_type_hints

import pytest

from creativebot.config import ConfigError, PaymentSettings, WorkerSettings, load_settings
from creativebot.payments import transfers
from creativebot.telegram.set_webhook import used_update_types
from creativebot.texts.payments import EN, RU, payments_copy


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("field", [f.name for f in dataclasses.fields(RU) if f.name != "lang"])
def test_russian_and_english_take_the_same_placeholders(field: str) -> None:
    ru, en = getattr(RU, field), getattr(EN, field)
    if isinstance(ru, dict):
        assert set(ru) == set(en) and all(str(v).strip() for v in (*ru.values(), *en.values()))
        return
    assert ru.strip() and en.strip()
    assert _placeholders(ru) == _placeholders(en)


def test_every_reject_reason_has_words_and_russian_is_the_fallback() -> None:
    assert set(transfers.REJECT_REASONS) == set(RU.reject_reasons)
    assert payments_copy("en") is EN and payments_copy(None) is RU and payments_copy("de") is RU


def test_rouble_routes_are_off_until_the_operator_sets_them(monkeypatch: pytest.MonkeyPatch) -> None:
    assert get_type_hints(WorkerSettings)["payments"] is PaymentSettings
    settings = PaymentSettings()
    assert not settings.rub_invoices and not settings.manual_transfers
    assert settings.payments_rub_packs == (100, 300, 500, 1000, 3000)
    monkeypatch.setenv("PAYMENTS_PROVIDER_TOKEN", "1234567890:TEST:fake")
    monkeypatch.setenv("MANUAL_TRANSFER_DETAILS", "СБП +7 900 000-00-00")
    monkeypatch.setenv("PAYMENTS_RUB_PACKS", "500, 100,100")
    on = PaymentSettings()
    assert on.rub_invoices and on.manual_transfers and on.payments_rub_packs == (100, 500)
    monkeypatch.setenv("PAYMENTS_PROVIDER_TOKEN", "  ")
    assert not PaymentSettings().rub_invoices


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("PAYMENTS_PROVIDER_TOKEN", "not-a-token"),
        ("PAYMENTS_RUB_PACKS", "100,abc"),
        ("PAYMENTS_RUB_PACKS", "0"),
        ("PAYMENTS_VAT_CODE", "13"),
        ("PAYMENTS_RECEIPT_CONTACT", "fax"),
    ],
)
def test_a_bad_payment_setting_is_named_without_its_value(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as error:
        load_settings(WorkerSettings)
    assert name in str(error.value)
    if name == "PAYMENTS_PROVIDER_TOKEN":
        assert value not in str(error.value)


def test_the_provider_token_is_a_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAYMENTS_PROVIDER_TOKEN", "1234567890:TEST:fake")
    token = PaymentSettings().payments_provider_token
    assert token is not None and "1234567890" not in repr(token)


def test_telegram_keeps_sending_pre_checkout_queries_the_webhook_answers() -> None:
    assert "pre_checkout_query" in used_update_types()
