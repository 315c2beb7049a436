"""The Bot API's request and error envelope, shared by the emulator and its HTTP face."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


class ApiError(Exception):
    """A Bot API error: HTTP status = error_code, body ``{"ok": false, …}``."""

    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"ok": False, "error_code": self.code, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bad_request(detail: str) -> ApiError:
    return ApiError(400, f"Bad Request: {detail}")


@dataclass
class Upload:
    data: bytes
    filename: str
    content_type: str


@dataclass
class ApiRequest:
    """A Bot API call's parameters, from the query string, a JSON body, a form or multipart parts."""

    method: str
    values: dict[str, Any]
    uploads: dict[str, Upload] = field(default_factory=dict)

    def raw(self, name: str) -> Any:
        return self.values.get(name)

    def loggable(self) -> dict[str, Any]:
        """The parameters as the call log keeps them (uploads by name and size, not their bytes)."""
        params = dict(self.values)
        for name, upload in self.uploads.items():
            params[name] = f"<upload {upload.filename} {len(upload.data)} bytes>"
        return params

    def has(self, name: str) -> bool:
        return name in self.values

    def required(self, name: str) -> str:
        """A parameter the Bot API server itself insists on (Client.cpp get_required_string_arg)."""
        value = self.text(name)
        if value is None:
            raise bad_request(f'Parameter "{name}" is required')
        return value

    def text(self, name: str, required: bool = False) -> str | None:
        value = self.values.get(name)
        if value is None or value == "":
            if required:
                raise bad_request(f"{name} is empty")
            return None
        return value if isinstance(value, str) else json.dumps(value)

    def integer(self, name: str, required: bool = False) -> int | None:
        value = self.values.get(name)
        if value is None or value == "":
            if required:
                raise bad_request(f"{name} is empty")
            return None
        try:
            return int(value)
        except (TypeError, ValueError):
            raise bad_request(f"invalid {name} specified") from None

    def flag(self, name: str) -> bool:
        value = self.values.get(name)
        if isinstance(value, bool):
            return value
        return str(value).lower() in {"true", "1"} if value is not None else False

    def structured(self, name: str) -> Any:
        value = self.values.get(name)
        if isinstance(value, str):
            try:
                return json.loads(value)
            except json.JSONDecodeError:
                raise bad_request(f"can't parse {name} JSON object") from None
        return value
