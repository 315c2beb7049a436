"""The fake KIE's seeded transport faults: deterministic, and honest about what they created.

What a bot test needs from the plan: a fault after creation really leaves exactly one task (which runs
and calls back like any other: the orphan the bot must adopt), a refused or reset request leaves none,
the same seed gives the same faults, and the counters say how many tasks each callBackUrl got.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from aiohttp import web

from infra.local.kie import CREATE_KINDS, RECORD_KINDS, FakeKieServer, FaultPlan
from infra.local.servers import BackgroundServer

KEY = "test-kie-key-not-a-real-one"
AUTH = {"Authorization": f"Bearer {KEY}"}
CLIENT_TIMEOUT = 0.3  # the client gives up on a stalled answer after this
STALL = 0.8  # the fake holds a stalled answer this long

CREATES: dict[str, tuple[str, dict[str, Any]]] = {
    "market": (
        "/api/v1/jobs/createTask",
        {"model": "z-image", "input": {"prompt": "x", "aspect_ratio": "1:1"}},
    ),
    "veo": ("/api/v1/veo/generate", {"prompt": "x"}),
    "suno": ("/api/v1/generate", {"prompt": "x", "customMode": False, "instrumental": True, "model": "V5"}),
    "mj": ("/api/v1/mj/generate", {"taskType": "mj_txt2img", "prompt": "x", "speed": "fast"}),
    "runway": (
        "/api/v1/runway/generate",
        {"prompt": "x", "duration": 5, "quality": "720p", "aspectRatio": "1:1"},
    ),
    "gpt4o": ("/api/v1/gpt4o-image/generate", {"prompt": "x", "size": "1:1"}),
    "flux": ("/api/v1/flux/kontext/generate", {"prompt": "x"}),
}
RECORDS = {
    "market": "/api/v1/jobs/recordInfo",
    "veo": "/api/v1/veo/record-info",
    "suno": "/api/v1/generate/record-info",
    "mj": "/api/v1/mj/record-info",
    "runway": "/api/v1/runway/record-detail",
    "gpt4o": "/api/v1/gpt4o-image/record-info",
    "flux": "/api/v1/flux/kontext/record-info",
}


class Receiver:
    """Loopback callback receiver: counts the callbacks each /cb/<name> got."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.server = BackgroundServer(self._app, name="callback-receiver")

    async def _app(self) -> web.Application:
        async def callback(request: web.Request) -> web.Response:
            await request.read()
            self.counts[request.match_info["name"]] += 1
            return web.json_response({"code": 200, "msg": "success"})

        app = web.Application()
        app.router.add_post("/cb/{name}", callback)
        return app

    def url(self, name: str) -> str:
        return f"{self.server.url}/cb/{name}"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    box = Receiver()
    box.server.start()
    yield box
    box.server.stop()


@pytest.fixture
def kie() -> Iterator[FakeKieServer]:
    server = FakeKieServer(KEY, waiting_sec=0.05, generating_sec=0.15)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=CLIENT_TIMEOUT) as client:
        yield client


def wait_until(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.01)


def body_for(family: str, callback: str) -> dict[str, Any]:
    _path, body = CREATES[family]
    return {**body, "callBackUrl": callback}


def attempt(http: httpx.Client, kie: FakeKieServer, family: str, callback: str) -> str:
    """One createTask as a client sees it: ok:<taskId>, or the failure it met."""
    path, _ = CREATES[family]
    try:
        response = http.post(f"{kie.url}{path}", json=body_for(family, callback), headers=AUTH)
    except httpx.TimeoutException:
        return "timeout"
    except httpx.TransportError:
        return "reset"
    if response.headers["content-type"].startswith("text/html"):
        assert "nginx" in response.text
        return f"html-{response.status_code}"
    answer = response.json()
    assert answer["code"] == 200, answer
    return f"ok:{answer['data']['taskId']}"


SEEN_AS = {
    None: "ok",
    "created_then_502": "html-502",
    "created_then_stall": "timeout",
    "refused_503": "html-503",
    "reset_before": "reset",
}


