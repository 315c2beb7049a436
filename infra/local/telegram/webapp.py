"""HTTP face of the emulator: the Bot API, file downloads, the people's API and the chat page."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

from aiohttp import BodyPartReader, web

from infra.local.telegram.api import ApiError, ApiRequest, Upload, bad_request
from infra.local.telegram.emulator import TelegramEmulator
from infra.local.telegram.ratelimit import RateLimits

CHAT_PAGE = Path(__file__).with_name("chat.html")
EMULATOR_KEY = web.AppKey("emulator", TelegramEmulator)
ADMIN_IDS_KEY: web.AppKey[tuple[int, ...]] = web.AppKey("admin_ids")


async def _read_request(request: web.Request, method: str) -> ApiRequest:
    values: dict[str, Any] = dict(request.query)
    uploads: dict[str, Upload] = {}
    if request.method == "POST" and request.can_read_body:
        content_type = request.content_type
        if content_type == "application/json":
            try:
                body = await request.json()
            except json.JSONDecodeError:
                raise bad_request("can't parse JSON body") from None
            if isinstance(body, dict):
                values.update(body)
        elif content_type == "multipart/form-data":
            reader = await request.multipart()
            while (part := await reader.next()) is not None:
                if not isinstance(part, BodyPartReader) or part.name is None:
                    continue
                if part.filename:
                    uploads[part.name] = Upload(
                        await part.read(),
                        part.filename,
                        part.headers.get("Content-Type", "application/octet-stream"),
                    )
                else:
                    values[part.name] = await part.text()
        else:
            values.update(await request.post())
    return ApiRequest(method, values, uploads)


async def bot_api(request: web.Request) -> web.Response:
    emulator = request.app[EMULATOR_KEY]
    method = request.match_info["method"]
    if request.match_info["token"] != emulator.token:
        return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
    try:
        req = await _read_request(request, method)
    except ApiError as error:
        emulator.record(method, {}, ok=False)
        return web.json_response(error.body(), status=error.code)
    try:
        result = await emulator.call(req)
    except ApiError as error:
        emulator.record(method, req.loggable(), ok=False)
        return web.json_response(error.body(), status=error.code)
    emulator.record(method, req.loggable(), ok=True)
    return web.json_response({"ok": True, "result": result})


async def bot_file(request: web.Request) -> web.Response:
    emulator = request.app[EMULATOR_KEY]
    if request.match_info["token"] != emulator.token:
        return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
    stored = emulator.file_by_path(request.match_info["path"])
    if stored is None:
        return web.json_response({"ok": False, "error_code": 404, "description": "Not Found"}, status=404)
    return web.Response(body=stored.data, content_type=stored.mime_type)


async def page_file(request: web.Request) -> web.Response:
    stored = request.app[EMULATOR_KEY].files.get(request.match_info["file_id"])
    if stored is None:
        raise web.HTTPNotFound()
    return web.Response(body=stored.data, content_type=stored.mime_type)


def _user_id(request: web.Request) -> int:
    try:
        return int(request.match_info["user_id"])
    except ValueError:
        raise web.HTTPBadRequest(reason="user id must be an integer") from None


async def _json(request: web.Request) -> dict[str, Any]:
    if not request.can_read_body:
        return {}
    try:
        body = await request.json()
    except json.JSONDecodeError:
        raise web.HTTPBadRequest(reason="body must be JSON") from None
    return body if isinstance(body, dict) else {}


def _ensure_user(emulator: TelegramEmulator, user_id: int, body: dict[str, Any]) -> None:
    emulator.user(user_id, str(body.get("first_name") or "Тестовый"), str(body.get("language_code") or "ru"))


async def user_text(request: web.Request) -> web.Response:
    emulator = request.app[EMULATOR_KEY]
    user_id, body = _user_id(request), await _json(request)
    text = str(body.get("text", ""))
    if not text.strip():
        raise web.HTTPBadRequest(reason="text is empty")
    _ensure_user(emulator, user_id, body)
    return web.json_response(emulator.user_text(user_id, text))


async def _picture_or_file(request: web.Request) -> tuple[dict[str, Any], bytes | None, str, str]:
    """Fields, the file's bytes, its name and type: from multipart (a browser's form) or JSON with base64."""
    fields: dict[str, Any] = {}
    data: bytes | None = None
    file_name, mime_type = "photo.jpg", "image/jpeg"
    if request.content_type == "multipart/form-data":
        reader = await request.multipart()
        while (part := await reader.next()) is not None:
            if not isinstance(part, BodyPartReader):
                continue
            if part.filename:
                data = await part.read()
                file_name = part.filename
                mime_type = part.headers.get("Content-Type", mime_type)
            elif part.name:
                fields[part.name] = await part.text()
    else:
        fields = await _json(request)
        if "data_base64" in fields:
            try:
                data = base64.b64decode(str(fields["data_base64"]), validate=True)
            except ValueError:
                raise web.HTTPBadRequest(reason="data_base64 is not base64") from None
            file_name = str(fields.get("file_name") or file_name)
            mime_type = str(fields.get("mime_type") or mime_type)
    if not data:
        raise web.HTTPBadRequest(reason="no file in the request")
    return fields, data, file_name, mime_type


async def user_photo(request: web.Request) -> web.Response:
    """A picture from a person: as a photo, or with as_document=true as a file."""
    emulator = request.app[EMULATOR_KEY]
    user_id = _user_id(request)
    fields, data, file_name, mime_type = await _picture_or_file(request)
    _ensure_user(emulator, user_id, fields)
    try:
        update = emulator.user_photo(
            user_id,
            data or b"",
            caption=fields.get("caption") or None,
            as_document=str(fields.get("as_document", "")).lower() in {"1", "true"},
            file_name=file_name,
            mime_type=mime_type,
        )
    except ApiError as error:
        raise web.HTTPBadRequest(reason=error.description) from None
    return web.json_response(update)


async def user_document(request: web.Request) -> web.Response:
    """Any file from a person (a PDF, a screenshot sent uncompressed)."""
    emulator = request.app[EMULATOR_KEY]
    user_id = _user_id(request)
    fields, data, file_name, mime_type = await _picture_or_file(request)
    _ensure_user(emulator, user_id, fields)
    try:
        update = emulator.user_document(
            user_id,
            data or b"",
            file_name=file_name,
            mime_type=mime_type,
            caption=fields.get("caption") or None,
        )
    except ApiError as error:
        raise web.HTTPBadRequest(reason=error.description) from None
    return web.json_response(update)


def _find_button(emulator: TelegramEmulator, user_id: int, text: str) -> tuple[int, str]:
    chat = emulator.chats.get(user_id)
    if chat is None:
        raise web.HTTPNotFound(reason="no such chat")
    candidates = sorted(
        (m for m in chat.messages.values() if not m.deleted and m.payload["from"]["id"] == emulator.bot_id),
        key=lambda m: m.payload["message_id"],
        reverse=True,
    )
    for exact in (True, False):
        for stored in candidates:
            for row in stored.payload.get("reply_markup", {}).get("inline_keyboard", []):
                for button in row:
                    label = str(button.get("text", ""))
                    if "callback_data" in button and (
                        label == text if exact else text.lower() in label.lower()
                    ):
                        return stored.payload["message_id"], str(button["callback_data"])
    raise web.HTTPNotFound(reason=f"no button {text!r} in the chat")


async def user_press(request: web.Request) -> web.Response:
    emulator = request.app[EMULATOR_KEY]
    user_id, body = _user_id(request), await _json(request)
    if "data" in body and "message_id" in body:
        message_id, data = int(body["message_id"]), str(body["data"])
    else:
        message_id, data = _find_button(emulator, user_id, str(body.get("text", "")))
    try:
        return web.json_response(emulator.press(user_id, message_id, data))
    except ApiError as error:
        raise web.HTTPNotFound(reason=error.description) from None


async def user_pay(request: web.Request) -> web.Response:
    """Pay an invoice message (the newest unpaid one by default) or an invoice link, with optional
    order_info {name, phone_number, email, shipping_address} and tip_amount."""
    emulator = request.app[EMULATOR_KEY]
    user_id, body = _user_id(request), await _json(request)
    if user_id not in emulator.chats:
        raise web.HTTPNotFound(reason="no such chat")
    link = body.get("link")
    message_id = None if link else body.get("message_id") or emulator.last_unpaid_invoice(user_id)
    if message_id is None and not link:
        raise web.HTTPNotFound(reason="no unpaid invoice in the chat")
    order_info = body.get("order_info")
    try:
        result = await emulator.pay(
            user_id,
            int(message_id) if message_id is not None else None,
            link=str(link) if link else None,
            order_info=order_info if isinstance(order_info, dict) else None,
            tip_amount=int(body.get("tip_amount") or 0),
        )
    except ApiError as error:
        raise web.HTTPBadRequest(reason=error.description) from None
    return web.json_response(result)


async def refund_outside_bot(request: web.Request) -> web.Response:
    """Telegram (support, a store chargeback) refunds a Stars payment without the bot."""
    emulator = request.app[EMULATOR_KEY]
    try:
        update = emulator.refund_outside_bot(request.match_info["charge_id"])
    except ApiError as error:
        raise web.HTTPBadRequest(reason=error.description) from None
    return web.json_response(update)


async def list_charges(request: web.Request) -> web.Response:
    emulator = request.app[EMULATOR_KEY]
    user_id = request.query.get("user_id")
    charges = emulator.charges_of(int(user_id) if user_id and user_id.lstrip("-").isdigit() else None)
    return web.json_response(
        {"charges": [charge.as_dict() for charge in charges], "star_balance": emulator.star_balance()}
    )


async def bot_profile(request: web.Request) -> web.Response:
    """The bot as a person's app shows it: the command menu for their language and the description."""
    emulator = request.app[EMULATOR_KEY]
    user_id = _user_id(request)
    user = emulator.users.get(user_id, {})
    language_code = request.query.get("language_code") or str(user.get("language_code") or "")
    return web.json_response(emulator.page_profile(user_id, language_code))


