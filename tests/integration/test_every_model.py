"""Every model a person may pick, walked end to end on real parts, one parametrised test per model.

The walk, for each model: a user with money; a draft with the model's default choices (the prompt where
it takes one, photos put on the fake KIE's storage through ``KieClient.upload`` where it needs them, the
extra texts of Suno's custom mode); ``WizardService.launch`` (the real path: the price held, the job
created, createTask sent); the fake KIE runs the task and POSTs its callback over HTTP to the real
callback app (``functions.kie_callback.app``, served on loopback), which reads the task back, settles
job and wallet and queues the delivery on moto SQS; then ``telegram.delivery.deliver`` sends the result
to the Telegram emulator (which fetches every result URL, as Telegram does).

Asserted: the job succeeded with exactly the files the fake made; the wallet was charged the quoted
price once; the files went out as the right Bot API method (a photo as sendPhoto, several as an album;
a video as sendVideo; audio as sendAudio, Suno's with their titles), once; KIE got exactly one task, and
its request had the family's shape (the market's ``{model, input, callBackUrl}``, a family's flat body
with ``callBackUrl``) with our signed callback URL.

"Every model a person may pick" is what ``Overrides.visible`` lets through: the catalog's available
models that are not follow-ups, plus the models KIE's price list lacks, once an operator fixes their
price (``overrides.save``; Midjourney among them). The helpers here are shared with test_family_flows.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import uvicorn
from aiogram import Bot, Dispatcher

from creativebot import db, jobs, overrides, wallet
from creativebot.config import WorkerSettings, get_settings
from creativebot.db import Pool
from creativebot.kie.catalog import CatalogModel, load_catalog
from creativebot.kie.client import KieClient
from creativebot.kie.signing import callback_url
from creativebot.telegram.bot import build_bot, build_dispatcher
from creativebot.telegram.delivery import deliver
from creativebot.telegram.dispatch import dispatch
from creativebot.users import User, touch_user
from creativebot.wizard import Draft, Launched, Quote, WizardService
from functions.kie_callback.app import app as callback_app
from infra.local.kie import FakeKieServer
from infra.local.kie.media import png
from infra.local.telegram import EmulatorServer
from infra.local.telegram.emulator import ApiCall
from tests.helpers import Queues

USER = 424_242
OPERATOR = 100_002
TOPUP = 5_000_00  # kopecks: more than the dearest default of any model
OPERATOR_PRICE = 77_00  # what the operator charges for a model KIE's price list lacks
PROMPT = "a red fox in fresh snow, morning light"
CALLBACK_SECRET = "test-callback-secret-0123456789"  # conftest FAKE_ENV's KIE_CALLBACK_SECRET
SETTLE_WITHIN_SEC = 15.0
# The fake KIE's timing knobs: a task waits, then generates, then calls back (fast, but still in stages).
FAKE_WAITING_SEC = 0.01
FAKE_GENERATING_SEC = 0.05

# What each family's create request looks like, from API.md §1 and §3 (not from the code under test).
CREATE_PATHS = {
    ("veo", None): "/api/v1/veo/generate",
    ("suno", None): "/api/v1/generate",
    ("runway", None): "/api/v1/runway/generate",
    ("gpt4o", None): "/api/v1/gpt4o-image/generate",
    ("flux_kontext", None): "/api/v1/flux/kontext/generate",
    ("mj", None): "/api/v1/mj/generate",
    ("mj", "upscale"): "/api/v1/mj/generateUpscale",
    ("mj", "vary"): "/api/v1/mj/generateVary",
}
# The fake's own name of each family (FamilyTask.family).
FAKE_FAMILY = {"flux_kontext": "flux"}
# Families whose create body names no model (Midjourney's taskType, Runway, GPT-4o decide by other fields).
NO_MODEL_FIELD = {"mj", "runway", "gpt4o"}
MEDIA_METHODS = ("sendPhoto", "sendVideo", "sendAudio", "sendDocument", "sendAnimation", "sendMediaGroup")
KIND_METHOD = {"photo": "sendPhoto", "video": "sendVideo", "audio": "sendAudio"}


# --- which models ------------------------------------------------------------------------------------


def offered_models() -> list[tuple[CatalogModel, bool]]:
    """(model, priced by an operator) for every model a person may pick."""
    catalog = load_catalog()
    listed = [(m, False) for m in catalog.models if m.available and not m.follow_up]
    operator_priced = [(m, True) for m in catalog.models if m.pricing is None and not m.follow_up]
    return listed + operator_priced


OFFERED = offered_models()


# --- the stack -------------------------------------------------------------------------------------------


@dataclass
class Stack:
    """Everything one walk talks to, on this test's event loop or on loopback."""

    pool: Pool
    kie: FakeKieServer
    telegram: EmulatorServer
    sqs: Queues
    settings: WorkerSettings
    client: KieClient
    bot: Bot
    http: httpx.AsyncClient
    dispatcher: Dispatcher

    def signed_callback(self, job_id: int) -> str:
        base = self.settings.app.public_base_url
        assert base is not None
        return callback_url(base, job_id, CALLBACK_SECRET)


