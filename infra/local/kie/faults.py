"""Seeded transport faults for the fake KIE: the network failing around a paid createTask.

A test puts a plan on the fake (``fake.faults = FaultPlan(seed=7, rate=0.3)``) and every createTask
(the market's and every family's, MJ upscale/vary included) and every record-info endpoint rolls the
plan's dice before it is served. The kinds:

``created_then_502``
    the task IS created (and runs, and calls back like any other), then the answer is HTTP 502 with an
    nginx HTML page instead of KIE's JSON: the client cannot know the task id.
``created_then_stall``
    the task IS created, then the answer is held ``stall_sec`` (longer than the client's read timeout):
    a read timeout after the request reached KIE. If the client is still there, it gets the real answer.
``refused_503``
    HTTP 503 (HTML) and nothing is created.
``reset_before``
    the TCP connection is reset (SO_LINGER 0, then abort) before anything is read or created; the client
    sees "connection reset by peer".
``record_502`` / ``record_503`` / ``record_stall``
    the same three for record-info calls (nothing to create there; the stall answers late).

The dice are per method ("create", "record"), each from its own ``random.Random`` seeded with
``f"{seed}/{method}"``: the n-th createTask gets the same decision for the same seed whatever the
number of polls in between. ``force()`` queues explicit decisions ahead of the dice.

Counters for the assertions: ``plan.fired`` (faults by kind), ``plan.events`` (each fault, with the task
a ``created_then_*`` fault created and its callBackUrl), and on the fake ``tasks_per_callback`` (every
task created, by callBackUrl, faults or not). ``plan.off()`` or ``fake.faults = None`` stops the faults.
"""

from __future__ import annotations

import asyncio
import json
import random
import socket
import struct
import threading
from collections import Counter, deque
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from aiohttp import web

if TYPE_CHECKING:
    from infra.local.kie.fake import FakeKie

CREATE_KINDS = ("created_then_502", "created_then_stall", "refused_503", "reset_before")
RECORD_KINDS = ("record_502", "record_503", "record_stall")
KINDS = CREATE_KINDS + RECORD_KINDS
METHODS = ("create", "record")
_KINDS_OF = {"create": CREATE_KINDS, "record": RECORD_KINDS}

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

_PAGES = {
    502: "502 Bad Gateway",
    503: "503 Service Temporarily Unavailable",
}


@dataclass(frozen=True)
class FaultEvent:
    method: str  # "create" | "record"
    path: str
    kind: str
    task_id: str | None = None  # the task a created_then_* fault created (None if the request created none)
    callback_url: str | None = None


