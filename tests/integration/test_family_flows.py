"""What the family APIs promise beyond "it works": Suno's staged callbacks, Veo's lost callback, backup
model and 1080p version, Midjourney's grid and its U/V follow-ups as new paid jobs.

The same real parts as test_every_model.py (whose helpers these are): WizardService.launch, the fake KIE
calling the real callback app over HTTP, moto SQS, delivery to the Telegram emulator, and button presses
made in the emulator and handed to the real Dispatcher.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable

import pytest

from creativebot import jobs, maintenance, wallet
from creativebot.config import CronSettings, get_settings
from creativebot.db import Pool
from creativebot.kie.catalog import CatalogModel, load_catalog
from creativebot.telegram.callbacks import FollowUp
from creativebot.texts import RU, format_rub
from creativebot.texts.failures import RU as FAILURES_RU
from infra.local.kie import FakeKieServer
from infra.local.kie.families import FamilyTask
from infra.local.telegram import EmulatorServer
from tests.helpers import Queues
from tests.integration.test_every_model import (
    FAKE_GENERATING_SEC,
    PROMPT,
    TOPUP,
    USER,
    Stack,
    buttons,
    calls,
    charges_of,
    chat_messages,
    deliver_now,
    draft_for,
    events,
    fake_results,
    media_items,
    message_with_button,
    person,
    press,
    price_by_operator,
    quote_and_launch,
    running_stack,
    settled,
    take_deliveries,
)

MJ_PRICE, UPSCALE_PRICE, VARY_PRICE = 30_00, 12_00, 15_00


@pytest.fixture
async def stack(
    pool: Pool, kie: FakeKieServer, telegram: EmulatorServer, sqs: Queues, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Stack]:
    async with running_stack(pool, kie, telegram, sqs, monkeypatch) as running:
        yield running


def model(model_id: str) -> CatalogModel:
    found = load_catalog().get(model_id)
    assert found is not None, model_id
    return found


def family_task(stack: Stack, job: jobs.Job) -> FamilyTask:
    assert job.task_id is not None
    return stack.kie.fake.family_tasks[job.task_id]


async def until(condition: str, check: Callable[[], bool], within: float = 10.0) -> None:
    """Wait for ``check()`` to hold (the fake works on its own thread)."""
    for _ in range(int(within / 0.02)):
        if check():
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"not within {within} s: {condition}")


async def ledger_kinds(pool: Pool, job: jobs.Job) -> list[str]:
    rows = await pool.fetch("SELECT kind FROM ledger WHERE ref = $1 ORDER BY id", job.hold_ref)
    return [str(row["kind"]) for row in rows]


def sent_texts(stack: Stack) -> list[str]:
    return [str(call.params.get("text", "")) for call in calls(stack, "sendMessage")]


# --- Suno ------------------------------------------------------------------------------------------------


async def test_suno_replayed_stages_settle_once_on_complete_and_deliver_two_titled_tracks_once(
    stack: Stack, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="creativebot")
    # Given: a song whose task sends text → first → complete, each callback twice ([replay])
    suno = model("suno/by-description")
    user = await person(stack)
    draft = await draft_for(stack, suno, prompt=f"{PROMPT} [replay]")
    quote, job = await quote_and_launch(stack, user, suno, draft)
    task = family_task(stack, job)
    # When: every stage has been called back, twice, and answered
    job = await settled(stack, job.id)
    await until("six callbacks", lambda: len(task.callbacks) == 6)
    stages = [callback["body"]["data"]["callbackType"] for callback in task.callbacks]
    assert stages == ["text", "text", "first", "first", "complete", "complete"]
    assert [callback["status"] for callback in task.callbacks] == [200] * 6
    assert events(caplog, "CALLBACK_RECEIVED", job.id) == 6
    assert events(caplog, "CALLBACK_REPEATED", job.id) == 1  # the second "complete"
    # Then: settled on the complete stage (both tracks), charged once, one delivery queued
    assert (job.status, job.result_urls) == ("succeeded", task.results)
    assert len(task.results) == 2
    assert await charges_of(stack.pool, job) == [-quote.price]
    assert await ledger_kinds(stack.pool, job) == ["hold", "charge"]
    assert await wallet.balance_of(stack.pool, USER) == wallet.Balance(TOPUP - quote.price, 0)
    assert (events(caplog, "JOB_SETTLED", job.id), events(caplog, "DELIVERY_ENQUEUED", job.id)) == (1, 1)
    assert take_deliveries(stack) == [job.id]
    # When: the worker delivers it, and the "deliver" message comes again
    assert await deliver_now(stack, job.id)
    assert not await deliver_now(stack, job.id)
    # Then: two sendAudio, each with its title and cover; the last with the caption and the buttons
    tracks = calls(stack, "sendAudio")
    titles = [track["title"] for track in task.extra["tracks"]]
    assert [call.params.get("title") for call in tracks] == titles and all(titles)
    assert [media_items(call)[0][1] for call in tracks] == task.results
    assert all(call.ok and call.params.get("thumbnail") for call in tracks)
    first, last = tracks
    assert first.params.get("caption") == RU.result_track.format(title=titles[0])
    assert buttons(first.params) == []
    assert suno.title.ru in str(last.params.get("caption"))
    assert any(data.startswith("res:repeat:") for _, data in buttons(last.params))
    assert not calls(stack, "sendDocument", "sendPhoto", "sendMediaGroup")
    assert len(stack.kie.fake.created) == 1


async def test_a_failed_suno_song_is_released_and_explained_as_failed_on_kies_side(stack: Stack) -> None:
    # Given: a song KIE fails after the text stage (error callback, code 531: credits refunded by KIE)
    suno = model("suno/by-description")
    user = await person(stack)
    draft = await draft_for(stack, suno, prompt=f"{PROMPT} [fail]")
    quote, job = await quote_and_launch(stack, user, suno, draft)
    task = family_task(stack, job)
    # When
    job = await settled(stack, job.id)
    await until("two callbacks", lambda: len(task.callbacks) == 2)
    assert [callback["body"]["data"]["callbackType"] for callback in task.callbacks] == ["text", "error"]
    assert task.callbacks[-1]["body"]["code"] == 531
    assert take_deliveries(stack) == [job.id]
    assert await deliver_now(stack, job.id)
    # Then: failed, the money released (never charged), the person told in our words
    assert (job.status, job.fail_code) == ("failed", "531")
    assert await ledger_kinds(stack.pool, job) == ["hold", "release"]
    assert await wallet.balance_of(stack.pool, USER) == wallet.Balance(TOPUP, 0)
    (notice,) = sent_texts(stack)[1:]  # after the "⏳" status message
    assert FAILURES_RU.refunded_by_kie in notice
    assert RU.refund_money.format(price=format_rub(quote.price)) in notice
    assert "refunded" not in notice  # KIE's English stays in the logs
    assert not calls(stack, "sendAudio")


# --- Veo -------------------------------------------------------------------------------------------------


async def test_a_veo_video_whose_callback_is_lost_is_settled_by_cron_and_delivered_once(stack: Stack) -> None:
    # Given: a Veo task that finishes but never calls back
    veo = model("veo3-fast/text-to-video")
    user = await person(stack)
    draft = await draft_for(stack, veo, prompt=f"{PROMPT} [nocallback]")
    quote, job = await quote_and_launch(stack, user, veo, draft)
    task = family_task(stack, job)
    await until("the task finished", lambda: task.phase == "success")
    await asyncio.sleep(0.2)
    assert task.callbacks == []
    still = await jobs.get(stack.pool, job.id)
    assert still is not None and still.status == "submitted"
    # When: the job has been silent for longer than cron waits, and cron runs (twice)
    await stack.pool.execute(
        "UPDATE jobs SET created_at = now() - interval '5 minutes', submitted_at = now() - interval '5 minutes',"
        " checked_at = NULL WHERE id = $1",
        job.id,
    )
    settings = get_settings(CronSettings)
    context = maintenance.CronContext(pool=stack.pool, kie=stack.client, settings=settings)
    reconcile: dict[str, maintenance.Step] = {
        "reconcile_open_jobs": maintenance.reconcile_open_jobs
    }  # only the step under test
    first = await maintenance.run(context, maintenance.CronInput(task="maintenance"), reconcile)
    second = await maintenance.run(context, maintenance.CronInput(task="maintenance"), reconcile)
    # Then: settled from record-info once, charged once, delivered once
    assert first["steps"]["reconcile_open_jobs"] == 1
    assert second["steps"]["reconcile_open_jobs"] == 0
    job = await settled(stack, job.id, within=1.0)
    assert (job.status, job.result_urls) == ("succeeded", task.results)
    assert await charges_of(stack.pool, job) == [-quote.price]
    assert await wallet.balance_of(stack.pool, USER) == wallet.Balance(TOPUP - quote.price, 0)
    assert take_deliveries(stack) == [job.id]
    assert await deliver_now(stack, job.id)
    assert not await deliver_now(stack, job.id)
    (video,) = calls(stack, "sendVideo")
    assert video.ok and media_items(video) == [("video", task.results[0])]
    assert len(stack.kie.fake.created) == 1


async def test_veo_rejecting_a_prompt_without_the_backup_model_advises_turning_it_on(stack: Stack) -> None:
    # Given: Veo flags the prompt ([422]) and the person left the backup model off (the default)
    veo = model("veo3-fast/text-to-video")
    user = await person(stack)
    draft = await draft_for(stack, veo, prompt=f"{PROMPT} [422]")
    assert draft.options["enableFallback"] is False
    quote, job = await quote_and_launch(stack, user, veo, draft)
    # When
    job = await settled(stack, job.id)
    assert take_deliveries(stack) == [job.id]
    assert await deliver_now(stack, job.id)
    # Then: failed with KIE's 422, the money back, the advice to turn the backup model on
    assert (job.status, job.fail_code) == ("failed", "422")
    assert await wallet.balance_of(stack.pool, USER) == wallet.Balance(TOPUP, 0)
    assert await charges_of(stack.pool, job) == []
    (notice,) = sent_texts(stack)[1:]
    assert FAILURES_RU.fallback in notice
    assert RU.refund_money.format(price=format_rub(quote.price)) in notice
    assert not calls(stack, "sendVideo")


async def test_veo_with_the_backup_model_delivers_its_video_with_a_note_and_no_1080p_button(
    stack: Stack,
) -> None:
    # Given: the same flagged prompt, with the backup model on, in 16:9
    veo = model("veo3-fast/text-to-video")
    user = await person(stack)
    draft = await draft_for(stack, veo, prompt=f"{PROMPT} [422]", options={"enableFallback": True})
    assert draft.options["aspectRatio"] == "16:9" and draft.options["resolution"] == "720p"
    quote, job = await quote_and_launch(stack, user, veo, draft)
    (request,) = stack.kie.fake.family_requests
    assert request["body"]["enableFallback"] is True
    # When
    job = await settled(stack, job.id)
    assert take_deliveries(stack) == [job.id]
    assert await deliver_now(stack, job.id)
    # Then: a success made by the backup model, said so in the caption, with no 1080p button
    task = family_task(stack, job)
    assert task.extra["fallback"] is True
    assert (job.status, job.result_urls) == ("succeeded", task.results)
    assert await charges_of(stack.pool, job) == [-quote.price]
    (video,) = calls(stack, "sendVideo")
    assert RU.result_fallback_note in str(video.params.get("caption"))
    labels = [label for label, _ in buttons(video.params)]
    assert RU.btn_hd not in labels and labels  # the other buttons are there
    assert not any(data.startswith("fu:hd:") for _, data in buttons(video.params))


async def test_a_720p_veo_video_gets_its_1080p_version_after_kie_has_made_it(stack: Stack) -> None:
    # Given: a 16:9 720p Veo video, delivered with the 🎞 1080p button
    veo = model("veo3-fast/text-to-video")
    user = await person(stack)
    draft = await draft_for(stack, veo)
    quote, job = await quote_and_launch(stack, user, veo, draft)
    job = await settled(stack, job.id)
    take_deliveries(stack)
    assert await deliver_now(stack, job.id)
    (video,) = calls(stack, "sendVideo")
    assert RU.result_fallback_note not in str(video.params.get("caption"))
    message_id, data = message_with_button(stack, RU.btn_hd)
    assert data == FollowUp(action="hd", job=job.id, index=0).pack()
    # When: the person presses it while KIE is still making the 1080p version
    await press(stack, message_id, data)
    # Then: told it is being made, no video yet
    assert sent_texts(stack)[-1] == RU.hd_processing
    assert len(calls(stack, "sendVideo")) == 1
    # When: pressed again once KIE has it
    await asyncio.sleep(FAKE_GENERATING_SEC + 0.1)
    await press(stack, message_id, data)
    # Then: the 1080p video, free of charge, with no new KIE task
    videos = calls(stack, "sendVideo")
    assert len(videos) == 2 and videos[-1].ok
    hd = family_task(stack, job).extra["hd"][0]["url"]
    assert (
        hd
        and media_items(videos[-1]) == [("video", hd)]
        and hd not in fake_results(stack.kie, str(job.task_id))
    )
    assert videos[-1].params.get("caption") == RU.hd_ready
    assert await wallet.balance_of(stack.pool, USER) == wallet.Balance(TOPUP - quote.price, 0)
    assert len(stack.kie.fake.created) == 1


# --- Midjourney --------------------------------------------------------------------------------------------


async def test_midjourney_grid_then_u2_is_a_separate_paid_upscale_of_image_two(stack: Stack) -> None:
    # Given: an operator has priced Midjourney and its follow-ups; a person makes a grid
    await price_by_operator(stack, "midjourney/text-to-image", MJ_PRICE)
    await price_by_operator(stack, "midjourney/upscale", UPSCALE_PRICE)
    await price_by_operator(stack, "midjourney/vary", VARY_PRICE)
    mj, upscale = model("midjourney/text-to-image"), model("midjourney/upscale")
    user = await person(stack)
    quote, grid = await quote_and_launch(stack, user, mj, await draft_for(stack, mj))
    assert quote.price == MJ_PRICE
    grid = await settled(stack, grid.id)
    assert take_deliveries(stack) == [grid.id]
    assert await deliver_now(stack, grid.id)
    # Then: an album of four, then a text with U1-U4 and V1-V4
    images = fake_results(stack.kie, str(grid.task_id))
    assert len(images) == 4 and grid.result_urls == images
    (album,) = calls(stack, "sendMediaGroup")
    assert media_items(album) == [("photo", url) for url in images]
    assert not calls(stack, "sendPhoto")
    grid_text = calls(stack, "sendMessage")[-1]
    follow_ups = {label: data for label, data in buttons(grid_text.params) if data.startswith("fu:")}
    expected = {
        RU.btn_upscale.format(n=i + 1): FollowUp(action="upscale", job=grid.id, index=i).pack()
        for i in range(4)
    } | {RU.btn_vary.format(n=i + 1): FollowUp(action="vary", job=grid.id, index=i).pack() for i in range(4)}
    assert follow_ups == expected
    assert await charges_of(stack.pool, grid) == [-MJ_PRICE]
    # When: the person presses U2
    message_id, data = message_with_button(stack, RU.btn_upscale.format(n=2))
    await press(stack, message_id, data)
    # Then: the check screen of the upscale, at its own price, and nothing sent to KIE yet
    check = calls(stack, "sendMessage")[-1]
    assert upscale.title.ru in str(check.params.get("text"))
    assert RU.confirm_price_line.format(price=format_rub(UPSCALE_PRICE)) in str(check.params.get("text"))
    launch = [data for _, data in buttons(check.params) if data.startswith("go:")]
    assert len(launch) == 1
    assert len(stack.kie.fake.created) == 1
    # When: the person launches it
    (check_id,) = [
        int(payload["message_id"])
        for payload in chat_messages(stack)
        if launch[0] in dict(buttons(payload)).values()
    ]
    await press(stack, check_id, launch[0])
    # Then: a new paid job, sent to generateUpscale with the grid's task and image 2 (index 1)
    row = await stack.pool.fetchrow("SELECT id FROM jobs WHERE model_id = 'midjourney/upscale'")
    assert row is not None
    job = await jobs.get(stack.pool, int(row["id"]))
    assert job is not None and job.id != grid.id and job.price == UPSCALE_PRICE
    assert len(stack.kie.fake.created) == 2
    request = stack.kie.fake.family_requests[-1]
    assert request["path"] == "/api/v1/mj/generateUpscale"
    assert request["body"] == {
        "taskId": grid.task_id,
        "imageIndex": 1,
        "callBackUrl": stack.signed_callback(job.id),
    }
    # When: KIE finishes the upscale and the worker delivers it (and the "deliver" comes again)
    job = await settled(stack, job.id)
    assert take_deliveries(stack) == [job.id]
    assert await deliver_now(stack, job.id)
    assert not await deliver_now(stack, job.id)
    # Then: one image, delivered once, charged its own price once; the grid's charge untouched
    upscaled = fake_results(stack.kie, str(job.task_id))
    assert (job.status, job.result_urls) == ("succeeded", upscaled) and len(upscaled) == 1
    (photo,) = calls(stack, "sendPhoto")
    assert photo.ok and media_items(photo) == [("photo", upscaled[0])]
    assert len(calls(stack, "sendMediaGroup")) == 1
    assert await charges_of(stack.pool, job) == [-UPSCALE_PRICE]
    assert await charges_of(stack.pool, grid) == [-MJ_PRICE]
    balance = await wallet.balance_of(stack.pool, USER)
    assert balance == wallet.Balance(TOPUP - MJ_PRICE - UPSCALE_PRICE, 0)
    assert len(stack.kie.fake.created) == 2
    assert await wallet.verify_wallet_invariants(stack.pool) == []


async def price_midjourney(stack: Stack) -> None:
    """An operator prices every Midjourney model (KIE's price list has none of them)."""
    for model_id, kopecks in (
        ("midjourney/text-to-image", MJ_PRICE),
        ("midjourney/image-to-image", MJ_PRICE),
        ("midjourney/image-to-video", MJ_PRICE),
        ("midjourney/upscale", UPSCALE_PRICE),
        ("midjourney/vary", VARY_PRICE),
    ):
        await price_by_operator(stack, model_id, kopecks)


async def delivered(stack: Stack, job: jobs.Job) -> jobs.Job:
    job = await settled(stack, job.id)
    assert take_deliveries(stack) == [job.id]
    assert await deliver_now(stack, job.id)
    return job


async def launch_from_button(stack: Stack, label: str) -> jobs.Job:
    """Press the newest button labelled ``label``, then "Запустить" on the check screen it opens."""
    message_id, data = message_with_button(stack, label)
    await press(stack, message_id, data)
    launch = [data for _, data in buttons(calls(stack, "sendMessage")[-1].params) if data.startswith("go:")]
    assert len(launch) == 1, launch
    (check_id,) = [
        int(payload["message_id"])
        for payload in chat_messages(stack)
        if launch[0] in dict(buttons(payload)).values()
    ]
    await press(stack, check_id, launch[0])
    newest = await stack.pool.fetchval("SELECT max(id) FROM jobs")
    job = await jobs.get(stack.pool, int(newest))
    assert job is not None
    return job


def follow_up_buttons(params: dict[str, object]) -> list[str]:
    return [label for label, data in buttons(params) if data.startswith(("fu:upscale:", "fu:vary:"))]


async def test_an_upscaled_midjourney_image_offers_no_upscale_or_variation_of_its_own(stack: Stack) -> None:
    # Given: a grid, and its image 2 upscaled (a single image, not a grid: KIE's generateUpscale and
    # generateVary take a grid's taskId and one of its four images)
    await price_midjourney(stack)
    mj = model("midjourney/text-to-image")
    user = await person(stack)
    _quote, grid = await quote_and_launch(stack, user, mj, await draft_for(stack, mj))
    await delivered(stack, grid)
    upscaled = await delivered(stack, await launch_from_button(stack, RU.btn_upscale.format(n=2)))
    assert (upscaled.model_id, upscaled.status) == ("midjourney/upscale", "succeeded")
    # Then: its message has the usual buttons, but no U/V that would start a paid job KIE cannot do
    (photo,) = calls(stack, "sendPhoto")
    assert any(data.startswith("res:repeat:") for _, data in buttons(photo.params))
    assert follow_up_buttons(photo.params) == [], (
        "U/V under an upscaled image start a paid job KIE refuses: "
        f"{stack.kie.fake.family_requests[-1]['path']} takes a grid's taskId"
    )
    assert RU.result_follow_up_hint not in str(photo.params.get("caption"))


async def test_a_midjourney_video_offers_no_image_upscale_or_variation(stack: Stack) -> None:
    # Given: an operator has priced Midjourney, follow-ups included; a person animates a photo
    await price_midjourney(stack)
    animate = model("midjourney/image-to-video")
    user = await person(stack)
    _quote, job = await quote_and_launch(stack, user, animate, await draft_for(stack, animate))
    job = await delivered(stack, job)
    # Then: the video comes with the usual buttons, but no U1/V1 (upscale and vary work on image grids)
    (video,) = calls(stack, "sendVideo")
    assert job.status == "succeeded" and video.ok
    assert any(data.startswith("res:repeat:") for _, data in buttons(video.params))
    assert follow_up_buttons(video.params) == []
    assert RU.result_follow_up_hint not in str(video.params.get("caption"))
