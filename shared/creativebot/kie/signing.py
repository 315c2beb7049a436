"""Proof that a KIE callback is ours: a per-job token in the URL, and KIE's optional HMAC headers."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

MAX_CALLBACK_AGE_SEC = 300


def callback_token(secret: str, job_id: int) -> str:
    """HMAC-SHA256(KIE_CALLBACK_SECRET, job id), hex: only we can make a valid URL for a job."""
    return hmac.new(secret.encode(), f"job:{job_id}".encode(), hashlib.sha256).hexdigest()


def callback_url(public_base_url: str, job_id: int, secret: str) -> str:
    return f"{public_base_url}/kie/callback/{job_id}?t={callback_token(secret, job_id)}"


def token_valid(secret: str, job_id: int, token: str | None) -> bool:
    return bool(token) and hmac.compare_digest(
        callback_token(secret, job_id).encode(), (token or "").encode()
    )


def signature_valid(
    key: str, task_id: str, timestamp: str | None, signature: str | None, *, now: float | None = None
) -> bool:
    """KIE's webhook signature: base64(HMAC-SHA256(key, "<taskId>.<timestamp>")), at most 5 minutes old."""
    if (
        not timestamp
        or not signature
        or not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12)
    ):
        return False
    if abs((now if now is not None else time.time()) - int(timestamp)) > MAX_CALLBACK_AGE_SEC:
        return False
    expected = base64.b64encode(
        hmac.new(key.encode(), f"{task_id}.{timestamp}".encode(), hashlib.sha256).digest()
    )
    return hmac.compare_digest(expected, signature.encode())
