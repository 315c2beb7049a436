"""Invoices as Telegram checks them: Telegram Stars (XTR) and currencies paid through a provider (RUB).

Sources and the order of the checks (each answered as "Bad Request: <text>"):
1. The Bot API server (tdlib/telegram-bot-api Client.cpp get_input_message_invoice, get_labeled_price_parts):
   'Parameter "title" is required' (also description, payload, currency, prices), "Can't parse prices
   JSON object", "Expected an Array of labeled prices", "Can't parse labeled price: …", "There must be at
   least one price", 'Can't parse "max_tip_amount" as Number', "Can't parse suggested_tip_amounts JSON
   object".
2. tdlib (td/telegram/InputInvoice.cpp process_input_message_invoice): "Too big amount of the currency
   specified" (|amount| > 9999_9999_9999), "Total price must be positive", "Total price is too big",
   "Invalid max_tip_amount of the currency specified", "Suggested tip amount must be positive",
   "Suggested tip amount can't be bigger than max_tip_amount", "There can be at most 4 suggested tip
   amounts". A price line may be negative (a discount); only the total must be positive.
   send_phone_number_to_provider implies need_phone_number, send_email_to_provider implies need_email,
   is_flexible implies need_shipping_address.
3. Telegram's server (MTProto error names, seen in the Bot API's answers): PAYMENT_PROVIDER_INVALID for a
   currency other than XTR without a valid provider token (also for a typo such as "TXR" with an empty
   token); STARS_INVOICE_INVALID for a Stars invoice with tips (the documented rules for XTR — empty
   provider_token, exactly one price — are answered the same way here; Telegram's exact text for those two
   is not published); CURRENCY_INVALID for a currency Telegram does not support; CURRENCY_TOTAL_AMOUNT_INVALID
   when the total is outside the currency's min_amount..max_amount from
   https://core.telegram.org/bots/payments/currencies.json; DATA_JSON_INVALID for provider_data that is not
   JSON (it travels as DataJSON); START_PARAM_INVALID for a start_parameter outside [A-Za-z0-9_-]{0,64}.
   The title/description/payload length texts are the emulator's own (limits from the Bot API docs).

Provider tokens: only test tokens shaped like BotFather's, "<digits>:TEST:<word>" (YooKassa's are
"381764678:TEST:<n>"), are accepted, since nothing real may be reached from here.

Limits per currency: currencies.json changes with exchange rates (its min is about 1 USD and its max about
10,000 USD). The table below holds one published snapshot of the RUB entry ("exp":2, "min_amount":"8653",
"max_amount":"86530475", i.e. 86.53 ₽ … 865,304.75 ₽) and USD's fixed 100…1,000,000 cents; tests may
change ``CURRENCY_LIMITS``. Other supported currencies are only checked for a positive total.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from aiogram.enums import Currency

from infra.local.telegram.api import ApiRequest, bad_request

MAX_AMOUNT = 9999_9999_9999
PROVIDER_TEST_TOKEN = re.compile(r"\d+:TEST:[A-Za-z0-9_-]+")
START_PARAMETER = re.compile(r"[A-Za-z0-9_-]{0,64}")
SUBSCRIPTION_PERIOD = 2592000  # 30 days, the only value the Bot API accepts
SUBSCRIPTION_MAX_STARS = 10000
SUPPORTED_CURRENCIES = {currency.value for currency in Currency} | {"XTR"}
# exp, min_amount, max_amount in the smallest units (see the module's docstring)
CURRENCY_LIMITS: dict[str, tuple[int, int, int]] = {
    "RUB": (2, 8653, 86530475),
    "USD": (2, 100, 1000000),
}
ORDER_FIELDS = ("name", "phone_number", "email", "shipping_address")
DEFAULT_ADDRESS = {
    "country_code": "RU",
    "state": "",
    "city": "Москва",
    "street_line1": "ул. Тестовая, 1",
    "street_line2": "",
    "post_code": "101000",
}


@dataclass
class Invoice:
    """What the bot asked for; ``needs`` lists the OrderInfo fields the person must give."""

    title: str
    description: str
    payload: str
    currency: str
    prices: list[dict[str, Any]]
    total_amount: int
    start_parameter: str = ""
    provider_token: str = ""
    provider_data: str | None = None
    photo_url: str | None = None
    needs: list[str] = field(default_factory=list)
    send_phone_number_to_provider: bool = False
    send_email_to_provider: bool = False
    is_flexible: bool = False
    max_tip_amount: int = 0
    suggested_tip_amounts: list[int] = field(default_factory=list)
    subscription_period: int | None = None

    @property
    def stars(self) -> bool:
        return self.currency == "XTR"

    def message_object(self) -> dict[str, Any]:
        """The Message.invoice object (Bot API "Invoice")."""
        return {
            "title": self.title,
            "description": self.description,
            "start_parameter": self.start_parameter,
            "currency": self.currency,
            "total_amount": self.total_amount,
        }

    def for_page(self) -> dict[str, Any]:
        """What the chat page needs to show the checkout (never the provider token)."""
        return {
            "prices": self.prices,
            "needs": self.needs,
            "photo_url": self.photo_url,
            "max_tip_amount": self.max_tip_amount,
            "suggested_tip_amounts": self.suggested_tip_amounts,
        }


def _integer(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
        return int(value)
    return None


def _prices(req: ApiRequest) -> list[dict[str, Any]]:
    raw = req.required("prices")
    try:
        value = json.loads(raw)
    except json.JSONDecodeError:
        raise bad_request("Can't parse prices JSON object") from None
    if not isinstance(value, list):
        raise bad_request("Expected an Array of labeled prices")
    prices = []
    for item in value:
        if not isinstance(item, dict):
            raise bad_request("Can't parse labeled price: LabeledPrice must be an Object")
        label = item.get("label")
        if not isinstance(label, str):
            raise bad_request('Can\'t parse labeled price: Field "label" must be of type String')
        if not label:
            raise bad_request("Can't parse labeled price: LabeledPrice label must be non-empty")
        amount = _integer(item.get("amount"))
        if amount is None:
            raise bad_request('Can\'t parse labeled price: Field "amount" must be a valid Number')
        prices.append({"label": label, "amount": amount})
    if not prices:
        raise bad_request("There must be at least one price")
    return prices


def _tips(req: ApiRequest) -> tuple[int, list[int]]:
    max_tip = 0
    if req.text("max_tip_amount") is not None:
        parsed = _integer(req.raw("max_tip_amount"))
        if parsed is None:
            raise bad_request('Can\'t parse "max_tip_amount" as Number')
        max_tip = parsed
    suggested: list[int] = []
    if req.text("suggested_tip_amounts") is not None:
        try:
            value = json.loads(req.required("suggested_tip_amounts"))
        except json.JSONDecodeError:
            raise bad_request("Can't parse suggested_tip_amounts JSON object") from None
        if not isinstance(value, list):
            raise bad_request("Expected an Array of suggested tip amounts")
        for item in value:
            amount = _integer(item)
            if amount is None:
                raise bad_request("Suggested tip amount must be of type Number or String")
            suggested.append(amount)
    if max_tip < 0 or max_tip > MAX_AMOUNT:
        raise bad_request("Invalid max_tip_amount of the currency specified")
    for tip in suggested:
        if tip <= 0:
            raise bad_request("Suggested tip amount must be positive")
        if tip > max_tip:
            raise bad_request("Suggested tip amount can't be bigger than max_tip_amount")
    if len(suggested) > 4:
        raise bad_request("There can be at most 4 suggested tip amounts")
    return max_tip, suggested


def _check_total(prices: list[dict[str, Any]]) -> int:
    for price in prices:
        if abs(price["amount"]) > MAX_AMOUNT:
            raise bad_request("Too big amount of the currency specified")
    total = int(sum(price["amount"] for price in prices))
    if total <= 0:
        raise bad_request("Total price must be positive")
    if total > MAX_AMOUNT:
        raise bad_request("Total price is too big")
    return total


def _check_currency(currency: str, provider_token: str, prices: list[dict[str, Any]], tips: bool) -> None:
    total = sum(price["amount"] for price in prices)
    if currency == "XTR":
        if provider_token or len(prices) != 1 or tips:
            raise bad_request("STARS_INVOICE_INVALID")
    elif not PROVIDER_TEST_TOKEN.fullmatch(provider_token):
        raise bad_request("PAYMENT_PROVIDER_INVALID")
    if currency not in SUPPORTED_CURRENCIES:
        raise bad_request("CURRENCY_INVALID")
    limits = CURRENCY_LIMITS.get(currency)
    if limits is not None and not limits[1] <= total <= limits[2]:
        raise bad_request("CURRENCY_TOTAL_AMOUNT_INVALID")


def _check_texts(title: str, description: str, payload: str, start_parameter: str) -> None:
    if not 1 <= len(title) <= 32:
        raise bad_request("invoice title length must be between 1 and 32 characters")
    if not 1 <= len(description) <= 255:
        raise bad_request("invoice description length must be between 1 and 255 characters")
    if not 1 <= len(payload.encode()) <= 128:
        raise bad_request("invoice payload length must be between 1 and 128 bytes")
    if not START_PARAMETER.fullmatch(start_parameter):
        raise bad_request("START_PARAM_INVALID")


def _needs(req: ApiRequest, invoice: Invoice) -> None:
    """need_* and is_flexible (ignored for payments in Telegram Stars)."""
    if invoice.stars:
        return
    invoice.send_phone_number_to_provider = req.flag("send_phone_number_to_provider")
    invoice.send_email_to_provider = req.flag("send_email_to_provider")
    invoice.is_flexible = req.flag("is_flexible")
    wanted = {
        "name": req.flag("need_name"),
        "phone_number": req.flag("need_phone_number") or invoice.send_phone_number_to_provider,
        "email": req.flag("need_email") or invoice.send_email_to_provider,
        "shipping_address": req.flag("need_shipping_address") or invoice.is_flexible,
    }
    invoice.needs = [name for name in ORDER_FIELDS if wanted[name]]


def parse_invoice(req: ApiRequest, *, link: bool = False) -> Invoice:
    """The invoice of a sendInvoice (or, with ``link``, createInvoiceLink) call, checked like Telegram."""
    title = req.required("title")
    description = req.required("description")
    payload = req.required("payload")
    currency = req.required("currency")
    prices = _prices(req)
    max_tip, suggested = _tips(req)
    total = _check_total(prices)
    provider_token = req.text("provider_token") or ""
    _check_currency(currency, provider_token, prices, bool(max_tip or suggested))
    start_parameter = req.text("start_parameter") or ""
    _check_texts(title, description, payload, start_parameter)
    provider_data = req.text("provider_data")
    if provider_data is not None:
        try:
            json.loads(provider_data)
        except json.JSONDecodeError:
            raise bad_request("DATA_JSON_INVALID") from None
    subscription_period = req.integer("subscription_period") if link else None
    if subscription_period is not None and (
        subscription_period != SUBSCRIPTION_PERIOD or currency != "XTR" or total > SUBSCRIPTION_MAX_STARS
    ):
        raise bad_request("SUBSCRIPTION_PERIOD_INVALID")
    invoice = Invoice(
        title=title,
        description=description,
        payload=payload,
        currency=currency,
        prices=prices,
        total_amount=total,
        start_parameter=start_parameter,
        provider_token=provider_token,
        provider_data=provider_data,
        photo_url=req.text("photo_url"),
        max_tip_amount=max_tip,
        suggested_tip_amounts=suggested,
        subscription_period=subscription_period,
    )
    _needs(req, invoice)
    return invoice


def order_info(
    invoice: Invoice, given: dict[str, Any] | None, person: dict[str, Any]
) -> dict[str, Any] | None:
    """The OrderInfo the person's app sends: only the fields the invoice asked for, each either given or
    taken from what the person saved before (a name from the profile, a test e-mail and phone)."""
    if not invoice.needs:
        return None
    given = given or {}
    saved: dict[str, Any] = {
        "name": " ".join(filter(None, [person.get("first_name"), person.get("last_name")])) or "Test User",
        "phone_number": "79990000000",
        "email": f"user{person.get('id', 0)}@example.com",
        "shipping_address": dict(DEFAULT_ADDRESS),
    }
    info: dict[str, Any] = {}
    for name in invoice.needs:
        value = given.get(name) or saved[name]
        if name == "email" and (not isinstance(value, str) or "@" not in value):
            raise bad_request("EMAIL_INVALID")
        if name == "phone_number" and not re.fullmatch(r"\+?\d{7,15}", str(value)):
            raise bad_request("PHONE_NUMBER_INVALID")
        if name == "shipping_address":
            if not isinstance(value, dict):
                raise bad_request("ADDRESS_INVALID")
            value = {**DEFAULT_ADDRESS, **{k: str(v) for k, v in value.items() if k in DEFAULT_ADDRESS}}
        info[name] = str(value) if name != "shipping_address" else value
    return info