def _free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


class CallbackServer:
    """The KIE callback function's own FastAPI app, served over HTTP on this event loop."""

    def __init__(self) -> None:
        self.sock = _free_socket()
        self.server = uvicorn.Server(
            uvicorn.Config(callback_app, lifespan="off", log_level="warning", access_log=False, ws="none")
        )
        self.serving: asyncio.Task[None] | None = None

    async def start(self) -> str:
        self.serving = asyncio.get_running_loop().create_task(self.server.serve(sockets=[self.sock]))
        for _ in range(500):
            if self.server.started or self.serving.done():
                break
            await asyncio.sleep(0.01)
        assert self.server.started, "the callback server did not start"
        host, port = self.sock.getsockname()[:2]
        return f"http://{host}:{port}"

    async def stop(self) -> None:
        self.server.should_exit = True
        if self.serving is not None:
            await self.serving
        self.sock.close()
        await db.close_pool()  # the app's pool lives on this loop


@contextlib.asynccontextmanager
async def running_stack(
    pool: Pool, kie: FakeKieServer, telegram: EmulatorServer, sqs: Queues, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Stack]:
    overrides.forget()  # the operators' overrides are cached per process: nothing from another test
    kie.fake.waiting_sec, kie.fake.generating_sec = FAKE_WAITING_SEC, FAKE_GENERATING_SEC
    callbacks = CallbackServer()
    monkeypatch.setenv("PUBLIC_BASE_URL", await callbacks.start())
    get_settings.cache_clear()
    settings = get_settings(WorkerSettings)
    bot = build_bot(settings.telegram)
    try:
        async with KieClient(settings.kie) as client, httpx.AsyncClient(base_url=telegram.url) as http:
            dispatcher = build_dispatcher(pool, settings, client)
            yield Stack(pool, kie, telegram, sqs, settings, client, bot, http, dispatcher)
    finally:
        # aiogram waits a quarter of a second after closing its session: let the server stop meanwhile
        await asyncio.gather(bot.session.close(), callbacks.stop())
        overrides.forget()


@pytest.fixture
async def stack(
    pool: Pool, kie: FakeKieServer, telegram: EmulatorServer, sqs: Queues, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Stack]:
    async with running_stack(pool, kie, telegram, sqs, monkeypatch) as running:
        yield running


# --- a person's moves ------------------------------------------------------------------------------------


async def person(stack: Stack, kopecks: int = TOPUP, user_id: int = USER) -> User:
    """A person who has started the bot and has ``kopecks`` on the wallet."""
    user = await touch_user(stack.pool, user_id=user_id, username=None, first_name="Анна", language_code="ru")
    await wallet.topup(stack.pool, user_id, kopecks, f"test-topup:{user_id}")
    stack.telegram.emulator.user(user_id)
    return user


async def price_by_operator(stack: Stack, model_id: str, kopecks: int) -> None:
    """An operator fixes the price of a model (the /admin models screen does the same)."""
    await overrides.save(
        stack.pool, overrides.ModelOverride(model_id, fixed_price_kopecks=kopecks), admin_id=OPERATOR
    )