def test_the_same_seed_gives_the_same_faults() -> None:
    plan = FaultPlan(seed=7, rate=0.5)
    first = plan.preview("create", 200)
    assert first == FaultPlan(seed=7, rate=0.5).preview("create", 200)
    assert first != FaultPlan(seed=8, rate=0.5).preview("create", 200)
    assert set(first) == {None, *CREATE_KINDS}  # every kind comes up
    assert 60 < first.count(None) < 140
    assert set(plan.preview("record", 200)) == {None, *RECORD_KINDS}
    # Only the kinds asked for, and none at rate 0 or for a method left out.
    assert set(FaultPlan(seed=7, rate=1.0, kinds=["refused_503"]).preview("create", 20)) == {"refused_503"}
    assert FaultPlan(seed=7, rate=0.0).preview("create", 20) == [None] * 20
    assert FaultPlan(seed=7, rate=1.0, methods=["create"]).preview("record", 20) == [None] * 20


def test_the_server_follows_the_plan_and_the_counters_add_up(
    kie: FakeKieServer, receiver: Receiver, http: httpx.Client
) -> None:
    plan = FaultPlan(seed=7, rate=0.6, stall_sec=STALL)
    expected = plan.preview("create", 24)
    kie.fake.faults = plan
    families = sorted(CREATES)
    outcomes = [attempt(http, kie, families[i % len(families)], receiver.url(f"job-{i}")) for i in range(24)]
    assert [outcome.split(":")[0] for outcome in outcomes] == [SEEN_AS[kind] for kind in expected]

    fired = Counter(kind for kind in expected if kind is not None)
    assert plan.fired == fired and [event.kind for event in plan.events] == [k for k in expected if k]
    per_job = kie.fake.tasks_per_callback
    for i, kind in enumerate(expected):
        created = kind is None or kind.startswith("created_then")
        assert per_job[receiver.url(f"job-{i}")] == (1 if created else 0), (i, kind)
    assert kie.fake.max_tasks_per_callback() == 1
    orphans = plan.created_under_fault
    assert len(orphans) == fired["created_then_502"] + fired["created_then_stall"]
    faulted_jobs = [i for i, kind in enumerate(expected) if kind is not None]
    for i, event in zip(faulted_jobs, plan.events, strict=True):
        if event.task_id is not None:  # the orphan is the job's task: its callBackUrl says so
            assert event.callback_url == receiver.url(f"job-{i}")
    # Every created task, orphan or not, finishes and calls back (Suno in three stages).
    calls = {
        f"job-{i}": 3 if families[i % len(families)] == "suno" else 1
        for i, kind in enumerate(expected)
        if kind is None or kind.startswith("created")
    }
    wait_until(lambda: all(receiver.counts[name] == count for name, count in calls.items()))
    assert sum(receiver.counts.values()) == sum(calls.values())


@pytest.mark.parametrize("family", sorted(CREATES))
def test_created_then_502_creates_exactly_one_task_that_runs_and_calls_back(
    kie: FakeKieServer, receiver: Receiver, http: httpx.Client, family: str
) -> None:
    plan = FaultPlan(seed=1, rate=0.0)
    plan.force("create", "created_then_502")
    kie.fake.faults = plan
    url = receiver.url(family)
    response = http.post(f"{kie.url}{CREATES[family][0]}", json=body_for(family, url), headers=AUTH)
    assert response.status_code == 502 and response.headers["content-type"].startswith("text/html")
    with pytest.raises(ValueError):
        response.json()
    assert kie.fake.tasks_per_callback[url] == 1 and plan.fired == {"created_then_502": 1}
    [event] = plan.events
    assert event.task_id is not None and event.callback_url == url and event.path == CREATES[family][0]
    wait_until(lambda: receiver.counts[family] == 1)  # the orphan finishes like any task
    # The orphan is known to record-info (the adoption path), and the next call goes through.
    record = http.get(f"{kie.url}{RECORDS[family]}", params={"taskId": event.task_id}, headers=AUTH).json()
    assert record["code"] == 200
    assert attempt(http, kie, family, url).startswith("ok:")
    assert kie.fake.tasks_per_callback[url] == 2


