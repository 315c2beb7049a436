"""HTTP face of the emulator: the Bot API, file downloads, the people's API and the chat page."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

from aiohttp import BodyPartReader, web

from infra.local.telegram.emulator import ApiError, ApiRequest, TelegramEmulator, Upload, bad_request

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


def _params_for_log(req: ApiRequest) -> dict[str, Any]:
    params = dict(req.values)
    for name, upload in req.uploads.items():
        params[name] = f"<upload {upload.filename} {len(upload.data)} bytes>"
    return params


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
        emulator.record(method, _params_for_log(req), ok=False)
        return web.json_response(error.body(), status=error.code)
    emulator.record(method, _params_for_log(req), ok=True)
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


async def user_photo(request: web.Request) -> web.Response:
    emulator = request.app[EMULATOR_KEY]
    user_id = _user_id(request)
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
            data = base64.b64decode(str(fields["data_base64"]))
            file_name = str(fields.get("file_name") or file_name)
            mime_type = str(fields.get("mime_type") or mime_type)
    if not data:
        raise web.HTTPBadRequest(reason="no picture in the request")
    _ensure_user(emulator, user_id, fields)
    update = emulator.user_photo(
        user_id,
        data,
        caption=fields.get("caption") or None,
        as_document=str(fields.get("as_document", "")).lower() in {"1", "true"},
        file_name=file_name,
        mime_type=mime_type,
    )
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
    emulator = request.app[EMULATOR_KEY]
    user_id, body = _user_id(request), await _json(request)
    message_id = body.get("message_id") or emulator.last_unpaid_invoice(user_id)
    if message_id is None:
        raise web.HTTPNotFound(reason="no unpaid invoice in the chat")
    try:
        return web.json_response(await emulator.pay(user_id, int(message_id)))
    except ApiError as error:
        raise web.HTTPBadRequest(reason=error.description) from None


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
        [{"method": c.method, "params": c.params, "ok": c.ok, "at": c.at} for c in calls]
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
    app.router.add_post("/_emu/api/users/{user_id}/press", user_press)
    app.router.add_post("/_emu/api/users/{user_id}/pay", user_pay)
    app.router.add_get("/_emu/api/chats/{user_id}/history", chat_history)
    app.router.add_post("/_emu/api/faults", inject_fault)
    app.router.add_get("/_emu/api/calls", recorded_calls)
    app.router.add_get("/", chat_page)

    async def close_emulator(_app: web.Application) -> None:
        await emulator.close()

    app.on_cleanup.append(close_emulator)
    return app
