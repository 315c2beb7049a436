"""The business in numbers for a period (today, 7 days, 30 days), and a 30-day chart.

Days are the free quota's days (FREE_DAY_TZ): "today" starts at local midnight. Money is kopecks:
revenue is what people paid in (top-ups), charged is what generations cost them net of refunds, KIE's cost
is the credits the finished generations used (priced by the catalog) at KIE_USD_PER_CREDIT × RUB_PER_USD,
and the margin is charged minus that cost.

The chart is drawn with Pillow, imported only inside ``render_chart`` so the worker's cold start never pays
for it; Pillow's built-in font has no Cyrillic, so the image carries digits, dates and Latin only (the
Russian legend goes into the photo's caption).
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from creativebot.db import Connection, Pool
from creativebot.kie.catalog import PriceFactors, credits_for, load_catalog

PERIODS = (1, 7, 30)  # days, today included


@dataclass(frozen=True)
class ModelStats:
    model_id: str
    total: int
    succeeded: int
    failed: int
    median_sec: float | None

    @property
    def success_rate(self) -> float | None:
        finished = self.succeeded + self.failed
        return self.succeeded / finished if finished else None


@dataclass(frozen=True)
class Stats:
    days: int
    since: datetime
    new_users: int
    active_users: int
    by_status: dict[str, int]
    by_model: list[ModelStats]
    revenue: int  # kopecks paid in (top-ups)
    charged: int  # kopecks charged for generations, refunds taken off
    refunded: int
    credits_spent: Decimal
    cost: int  # kopecks: the credits at the configured rates
    credits_left: float | None = None  # asked of KIE by the caller; None when KIE did not answer

    @property
    def generations(self) -> int:
        return sum(self.by_status.values())

    @property
    def margin(self) -> int:
        return self.charged - self.cost

    @property
    def margin_share(self) -> float | None:
        return self.margin / self.charged if self.charged else None


@dataclass(frozen=True)
class Day:
    day: date
    revenue: int
    generations: int
    succeeded: int


def period_start(days: int, tz: str, now: datetime | None = None) -> datetime:
    """Local midnight ``days - 1`` days ago, as an aware datetime."""
    zone = ZoneInfo(tz)
    local = (now or datetime.now(zone)).astimezone(zone)
    first = local.date() - timedelta(days=days - 1)
    return datetime.combine(first, time.min, tzinfo=zone)


def _cost_kopecks(credits: Decimal, pricing: PriceFactors) -> int:
    rub = credits * pricing.kie_usd_per_credit * pricing.rub_per_usd * 100
    return int(rub.quantize(Decimal(1), rounding=ROUND_HALF_UP))


async def _credits_spent(db: Pool | Connection, since: datetime) -> Decimal:
    """KIE credits of the generations that produced a result since ``since`` (KIE bills finished tasks)."""
    rows = await db.fetch(
        """
        SELECT model_id, options, ceil(coalesce(length(prompt), 0) / 1000.0)::int AS thousands, count(*) AS n
          FROM jobs
         WHERE created_at >= $1 AND (status = 'succeeded' OR late_result)
         GROUP BY 1, 2, 3
        """,
        since,
    )
    catalog = load_catalog()
    total = Decimal(0)
    for row in rows:
        model = catalog.get(row["model_id"])
        if model is None or model.pricing is None:
            continue
        prompt = "x" * max(0, (row["thousands"] - 1) * 1000 + 1) if row["thousands"] else ""
        try:
            credits = credits_for(model, dict(row["options"] or {}), prompt)
        except (ValueError, KeyError, TypeError):
            continue
        total += credits * row["n"]
    return total


async def collect(db: Pool | Connection, days: int, *, tz: str, pricing: PriceFactors) -> Stats:
    since = period_start(days, tz)
    money = await db.fetchrow(
        """
        SELECT (SELECT count(*) FROM users WHERE created_at >= $1) AS new_users,
               (SELECT count(*) FROM users WHERE last_seen_at >= $1) AS active_users,
               coalesce(sum(amount) FILTER (WHERE kind = 'topup'), 0) AS revenue,
               coalesce(-sum(amount) FILTER (WHERE kind = 'charge'), 0) AS charged,
               coalesce(sum(amount) FILTER (WHERE kind = 'refund'), 0) AS refunded
          FROM ledger WHERE created_at >= $1 AND kind IN ('topup', 'charge', 'refund')
        """,
        since,
    )
    assert money is not None
    statuses = await db.fetch(
        "SELECT status, count(*) AS n FROM jobs WHERE created_at >= $1 GROUP BY status ORDER BY status", since
    )
    models = await db.fetch(
        """
        SELECT model_id, count(*) AS total,
               count(*) FILTER (WHERE status = 'succeeded') AS succeeded,
               count(*) FILTER (WHERE status = 'failed') AS failed,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM finished_at - created_at)::float8)
                   FILTER (WHERE status = 'succeeded') AS median_sec
          FROM jobs WHERE created_at >= $1
         GROUP BY model_id ORDER BY count(*) DESC, model_id
        """,
        since,
    )
    credits = await _credits_spent(db, since)
    return Stats(
        days=days,
        since=since,
        new_users=money["new_users"],
        active_users=money["active_users"],
        by_status={row["status"]: row["n"] for row in statuses},
        by_model=[ModelStats(**dict(row)) for row in models],
        revenue=int(money["revenue"]),
        charged=int(money["charged"] - money["refunded"]),
        refunded=int(money["refunded"]),
        credits_spent=credits,
        cost=_cost_kopecks(credits, pricing),
    )


async def daily(db: Pool | Connection, *, tz: str, days: int = 30) -> list[Day]:
    """Revenue and generations per local day, oldest first, every day present (zeros included)."""
    since = period_start(days, tz)
    rows = await db.fetch(
        """
        WITH days AS (
            SELECT generate_series(($1::timestamptz AT TIME ZONE $2)::date,
                                   (now() AT TIME ZONE $2)::date, interval '1 day')::date AS day),
        money AS (
            SELECT (created_at AT TIME ZONE $2)::date AS day, sum(amount) AS revenue
              FROM ledger WHERE kind = 'topup' AND created_at >= $1 GROUP BY 1),
        work AS (
            SELECT (created_at AT TIME ZONE $2)::date AS day, count(*) AS generations,
                   count(*) FILTER (WHERE status = 'succeeded') AS succeeded
              FROM jobs WHERE created_at >= $1 GROUP BY 1)
        SELECT days.day, coalesce(money.revenue, 0) AS revenue, coalesce(work.generations, 0) AS generations,
               coalesce(work.succeeded, 0) AS succeeded
          FROM days LEFT JOIN money USING (day) LEFT JOIN work USING (day)
         ORDER BY days.day
        """,
        since,
        tz,
    )
    return [
        Day(row["day"], int(row["revenue"]), int(row["generations"]), int(row["succeeded"])) for row in rows
    ]


# --- the chart ------------------------------------------------------------------------------------------

WIDTH, HEIGHT = 1000, 520
_LEFT, _RIGHT, _TOP, _BOTTOM = 70, 80, 50, 60
_BACKGROUND = (255, 255, 255)
_GRID = (225, 228, 235)
_TEXT = (40, 44, 52)
_BARS = (120, 160, 230)
_SUCCESS = (70, 120, 210)
_LINE = (230, 120, 40)


def _nice_ceiling(value: float) -> float:
    """A round top for an axis: 1, 2, 5 × 10^n at or above ``value``."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if value <= step * power:
            return float(step * power)
    return float(10 * power)