async def draft_for(
    stack: Stack,
    model: CatalogModel,
    *,
    prompt: str = PROMPT,
    options: dict[str, Any] | None = None,
    photos: int | None = None,
) -> Draft:
    """The draft a person makes with the model's defaults: the prompt, the photos it needs (put on
    KIE's storage through the bot's own upload), the extra texts it asks for."""
    count = photos if photos is not None else (model.images.min if model.images else 0)
    images = []
    for index in range(count):
        content = png(64, 48, f"{model.id}/{index}".encode())
        async with stack.pool.acquire() as conn:
            wizard = WizardService(conn, stack.settings, stack.client)
            images.append(await wizard.upload_photo(content, f"photo-{index}.png", "image/png"))
    texts = {text.input: text.example.en for text in model.extra_texts}
    return WizardService.new_draft(
        model,
        images=tuple(images),
        prompt=prompt if model.prompt_input else None,
        options=options,
        texts=texts,
    )


async def quote_and_launch(
    stack: Stack, user: User, model: CatalogModel, draft: Draft
) -> tuple[Quote, jobs.Job]:
    """The check screen's quote, then "Запустить" through WizardService.launch."""
    async with stack.pool.acquire() as conn:
        wizard = WizardService(conn, stack.settings, stack.client)
        quote = await wizard.quote(user, draft, model)

        async def announce(_job: jobs.Job) -> int | None:
            status = await stack.bot.send_message(user.id, "⏳")
            return status.message_id

        outcome = await wizard.launch(
            user, draft, draft.draft_id, chat_id=user.id, language="ru", cid="walk", announce=announce
        )
    assert isinstance(outcome, Launched), outcome
    job = await jobs.get(stack.pool, outcome.job.id)
    assert job is not None
    return quote, job


