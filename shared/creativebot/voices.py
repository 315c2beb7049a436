"""Voice samples of the text-to-speech models (issue 16: "voices with a name, gender and a short sample").

A voice's name and gender are its label in the catalog ("Джеймс · муж."). Its sample is a short phrase
(``texts.voices.SAMPLE_PHRASE``) spoken by it, made by cron on the operator's KIE credits and kept in
``voice_samples`` (0012_voice_samples.sql): KIE's file URL, and Telegram's file id once the bot has sent it.

**One sample per voice, shared.** The ElevenLabs models offer the same voice ids (a voice is ElevenLabs'
voice, whichever model speaks it), so a voice is recorded once, by the cheapest visible text-to-speech model
that offers it (Turbo 2.5: 6 credits for the phrase, Multilingual 12), and that sample serves every model
offering the voice. A row is keyed by (the model that made it, voice); a model's own sample is preferred
when there is one (an operator who hid Turbo makes Multilingual record the voices it then lacks).

**Cron** (``ensure_samples``, the maintenance step ``voice_samples``), within its time budget:

1. forgets creates whose answer never came (``LOST_AFTER``) and counts them as failures;
2. asks KIE (recordInfo) about every task under way: a result becomes the voice's sample, a failure is
   recorded (the voice is tried again after ``RETRY_AFTER``), a task with no result for ``GIVE_UP_AFTER``
   is a failure too;
3. creates a task (no callback URL: cron asks) for each voice without a fresh sample: none yet, one older
   than ``FRESH_FOR`` (KIE keeps files about 14 days, so a refreshed URL is always there to fall back on
   when Telegram forgets a file id), or one that says another phrase. Voices with no sample come first.

**What it may spend.** At most ``CREATES_PER_RUN`` creates per run and ``CREATES_PER_DAY`` in any 24 hours,
counted in ``voice_sample_creates`` (every create tried, refused or not), so a broken model or a failing
voice cannot burn credits: the worst day is 24 creates × 12 credits (Multilingual, were Turbo hidden) =
288 credits (≈ 1.44 USD at 0.005 USD/credit); a normal one is nothing, and every ten days 6 voices × 6
credits = 36. Each create is logged as ``VOICE_SAMPLE_CREATE`` with its model, voice, credits and outcome.
A create's intent is recorded (and counted) before KIE is called, under one advisory lock, so two cron runs
at once never make one voice twice; a create whose answer was lost is never repeated in the same run.

No aiogram here (cron imports this module); the bot's side is ``telegram.routers.voices``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final, Literal

from creativebot import budget, overrides
from creativebot.db import Connection, Pool
from creativebot.kie.catalog import CatalogModel, OptionSpec, build_input, credits_for, load_catalog
from creativebot.kie.client import KieClient, KieError, TaskNotFound
from creativebot.observability import log_event
from creativebot.texts.voices import SAMPLE_PHRASE

if TYPE_CHECKING:
    from creativebot.maintenance import CronContext

VOICE_INPUT: Final = "voice"
FRESH_FOR: Final = timedelta(days=10)  # a sample older than this is made again (KIE keeps files ~14 days)
KIE_KEEPS: Final = timedelta(days=14)  # a URL older than this is not worth trying
CREATES_PER_RUN: Final = 6  # every voice the catalog offers today, in one run
CREATES_PER_DAY: Final = 24  # in any 24 hours: four rounds of the six voices, failures included
RETRY_AFTER: Final = timedelta(hours=1)  # a voice whose last task failed waits this long
LOST_AFTER: Final = timedelta(minutes=10)  # a create with no recorded answer after this never got one
GIVE_UP_AFTER: Final = timedelta(hours=1)  # a task with no result after this is a failure
NOT_FOUND_GRACE: Final = timedelta(minutes=10)  # KIE may not know a task it has just created
_LOCK: Final = "voice_samples:create"  # pg_advisory_xact_lock(hashtext(...)) of every reservation


# --- which models and voices --------------------------------------------------------------------------


def voice_option(model: CatalogModel) -> OptionSpec | None:
    return next((option for option in model.options if option.input == VOICE_INPUT), None)


def is_tts(model: CatalogModel) -> bool:
    """A text-to-speech model with a choice of voices (its step 2 offers 🔊 Послушать голоса)."""
    return model.result == "audio" and model.prompt_input is not None and voice_option(model) is not None


def voices_of(model: CatalogModel) -> list[str]:
    """The voice ids step 2 offers, in its order."""
    option = voice_option(model)
    return [str(value) for value in model.choices(option)] if option is not None else []


def _credits(model: CatalogModel, voice: str) -> Decimal:
    try:
        return credits_for(model, {VOICE_INPUT: voice}, SAMPLE_PHRASE)
    except ValueError:  # priced by an operator only: its KIE cost is unknown, so it is the last choice
        return Decimal("Infinity")


def samplers(models: list[CatalogModel]) -> dict[str, CatalogModel]:
    """Each voice of these models and the cheapest of them that speaks it (catalog order on a tie), in
    the order the models offer the voices."""
    chosen: dict[str, CatalogModel] = {}
    for model in models:
        for voice in voices_of(model):
            current = chosen.get(voice)
            if current is None or _credits(model, voice) < _credits(current, voice):
                chosen[voice] = model
    return chosen


async def _live_tts_models(db: Pool | Connection) -> list[CatalogModel]:
    live = await overrides.current(db)
    return [model for model in load_catalog().models if is_tts(model) and live.visible(model)]


# --- what the bot sends -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sample:
    """A voice's sample as the bot may send it: Telegram's file id, else KIE's URL (Telegram fetches it)."""

    model_id: str  # the model that made it
    voice: str
    audio_url: str | None
    file_id: str | None
    made_at: datetime | None