class FaultPlan:
    """Which requests fail, and how; deterministic for a seed (see the module's docstring)."""

    def __init__(
        self,
        seed: int = 0,
        rate: float = 0.3,
        kinds: Iterable[str] = KINDS,
        methods: Iterable[str] = METHODS,
        *,
        stall_sec: float = 3.0,
    ) -> None:
        self.seed = seed
        self.rate = rate
        self.kinds = tuple(kinds)
        self.methods = tuple(methods)
        self.stall_sec = stall_sec
        unknown = (set(self.kinds) - set(KINDS)) | (set(self.methods) - set(METHODS))
        if unknown:
            raise ValueError(f"unknown fault kinds or methods: {sorted(unknown)}")
        if not 0.0 <= rate <= 1.0:
            raise ValueError("rate must be within 0..1")
        self.enabled = True
        self.fired: Counter[str] = Counter()
        self.events: list[FaultEvent] = []
        self.decisions: dict[str, int] = dict.fromkeys(METHODS, 0)
        self._dice = {method: random.Random(f"{seed}/{method}") for method in METHODS}
        self._forced: dict[str, deque[str | None]] = {method: deque() for method in METHODS}
        self._lock = threading.Lock()  # tests read and switch the plan from their own thread

    # --- for tests --------------------------------------------------------------------------------------

    def off(self) -> None:
        """No more faults (queued force() decisions are dropped too)."""
        with self._lock:
            self.enabled = False
            for queue in self._forced.values():
                queue.clear()

    def on(self) -> None:
        with self._lock:
            self.enabled = True

    def force(self, method: str, *kinds: str | None) -> None:
        """The next calls of ``method`` get these decisions (``None``: no fault), before any dice."""
        if method not in METHODS:
            raise ValueError(f"unknown method {method!r}")
        for kind in kinds:
            if kind is not None and kind not in _KINDS_OF[method]:
                raise ValueError(f"{kind!r} is not a {method} fault")
        with self._lock:
            self._forced[method].extend(kinds)

    def preview(self, method: str, count: int) -> list[str | None]:
        """The dice's first ``count`` decisions for ``method`` with this plan's seed, rate and kinds."""
        twin = FaultPlan(self.seed, self.rate, self.kinds, self.methods, stall_sec=self.stall_sec)
        return [twin.decide(method) for _ in range(count)]

    @property
    def created_under_fault(self) -> list[str]:
        """Ids of the tasks created by requests whose answer the client never got (the orphans)."""
        return [event.task_id for event in self.events if event.task_id is not None]

    # --- for the fake -----------------------------------------------------------------------------------

    def decide(self, method: str) -> str | None:
        """The fault for the next call of ``method``, or None."""
        with self._lock:
            if self._forced[method] and self.enabled:
                return self._forced[method].popleft()
            if not self.enabled or method not in self.methods:
                return None
            self.decisions[method] += 1
            dice = self._dice[method]
            roll, pick = dice.random(), dice.randrange(1 << 30)  # always two draws: a stable sequence
            candidates = [kind for kind in self.kinds if kind in _KINDS_OF[method]]
            if roll >= self.rate or not candidates:
                return None
            return candidates[pick % len(candidates)]

    def note(self, event: FaultEvent) -> None:
        with self._lock:
            self.fired[event.kind] += 1
            self.events.append(event)


def _page(status: int) -> web.Response:
    title = _PAGES[status]
    html = (
        f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n"
        f"<center><h1>{title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
    )
    return web.Response(status=status, text=html, content_type="text/html")


def _reset(request: web.Request) -> None:
    """Drop the connection with a TCP RST: the client reads "connection reset by peer"."""
    transport = request.transport
    if transport is None:
        return
    sock = transport.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()


def _created_task_id(response: web.StreamResponse) -> str | None:
    if not isinstance(response, web.Response) or not isinstance(response.body, bytes):
        return None
    try:
        body = json.loads(response.body)
    except ValueError:
        return None
    data = body.get("data") if isinstance(body, dict) else None
    if isinstance(body, dict) and body.get("code") == 200 and isinstance(data, dict):
        task_id = data.get("taskId")
        return task_id if isinstance(task_id, str) else None
    return None


def guarded(fake: FakeKie, method: str, handler: Handler) -> Handler:
    """``handler`` behind the fake's current fault plan (looked up per request: tests swap it live)."""

    async def serve(request: web.Request) -> web.StreamResponse:
        plan = fake.faults
        kind = plan.decide(method) if plan is not None else None
        if plan is None or kind is None:
            return await handler(request)
        if kind in ("refused_503", "record_503", "record_502"):
            plan.note(FaultEvent(method, request.path, kind))
            return _page(502 if kind == "record_502" else 503)
        if kind == "reset_before":
            plan.note(FaultEvent(method, request.path, kind))
            _reset(request)
            # The transport is gone; cancelling is how aiohttp ends a handler whose client left.
            raise asyncio.CancelledError
        response = await handler(request)
        task_id = _created_task_id(response) if method == "create" else None
        plan.note(FaultEvent(method, request.path, kind, task_id, fake.callback_url_of(task_id)))
        if kind == "created_then_502":
            return _page(502)
        await asyncio.sleep(plan.stall_sec)  # created_then_stall, record_stall: the client has given up
        return response

    return serve