async def send_stats(request: web.Request) -> web.Response:
    """What the bot sent: counts and the most messages within any second, overall and in one chat."""
    emulator = request.app[EMULATOR_KEY]
    chat_id = request.query.get("chat_id")
    return web.json_response(
        emulator.send_stats(int(chat_id) if chat_id and chat_id.lstrip("-").isdigit() else None)
    )


async def rate_limits(request: web.Request) -> web.Response:
    """GET the sending limits; POST some of their fields to change them (buckets start full)."""
    emulator = request.app[EMULATOR_KEY]
    if request.method == "POST":
        body = await _json(request)
        current = emulator.rate_limits.as_dict()
        unknown = set(body) - set(current)
        if unknown:
            raise web.HTTPBadRequest(reason=f"unknown fields: {sorted(unknown)}")
        try:
            limits = RateLimits(
                enabled=bool(body.get("enabled", current["enabled"])),
                global_per_second=int(body.get("global_per_second", current["global_per_second"])),
                chat_per_second=float(body.get("chat_per_second", current["chat_per_second"])),
                chat_burst=int(body.get("chat_burst", current["chat_burst"])),
                count_edits=bool(body.get("count_edits", current["count_edits"])),
            )
        except (TypeError, ValueError):
            raise web.HTTPBadRequest(reason="limits must be numbers and booleans") from None
        emulator.set_rate_limits(limits)
    return web.json_response(emulator.rate_limits.as_dict())


