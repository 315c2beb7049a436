"""The operators' statistics on real data: people, generations by status and model, money in and out, KIE's
cost and the margin, per period in the bot's time zone; and the chart, drawn without costing the worker's
cold start anything."""

from __future__ import annotations

import io
import subprocess
import sys
from datetime import timedelta
from decimal import Decimal

from creativebot.admin import stats
from creativebot.config import PricingSettings
from creativebot.db import Pool
from creativebot.kie.catalog import credits_for, load_catalog

TZ = "Europe/Moscow"
NANO = "google/nano-banana"
Z_IMAGE = "z-image"


async def _user(pool: Pool, user_id: int, *, created: timedelta, seen: timedelta) -> None:
    await pool.execute(
        "INSERT INTO users (id, created_at, last_seen_at) VALUES ($1, now() - $2::interval, now() - $3::interval)",
        user_id,
        created,
        seen,
    )
    await pool.execute("INSERT INTO wallets (user_id) VALUES ($1)", user_id)


async def _entry(pool: Pool, user_id: int, kind: str, amount: int, ago: timedelta) -> None:
    held = amount if kind == "charge" else 0
    await pool.execute(
        "INSERT INTO ledger (user_id, kind, amount, held_delta, ref, created_at) VALUES ($1, $2, $3, $4, $5, now() - $6::interval)",
        user_id,
        kind,
        amount,
        held,
        f"{kind}:{user_id}:{amount}:{ago}",
        ago,
    )


async def _job(pool: Pool, model_id: str, status: str, ago: timedelta, seconds: int = 10) -> None:
    finished = status in ("succeeded", "failed")
    await pool.execute(
        """
        INSERT INTO jobs (user_id, chat_id, draft_id, model_id, inputs, price, payment, status, created_at, finished_at)
        VALUES (1, 1, $1, $2, '{}', 400, 'wallet', $3, now() - $4::interval,
                CASE WHEN $5 THEN now() - $4::interval + make_interval(secs => $6) END)
        """,
        f"{model_id}-{status}-{ago}-{seconds}",
        model_id,
        status,
        ago,
        finished,
        float(seconds),
    )


async def _seed(pool: Pool) -> None:
    now = timedelta(0)
    await _user(pool, 1, created=timedelta(minutes=5), seen=now)
    await _user(pool, 2, created=timedelta(minutes=3), seen=now)
    await _user(pool, 3, created=timedelta(days=5), seen=timedelta(days=4))
    await _user(pool, 4, created=timedelta(days=40), seen=timedelta(minutes=1))
    await _entry(pool, 1, "topup", 50_000, timedelta(minutes=2))
    await _entry(pool, 3, "topup", 30_000, timedelta(days=5))
    await _entry(pool, 4, "topup", 100_000, timedelta(days=20))
    await _entry(pool, 1, "charge", -400, timedelta(minutes=1))
    await _entry(pool, 1, "charge", -400, timedelta(seconds=50))
    await _entry(pool, 1, "refund", 400, timedelta(seconds=40))
    await _job(pool, NANO, "succeeded", timedelta(minutes=3), seconds=10)
    await _job(pool, NANO, "succeeded", timedelta(minutes=2), seconds=20)
    await _job(pool, NANO, "failed", timedelta(minutes=1))
    await _job(pool, NANO, "submitted", timedelta(seconds=30))
    for n in range(3):
        await _job(pool, Z_IMAGE, "succeeded", timedelta(days=5, minutes=n))


async def test_today_and_the_last_seven_days(pool: Pool) -> None:
    await _seed(pool)
    pricing = PricingSettings()
    today = await stats.collect(pool, 1, tz=TZ, pricing=pricing)
    assert (today.new_users, today.active_users) == (2, 3)
    assert today.by_status == {"succeeded": 2, "failed": 1, "submitted": 1}
    (nano,) = today.by_model
    assert (nano.model_id, nano.total, nano.succeeded, nano.failed, nano.median_sec) == (NANO, 4, 2, 1, 15.0)
    assert nano.success_rate == 2 / 3
    assert (today.revenue, today.charged, today.refunded) == (50_000, 400, 400)
    catalog = load_catalog()
    nano_model = catalog.get(NANO)
    assert nano_model is not None
    assert today.credits_spent == 2 * credits_for(nano_model, {})
    cost = today.credits_spent * pricing.kie_usd_per_credit * pricing.rub_per_usd * 100
    assert today.cost == int(cost.quantize(Decimal(1)))
    assert today.margin == 400 - today.cost
    week = await stats.collect(pool, 7, tz=TZ, pricing=pricing)
    assert (week.new_users, week.revenue, week.generations) == (3, 80_000, 7)
    z_image = catalog.get(Z_IMAGE)
    assert z_image is not None
    assert week.credits_spent == 2 * credits_for(nano_model, {}) + 3 * credits_for(z_image, {})
    month = await stats.collect(pool, 30, tz=TZ, pricing=pricing)
    assert month.revenue == 180_000


async def test_thirty_days_for_the_chart_every_day_present(pool: Pool) -> None:
    await _seed(pool)
    days = await stats.daily(pool, tz=TZ, days=30)
    assert len(days) == 30
    assert days[-1].day == stats.period_start(1, TZ).date()
    assert (days[-1].revenue, days[-1].generations, days[-1].succeeded) == (50_000, 4, 2)
    assert sum(day.revenue for day in days) == 180_000
    assert sum(day.generations for day in days) == 7


async def test_the_chart_is_a_png_of_the_thirty_days() -> None:
    from PIL import Image

    start = stats.period_start(30, TZ).date()
    days = [stats.Day(start + timedelta(days=n), n * 1000, n % 7, n % 5) for n in range(30)]
    png = stats.render_chart(days)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    with Image.open(io.BytesIO(png)) as image:
        assert image.size == (stats.WIDTH, stats.HEIGHT)
    empty = stats.render_chart([stats.Day(start, 0, 0, 0)])
    assert empty.startswith(b"\x89PNG")


def test_the_worker_does_not_import_pillow() -> None:
    probe = "import sys, creativebot.worker, creativebot.maintenance; print('PIL' in sys.modules)"
    result = subprocess.run(  # noqa: S603 - this interpreter and a fixed probe
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "False"


async def test_money_comes_back_as_whole_kopecks(pool: Pool) -> None:
    await _seed(pool)
    figures = await stats.collect(pool, 30, tz=TZ, pricing=PricingSettings())
    assert all(
        type(value) is int for value in (figures.revenue, figures.charged, figures.refunded, figures.cost)
    )
    assert all(type(day.revenue) is int for day in await stats.daily(pool, tz=TZ))
    assert stats.render_chart(await stats.daily(pool, tz=TZ)).startswith(b"\x89PNG")
