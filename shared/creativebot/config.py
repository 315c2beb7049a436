"""Typed configuration: one settings class per concern, composed per function.

Nothing is read at import. ``get_settings(WorkerSettings)`` validates every concern that function needs
on first use and caches the result. A bad environment fails with ONE :class:`ConfigError` that names
every bad variable and why, and never prints a value.

On AWS, secrets live in Secrets Manager: when ``APP_SECRETS_ID`` names a secret whose value is a JSON
object of ``{"VARIABLE": "value"}``, those values fill every variable the environment leaves unset.
"""

from __future__ import annotations

import dataclasses
import os
import re
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, TypeVar, get_type_hints
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from creativebot.observability import register_secret

if TYPE_CHECKING:
    from creativebot.fetch import FetchPolicy

SECRETS_ID_ENV = "APP_SECRETS_ID"


class ConfigError(RuntimeError):
    """The environment is missing or malformed; the message lists every bad variable."""


def _http_url(value: str, name: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ValueError(f"{name} must be an http(s) URL such as https://example.com")
    return value.rstrip("/")


class _Env(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", frozen=True)


class TelegramWebhookSettings(_Env):
    """What the webhook needs to tell Telegram's calls from anyone else's."""

    telegram_webhook_secret: SecretStr

    @field_validator("telegram_webhook_secret")
    @classmethod
    def _secret_charset(cls, value: SecretStr) -> SecretStr:
        if not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", value.get_secret_value()):
            raise ValueError(
                "must be 1-256 characters from A-Z a-z 0-9 _ - (Telegram's rule for secret_token)"
            )
        return value


class TelegramSettings(TelegramWebhookSettings):
    telegram_bot_token: SecretStr
    telegram_api_base: str = "https://api.telegram.org"

    @field_validator("telegram_bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr) -> SecretStr:
        if not re.fullmatch(r"\d+:[A-Za-z0-9_-]{10,}", value.get_secret_value()):
            raise ValueError("must look like a BotFather token: <digits>:<letters, digits, _ or ->")
        return value

    @field_validator("telegram_api_base")
    @classmethod
    def _api_base(cls, value: str) -> str:
        return _http_url(value, "TELEGRAM_API_BASE")


class KieSettings(_Env):
    kie_api_key: SecretStr
    kie_api_base: str = "https://api.kie.ai"
    kie_upload_base: str = "https://kieai.redpandaai.co"
    kie_callback_secret: SecretStr
    kie_webhook_hmac_key: SecretStr | None = None
    kie_timeout_sec: float = Field(default=20.0, gt=0, le=120)

    @field_validator("kie_api_key")
    @classmethod
    def _key_present(cls, value: SecretStr) -> SecretStr:
        if not value.get_secret_value().strip():
            raise ValueError("must not be empty")
        return value

    @field_validator("kie_callback_secret")
    @classmethod
    def _callback_secret_strength(cls, value: SecretStr) -> SecretStr:
        if len(value.get_secret_value()) < 16:
            raise ValueError("must be at least 16 characters (it signs every job's callback URL)")
        return value

    @field_validator("kie_api_base", "kie_upload_base")
    @classmethod
    def _bases(cls, value: str) -> str:
        return _http_url(value, "KIE base URLs")


class DatabaseSettings(_Env):
    database_url: SecretStr
    db_pool_max_size: int = Field(default=3, ge=1, le=20)
    db_command_timeout_sec: float = Field(default=15.0, gt=0, le=300)
    # asyncpg's prepared-statement cache; 0 behind pgbouncer or RDS Proxy in transaction mode.
    db_statement_cache_size: int = Field(default=100, ge=0, le=10_000)

    @field_validator("database_url")
    @classmethod
    def _postgres_dsn(cls, value: SecretStr) -> SecretStr:
        parts = urlsplit(value.get_secret_value())
        socket_host = parse_qs(parts.query).get("host")
        if parts.scheme not in {"postgres", "postgresql"} or not (parts.hostname or socket_host):
            raise ValueError(
                "must be a PostgreSQL URL: postgresql://user:password@host:5432/dbname "
                "(or postgresql://user@/dbname?host=/socket/dir)"
            )
        return value


class QueueSettings(_Env):
    updates_queue_url: str
    aws_region: str = "eu-central-1"

    @field_validator("updates_queue_url")
    @classmethod
    def _queue_url(cls, value: str) -> str:
        url = _http_url(value, "UPDATES_QUEUE_URL")
        if not url.endswith(".fifo"):
            raise ValueError("must be the URL of a FIFO queue (its name ends in .fifo)")
        return url


class AppSettings(_Env):
    public_base_url: str | None = None
    admin_ids: Annotated[tuple[int, ...], NoDecode] = ()
    diagnostics_token: SecretStr | None = None
    git_sha: str = "unknown"
    job_timeout_min: int = Field(default=30, ge=2, le=24 * 60)
    support_contact: str = Field(default="", max_length=200)

    @field_validator("public_base_url")
    @classmethod
    def _public_url(cls, value: str | None) -> str | None:
        return _http_url(value, "PUBLIC_BASE_URL") if value else None

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _comma_separated_ids(cls, value: Any) -> Any:
        if isinstance(value, str):
            items = [item.strip() for item in value.split(",") if item.strip()]
            if not all(re.fullmatch(r"-?\d+", item) for item in items):
                raise ValueError("must be comma-separated Telegram user ids, e.g. 12345,67890")
            return tuple(int(item) for item in items)
        return value


class FetchSettings(_Env):
    """Downloads of result files, through the outbound fence (creativebot.fetch)."""

    # Hosts (host or host:port) that may be fetched over http and may be private: the local fakes.
    fetch_allowed_http_hosts: str = ""
    fetch_deadline_sec: float = Field(default=30.0, gt=0, le=50)

    @field_validator("fetch_allowed_http_hosts")
    @classmethod
    def _hosts(cls, value: str) -> str:
        from creativebot.fetch import FetchPolicy  # noqa: PLC0415 - keeps httpcore out of the webhook

        FetchPolicy.from_setting(value)  # a ValueError names the bad entry
        return value

    @property
    def policy(self) -> FetchPolicy:
        from creativebot.fetch import FetchPolicy  # noqa: PLC0415

        return FetchPolicy.from_setting(self.fetch_allowed_http_hosts)


class WalletSettings(_Env):
    welcome_bonus_rub: int = Field(default=0, ge=0, le=100_000)
    referral_bonus_rub: int = Field(default=0, ge=0, le=100_000)
    free_day_tz: str = "Europe/Moscow"

    @field_validator("free_day_tz")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError("must be an IANA time zone such as Europe/Moscow") from exc
        return value


class LimitSettings(_Env):
    """Per-person limits (operators are exempt): taps and messages, generations running at once."""

    user_rate_burst: int = Field(default=20, ge=1, le=1000)  # updates in a quick row
    user_rate_per_min: int = Field(default=30, ge=1, le=6000)  # and then this many a minute
    open_jobs_per_user: int = Field(default=3, ge=1, le=100)
    # a granted free run covers one generation up to this price
    gift_run_max_rub: int = Field(default=50, ge=1, le=100_000)


class PricingSettings(_Env):
    """Roubles = KIE credits x KIE_USD_PER_CREDIT x RUB_PER_USD x PRICE_MARKUP, rounded up."""

    kie_usd_per_credit: Decimal = Field(default=Decimal("0.005"), gt=0, le=1)
    rub_per_usd: Decimal = Field(default=Decimal("100"), gt=0, le=10_000)
    price_markup: Decimal = Field(default=Decimal("2.0"), ge=1, le=100)
    # Telegram Stars top-ups: roubles credited per star.
    star_price_rub: Decimal = Field(default=Decimal("1.5"), gt=0, le=100)


@dataclasses.dataclass(frozen=True)
class FunctionSettings:
    """A function's settings: one attribute per concern, validated together."""

    # Settings that are optional in their concern but this function cannot run without.
    requires: ClassVar[tuple[str, ...]] = ()


@dataclasses.dataclass(frozen=True)
class WebhookSettings(FunctionSettings):
    telegram: TelegramWebhookSettings
    queue: QueueSettings
    app: AppSettings


@dataclasses.dataclass(frozen=True)
class DatabaseOnlySettings(FunctionSettings):
    db: DatabaseSettings


@dataclasses.dataclass(frozen=True)
class BotAdminSettings(FunctionSettings):
    """Operator commands that talk to Telegram (set-webhook)."""

    requires = ("public_base_url",)

    telegram: TelegramSettings
    app: AppSettings


@dataclasses.dataclass(frozen=True)
class CallbackSettings(FunctionSettings):
    """The KIE callback function; cron needs exactly the same parts."""

    kie: KieSettings
    db: DatabaseSettings
    queue: QueueSettings
    app: AppSettings
    admin: AdminSettings


@dataclasses.dataclass(frozen=True)
class WorkerSettings(FunctionSettings):
    requires = ("public_base_url",)

    telegram: TelegramSettings
    kie: KieSettings
    db: DatabaseSettings
    queue: QueueSettings
    app: AppSettings
    wallet: WalletSettings
    pricing: PricingSettings
    fetch: FetchSettings
    limits: LimitSettings
    admin: AdminSettings
    payments: PaymentSettings


CronSettings = CallbackSettings

S = TypeVar("S", bound=FunctionSettings)


def _secret_manager_values() -> dict[str, str]:
    secret_id = os.environ.get(SECRETS_ID_ENV)
    if not secret_id:
        return {}
    from aws_lambda_powertools.utilities import parameters  # noqa: PLC0415 - only on AWS, costs 0.16 s

    try:
        values = parameters.get_secret(secret_id, transform="json", max_age=300)
    except Exception as exc:
        raise ConfigError(f"{SECRETS_ID_ENV}: could not read the secret ({type(exc).__name__})") from None
    if not isinstance(values, dict):
        raise ConfigError(f"{SECRETS_ID_ENV}: the secret must be a JSON object of VARIABLE: value")
    return {str(key).lower(): str(value) for key, value in values.items() if str(key) not in os.environ}


def _describe(error: dict[str, Any]) -> str:
    name = str(error["loc"][0]).upper() if error.get("loc") else "?"
    if error["type"] == "missing":
        return f"{name}: is required but not set"
    message = str(error["msg"]).removeprefix("Value error, ")
    return f"{name}: {message}"


def load_settings(cls: type[S]) -> S:
    """Validate every concern of ``cls`` at once; raise one ConfigError listing all problems."""
    overlay = _secret_manager_values()
    problems: list[str] = []
    concerns: dict[str, BaseSettings] = {}
    for field_name, concern_type in get_type_hints(cls).items():
        if field_name == "requires":
            continue
        try:
            concerns[field_name] = concern_type(
                **{k: v for k, v in overlay.items() if k in concern_type.model_fields}
            )
        except ValidationError as exc:
            problems.extend(_describe(dict(error)) for error in exc.errors(include_input=False))
    problems.extend(
        f"{field.upper()}: is required by this function but not set"
        for field in cls.requires
        if not (os.environ.get(field.upper()) or overlay.get(field))
    )
    if problems:
        unique = list(dict.fromkeys(problems))
        raise ConfigError("Invalid configuration:\n  - " + "\n  - ".join(unique))
    for concern_settings in concerns.values():
        for value in concern_settings.__dict__.values():
            if isinstance(value, SecretStr):
                register_secret(value.get_secret_value())
    return cls(**concerns)


@cache
def get_settings(cls: type[S]) -> S:
    """The function's settings, validated on first use and cached for the container's life."""
    return load_settings(cls)


class AdminSettings(_Env):
    """The operators' control room: the rule that hides a failing model, and the broadcasts' pace."""

    # A model whose AUTO_HIDE_FAILED of its last AUTO_HIDE_WINDOW finished jobs failed is hidden by cron.
    auto_hide_failed: int = Field(default=5, ge=1, le=1000)
    auto_hide_window: int = Field(default=10, ge=1, le=1000)
    # Broadcast messages per second, overall (Telegram allows about 30; the rest is for people's answers).
    broadcast_per_second: int = Field(default=25, ge=1, le=25)

    @field_validator("auto_hide_window")
    @classmethod
    def _window_holds_the_failures(cls, value: int, info: ValidationInfo) -> int:
        failed = info.data.get("auto_hide_failed")
        if isinstance(failed, int) and value < failed:
            raise ValueError("must be at least AUTO_HIDE_FAILED (N failed of the last M jobs needs M >= N)")
        return value


class PaymentSettings(_Env):
    """Top-up routes besides Telegram Stars. Both are off unless the operator sets them: Telegram wants
    digital goods sold in its apps paid in Stars (README, "Payments")."""

    # A Telegram payments provider's token (BotFather -> Payments, e.g. YooKassa): rouble invoices.
    payments_provider_token: SecretStr | None = None
    # Where payers send a manual transfer (e.g. "СБП +7 900 000-00-00, Т-Банк, Иван И."), shown as is.
    manual_transfer_details: str | None = Field(default=None, max_length=500)
    # The rouble amounts offered by both routes, in whole roubles, comma-separated.
    payments_rub_packs: Annotated[tuple[int, ...], NoDecode] = (100, 300, 500, 1000, 3000)
    # The fiscal receipt (54-FZ) sent to the provider with each rouble invoice: VAT code (YooKassa's
    # vat_code, 1 = no VAT), the tax system when the shop has several, the item's name, and which contact
    # Telegram asks the payer for (the provider sends the receipt there).
    payments_vat_code: int = Field(default=1, ge=1, le=12)
    payments_tax_system_code: int | None = Field(default=None, ge=1, le=6)
    payments_receipt_item: str = Field(
        default="Пополнение баланса Creative Bot", min_length=1, max_length=128
    )
    payments_receipt_contact: str = Field(default="email", pattern=r"^(email|phone)$")

    @field_validator("payments_provider_token", "manual_transfer_details", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: Any) -> Any:
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @field_validator("payments_provider_token")
    @classmethod
    def _provider_token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not re.fullmatch(r"\d+:[A-Za-z]+:[A-Za-z0-9_-]+", value.get_secret_value()):
            raise ValueError(
                "must look like a BotFather payments token: <digits>:<TEST or LIVE>:<letters, digits>"
            )
        return value

    @field_validator("payments_rub_packs", mode="before")
    @classmethod
    def _comma_separated_packs(cls, value: Any) -> Any:
        if isinstance(value, str):
            items = [item.strip() for item in value.split(",") if item.strip()]
            if not items or not all(re.fullmatch(r"[1-9]\d{0,5}", item) for item in items):
                raise ValueError("must be comma-separated whole roubles, e.g. 100,300,500")
            return tuple(int(item) for item in items)
        return value

    @field_validator("payments_rub_packs")
    @classmethod
    def _sensible_packs(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        if not 1 <= len(value) <= 8 or any(not 1 <= rub <= 100_000 for rub in value):
            raise ValueError("must be 1 to 8 amounts, each from 1 to 100000 roubles")
        return tuple(sorted(set(value)))

    @property
    def rub_invoices(self) -> bool:
        """Rouble invoices through the payments provider are on."""
        return self.payments_provider_token is not None

    @property
    def manual_transfers(self) -> bool:
        """Manual transfers approved by an operator are on."""
        return self.manual_transfer_details is not None