async def ready_samples(db: Pool | Connection, model: CatalogModel) -> dict[str, Sample]:
    """The sample of each of the model's voices that has one the bot can send: its own model's first, then
    one saying today's phrase, then the newest. A sample without a file id whose URL KIE has most likely
    deleted (older than 14 days) is left out."""
    rows = await db.fetch(
        """
        SELECT DISTINCT ON (voice) model_id, voice, audio_url, file_id, made_at
          FROM voice_samples
         WHERE voice = ANY($1::text[])
           AND (file_id IS NOT NULL OR (audio_url IS NOT NULL AND made_at > now() - $2::interval))
         ORDER BY voice, (model_id = $3) DESC, (phrase IS NOT DISTINCT FROM $4) DESC, made_at DESC NULLS LAST
        """,
        voices_of(model),
        KIE_KEEPS,
        model.id,
        SAMPLE_PHRASE,
    )
    return {row["voice"]: Sample(**dict(row)) for row in rows}


async def remember_file_id(db: Pool | Connection, sample: Sample, file_id: str) -> bool:
    """Telegram's file id of a sample the bot sent from its URL: the next press sends it without a fetch.
    Nothing changes when cron has replaced the sample meanwhile."""
    status = await db.execute(
        """
        UPDATE voice_samples SET file_id = $4, updated_at = now()
         WHERE model_id = $1 AND voice = $2 AND audio_url IS NOT DISTINCT FROM $3
        """,
        sample.model_id,
        sample.voice,
        sample.audio_url,
        file_id,
    )
    return status.endswith(" 1")


# --- the cron step ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Caps:
    per_run: int = CREATES_PER_RUN
    per_day: int = CREATES_PER_DAY


async def voice_samples(ctx: CronContext) -> int:
    """The maintenance step: every voice of every visible text-to-speech model gets a fresh sample."""
    return await ensure_samples(ctx.pool, ctx.kie, ctx.settings.kie.kie_timeout_sec)


def _time_for_a_call(kie_timeout_sec: float) -> bool:
    return budget.has_time_for(kie_timeout_sec + 1)


async def ensure_samples(pool: Pool, kie: KieClient, kie_timeout_sec: float, caps: Caps | None = None) -> int:
    """Finish the tasks under way and start the missing ones; the number of samples made plus tasks
    started."""
    caps = caps or Caps()
    await pool.execute("DELETE FROM voice_sample_creates WHERE created_at < now() - interval '30 days'")
    await _forget_lost_creates(pool)
    made = await _poll(pool, kie, kie_timeout_sec)
    started = await _create_missing(pool, kie, kie_timeout_sec, caps)
    return made + started


async def _forget_lost_creates(pool: Pool) -> None:
    lost = await pool.fetch(
        """
        UPDATE voice_samples
           SET requested_at = NULL, task_phrase = NULL, failures = failures + 1, failed_at = now(),
               last_error = 'no answer to the create', updated_at = now()
         WHERE task_id IS NULL AND requested_at < now() - $1::interval
        RETURNING model_id, voice
        """,
        LOST_AFTER,
    )
    for row in lost:
        log_event(
            "VOICE_SAMPLE_FAILED", level="warning", model=row["model_id"], voice=row["voice"], reason="lost"
        )


