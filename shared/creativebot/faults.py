"""Fault points: named places between side effects where the fault-injection suite makes things break.

``point("submit.after_create")`` does nothing unless a test armed that name; then it raises the armed
exception once (a simulated crash, a Telegram or database error). Production never arms anything, so a
point costs one dictionary lookup. The names are listed in ``POINTS`` so the suite can cover them all.
"""

from __future__ import annotations

import threading

POINTS = (
    "launch.after_job_created",  # the job exists and its money is held; nothing announced or sent
    "launch.after_announce",  # the status message is out; its id is not saved
    "submit.after_intent",  # the intent to call createTask is recorded; KIE not called yet
    "submit.after_create",  # KIE took the task; its id is not saved yet
    "submit.after_task_saved",  # the task id is saved
    "callback.after_record",  # recordInfo answered; nothing settled
    "callback.after_settle",  # job and money settled; the delivery is not queued yet
    "delivery.after_claim",  # the delivery is claimed; nothing sent
    "delivery.after_send",  # a message reached Telegram; it is not recorded as sent yet
    "delivery.before_done",  # every message is out; the job is not marked delivered yet
    "cron.after_claim",  # cron took its jobs; nothing asked or settled
    "cron.after_settle",  # cron settled a job; its delivery is not queued yet
    "broadcast.after_claim",  # a recipient is marked 'sending' (committed); nothing sent to them yet
    "broadcast.after_send",  # Telegram took a recipient's message; it is not recorded as sent yet
)


class SimulatedCrash(BaseException):
    """The process 'dies' here: nothing after this point runs, and no ``except Exception`` (an error
    handler, an apology) sees it; the queue's or the caller's retry takes over, as after a real crash."""


_armed: dict[str, list[BaseException | None]] = {}
_lock = threading.Lock()


def arm(name: str, error: BaseException | None = None, *, times: int = 1, after: int = 0) -> None:
    """Let ``after`` passes through ``name`` go by, then make the next ``times`` raise ``error`` (a
    SimulatedCrash by default)."""
    if name not in POINTS:
        raise ValueError(f"unknown fault point {name!r}")
    with _lock:
        _armed.setdefault(name, []).extend([None] * after + [error or SimulatedCrash(name)] * times)


def disarm() -> None:
    with _lock:
        _armed.clear()


def pending() -> dict[str, int]:
    """Armed faults not fired yet, by point."""
    with _lock:
        return {name: sum(e is not None for e in errors) for name, errors in _armed.items() if any(errors)}


def point(name: str) -> None:
    if not _armed:
        return
    with _lock:
        errors = _armed.get(name)
        error = errors.pop(0) if errors else None
    if error is not None:
        raise error
