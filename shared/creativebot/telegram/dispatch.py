"""One Telegram update as one unit of work: one connection, three round trips of our own.

1. the dedup claim;
2. the user (created or refreshed) together with their conversation state, in one statement;
3. after the handlers: the done mark together with the conversation changes, in one statement.

What the handlers query in between runs on the same connection (``db`` in handler data). The pool's
connection is held for the whole update; a Lambda container handles one update at a time.
"""

from __future__ import annotations

import contextlib
import json
from typing import Any, cast

from aiogram import Bot, Dispatcher
from aiogram.dispatcher.middlewares.user_context import UserContextMiddleware
from aiogram.exceptions import TelegramAPIError
from aiogram.methods import TelegramMethod
from aiogram.types import Update
from pydantic import ValidationError

from creativebot import updates, users
from creativebot.config import LimitSettings, WorkerSettings
from creativebot.db import RELAXED_COMMIT, Connection, Pool
from creativebot.observability import log_event, logger
from creativebot.telegram.fsm import LOAD_COLUMNS, FsmScope, PostgresStorage
from creativebot.texts import copy_for


class UpdateBusy(Exception):
    """Another worker holds a live lease on this update; retry the record later."""


async def _load_user(
    conn: Connection, bot: Bot, dispatcher: Dispatcher, update: Update, scope: FsmScope, limits: LimitSettings
) -> users.User | None:
    """The sender as our users row (one token of their update bucket taken), reading their
    conversation state in the same round trip."""
    context = UserContextMiddleware.resolve_event_context(update)
    sender = context.user
    if sender is None or sender.is_bot:
        return None
    storage = cast(PostgresStorage, dispatcher.fsm.storage)
    fsm = dispatcher.fsm.resolve_context(
        bot,
        chat_id=context.chat_id,
        user_id=context.user_id,
        thread_id=context.thread_id,
        business_connection_id=context.business_connection_id,
    )
    key = storage.key_of(fsm.key) if fsm is not None else None
    row = await conn.fetchrow(
        f"""
        WITH {users.UPSERT_CTE}
        SELECT touched.*, conversation.*, {RELAXED_COMMIT} AS relaxed
          FROM touched LEFT JOIN LATERAL (SELECT {LOAD_COLUMNS} FROM fsm_storage WHERE key = $7) conversation ON true
        """,
        *users.upsert_args(
            sender.id,
            sender.username,
            sender.first_name,
            sender.language_code,
            (limits.user_rate_burst, limits.user_rate_per_min / 60),
        ),
        key,
    )
    assert row is not None
    if key is not None:
        scope.prime(key, row["fsm_state"], row["fsm_data"])
    return users.user_from(row)


async def dispatch(pool: Pool, bot: Bot, dispatcher: Dispatcher, body: str, cid: str, **data: Any) -> None:
    """Handle one update exactly once; raising fails the SQS record so the queue retries it."""
    raw = json.loads(body)
    update_id = int(raw["update_id"])
    logger.append_keys(update_id=update_id)
    try:
        update: Update | None = Update.model_validate(raw, context={"bot": bot})
    except ValidationError as exc:
        update = None
        invalid = exc.error_count()
    async with pool.acquire() as conn:
        claim = await updates.claim(conn, update_id)
        if claim is updates.Claim.DUPLICATE:
            log_event("UPDATE_DUPLICATE", update_id=update_id)
            return
        if claim is updates.Claim.BUSY:
            raise UpdateBusy(f"update {update_id} is being handled elsewhere")
        if update is None:
            # Retrying cannot fix a malformed update, and a failed record would block the chat's queue.
            log_event("UPDATE_INVALID", level="error", update_id=update_id, errors=invalid)
            await updates.finish(conn, update_id)
            return
        storage = cast(PostgresStorage, dispatcher.fsm.storage)
        settings = cast(WorkerSettings, dispatcher["settings"])
        async with storage.scope(conn) as scope:
            try:
                user = await _load_user(conn, bot, dispatcher, update, scope, settings.limits)
                if user is not None and await _turned_away(conn, bot, update, user, settings):
                    await updates.finish(conn, update_id)  # the conversation is left as it was
                    return
                result = await dispatcher.feed_update(bot, update, cid=cid, db=conn, user=user, **data)
                if isinstance(result, TelegramMethod):
                    await bot(result)
            except BaseException:
                await _release(conn, update_id)
                raise
            await updates.finish(conn, update_id, storage.writes(scope))


async def _turned_away(
    conn: Connection, bot: Bot, update: Update, user: users.User, settings: WorkerSettings
) -> bool:
    """A blocked person, or one over their update rate, gets one short answer a minute and no handler.
    Operators are never turned away. A button press always gets its spinner stopped."""
    if user.id in settings.app.admin_ids or not (user.blocked or user.over_rate):
        return False
    texts = copy_for(user.language)
    notice = texts.blocked_notice if user.blocked else texts.rate_limited
    log_event("USER_TURNED_AWAY", user_id=user.id, blocked=user.blocked)
    tell = await users.warn_once(conn, user.id)
    with contextlib.suppress(TelegramAPIError):
        if update.callback_query is not None:
            await update.callback_query.answer(notice if tell else None)
        elif tell:
            await bot.send_message(user.id, notice)
    return True


async def _release(conn: Connection, update_id: int) -> None:
    """Give the lease back at once; if the connection itself broke, the lease simply runs out."""
    try:
        await updates.release(conn, update_id)
    except Exception as exc:  # the handler's own error is the one to report
        log_event("UPDATE_RELEASE_FAILED", level="warning", update_id=update_id, error=type(exc).__name__)