async def _poll(pool: Pool, kie: KieClient, kie_timeout_sec: float) -> int:
    """Ask KIE about every task under way; return how many became samples."""
    rows = await pool.fetch(
        """
        SELECT model_id, voice, task_id, now() - requested_at AS age
          FROM voice_samples WHERE task_id IS NOT NULL ORDER BY requested_at
        """
    )
    made = 0
    for row in rows:
        model_id, voice, task_id, age = row["model_id"], row["voice"], row["task_id"], row["age"]
        if not _time_for_a_call(kie_timeout_sec):
            log_event("CRON_OUT_OF_TIME", level="warning", step="voice_samples", left=len(rows))
            break
        model = load_catalog().get(model_id)
        if model is None:
            await _failed(pool, model_id, voice, task_id, "the model left the catalog")
            continue
        try:
            record = await kie.record_info(model, task_id)
        except TaskNotFound:
            if age > NOT_FOUND_GRACE:
                await _failed(pool, model_id, voice, task_id, "KIE knows no such task")
            continue
        except (KieError, budget.OutOfTime) as error:  # asked again on the next run
            log_event(
                "VOICE_SAMPLE_POLL_FAIL", level="warning", model=model_id, voice=voice, error=str(error)
            )
            continue
        if record.state == "success" and record.result_urls:
            made += await _done(pool, model_id, voice, task_id, record.result_urls[0])
        elif record.finished:
            reason = f"{record.fail_code or record.state}: {record.fail_msg or 'no result file'}"
            await _failed(pool, model_id, voice, task_id, reason[:300])
        elif age > GIVE_UP_AFTER:
            await _failed(pool, model_id, voice, task_id, f"no result in {GIVE_UP_AFTER}")
    return made


async def _done(pool: Pool, model_id: str, voice: str, task_id: str, url: str) -> int:
    # A sample saying the same phrase keeps the file id Telegram gave its predecessor (the same words in
    # the same voice); another phrase gets sent from its URL once and a new file id remembered.
    status = await pool.execute(
        """
        UPDATE voice_samples
           SET audio_url = $4, made_at = now(),
               file_id = CASE WHEN phrase IS NOT DISTINCT FROM task_phrase THEN file_id END,
               phrase = task_phrase, task_id = NULL, task_phrase = NULL, requested_at = NULL,
               failures = 0, failed_at = NULL, last_error = NULL, updated_at = now()
         WHERE model_id = $1 AND voice = $2 AND task_id = $3
        """,
        model_id,
        voice,
        task_id,
        url,
    )
    if not status.endswith(" 1"):
        return 0  # another cron run recorded it
    log_event("VOICE_SAMPLE_READY", model=model_id, voice=voice, task_id=task_id)
    return 1


async def _failed(pool: Pool, model_id: str, voice: str, task_id: str, reason: str) -> None:
    status = await pool.execute(
        """
        UPDATE voice_samples
           SET task_id = NULL, task_phrase = NULL, requested_at = NULL, failures = failures + 1,
               failed_at = now(), last_error = $4, updated_at = now()
         WHERE model_id = $1 AND voice = $2 AND task_id = $3
        """,
        model_id,
        voice,
        task_id,
        reason,
    )
    if status.endswith(" 1"):
        log_event("VOICE_SAMPLE_FAILED", level="warning", model=model_id, voice=voice, reason=reason)


_DUE = """
SELECT v.voice
  FROM unnest($1::text[]) WITH ORDINALITY AS v(voice, position)
 WHERE NOT EXISTS (
        SELECT 1 FROM voice_samples s
         WHERE s.voice = v.voice
           AND (s.requested_at IS NOT NULL                                   -- under way
                OR (s.phrase = $2 AND s.made_at > now() - $3::interval)      -- fresh
                OR s.failed_at > now() - $4::interval))                      -- failed lately: wait
 ORDER BY (SELECT max(s.made_at) FROM voice_samples s WHERE s.voice = v.voice) NULLS FIRST, v.position
"""


async def _create_missing(pool: Pool, kie: KieClient, kie_timeout_sec: float, caps: Caps) -> int:
    """Start a task for each voice without a fresh sample, within the caps; stop at the first KIE error
    (the next run tries again, still within the day's cap)."""
    sampler = samplers(await _live_tts_models(pool))
    if not sampler:
        return 0
    due = await pool.fetch(_DUE, list(sampler), SAMPLE_PHRASE, FRESH_FOR, RETRY_AFTER)
    started = 0
    for row in due[: caps.per_run]:
        if not _time_for_a_call(kie_timeout_sec):
            log_event("CRON_OUT_OF_TIME", level="warning", step="voice_samples", left=len(due) - started)
            break
        voice = row["voice"]
        model = sampler[voice]
        reserved = await _reserve(pool, model.id, voice, caps.per_day)
        if reserved == "day_is_full":
            log_event("VOICE_SAMPLE_DAILY_CAP", level="warning", cap=caps.per_day)
            break
        if reserved is None:
            continue  # another run took it meanwhile
        if not await _create(pool, kie, model, voice, reserved):
            break
        started += 1
    return started


@dataclass(frozen=True)
class _Reservation:
    create_id: int
    requested_at: datetime


