"""Operator commands for ADMIN_IDS: /admin (summary), /adjust (balance correction), /refund (a generation).

Rights are checked on every call; to anyone else these commands do not exist (the fallback answers).
"""

from __future__ import annotations

import html
import re
import secrets
from decimal import Decimal

from aiogram import Bot, Router
from aiogram.filters import BaseFilter, Command, CommandObject
from aiogram.types import Message

from creativebot import jobs
from creativebot.config import WorkerSettings
from creativebot.db import Connection
from creativebot.kie.client import KieClient, KieError
from creativebot.observability import log_event
from creativebot.telegram.screens import notify
from creativebot.texts import Copy, copy_for, format_rub
from creativebot.users import User
from creativebot.wallet import WalletError, adjust, refund

_ADJUST = re.compile(r"(-?\d+)\s+([+-]?\d+(?:[.,]\d{1,2})?)\s+(.{1,200})", re.DOTALL)


class IsAdmin(BaseFilter):
    async def __call__(self, message: Message, settings: WorkerSettings) -> bool:
        return message.from_user is not None and message.from_user.id in settings.app.admin_ids


async def summary(message: Message, texts: Copy, db: Connection, kie: KieClient) -> None:
    row = await db.fetchrow(
        """
        SELECT (SELECT count(*) FROM users) AS users,
               (SELECT count(*) FROM users WHERE created_at > now() - interval '1 day') AS new_users,
               (SELECT count(*) FROM jobs WHERE created_at > now() - interval '1 day') AS jobs_day,
               (SELECT count(*) FROM jobs WHERE created_at > now() - interval '1 day' AND status = 'succeeded') AS succeeded,
               (SELECT count(*) FROM jobs WHERE created_at > now() - interval '1 day' AND status = 'failed') AS failed,
               (SELECT count(*) FROM jobs WHERE status IN ('created', 'submitted')) AS open,
               (SELECT coalesce(-sum(amount), 0) FROM ledger
                 WHERE kind = 'charge' AND created_at > now() - interval '1 day') AS charged,
               (SELECT coalesce(sum(amount), 0) FROM ledger
                 WHERE kind = 'topup' AND created_at > now() - interval '1 day') AS topped_up
        """
    )
    assert row is not None
    try:
        credits = f"{await kie.credits():,.1f}"
    except KieError as error:
        credits = f"? (KIE {error.code})"
    await message.answer(
        texts.admin_stats.format(
            **{key: row[key] for key in ("users", "new_users", "jobs_day", "succeeded", "failed", "open")},
            charged=format_rub(row["charged"], texts.lang),
            topped_up=format_rub(row["topped_up"], texts.lang),
            credits=credits,
        )
    )


async def adjust_balance(
    message: Message, command: CommandObject, texts: Copy, user: User, db: Connection
) -> None:
    match = _ADJUST.fullmatch((command.args or "").strip())
    if not match:
        await message.answer(texts.admin_adjust_usage)
        return
    target, amount, reason = int(match.group(1)), match.group(2).replace(",", "."), match.group(3).strip()
    kopecks = int(Decimal(amount) * 100)  # the pattern allows at most two decimals: exact
    try:
        result = await adjust(
            db, target, kopecks, f"admin:{secrets.token_hex(8)}", reason=reason, admin_id=user.id
        )
    except WalletError as error:
        await message.answer(texts.admin_refused.format(reason=html.escape(str(error))))
        return
    log_event("ADMIN_ADJUST", admin_id=user.id, target=target, amount=kopecks)
    await message.answer(
        texts.admin_adjust_done.format(
            user=target,
            amount=format_rub(kopecks, texts.lang),
            available=format_rub(result.wallet.available, texts.lang),
        )
    )


async def refund_job(
    message: Message, command: CommandObject, texts: Copy, user: User, db: Connection, bot: Bot
) -> None:
    args = (command.args or "").strip()
    job_id = int(args) if args.isdigit() else None
    job = await jobs.get(db, job_id) if job_id else None
    if job is None:
        await message.answer(texts.admin_refund_usage)
        return
    try:
        result = await refund(db, job.user_id, job.hold_ref)
    except WalletError as error:
        await message.answer(texts.admin_refused.format(reason=html.escape(str(error))))
        return
    amount = result.entry.amount
    log_event("ADMIN_REFUND", admin_id=user.id, job_id=job.id, amount=amount, repeated=result.repeated)
    await message.answer(
        texts.admin_refund_done.format(job=job.id, amount=format_rub(amount, texts.lang), user=job.user_id)
    )
    if not result.repeated:
        their = copy_for(job.language)
        notice = their.admin_refunded_notice.format(job=job.id, amount=format_rub(amount, their.lang))
        await notify(bot, job.chat_id, notice)


def build_router() -> Router:
    router = Router(name="admin")
    router.message.filter(IsAdmin())
    router.message.register(summary, Command("admin"))
    router.message.register(adjust_balance, Command("adjust"))
    router.message.register(refund_job, Command("refund"))
    return router