def test_created_then_stall_times_the_client_out_after_creating(
    kie: FakeKieServer, receiver: Receiver, http: httpx.Client
) -> None:
    plan = FaultPlan(stall_sec=STALL)
    plan.force("create", "created_then_stall")
    kie.fake.faults = plan
    started = time.monotonic()
    assert attempt(http, kie, "suno", receiver.url("stall")) == "timeout"
    assert time.monotonic() - started < STALL
    assert kie.fake.tasks_per_callback[receiver.url("stall")] == 1
    [event] = plan.events
    assert event.kind == "created_then_stall" and event.task_id in kie.fake.family_tasks
    wait_until(lambda: receiver.counts["stall"] == 3)  # text, first, complete: the orphan runs to the end
    # A patient client gets the real answer, late.
    plan.force("create", "created_then_stall")
    with httpx.Client(timeout=5) as patient:
        answer = patient.post(
            f"{kie.url}{CREATES['gpt4o'][0]}", json=body_for("gpt4o", receiver.url("late")), headers=AUTH
        )
    assert answer.json()["code"] == 200 and answer.json()["data"]["taskId"] == plan.events[-1].task_id


@pytest.mark.parametrize(("kind", "seen"), [("refused_503", "html-503"), ("reset_before", "reset")])
@pytest.mark.parametrize("family", ["market", "mj", "runway"])
def test_refused_and_reset_requests_create_nothing(
    kie: FakeKieServer, receiver: Receiver, http: httpx.Client, kind: str, seen: str, family: str
) -> None:
    plan = FaultPlan()
    plan.force("create", kind)
    kie.fake.faults = plan
    assert attempt(http, kie, family, receiver.url("none")) == seen
    assert kie.fake.created == [] and kie.fake.tasks_per_callback[receiver.url("none")] == 0
    assert plan.fired == {kind: 1} and plan.events[0].task_id is None and plan.created_under_fault == []
    assert not kie.fake.family_tasks and not kie.fake.tasks
    assert attempt(http, kie, family, receiver.url("none")).startswith("ok:")  # the retry is served


@pytest.mark.parametrize("family", sorted(RECORDS))
def test_record_info_faults(kie: FakeKieServer, http: httpx.Client, family: str) -> None:
    task_id = attempt(http, kie, family, "http://127.0.0.1:9/unused").removeprefix("ok:")
    plan = FaultPlan(stall_sec=STALL, methods=["record"])
    plan.force("record", "record_502", "record_503", "record_stall", None)
    kie.fake.faults = plan

    def read() -> str:
        try:
            response = http.get(f"{kie.url}{RECORDS[family]}", params={"taskId": task_id}, headers=AUTH)
        except httpx.TimeoutException:
            return "timeout"
        if response.headers["content-type"].startswith("text/html"):
            return f"html-{response.status_code}"
        return f"code-{response.json()['code']}"

    assert [read() for _ in range(4)] == ["html-502", "html-503", "timeout", "code-200"]
    assert plan.fired == {"record_502": 1, "record_503": 1, "record_stall": 1}
    assert kie.fake.tasks_per_callback == {"http://127.0.0.1:9/unused": 1}  # reads create nothing


def test_the_plan_can_be_turned_off(kie: FakeKieServer, receiver: Receiver, http: httpx.Client) -> None:
    plan = FaultPlan(seed=3, rate=1.0, kinds=["refused_503", "record_503"])
    kie.fake.faults = plan
    assert attempt(http, kie, "flux", receiver.url("a")) == "html-503"
    plan.off()
    assert attempt(http, kie, "flux", receiver.url("a")).startswith("ok:")
    plan.on()
    assert attempt(http, kie, "flux", receiver.url("a")) == "html-503"
    kie.fake.faults = None
    assert attempt(http, kie, "flux", receiver.url("a")).startswith("ok:")
    assert plan.fired == {"refused_503": 2} and kie.fake.tasks_per_callback[receiver.url("a")] == 2


def test_the_plan_checks_its_arguments() -> None:
    with pytest.raises(ValueError, match="unknown"):
        FaultPlan(kinds=["created_then_418"])
    with pytest.raises(ValueError, match="unknown"):
        FaultPlan(methods=["upload"])
    with pytest.raises(ValueError, match="rate"):
        FaultPlan(rate=1.5)
    with pytest.raises(ValueError, match="not a create fault"):
        FaultPlan().force("create", "record_502")