async def _reserve(
    pool: Pool, model_id: str, voice: str, per_day: int
) -> _Reservation | Literal["day_is_full"] | None:
    """Record the intent to create (and count it) before KIE hears of it: one voice at a time across cron
    runs, within the day's cap. None when the voice no longer needs a task."""
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", _LOCK)
        today = await conn.fetchval(
            "SELECT count(*) FROM voice_sample_creates WHERE created_at > now() - interval '24 hours'"
        )
        if today >= per_day:
            return "day_is_full"
        due = await conn.fetchval(
            f"SELECT count(*) FROM ({_DUE}) due", [voice], SAMPLE_PHRASE, FRESH_FOR, RETRY_AFTER
        )
        if not due:
            return None
        requested_at = await conn.fetchval(
            """
            INSERT INTO voice_samples (model_id, voice, task_phrase, requested_at)
            VALUES ($1, $2, $3, now())
            ON CONFLICT (model_id, voice) DO UPDATE
               SET task_id = NULL, task_phrase = excluded.task_phrase, requested_at = excluded.requested_at,
                   updated_at = now()
            RETURNING requested_at
            """,
            model_id,
            voice,
            SAMPLE_PHRASE,
        )
        create_id = await conn.fetchval(
            "INSERT INTO voice_sample_creates (model_id, voice) VALUES ($1, $2) RETURNING id", model_id, voice
        )
    return _Reservation(create_id, requested_at)


async def _create(
    pool: Pool, kie: KieClient, model: CatalogModel, voice: str, reserved: _Reservation
) -> bool:
    """One paid KIE task for a voice's sample (no callback: cron asks). False: stop creating this run."""
    credits = _credits(model, voice)
    payload = build_input(model, SAMPLE_PHRASE, [], {VOICE_INPUT: voice})
    fields: dict[str, Any] = {
        "model": model.id,
        "voice": voice,
        "credits": float(credits) if credits.is_finite() else None,
        "create_id": reserved.create_id,
    }
    try:
        task_id = await kie.create_task(model, payload, None)
    except budget.OutOfTime:  # never sent: nothing was spent, and the voice is due again next run
        await _unreserve(pool, model.id, voice, reserved, "out of time", outcome="not_sent")
        log_event("VOICE_SAMPLE_CREATE", outcome="not_sent", **fields)
        return False
    except KieError as error:
        if error.refused:  # KIE did nothing: the voice is tried again after RETRY_AFTER
            await _unreserve(pool, model.id, voice, reserved, str(error)[:300], outcome="refused")
        else:  # a task may exist that we cannot know of: the intent stays until LOST_AFTER, so the voice
            # is not tried again while that task might still be made (and paid)
            await _logged(pool, reserved, "uncertain")
        outcome = "refused" if error.refused else "uncertain"
        log_event("VOICE_SAMPLE_CREATE", level="warning", outcome=outcome, error=str(error)[:300], **fields)
        return False
    status = await pool.execute(
        """
        WITH logged AS (UPDATE voice_sample_creates SET task_id = $3, outcome = 'created' WHERE id = $5)
        UPDATE voice_samples SET task_id = $3, updated_at = now()
         WHERE model_id = $1 AND voice = $2 AND requested_at = $4 AND task_id IS NULL
        """,
        model.id,
        voice,
        task_id,
        reserved.requested_at,
        reserved.create_id,
    )
    if not status.endswith(" 1"):  # the intent was taken for lost meanwhile (minutes later): say so
        log_event("VOICE_SAMPLE_ORPHANED", level="warning", task_id=task_id, **fields)
    log_event("VOICE_SAMPLE_CREATE", outcome="created", task_id=task_id, **fields)
    return True


async def _logged(pool: Pool, reserved: _Reservation, outcome: str) -> None:
    await pool.execute(
        "UPDATE voice_sample_creates SET outcome = $2 WHERE id = $1", reserved.create_id, outcome
    )


async def _unreserve(
    pool: Pool, model_id: str, voice: str, reserved: _Reservation, reason: str, *, outcome: str
) -> None:
    """The create never reached KIE (or KIE refused it): no task under way. A refusal counts as a failure
    (the voice waits RETRY_AFTER); a call that was never sent does not."""
    failure = 1 if outcome == "refused" else 0
    await pool.execute(
        """
        WITH logged AS (UPDATE voice_sample_creates SET outcome = $6 WHERE id = $7)
        UPDATE voice_samples
           SET requested_at = NULL, task_phrase = NULL, last_error = $4, updated_at = now(),
               failures = failures + $5::int, failed_at = CASE WHEN $5::int > 0 THEN now() ELSE failed_at END
         WHERE model_id = $1 AND voice = $2 AND requested_at = $3 AND task_id IS NULL
        """,
        model_id,
        voice,
        reserved.requested_at,
        reason,
        failure,
        outcome,
        reserved.create_id,
    )