async def chat_history(request: web.Request) -> web.Response:
    emulator = request.app[EMULATOR_KEY]
    chat_id = _user_id(request)
    after = int(request.query.get("after", "0") or 0)
    wait = min(float(request.query.get("wait", "0") or 0), 30.0)
    history = (
        await emulator.wait_for_change(chat_id, after, wait) if wait else emulator.history(chat_id, after)
    )
    return web.json_response(history)


async def inject_fault(request: web.Request) -> web.Response:
    body = await _json(request)
    code = int(body.get("code", 500))
    request.app[EMULATOR_KEY].inject_fault(
        body.get("method"), code, retry_after=body.get("retry_after"), times=int(body.get("times", 1))
    )
    return web.json_response({"ok": True})


async def recorded_calls(request: web.Request) -> web.Response:
    emulator = request.app[EMULATOR_KEY]
    method = request.query.get("method")
    calls = emulator.calls_of(method) if method else list(emulator.calls)
    return web.json_response(
        [{"method": c.method, "params": c.params, "ok": c.ok, "at": c.at, "via": c.via} for c in calls]
    )


async def page_config(request: web.Request) -> web.Response:
    emulator = request.app[EMULATOR_KEY]
    admin_ids: tuple[int, ...] = request.app[ADMIN_IDS_KEY]
    return web.json_response(
        {"bot": emulator.bot_user, "admin_ids": list(admin_ids), "default_user_id": 100001}
    )


async def chat_page(_request: web.Request) -> web.FileResponse:
    return web.FileResponse(CHAT_PAGE)


def build_app(emulator: TelegramEmulator, *, admin_ids: tuple[int, ...] = ()) -> web.Application:
    app = web.Application(client_max_size=60 * 1024 * 1024)
    app[EMULATOR_KEY] = emulator
    app[ADMIN_IDS_KEY] = admin_ids
    app.router.add_route("*", "/bot{token}/{method}", bot_api)
    app.router.add_get("/file/bot{token}/{path:.+}", bot_file)
    app.router.add_get("/_emu/files/{file_id}", page_file)
    app.router.add_get("/_emu/api/config", page_config)
    app.router.add_post("/_emu/api/users/{user_id}/text", user_text)
    app.router.add_post("/_emu/api/users/{user_id}/photo", user_photo)
    app.router.add_post("/_emu/api/users/{user_id}/document", user_document)
    app.router.add_post("/_emu/api/users/{user_id}/press", user_press)
    app.router.add_post("/_emu/api/users/{user_id}/pay", user_pay)
    app.router.add_get("/_emu/api/users/{user_id}/bot-profile", bot_profile)
    app.router.add_get("/_emu/api/charges", list_charges)
    app.router.add_post("/_emu/api/charges/{charge_id}/refund", refund_outside_bot)
    app.router.add_get("/_emu/api/sends", send_stats)
    app.router.add_route("*", "/_emu/api/limits", rate_limits)
    app.router.add_get("/_emu/api/chats/{user_id}/history", chat_history)
    app.router.add_post("/_emu/api/faults", inject_fault)
    app.router.add_get("/_emu/api/calls", recorded_calls)
    app.router.add_get("/", chat_page)

    async def close_emulator(_app: web.Application) -> None:
        await emulator.close()

    app.on_cleanup.append(close_emulator)
    return app