def render_chart(days: list[Day]) -> bytes:
    """A PNG: generations per day as bars (succeeded darker), revenue in roubles as a line (right axis)."""
    from PIL import Image, ImageDraw, ImageFont  # noqa: PLC0415 - only operators asking for a chart pay for it

    image = Image.new("RGB", (WIDTH, HEIGHT), _BACKGROUND)
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=13)
    title_font = ImageFont.load_default(size=16)
    plot_w, plot_h = WIDTH - _LEFT - _RIGHT, HEIGHT - _TOP - _BOTTOM
    bottom = _TOP + plot_h
    count = max(1, len(days))
    top_jobs = _nice_ceiling(max((d.generations for d in days), default=0))
    top_rub = _nice_ceiling(max((d.revenue for d in days), default=0) / 100)
    total_rub = sum(d.revenue for d in days) / 100
    total_jobs = sum(d.generations for d in days)
    draw.text(
        (_LEFT, 14),
        f"Last {len(days)} days: {total_jobs} generations, {total_rub:,.0f} RUB revenue",
        fill=_TEXT,
        font=title_font,
    )
    for step in range(5):
        y = bottom - plot_h * step / 4
        draw.line([(_LEFT, y), (_LEFT + plot_w, y)], fill=_GRID, width=1)
        draw.text((_LEFT - 8, y), f"{top_jobs * step / 4:g}", fill=_BARS, font=font, anchor="rm")
        draw.text((_LEFT + plot_w + 8, y), f"{top_rub * step / 4:,.0f}", fill=_LINE, font=font, anchor="lm")
    slot = plot_w / count
    points = []
    for index, day in enumerate(days):
        x0 = _LEFT + index * slot + slot * 0.15
        x1 = _LEFT + (index + 1) * slot - slot * 0.15
        if day.generations:
            y = bottom - plot_h * day.generations / top_jobs
            draw.rectangle([x0, y, x1, bottom], fill=_BARS)
        if day.succeeded:
            y = bottom - plot_h * day.succeeded / top_jobs
            draw.rectangle([x0, y, x1, bottom], fill=_SUCCESS)
        points.append((_LEFT + (index + 0.5) * slot, bottom - plot_h * (day.revenue / 100) / top_rub))
        if index % max(1, count // 10) == 0 or index == count - 1:
            draw.text(
                ((x0 + x1) / 2, bottom + 8), day.day.strftime("%d.%m"), fill=_TEXT, font=font, anchor="mt"
            )
    if len(points) > 1:
        draw.line(points, fill=_LINE, width=3, joint="curve")
    for x, y in points:
        draw.ellipse([x - 3, y - 3, x + 3, y + 3], fill=_LINE)
    draw.text((_LEFT, HEIGHT - 22), "bars: generations (dark: succeeded)", fill=_SUCCESS, font=font)
    draw.text((WIDTH - _RIGHT, HEIGHT - 22), "line: revenue, RUB", fill=_LINE, font=font, anchor="ra")
    output = io.BytesIO()
    image.save(output, format="PNG", optimize=True)
    return output.getvalue()


async def panel_summary(db: Pool | Connection, *, tz: str) -> dict[str, int]:
    """The panel's head: people, today's new ones, today's generations and the ones running."""
    row = await db.fetchrow(
        """
        SELECT (SELECT count(*) FROM users) AS users,
               (SELECT count(*) FROM users WHERE created_at >= $1) AS new_users,
               (SELECT count(*) FROM jobs WHERE created_at >= $1) AS jobs_today,
               (SELECT count(*) FROM jobs WHERE status IN ('created', 'submitted')) AS open
        """,
        period_start(1, tz),
    )
    assert row is not None
    return {key: int(row[key]) for key in ("users", "new_users", "jobs_today", "open")}