async def settled(stack: Stack, job_id: int, *, within: float = SETTLE_WITHIN_SEC) -> jobs.Job:
    """The job once it is finished and its delivery is queued (by the callback, or by cron)."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        job = await jobs.get(stack.pool, job_id)
        assert job is not None
        if job.finished and job.deliver_enqueued_at is not None:
            return job
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"job {job_id} not settled within {within} s: {job.status}")
        await asyncio.sleep(0.02)


def take_deliveries(stack: Stack) -> list[int]:
    """The job ids of the queued "deliver" messages, taken off the queue (as the worker would)."""
    ids = []
    for message in stack.sqs.receive_all():
        if message["MessageAttributes"]["kind"]["StringValue"] == "deliver":
            ids.append(int(json.loads(message["Body"])["job_id"]))
        stack.sqs.client.delete_message(QueueUrl=stack.sqs.url, ReceiptHandle=message["ReceiptHandle"])
    return ids


async def deliver_now(stack: Stack, job_id: int) -> bool:
    return await deliver(
        stack.pool,
        stack.bot,
        job_id,
        timeout_min=stack.settings.app.job_timeout_min,
        fetch_policy=stack.settings.fetch.policy,
    )


async def press(stack: Stack, message_id: int, data: str, user_id: int = USER) -> None:
    """The person presses a button of a bot message in the emulator; the update goes to the Dispatcher
    as the worker hands it over (one update, one unit of work)."""
    answer = await stack.http.post(
        f"/_emu/api/users/{user_id}/press", json={"message_id": message_id, "data": data}
    )
    answer.raise_for_status()
    await dispatch(stack.pool, stack.bot, stack.dispatcher, answer.text, cid="walk-press")


# --- what Telegram got -----------------------------------------------------------------------------------


def calls(stack: Stack, *methods: str) -> list[ApiCall]:
    wanted = {method.lower() for method in methods}
    with stack.telegram.emulator.lock:
        return [call for call in stack.telegram.emulator.calls if call.method.lower() in wanted]


def structured(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def media_items(call: ApiCall) -> list[tuple[str, str]]:
    """(kind, file) of every file a send call carried: a URL, or ``<upload …>`` for an upload."""
    if call.method.lower() == "sendmediagroup":
        return [(str(item["type"]), str(item["media"])) for item in structured(call.params["media"])]
    kind = call.method.removeprefix("send").lower()
    return [(kind, str(call.params.get(kind)))]


def buttons(params: dict[str, Any]) -> list[tuple[str, str]]:
    """(text, callback data) of the inline keyboard a call carried."""
    markup = structured(params.get("reply_markup")) or {}
    return [
        (str(button["text"]), str(button.get("callback_data", "")))
        for row in markup.get("inline_keyboard", [])
        for button in row
    ]


def chat_messages(stack: Stack, user_id: int = USER) -> list[dict[str, Any]]:
    """The messages of the chat as the emulator stores them (payloads), oldest first."""
    with stack.telegram.emulator.lock:
        chat = stack.telegram.emulator.chats[user_id]
        return [stored.payload for _, stored in sorted(chat.messages.items()) if not stored.deleted]


def message_with_button(stack: Stack, label: str, user_id: int = USER) -> tuple[int, str]:
    """(message id, callback data) of the newest message that has a button labelled ``label``."""
    for payload in reversed(chat_messages(stack, user_id)):
        for text, data in buttons(payload):
            if text == label:
                return int(payload["message_id"]), data
    raise AssertionError(f"no button {label!r} in the chat")


def events(caplog: pytest.LogCaptureFixture, event: str, job_id: int) -> int:
    """How many times ``event`` was logged about the job (by any part running in this process)."""
    return sum(
        1
        for record in caplog.records
        if getattr(record, "event", None) == event and getattr(record, "job_id", None) == job_id
    )


async def charges_of(pool: Pool, job: jobs.Job) -> list[int]:
    rows = await pool.fetch("SELECT amount FROM ledger WHERE kind = 'charge' AND ref = $1", job.hold_ref)
    return [int(row["amount"]) for row in rows]


def fake_results(kie: FakeKieServer, task_id: str) -> list[str]:
    """The result files the fake KIE made for a task (market or family)."""
    family_task = kie.fake.family_tasks.get(task_id)
    if family_task is not None:
        return list(family_task.results)
    return list(kie.fake.tasks[task_id].result_urls)


def expected_body(stack: Stack, model: CatalogModel, job: jobs.Job) -> dict[str, Any]:
    """The create request API.md documents for the model's API, with this job's inputs."""
    url = stack.signed_callback(job.id)
    if model.family == "market":
        return {"model": model.kie_model or model.id, "input": job.inputs, "callBackUrl": url}
    body = {**job.inputs, "callBackUrl": url}
    if model.family not in NO_MODEL_FIELD and model.kie_model and "model" not in job.inputs:
        body["model"] = model.kie_model
    return body


def assert_one_task_of_the_family_shape(stack: Stack, model: CatalogModel, job: jobs.Job) -> None:
    fake = stack.kie.fake
    assert len(fake.created) == 1, fake.created
    family, task_id, url = fake.created[0]
    assert task_id == job.task_id and url == stack.signed_callback(job.id)
    if model.family == "market":
        assert family == "market" and fake.family_requests == []
        assert fake.create_requests == [expected_body(stack, model, job)]
        return
    assert fake.create_requests == []
    (request,) = fake.family_requests
    path = CREATE_PATHS[(model.family, model.kie_model if model.family == "mj" else None)]
    assert (request["family"], request["path"]) == (FAKE_FAMILY.get(model.family, model.family), path)
    assert request["body"] == expected_body(stack, model, job)
    assert "input" not in request["body"]


def assert_inputs_carry_the_draft(model: CatalogModel, draft: Draft, job: jobs.Job) -> None:
    """What the person gave reached the request: prompt, photos, extra texts, fixed mode switches."""
    inputs = job.inputs
    if model.prompt_input:
        assert inputs[model.prompt_input] == draft.prompt
    if model.images and draft.images:
        expected: Any = (
            list(draft.images) if model.input(model.images.input).type == "array" else draft.images[0]
        )
        assert inputs[model.images.input] == expected
        assert all(urlsplit(url).path.startswith("/files/") for url in draft.images)
    for name, text in draft.texts.items():
        assert inputs[name] == text
    for name, fixed in model.fixed_inputs.items():
        assert inputs[name] == fixed


def assert_delivered(stack: Stack, model: CatalogModel, job: jobs.Job, files: list[str]) -> None:
    """The result went out once, each file as the right Bot API method, with the buttons at the end."""
    sends = calls(stack, *MEDIA_METHODS)
    assert all(call.ok for call in sends), [(c.method, c.ok) for c in sends]
    assert not calls(stack, "sendDocument", "sendAnimation")
    kind = model.result
    if kind == "audio":
        assert [call.method for call in sends] == ["sendAudio"] * len(files)
    elif len(files) == 1:
        assert [call.method for call in sends] == [KIND_METHOD[kind]]
    else:
        assert [call.method for call in sends] == ["sendMediaGroup"]
    delivered = [item for call in sends for item in media_items(call)]
    assert delivered == [(kind, url) for url in files]
    # the buttons ride on the last message: the single file's, or the text after an album
    last = sends[-1] if len(files) == 1 or kind == "audio" else calls(stack, "sendMessage")[-1]
    assert any(data.startswith("res:repeat:") for _, data in buttons(last.params)), last.params
    assert str(job.id) in {data.rsplit(":", 1)[-1] for _, data in buttons(last.params)}


# --- the walk ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "operator_priced"), OFFERED, ids=[m.id + (" (operator price)" if p else "") for m, p in OFFERED]
)
async def test_every_model_a_person_may_pick_works_end_to_end(
    stack: Stack, model: CatalogModel, operator_priced: bool, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="creativebot")
    # Given: a person with money, and (for a model KIE's price list lacks) an operator's price
    if operator_priced:
        await price_by_operator(stack, model.id, OPERATOR_PRICE)
    user = await person(stack)
    draft = await draft_for(stack, model)
    # When: the person launches the draft with the model's defaults
    quote, job = await quote_and_launch(stack, user, model, draft)
    # Then: one KIE task, in the family's shape, carrying what the person gave
    assert (job.status, job.fail_code, job.fail_reason) == ("submitted", None, None)
    assert_one_task_of_the_family_shape(stack, model, job)
    assert_inputs_carry_the_draft(model, draft, job)
    if operator_priced:
        assert quote.price == OPERATOR_PRICE
    assert (await wallet.balance_of(stack.pool, USER)).held == quote.charge
    # When: KIE finishes and calls back; the worker delivers what the callback queued
    job = await settled(stack, job.id)
    assert take_deliveries(stack) == [job.id]
    assert await deliver_now(stack, job.id)
    # Then: succeeded with the fake's files, charged the quoted price once, delivered once
    task_id = str(job.task_id)
    files = fake_results(stack.kie, task_id)
    assert files, "the fake made no file"
    assert (job.status, job.result_urls) == ("succeeded", files)
    assert await charges_of(stack.pool, job) == ([-quote.charge] if quote.charge else [])
    assert job.payment == ("wallet" if quote.charge else "free")
    assert (events(caplog, "JOB_SETTLED", job.id), events(caplog, "DELIVERY_ENQUEUED", job.id)) == (1, 1)
    assert await wallet.balance_of(stack.pool, USER) == wallet.Balance(TOPUP - quote.charge, 0)
    assert_delivered(stack, model, job, files)
    if model.family == "suno":
        titles = [call.params.get("title") for call in calls(stack, "sendAudio")]
        task = stack.kie.fake.family_tasks[task_id]
        assert titles == [track["title"] for track in task.extra["tracks"]] and all(titles)
    sent_before = len(calls(stack, *MEDIA_METHODS, "sendMessage"))
    assert not await deliver_now(stack, job.id)  # a repeated "deliver" finds nothing new
    assert len(calls(stack, *MEDIA_METHODS, "sendMessage")) == sent_before
    assert len(stack.kie.fake.created) == 1
    delivered = await jobs.get(stack.pool, job.id)
    assert delivered is not None and delivered.delivered_at is not None
    assert await wallet.verify_wallet_invariants(stack.pool) == []
