"""Issue 16, "No sign of life": cron's progress edits of a late generation's status message, the worker's side
of those edits, and ✖️ Отменить (a job canceled before KIE has it, with its money back, racing the submit).

Real PostgreSQL, moto SQS and the fake KIE; the worker's edits go through aiogram to the in-memory Bot API
session the handler tier uses (infra.local.botsession).
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import string
from datetime import timedelta
from typing import Any

import pytest
from aiogram.methods import EditMessageText

from creativebot import budget, generation, jobs, maintenance, progress, queue, wallet
from creativebot.db import Pool
from creativebot.progress import CancelResult
from creativebot.telegram.bot import build_bot
from creativebot.telegram.callbacks import JobCancel
from creativebot.telegram.routers.progress import apply_edit
from creativebot.texts import format_rub
from creativebot.texts.progress import EN, RU
from creativebot.wallet import free_quota, gifts
from infra.local.botsession import MemorySession
from infra.local.kie import FakeKieServer
from tests.helpers import Queues

PRICE = 400
NANO = "google/nano-banana"  # eta 30 s: "slow" after 1 min, "overloaded" after 3 min (JOB_TIMEOUT_MIN 30)
STATUS_MESSAGE = 777


# --- setup -------------------------------------------------------------------------------------------------


async def _user(pool: Pool, user_id: int, kopecks: int = 10_000) -> None:
    await pool.execute("INSERT INTO users (id) VALUES ($1) ON CONFLICT DO NOTHING", user_id)
    if kopecks:
        await wallet.topup(pool, user_id, kopecks, f"test-topup:{user_id}")


async def _job(
    pool: Pool,
    user_id: int,
    draft: str,
    *,
    model: str = NANO,
    free: bool = False,
    gift: bool = False,
    announced: bool = True,
    language: str = "ru",
) -> jobs.Job:
    job, _ = await jobs.create(
        pool,
        jobs.NewJob(
            user_id=user_id,
            chat_id=user_id,
            draft_id=draft,
            model_id=model,
            prompt="кот",
            options={},
            image_urls=[],
            inputs={"prompt": "кот"},
            price=PRICE,
            language=language,
            cid=f"cid-{draft}",
        ),
        jobs.LaunchRules(
            free=jobs.FreeQuota(5, "Europe/Moscow") if free else None,
            gift_max_price=PRICE if gift else None,
        ),
    )
    if announced:
        await jobs.set_status_message(pool, job.id, STATUS_MESSAGE)
    return job


async def _age(pool: Pool, job_ids: list[int], seconds: float) -> None:
    """The jobs were launched ``seconds`` ago (and submitted then, if they were)."""
    await pool.execute(
        "UPDATE jobs SET created_at = now() - make_interval(secs => $2),"
        " submitted_at = CASE WHEN submitted_at IS NOT NULL THEN now() - make_interval(secs => $2) END"
        " WHERE id = ANY($1::bigint[])",
        job_ids,
        seconds,
    )


async def _stages(pool: Pool, job_ids: list[int]) -> list[int]:
    rows = await pool.fetch(
        "SELECT progress_stage FROM jobs WHERE id = ANY($1::bigint[]) ORDER BY id", job_ids
    )
    return [row["progress_stage"] for row in rows]


def _edits(sqs: Queues) -> list[dict[str, Any]]:
    """The edit notices on the queue (taken off it, so the chat's FIFO group hands out the next), oldest
    first."""
    found: list[dict[str, Any]] = []
    while True:
        batch = sqs.client.receive_message(
            QueueUrl=sqs.url, MaxNumberOfMessages=10, MessageAttributeNames=["All"]
        ).get("Messages", [])
        if not batch:
            return found
        for message in batch:
            sqs.client.delete_message(QueueUrl=sqs.url, ReceiptHandle=message["ReceiptHandle"])
            if message["MessageAttributes"]["kind"]["StringValue"] == queue.KIND_EDIT:
                found.append(json.loads(message["Body"]))


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


# --- pure rules --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("field", [f.name for f in dataclasses.fields(RU) if f.name != "lang"])
def test_both_languages_take_the_same_placeholders(field: str) -> None:
    ru, en = getattr(RU, field), getattr(EN, field)
    assert ru.strip() and en.strip()
    assert _placeholders(ru) == _placeholders(en)


def test_cron_writes_the_cancel_button_as_aiogram_packs_it() -> None:
    assert progress.cancel_data(123456789) == JobCancel(job=123456789).pack()
    assert JobCancel.unpack(progress.cancel_data(42)).job == 42
    assert len(progress.cancel_data(2**63 - 1).encode()) <= 64  # Telegram's limit


@pytest.mark.parametrize(
    ("eta_sec", "timeout_min", "slow_min", "overloaded_min"),
    [
        (30, 30, 1, 3),  # a fast picture: a minute, then two more
        (150, 30, 2.5, 7.5),  # three usual times
        (300, 30, 5, 15),  # three usual times = half the timeout
        (600, 30, 10, 15),  # half the timeout comes sooner
        (900, 30, 15, 17),  # never sooner than two minutes after "slow"
    ],
)
def test_stage_times(eta_sec: int, timeout_min: int, slow_min: float, overloaded_min: float) -> None:
    times = progress.stage_times(eta_sec, timeout_min)
    assert times == progress.StageTimes(timedelta(minutes=slow_min), timedelta(minutes=overloaded_min))


# --- the cron step -------------------------------------------------------------------------------------------


async def test_a_late_job_gets_each_stage_once_and_nothing_else_is_touched(
    pool: Pool, cron_context: maintenance.CronContext, sqs: Queues
) -> None:
    # Given: a submitted job, an unsent one, a fresh one, a finished one, one never announced, one timed out
    await _user(pool, 600_001)
    late = await _job(pool, 600_001, "late")
    await jobs.mark_submitted(pool, late.id, "task-late")
    unsent = await _job(pool, 600_001, "unsent")
    fresh = await _job(pool, 600_001, "fresh")
    finished = await _job(pool, 600_001, "finished")
    await jobs.settle(pool, finished.id, jobs.Outcome.failed("fail", "no"))
    silent = await _job(pool, 600_001, "silent", announced=False)
    expired = await _job(pool, 600_001, "expired")
    await _age(pool, [late.id, unsent.id, finished.id, silent.id], 90)  # past "slow" (1 min)
    await _age(pool, [fresh.id], 30)
    await _age(pool, [expired.id], 31 * 60)
    everyone = [late.id, unsent.id, fresh.id, finished.id, silent.id, expired.id]

    # When: cron's step runs
    assert await progress.send_progress(cron_context) == 2
    # Then: the late and the unsent jobs' status messages get "slow", the rest nothing
    edits = _edits(sqs)
    assert [edit["job_id"] for edit in edits] == [late.id, unsent.id]
    for edit in edits:
        assert (edit["chat_id"], edit["message_id"]) == (600_001, STATUS_MESSAGE)
        assert edit["text"].startswith(RU.slow.format(elapsed="1 мин", title="Nano Banana").split("\n")[0])
    # ... and only the job KIE has not got keeps its cancel button
    assert edits[0]["keyboard"] is None
    assert edits[1]["keyboard"] == [
        [{"text": RU.btn_cancel, "callback_data": JobCancel(job=unsent.id).pack()}]
    ]
    assert await _stages(pool, everyone) == [1, 1, 0, 0, 0, 0]

    # When: cron runs again before the next stage is due
    assert await progress.send_progress(cron_context) == 0
    assert _edits(sqs) == []
    # When: three minutes have passed (the "overloaded" stage), and cron runs twice
    await _age(pool, [late.id, unsent.id], 4 * 60)
    assert await progress.send_progress(cron_context) == 2
    assert await progress.send_progress(cron_context) == 0
    # Then: each job got the second stage once, with the time left before its money comes back
    edits = _edits(sqs)
    assert [edit["job_id"] for edit in edits] == [late.id, unsent.id]
    overloaded = RU.overloaded_money.format(left="26 мин", elapsed="4 мин", title="Nano Banana")
    assert edits[0]["text"] == overloaded
    assert await _stages(pool, everyone) == [2, 2, 0, 0, 0, 0]
    # ... and no money moved
    assert await wallet.balance_of(pool, 600_001) == wallet.Balance(10_000, 5 * PRICE)


async def test_a_late_job_past_both_stages_at_once_is_told_the_later_one_only(
    pool: Pool, cron_context: maintenance.CronContext, sqs: Queues
) -> None:
    await _user(pool, 600_002)
    job = await _job(pool, 600_002, "d")
    await jobs.mark_submitted(pool, job.id, "task-d")
    await _age(pool, [job.id], 10 * 60)
    assert await progress.send_progress(cron_context) == 1
    [edit] = _edits(sqs)
    assert edit["text"].startswith("⏳ Модель перегружена. Если результата не будет через 20 мин")
    assert await _stages(pool, [job.id]) == [2]
    assert await progress.send_progress(cron_context) == 0


async def test_a_free_or_gift_run_says_the_run_comes_back_not_money(
    pool: Pool, cron_context: maintenance.CronContext, sqs: Queues
) -> None:
    await _user(pool, 600_003, kopecks=0)
    await gifts.grant(pool, 600_003, 1, "test-gift")
    free = await _job(pool, 600_003, "free", model="z-image", free=True)
    gift = await _job(pool, 600_003, "gift", gift=True, language="en")
    assert (free.payment, gift.payment) == ("free", "gift")
    await _age(pool, [free.id, gift.id], 10 * 60)
    assert await progress.send_progress(cron_context) == 2
    texts = {edit["job_id"]: edit["text"] for edit in _edits(sqs)}
    assert texts[free.id] == RU.overloaded_free.format(left="20 мин", elapsed="10 мин", title="Z-Image")
    assert texts[gift.id] == EN.overloaded_gift.format(left="20 min", elapsed="10 min", title="Nano Banana")
    assert "деньги" not in texts[free.id] and "money" not in texts[gift.id]


async def test_a_run_claims_a_bounded_batch_and_two_runs_at_once_queue_each_stage_once(
    pool: Pool, cron_context: maintenance.CronContext, sqs: Queues
) -> None:
    # Given: more late jobs than one batch
    await _user(pool, 600_004, kopecks=100_000)
    ids = [(await _job(pool, 600_004, f"b{n}")).id for n in range(progress.BATCH + 15)]
    await _age(pool, ids, 90)
    # When: a run claims a batch at most
    claimed = await progress.claim_due(pool, timeout_min=30, limit=progress.BATCH)
    assert len(claimed) == progress.BATCH
    assert [due.job_id for due in claimed] == ids[: progress.BATCH]  # oldest first (all equally old: by id)
    await pool.execute("UPDATE jobs SET progress_stage = 0")
    # When: two cron steps run at once, then a third
    results = await asyncio.gather(progress.send_progress(cron_context), progress.send_progress(cron_context))
    third = await progress.send_progress(cron_context)
    # Then: every job was queued exactly once between them
    assert sum(results) + third == len(ids)
    assert max(results) <= progress.BATCH
    assert sorted(edit["job_id"] for edit in _edits(sqs)) == ids
    assert set(await _stages(pool, ids)) == {1}


async def test_a_run_out_of_time_gives_the_stage_back_for_the_next_run(
    pool: Pool, cron_context: maintenance.CronContext, sqs: Queues
) -> None:
    await _user(pool, 600_005)
    job = await _job(pool, 600_005, "t")
    await _age(pool, [job.id], 90)
    # When: the invocation has no time left for a queue call
    with budget.invocation(round((budget.MARGIN_SEC + 1) * 1000)):
        assert await progress.send_progress(cron_context) == 0
    # Then: nothing was queued and the stage is due again
    assert _edits(sqs) == []
    assert await _stages(pool, [job.id]) == [0]
    assert await progress.send_progress(cron_context) == 1


async def test_an_unreachable_queue_gives_the_stage_back(
    pool: Pool, cron_context: maintenance.CronContext, sqs: Queues
) -> None:
    await _user(pool, 600_006)
    job = await _job(pool, 600_006, "q")
    await _age(pool, [job.id], 90)
    queue_gone = cron_context.settings.queue.model_copy(update={"updates_queue_url": sqs.url + "-gone"})
    gone = dataclasses.replace(
        cron_context, settings=dataclasses.replace(cron_context.settings, queue=queue_gone)
    )
    assert await progress.send_progress(gone) == 0
    assert await _stages(pool, [job.id]) == [0]
    assert await progress.send_progress(cron_context) == 1


async def test_the_cron_run_edits_late_jobs_and_never_one_it_timed_out(
    pool: Pool, cron_context: maintenance.CronContext, sqs: Queues
) -> None:
    # Given: a job whose time ran out, and a late one that has not
    await _user(pool, 600_007)
    over = await _job(pool, 600_007, "over")
    await jobs.record_submit_intent(pool, over.id)
    await _age(pool, [over.id], 29 * 60 + 50)
    late = await _job(pool, 600_007, "late")
    await jobs.mark_submitted(pool, late.id, "task-gone")
    await _age(pool, [late.id], 90)
    await pool.execute(
        "UPDATE jobs SET created_at = created_at - interval '20 seconds' WHERE id = $1", over.id
    )
    # When: the whole cron run
    result = await maintenance.run(cron_context, maintenance.CronInput(task="maintenance"))
    # Then: the timed-out job was failed first and never edited; the late one was
    assert result["steps"]["send_progress"] == 1, result
    assert (await jobs.get(pool, over.id)).status == "failed"  # type: ignore[union-attr]
    assert [edit["job_id"] for edit in _edits(sqs)] == [late.id]


# --- the worker's side -------------------------------------------------------------------------------------


async def _edit(pool: Pool, session: MemorySession, body: dict[str, Any]) -> bool:
    from creativebot.config import WorkerSettings, get_settings

    bot = build_bot(get_settings(WorkerSettings).telegram, session)
    return await apply_edit(pool, bot, json.dumps(body, ensure_ascii=False))


def _body(job: jobs.Job, *, keyboard: bool = True) -> dict[str, Any]:
    rows = [[{"text": RU.btn_cancel, "callback_data": progress.cancel_data(job.id)}]] if keyboard else None
    return {
        "chat_id": job.chat_id,
        "message_id": STATUS_MESSAGE,
        "text": "⏳ …",
        "keyboard": rows,
        "job_id": job.id,
    }


@pytest.mark.usefixtures("sqs")
async def test_the_worker_edits_an_open_job_and_drops_what_no_longer_holds(pool: Pool) -> None:
    await _user(pool, 600_010)
    unsent = await _job(pool, 600_010, "u")
    sent = await _job(pool, 600_010, "s")
    await jobs.mark_submitted(pool, sent.id, "task-s")
    done = await _job(pool, 600_010, "d")
    await jobs.settle(pool, done.id, jobs.Outcome.succeeded(["https://files.test.invalid/x.png"]))
    session = MemorySession()
    # An open job never offered to KIE: edited, with its cancel button
    assert await _edit(pool, session, _body(unsent))
    [call] = session.of("EditMessageText")
    assert isinstance(call.method, EditMessageText) and call.method.reply_markup is not None
    assert call.method.reply_markup.inline_keyboard[0][0].callback_data == JobCancel(job=unsent.id).pack()
    # A job KIE has since: edited without the button (a press could no longer cancel it)
    session.clear()
    assert await _edit(pool, session, _body(sent))
    [call] = session.of("EditMessageText")
    assert isinstance(call.method, EditMessageText) and call.method.reply_markup is None
    # A finished job: its result (or refund) stays on the message
    session.clear()
    assert not await _edit(pool, session, _body(done))
    assert session.calls == []


@pytest.mark.usefixtures("sqs")
@pytest.mark.parametrize(
    ("code", "description"),
    [
        (400, "Bad Request: message to edit not found"),
        (400, "Bad Request: message is not modified: specified new message content is the same"),
        (403, "Forbidden: bot was blocked by the user"),
    ],
)
async def test_an_edit_telegram_refuses_is_dropped_not_retried(
    pool: Pool, code: int, description: str
) -> None:
    await _user(pool, 600_011)
    job = await _job(pool, 600_011, "x")
    session = MemorySession()
    session.fail_next("EditMessageText", code, description)
    assert not await _edit(pool, session, _body(job))  # no exception: the SQS record is done


# --- cancel ------------------------------------------------------------------------------------------------


async def test_cancel_returns_each_kind_of_payment_once(
    pool: Pool, cron_context: maintenance.CronContext
) -> None:
    # Given: a paid job, a free one and a gift one, none offered to KIE yet
    await _user(pool, 600_020, kopecks=1_000)
    await gifts.grant(pool, 600_020, 1, "test-gift")
    paid = await _job(pool, 600_020, "paid")
    free = await _job(pool, 600_020, "free", model="z-image", free=True)
    gift = await _job(pool, 600_020, "gift", gift=True)
    assert (paid.payment, free.payment, gift.payment) == ("wallet", "free", "gift")
    assert await wallet.balance_of(pool, 600_020) == wallet.Balance(1_000, PRICE)
    # When: the person cancels each, twice
    for job in (paid, free, gift):
        first = await progress.cancel(pool, job.id, user_id=600_020)
        again = await progress.cancel(pool, job.id, user_id=600_020)
        assert (first.result, again.result) == (CancelResult.CANCELED, CancelResult.ALREADY_CANCELED)
        assert first.job is not None and first.job.status == "canceled" and first.job.delivered_at is not None
    # Then: the hold, the free slot and the gift run are back, each once, and the ledger agrees
    assert await wallet.balance_of(pool, 600_020) == wallet.Balance(1_000, 0)
    assert await pool.fetchval("SELECT count(*) FROM ledger WHERE kind = 'release'") == 1
    quota = await free_quota.status(pool, 600_020, "z-image", 5, "Europe/Moscow")
    assert quota.remaining == 5
    assert await pool.fetchval("SELECT gift_runs FROM users WHERE id = 600020") == 1
    assert await wallet.verify_wallet_invariants(pool) == []
    # ... the status message tells what came back
    paid_now = await jobs.get(pool, paid.id)
    assert paid_now is not None
    assert progress.canceled_text(RU, paid_now) == RU.canceled_money.format(price=format_rub(PRICE, "ru"))
    # ... and nothing is ever delivered, submitted or settled for them afterwards
    await _age(pool, [paid.id, free.id, gift.id], 3 * 60)
    assert await maintenance.redeliver_lost(cron_context) == 0
    assert await maintenance.reconcile_open_jobs(cron_context) == 0
    settled = await jobs.settle(pool, paid.id, jobs.Outcome.succeeded(["https://files.test.invalid/x.png"]))
    assert not settled.changed


async def test_a_job_a_submission_took_is_not_cancelled(
    pool: Pool, kie: FakeKieServer, cron_context: maintenance.CronContext
) -> None:
    await _user(pool, 600_021)
    in_flight = await _job(pool, 600_021, "in-flight")
    await jobs.record_submit_intent(pool, in_flight.id)  # createTask may be on its way
    uncertain = await _job(pool, 600_021, "uncertain")
    await jobs.record_submit_intent(pool, uncertain.id)
    await jobs.mark_submit_uncertain(pool, uncertain.id)  # KIE may hold it
    sent = await _job(pool, 600_021, "sent")
    await generation.submit(
        pool, cron_context.kie, sent, cron_context.callback_target, cron_context.settings.queue
    )
    failed = await _job(pool, 600_021, "failed")
    await jobs.settle(pool, failed.id, jobs.Outcome.failed("fail", "no"))
    for job, expected in [
        (in_flight, CancelResult.SENT),
        (uncertain, CancelResult.SENT),
        (sent, CancelResult.SENT),
        (failed, CancelResult.FINISHED),
    ]:
        assert (await progress.cancel(pool, job.id, user_id=600_021)).result == expected, job.draft_id
    statuses = await pool.fetch("SELECT status FROM jobs WHERE user_id = 600021 ORDER BY id")
    assert [row["status"] for row in statuses] == ["created", "created", "submitted", "failed"]
    assert await wallet.balance_of(pool, 600_021) == wallet.Balance(10_000, 3 * PRICE)


async def test_someone_elses_job_is_not_cancelled(pool: Pool) -> None:
    await _user(pool, 600_022)
    await _user(pool, 600_023)
    job = await _job(pool, 600_022, "mine")
    assert (await progress.cancel(pool, job.id, user_id=600_023)).result == CancelResult.NOT_YOURS
    assert (await progress.cancel(pool, 9_999_999, user_id=600_023)).result == CancelResult.NOT_YOURS
    assert (await jobs.get(pool, job.id)).status == "created"  # type: ignore[union-attr]
    assert await wallet.balance_of(pool, 600_022) == wallet.Balance(10_000, PRICE)


# --- cancel racing the submit ----------------------------------------------------------------------------------


async def _until_waiting(pool: Pool, count: int) -> None:
    """Until ``count`` connections wait for a lock (the row)."""
    for _ in range(500):
        waiting = await pool.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        if waiting >= count:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"{count} connections never waited for the row")


@pytest.mark.parametrize("first", ["cancel", "submit"])
async def test_a_cancel_racing_the_submit_on_the_same_row_exactly_one_wins(
    pool: Pool, kie: FakeKieServer, cron_context: maintenance.CronContext, first: str
) -> None:
    # Given: a job nobody has offered to KIE, its row held by a third connection
    await _user(pool, 600_030)
    job = await _job(pool, 600_030, "race")
    ctx = cron_context

    async def cancel() -> progress.Cancellation:
        return await progress.cancel(pool, job.id, user_id=600_030)

    async def submit() -> jobs.Job:
        return await generation.submit(pool, ctx.kie, job, ctx.callback_target, ctx.settings.queue)

    async with pool.acquire() as gate:
        transaction = gate.transaction()
        await transaction.start()
        await gate.execute("SELECT 1 FROM jobs WHERE id = $1 FOR UPDATE", job.id)
        # When: both wait for the row on their own connections, ``first`` queued first, then the row frees
        order = [cancel, submit] if first == "cancel" else [submit, cancel]
        tasks: list[asyncio.Task[Any]] = []
        for contender in order:
            tasks.append(asyncio.create_task(contender()))
            await _until_waiting(pool, len(tasks))
        await transaction.commit()
    done = await asyncio.gather(*tasks)
    cancellation = done[0] if first == "cancel" else done[1]
    # Then: exactly one of them won, the one that reached the row first, and the money agrees
    final = await jobs.get(pool, job.id)
    assert final is not None
    balance = await wallet.balance_of(pool, 600_030)
    if first == "cancel":
        assert cancellation.result == CancelResult.CANCELED
        assert (final.status, final.submit_started_at, final.task_id) == ("canceled", None, None)
        assert kie.fake.create_requests == []
        assert balance == wallet.Balance(10_000, 0)
    else:
        assert cancellation.result == CancelResult.SENT
        assert final.status == "submitted" and final.task_id is not None
        assert len(kie.fake.create_requests) == 1
        assert balance == wallet.Balance(10_000, PRICE)
    assert await wallet.verify_wallet_invariants(pool) == []


async def test_many_cancels_racing_submits_never_both_win(
    pool: Pool, kie: FakeKieServer, cron_context: maintenance.CronContext
) -> None:
    # Given: twenty jobs of one person, none offered to KIE
    await _user(pool, 600_031, kopecks=100_000)
    launched = [await _job(pool, 600_031, f"r{n}") for n in range(20)]
    ctx = cron_context

    async def race(job: jobs.Job, cancel_first: bool) -> tuple[progress.Cancellation, jobs.Job]:
        cancel = progress.cancel(pool, job.id, user_id=600_031)
        submit = generation.submit(pool, ctx.kie, job, ctx.callback_target, ctx.settings.queue)
        if cancel_first:
            canceled, submitted = await asyncio.gather(cancel, submit)
        else:
            submitted, canceled = await asyncio.gather(submit, cancel)
        return canceled, submitted

    # When: for each, the cancel and the submit run at once on their own connections
    results = await asyncio.gather(*(race(job, n % 2 == 0) for n, job in enumerate(launched)))
    # Then: every job is either canceled (never sent) or sent (never canceled), and the money matches
    rows = await pool.fetch("SELECT id, status, task_id FROM jobs WHERE user_id = 600031 ORDER BY id")
    canceled = [row["id"] for row in rows if row["status"] == "canceled"]
    sent = [row["id"] for row in rows if row["status"] == "submitted"]
    assert sorted(canceled + sent) == [job.id for job in launched]
    assert all(row["task_id"] is None for row in rows if row["status"] == "canceled")
    wins = {cancellation.result for cancellation, _ in results}
    assert wins <= {CancelResult.CANCELED, CancelResult.SENT}
    assert sum(c.result == CancelResult.CANCELED for c, _ in results) == len(canceled)
    assert len(kie.fake.create_requests) == len(sent)
    assert await wallet.balance_of(pool, 600_031) == wallet.Balance(100_000, len(sent) * PRICE)
    assert await pool.fetchval("SELECT count(*) FROM ledger WHERE kind = 'release'") == len(canceled)
    assert await wallet.verify_wallet_invariants(pool) == []
