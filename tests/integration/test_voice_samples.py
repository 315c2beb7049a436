"""Voice samples, cron's side (issue 16): every voice of the text-to-speech models gets a short sample made on
the fake KIE, once, by the cheapest model; tasks are asked about until done; a sample older than ten days is
made again; failures wait and are retried; the creates stay within their caps per run and per 24 hours, two
runs at once make nothing twice, and every create is logged."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from creativebot import maintenance, overrides, voices
from creativebot.db import Pool
from creativebot.kie.catalog import load_catalog
from creativebot.observability import logger
from creativebot.texts.voices import SAMPLE_PHRASE
from infra.local.kie import FakeKieServer, FaultPlan

TURBO = "elevenlabs/text-to-speech-turbo-2-5"  # 6 credits per started 1000 characters
MULTILINGUAL = "elevenlabs/text-to-speech-multilingual-v2"  # 12
CREATE_PATH_MODEL = "model"


def _voices(model_id: str) -> list[str]:
    model = load_catalog().get(model_id)
    assert model is not None
    return voices.voices_of(model)


VOICES = _voices(TURBO)


@pytest.fixture(autouse=True)
def fresh_overrides() -> Iterator[None]:
    overrides.forget()
    yield
    overrides.forget()


@pytest.fixture
def events() -> Iterator[list[dict[str, Any]]]:
    seen: list[dict[str, Any]] = []

    class Recorder(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            seen.append(dict(record.__dict__))

    recorder = Recorder()
    logging.getLogger(logger.service).addHandler(recorder)
    yield seen
    logging.getLogger(logger.service).removeHandler(recorder)


def _creates(kie: FakeKieServer) -> list[dict[str, Any]]:
    """Every createTask request the fake received (refused ones too)."""
    return list(kie.fake.create_requests)


async def _rows(pool: Pool) -> dict[tuple[str, str], dict[str, Any]]:
    rows = await pool.fetch("SELECT * FROM voice_samples")
    return {(row["model_id"], row["voice"]): dict(row) for row in rows}


async def _run(ctx: maintenance.CronContext, caps: voices.Caps | None = None) -> int:
    return await voices.ensure_samples(ctx.pool, ctx.kie, ctx.settings.kie.kie_timeout_sec, caps)


async def _until_settled(ctx: maintenance.CronContext, caps: voices.Caps | None = None) -> None:
    """Run the step until no task is under way (the fake finishes one in about 0.2 s)."""
    for _ in range(50):
        await asyncio.sleep(0.1)
        await _run(ctx, caps)
        if not await ctx.pool.fetchval("SELECT count(*) FROM voice_samples WHERE requested_at IS NOT NULL"):
            return
    raise AssertionError("the sample tasks never finished")


async def test_every_voice_is_recorded_once_by_the_cheapest_model_and_serves_both(
    cron_context: maintenance.CronContext, pool: Pool, kie: FakeKieServer, events: list[dict[str, Any]]
) -> None:
    assert maintenance.STEPS["voice_samples"] is voices.voice_samples
    assert _voices(MULTILINGUAL) == VOICES  # the models share their voices: one sample each serves both
    # When: cron runs its step (as maintenance.run does)
    started = await voices.voice_samples(cron_context)
    # Then: one task per voice, on the cheaper model, with the phrase and no callback URL
    creates = _creates(kie)
    assert started == len(VOICES) == len(creates)
    assert {body["model"] for body in creates} == {TURBO}
    assert sorted(body["input"]["voice"] for body in creates) == sorted(VOICES)
    assert {body["input"]["text"] for body in creates} == {SAMPLE_PHRASE}
    assert all("callBackUrl" not in body for body in creates)
    logged = [e for e in events if e.get("event") == "VOICE_SAMPLE_CREATE"]
    assert [(e["outcome"], e["model"], e["credits"]) for e in logged] == [("created", TURBO, 6.0)] * len(
        VOICES
    )
    assert await pool.fetchval("SELECT count(*) FROM voice_sample_creates WHERE outcome = 'created'") == 6
    # ... and a second run while they are under way starts nothing
    await voices.voice_samples(cron_context)  # (it may find some done already)
    assert len(_creates(kie)) == len(VOICES)
    # When: later runs ask KIE until the tasks are done
    await _until_settled(cron_context)
    # Then: every voice has a playable sample, and nothing more was created
    rows = await _rows(pool)
    assert set(rows) == {(TURBO, voice) for voice in VOICES}
    for row in rows.values():
        assert row["audio_url"].startswith(kie.url) and row["made_at"] is not None
        assert row["phrase"] == SAMPLE_PHRASE and row["task_id"] is None and row["file_id"] is None
    async with httpx.AsyncClient() as http:
        mp3 = (await http.get(next(iter(rows.values()))["audio_url"])).content
    assert mp3[:3] == b"ID3" or mp3[:2] in (b"\xff\xfb", b"\xff\xf3", b"\xff\xf2")
    assert await voices.voice_samples(cron_context) == 0
    assert len(_creates(kie)) == len(VOICES)
    # ... and the other model's step 2 finds them
    multilingual = load_catalog().get(MULTILINGUAL)
    assert multilingual is not None
    ready = await voices.ready_samples(pool, multilingual)
    assert set(ready) == set(VOICES) and {s.model_id for s in ready.values()} == {TURBO}


async def test_two_runs_at_once_make_each_voice_once(
    cron_context: maintenance.CronContext, kie: FakeKieServer
) -> None:
    results = await asyncio.gather(_run(cron_context), _run(cron_context), _run(cron_context))
    assert sum(results) == len(VOICES)
    assert sorted(body["input"]["voice"] for body in _creates(kie)) == sorted(VOICES)


async def test_a_sample_older_than_ten_days_is_made_again_and_keeps_its_file_id(
    cron_context: maintenance.CronContext, pool: Pool, kie: FakeKieServer
) -> None:
    # Given: every voice has a sample, Telegram knows one of them; two are 11 days old, the rest 9
    await _run(cron_context)
    await _until_settled(cron_context)
    old, kept = VOICES[:2], VOICES[2:]
    await pool.execute("UPDATE voice_samples SET file_id = 'CQACAgIAAx-old' WHERE voice = $1", old[0])
    await pool.execute(
        "UPDATE voice_samples SET made_at = now() - interval '11 days' WHERE voice = ANY($1)", old
    )
    await pool.execute(
        "UPDATE voice_samples SET made_at = now() - interval '9 days' WHERE voice = ANY($1)", kept
    )
    before = await _rows(pool)
    created = len(_creates(kie))
    # When
    assert await _run(cron_context) == 2
    # Then: the two old ones are made again, and served as they were meanwhile
    assert sorted(body["input"]["voice"] for body in _creates(kie)[created:]) == sorted(old)
    turbo = load_catalog().get(TURBO)
    assert turbo is not None
    assert set(await voices.ready_samples(pool, turbo)) == set(VOICES)
    await _until_settled(cron_context)
    after = await _rows(pool)
    for voice in old:
        assert after[(TURBO, voice)]["audio_url"] != before[(TURBO, voice)]["audio_url"]
        assert after[(TURBO, voice)]["made_at"] > before[(TURBO, voice)]["made_at"]
    assert after[(TURBO, old[0])]["file_id"] == "CQACAgIAAx-old"  # the same words in the same voice
    for voice in kept:
        assert after[(TURBO, voice)] == before[(TURBO, voice)]
    assert len(_creates(kie)) == created + 2


async def test_failed_tasks_wait_and_are_retried_within_the_caps_per_run_and_per_day(
    cron_context: maintenance.CronContext, pool: Pool, kie: FakeKieServer, events: list[dict[str, Any]]
) -> None:
    caps = voices.Caps(per_run=4, per_day=7)
    for _ in range(len(VOICES)):
        kie.fake.script("fail")
    # When: the first run starts four (its cap); they fail
    assert await _run(cron_context, caps) == 4
    await asyncio.sleep(0.5)
    # ... the next run records the failures and starts the two voices not tried yet (which fail too)
    assert await _run(cron_context, caps) == 2
    await _until_settled(cron_context, caps)
    # Then: six creates, every voice failed once and waits
    assert len(_creates(kie)) == 6
    rows = await _rows(pool)
    assert all(
        r["failures"] == 1 and r["failed_at"] is not None and r["audio_url"] is None for r in rows.values()
    )
    assert all("500" in r["last_error"] for r in rows.values())
    assert await _run(cron_context, caps) == 0  # failed lately: not yet
    # When: an hour has passed: one more create fits in the 24 hours' seven
    await pool.execute("UPDATE voice_samples SET failed_at = now() - interval '61 minutes'")
    assert await _run(cron_context, caps) == 1
    await _until_settled(cron_context, caps)
    assert len(_creates(kie)) == 7
    # ... then the day's cap holds, however due the voices are
    await pool.execute("UPDATE voice_samples SET failed_at = NULL")
    assert await _run(cron_context, caps) == 0
    assert len(_creates(kie)) == 7
    assert any(e.get("event") == "VOICE_SAMPLE_DAILY_CAP" for e in events)
    # When: those creates are more than 24 hours old
    await pool.execute("UPDATE voice_sample_creates SET created_at = now() - interval '25 hours'")
    assert await _run(cron_context, caps) == 4  # the run's cap
    assert len(_creates(kie)) == 11
    await _until_settled(cron_context, caps)  # ... and a later run the last one
    # Then: every voice has its sample, its failures forgotten; five creates in the last 24 hours
    rows = await _rows(pool)
    assert all(
        r["audio_url"] is not None and r["failures"] == 0 and r["last_error"] is None for r in rows.values()
    )
    assert len(_creates(kie)) == 12
    assert (
        await pool.fetchval(
            "SELECT count(*) FROM voice_sample_creates WHERE created_at > now() - interval '24 hours'"
        )
        == 5
    )


def test_the_default_caps_bound_a_day_of_credits() -> None:
    caps = voices.Caps()
    assert (caps.per_run, caps.per_day) == (voices.CREATES_PER_RUN, voices.CREATES_PER_DAY) == (6, 24)
    dearest = max(
        voices._credits(model, voice)
        for model in load_catalog().models
        if voices.is_tts(model)
        for voice in voices.voices_of(model)
    )
    assert dearest * caps.per_day == 288  # credits: the worst day, documented in creativebot.voices


async def test_a_refused_create_stops_the_run_and_the_voice_waits(
    cron_context: maintenance.CronContext, pool: Pool, kie: FakeKieServer, events: list[dict[str, Any]]
) -> None:
    kie.fake.script("402")  # "Credits insufficient"
    assert await _run(cron_context) == 0
    assert len(_creates(kie)) == 1  # the run stopped at the first refusal
    assert await pool.fetchval("SELECT outcome FROM voice_sample_creates") == "refused"
    refused = [e for e in events if e.get("event") == "VOICE_SAMPLE_CREATE"]
    assert [e["outcome"] for e in refused] == ["refused"]
    row = await pool.fetchrow("SELECT * FROM voice_samples")
    assert row is not None and row["requested_at"] is None and row["failures"] == 1
    # When: the next run: the other voices, not the refused one
    assert await _run(cron_context) == len(VOICES) - 1
    assert row["voice"] not in [body["input"]["voice"] for body in _creates(kie)[1:]]


async def test_a_create_whose_answer_was_lost_is_not_repeated_until_it_is_given_up(
    cron_context: maintenance.CronContext, pool: Pool, kie: FakeKieServer
) -> None:
    kie.fake.faults = FaultPlan(rate=0.0)
    kie.fake.faults.force("create", "created_then_502")  # KIE made the task; its answer is lost
    assert await _run(cron_context) == 0
    lost = await pool.fetchrow("SELECT * FROM voice_samples")
    assert lost is not None and lost["requested_at"] is not None and lost["task_id"] is None
    assert await pool.fetchval("SELECT outcome FROM voice_sample_creates") == "uncertain"
    # When: the next runs: the others are made; the lost one is not asked for again while it may come
    await _run(cron_context)
    await _until_lost_only(cron_context)
    voices_asked = [body["input"]["voice"] for body in _creates(kie)]
    assert voices_asked.count(lost["voice"]) == 1 and len(voices_asked) == len(VOICES)
    # When: ten minutes later it counts as a failure, and is retried an hour after that
    await pool.execute(
        "UPDATE voice_samples SET requested_at = now() - interval '11 minutes' WHERE task_id IS NULL AND requested_at IS NOT NULL"
    )
    assert await _run(cron_context) == 0
    row = await pool.fetchrow("SELECT * FROM voice_samples WHERE voice = $1", lost["voice"])
    assert row is not None and row["requested_at"] is None and row["failures"] == 1
    await pool.execute("UPDATE voice_samples SET failed_at = now() - interval '2 hours'")
    assert await _run(cron_context) == 1


async def _until_lost_only(ctx: maintenance.CronContext) -> None:
    for _ in range(50):
        await asyncio.sleep(0.1)
        await _run(ctx)
        if not await ctx.pool.fetchval("SELECT count(*) FROM voice_samples WHERE task_id IS NOT NULL"):
            return
    raise AssertionError("the sample tasks never finished")


async def test_a_hidden_cheap_model_leaves_its_voices_to_the_other(
    cron_context: maintenance.CronContext, pool: Pool, kie: FakeKieServer
) -> None:
    await overrides.save(
        pool, overrides.ModelOverride(TURBO, hidden=True, hidden_reason="operator"), admin_id=1
    )
    assert await _run(cron_context) == len(VOICES)
    assert {body["model"] for body in _creates(kie)} == {MULTILINGUAL}
    await _until_settled(cron_context)
    multilingual = load_catalog().get(MULTILINGUAL)
    assert multilingual is not None
    assert {s.model_id for s in (await voices.ready_samples(pool, multilingual)).values()} == {MULTILINGUAL}
