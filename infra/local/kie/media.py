"""What every part of the fake KIE shares: the result files it serves, KIE's envelope, time formats."""

from __future__ import annotations

import hashlib
import os
import struct
import time
import zlib
from pathlib import Path
from typing import Any

from aiohttp import web

SAMPLES = Path(__file__).with_name("samples")
SAMPLE_MP4 = SAMPLES / "sample.mp4"
SAMPLE_MP3 = SAMPLES / "sample.mp3"
# sample.mp3 is 116 MPEG-1 Layer III frames at 44.1 kHz (its Xing/Info header says so): 116 * 1152 / 44100.
SAMPLE_MP3_SECONDS = 3.03

# Prompt keywords (and script() switches) every API of the fake understands.
KEYWORDS = ("fail", "unsafe", "nocallback", "twice", "402", "422", "429", "500", "slow", "big", "stuck")
# Only the family APIs know this one: Suno re-sends every stage's callback ([twice] repeats only the last).
FAMILY_KEYWORDS = (*KEYWORDS, "replay")


def png(width: int, height: int, seed: bytes) -> bytes:
    """A real PNG: a smooth two-colour gradient whose colours come from ``seed``."""
    digest = hashlib.sha256(seed).digest()
    start, end = digest[:3], digest[3:6]
    rows = []
    for y in range(height):
        mix = y / max(1, height - 1)
        pixel = bytes(int(a + (b - a) * mix) for a, b in zip(start, end, strict=True))
        rows.append(b"\x00" + pixel * width)
    return _png_file(width, height, b"".join(rows))


def noisy_png(width: int, height: int) -> bytes:
    """A PNG that does not compress: for results over Telegram's 5 MB photo-by-URL limit."""
    raw = b"".join(b"\x00" + os.urandom(width * 3) for _ in range(height))
    return _png_file(width, height, raw, level=0)


def _png_file(width: int, height: int, raw: bytes, level: int = 6) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, level))
        + chunk(b"IEND", b"")
    )


def envelope(code: int, msg: str, data: Any = None, *, status: int = 200) -> web.Response:
    """KIE's answer: the business ``code`` in the body, HTTP 200 unless told otherwise."""
    return web.json_response({"code": code, "msg": msg, "data": data}, status=status)


def iso(moment: float | None) -> str | None:
    """A Unix time as KIE's legacy APIs print it: ``2024-03-20T10:30:00Z`` (UTC)."""
    return None if moment is None else time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(moment))


def plain_time(moment: float | None) -> str | None:
    """``2025-01-01 00:00:00`` (UTC): the form Suno tracks and Runway's generateTime use."""
    return None if moment is None else time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(moment))


def millis(moment: float | None) -> int | None:
    return None if moment is None else int(moment * 1000)
