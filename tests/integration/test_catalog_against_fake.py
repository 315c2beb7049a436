"""Every catalog model's request, as the bot builds it with default choices, is accepted by the fake KIE.

Over HTTP: market models at ``/api/v1/jobs/createTask`` (the fake validates them against the catalog),
family models at their own endpoints (the fake validates them with its own tables of each family's
documented fields). Midjourney's upscale and vary need a finished grid: the test makes one first.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from creativebot.kie.catalog import CatalogModel, build_input, default_options, load_catalog
from infra.local.kie import FakeKieServer

KEY = "test-kie-key-not-a-real-one"
AUTH = {"Authorization": f"Bearer {KEY}"}
CALLBACK = "http://127.0.0.1:9/kie/callback"  # never called: the tasks stay queued
PROMPT = "a red fox in fresh snow, morning light"
CATALOG = load_catalog()
PATHS = {
    ("veo", None): "/api/v1/veo/generate",
    ("suno", None): "/api/v1/generate",
    ("runway", None): "/api/v1/runway/generate",
    ("gpt4o", None): "/api/v1/gpt4o-image/generate",
    ("flux_kontext", None): "/api/v1/flux/kontext/generate",
    ("mj", None): "/api/v1/mj/generate",
    ("mj", "upscale"): "/api/v1/mj/generateUpscale",
    ("mj", "vary"): "/api/v1/mj/generateVary",
}
NO_MODEL_FIELD = {"mj", "runway", "gpt4o"}


@pytest.fixture(scope="module")
def fake_kie() -> Iterator[FakeKieServer]:
    # Tasks stay queued for the whole module: no callbacks go out, nothing runs in the background.
    server = FakeKieServer(KEY, waiting_sec=600, generating_sec=600)
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=10) as client:
        yield client


def values(model: CatalogModel) -> dict[str, Any]:
    """The wizard's values with default choices: prompt, the most photos allowed, extra texts."""
    images = [f"https://kie.example/files/{i}.png" for i in range(model.images.max if model.images else 0)]
    payload = build_input(model, PROMPT if model.prompt_input else None, images, default_options(model))
    for text in model.extra_texts:
        payload[text.input] = text.example.ru
    return payload


def family_body(model: CatalogModel, payload: dict[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = {**model.fixed_inputs, **payload, "callBackUrl": CALLBACK}
    if model.kie_model and "model" not in payload and model.family not in NO_MODEL_FIELD:
        body["model"] = model.kie_model
    return body


def post(http: httpx.Client, kie: FakeKieServer, path: str, body: dict[str, Any]) -> dict[str, Any]:
    answer: dict[str, Any] = http.post(f"{kie.url}{path}", json=body, headers=AUTH).json()
    return answer


@pytest.fixture(scope="module")
def mj_grid(http: httpx.Client, fake_kie: FakeKieServer) -> str:
    """A finished Midjourney grid (made by our text-to-image model), for upscale and vary."""
    kie = fake_kie
    model = CATALOG.get("midjourney/text-to-image")
    assert model is not None
    answer = post(http, kie, PATHS[("mj", None)], family_body(model, values(model)))
    assert answer["code"] == 200, answer
    task_id: str = answer["data"]["taskId"]
    kie.server.call(kie.fake.finish(task_id, callback=False))
    assert kie.fake.family_tasks[task_id].phase == "success"
    return task_id


@pytest.mark.parametrize("model", [m for m in CATALOG.models if m.family != "market"], ids=lambda m: m.id)
def test_family_requests_are_accepted(
    model: CatalogModel, http: httpx.Client, fake_kie: FakeKieServer, mj_grid: str
) -> None:
    kie = fake_kie
    payload = values(model)
    if model.follow_up:
        payload["taskId"] = mj_grid
    path = PATHS[(model.family, model.kie_model if model.family == "mj" else None)]
    answer = post(http, kie, path, family_body(model, payload))
    assert answer["code"] == 200, (model.id, answer)
    task = kie.fake.family_tasks[answer["data"]["taskId"]]
    assert task.endpoint == path
    assert all(task.request[name] == value for name, value in model.fixed_inputs.items())


@pytest.mark.parametrize(
    "model", [m for m in CATALOG.models if m.family == "market" and m.available], ids=lambda m: m.id
)
def test_market_requests_are_accepted(
    model: CatalogModel, http: httpx.Client, fake_kie: FakeKieServer
) -> None:
    kie = fake_kie
    body = {"model": model.kie_id, "input": values(model), "callBackUrl": CALLBACK}
    answer = post(http, kie, "/api/v1/jobs/createTask", body)
    assert answer["code"] == 200, (model.id, answer)
