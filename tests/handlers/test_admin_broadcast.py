"""Composing a broadcast in the panel: the message with its formatting, a preview, the audience, the start
through the queue, and the controls (pause, resume, cancel). The sending itself: tests/integration."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from creativebot import audit, overrides, queue
from creativebot.admin import broadcasts
from creativebot.config import get_settings
from creativebot.db import Pool
from creativebot.telegram.callbacks import AdminSection
from creativebot.telegram.routers.admin import AdminInput
from creativebot.telegram.views.admin import AdminBroadcast
from creativebot.texts.admin import RU as ADMIN_RU
from infra.local.kie.fake import png
from tests.e2e.flows import head_of
from tests.handlers.harness import Harness, buttons_of, last_screen, texts_of
from tests.helpers import Queues

OPERATOR = 787878
PEOPLE = [(797901, "ru"), (797902, "ru"), (797903, "en")]


@pytest.fixture(autouse=True)
def operator(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("ADMIN_IDS", str(OPERATOR))
    get_settings.cache_clear()
    overrides.forget()
    yield
    overrides.forget()


async def _people(harness: Harness) -> None:
    for user_id, language in PEOPLE:
        await harness.send(user_id, "/start", language_code=language)


async def _compose(harness: Harness) -> int:
    """The operator writes a formatted text; returns the draft's id."""
    await harness.press(OPERATOR, AdminBroadcast(action="new"))
    assert await harness.state(OPERATOR) == AdminInput.compose.state
    text = "Новости: скидка 20% на видео"
    update = harness._message(
        OPERATOR, "ru", text=text, entities=[{"type": "bold", "offset": 0, "length": 7}]
    )
    calls = await harness.feed(update)
    preview, audience = [call for call in calls if call.name == "SendMessage"]
    assert preview.text == "<b>Новости</b>: скидка 20% на видео"
    assert preview.chat_id == OPERATOR
    broadcast_id = int(await harness.pool.fetchval("SELECT max(id) FROM broadcasts"))
    assert audience.text == ADMIN_RU.preview_note.format(id=broadcast_id)
    return broadcast_id


def _slices(sqs: Queues) -> list[dict[str, object]]:
    messages = sqs.receive_all()
    kinds = {m["MessageAttributes"]["kind"]["StringValue"] for m in messages}
    assert kinds <= {queue.KIND_BROADCAST}
    return [json.loads(m["Body"]) | {"group": m["Attributes"]["MessageGroupId"]} for m in messages]


async def test_compose_preview_choose_and_start(harness: Harness, pool: Pool, sqs: Queues) -> None:
    await _people(harness)
    broadcast_id = await _compose(harness)
    # The audiences with how many each reaches now (the operator is a person too)
    sizes = await broadcasts.audience_sizes(pool)
    assert (sizes["all"], sizes["lang_ru"], sizes["lang_en"], sizes["paid"]) == (4, 3, 1, 0)
    # When: English speakers are chosen, and the operator confirms
    confirm = last_screen(
        await harness.press(OPERATOR, AdminBroadcast(action="audience", id=broadcast_id, audience="lang_en"))
    )
    assert confirm.text.startswith(head_of(ADMIN_RU.confirm_broadcast, id=broadcast_id))
    assert buttons_of(confirm)[0] == ADMIN_RU.btn_send
    progress = last_screen(await harness.press(OPERATOR, AdminBroadcast(action="send", id=broadcast_id)))
    # Then: it runs for the one English speaker, its progress shown in place, its first slice queued
    assert progress.text.startswith(head_of(ADMIN_RU.progress, id=broadcast_id))
    assert ADMIN_RU.btn_pause in buttons_of(progress)
    current = await broadcasts.progress(pool, broadcast_id)
    assert current is not None
    assert (current.broadcast.status, current.broadcast.total, current.pending) == ("running", 1, 1)
    assert current.broadcast.progress_message_id is not None
    assert _slices(sqs) == [
        {"broadcast_id": broadcast_id, "gen": 1, "slice": 1, "group": f"broadcast-{broadcast_id}"}
    ]
    # And: a second press on "Send" starts nothing more
    await harness.press(OPERATOR, AdminBroadcast(action="send", id=broadcast_id))
    assert await pool.fetchval("SELECT count(*) FROM broadcast_recipients") == 1
    assert [entry.action for entry in await audit.recent(pool)] == ["broadcast.start"]


async def test_a_photo_with_a_caption_is_one_message_and_an_album_or_a_file_is_refused(
    harness: Harness, pool: Pool
) -> None:
    await harness.press(OPERATOR, AdminBroadcast(action="new"))
    calls = await harness.send_photo(OPERATOR, png(8, 8, b"news"), caption="Смотрите!")
    preview = next(call for call in calls if call.name == "SendPhoto")
    assert preview.caption == "Смотрите!" and preview.chat_id == OPERATOR
    row = await pool.fetchrow("SELECT text, photo_file_id FROM broadcasts")
    assert row is not None and row["text"] == "Смотрите!" and row["photo_file_id"]
    await harness.press(OPERATOR, AdminBroadcast(action="new"))
    document = harness._message(OPERATOR, "ru", document={"file_id": "f1", "file_unique_id": "f1"})
    assert texts_of(await harness.feed(document)) == [ADMIN_RU.compose_bad]
    album = harness._message(
        OPERATOR,
        "ru",
        media_group_id="g1",
        photo=[{"file_id": "p1", "file_unique_id": "p1", "width": 8, "height": 8}],
    )
    assert texts_of(await harness.feed(album)) == [ADMIN_RU.compose_bad]
    assert await pool.fetchval("SELECT count(*) FROM broadcasts") == 1


async def test_pause_resume_and_cancel(harness: Harness, pool: Pool, sqs: Queues) -> None:
    await _people(harness)
    broadcast_id = await _compose(harness)
    await harness.press(OPERATOR, AdminBroadcast(action="audience", id=broadcast_id, audience="all"))
    await harness.press(OPERATOR, AdminBroadcast(action="send", id=broadcast_id))
    paused = last_screen(await harness.press(OPERATOR, AdminBroadcast(action="pause", id=broadcast_id)))
    assert ADMIN_RU.broadcast_statuses["paused"] in paused.text and ADMIN_RU.btn_resume in buttons_of(paused)
    resumed = last_screen(await harness.press(OPERATOR, AdminBroadcast(action="resume", id=broadcast_id)))
    assert ADMIN_RU.btn_pause in buttons_of(resumed)
    # The resume is a new run: its first slice is queued, the older run's slices will do nothing
    assert [(s["gen"], s["slice"]) for s in _slices(sqs)] == [(1, 1), (2, 1)]
    # A running broadcast that is not stalled cannot be "resumed" into a third run
    await harness.press(OPERATOR, AdminBroadcast(action="resume", id=broadcast_id))
    assert (await broadcasts.get(pool, broadcast_id)).gen == 2  # type: ignore[union-attr]
    canceled = last_screen(await harness.press(OPERATOR, AdminBroadcast(action="stop", id=broadcast_id)))
    assert ADMIN_RU.broadcast_statuses["canceled"] in canceled.text
    assert ADMIN_RU.btn_pause not in buttons_of(canceled) and ADMIN_RU.btn_resume not in buttons_of(canceled)
    actions = [entry.action for entry in await audit.recent(pool)]
    assert actions == ["broadcast.cancel", "broadcast.resume", "broadcast.pause", "broadcast.start"]
    # And: the section lists it among the recent ones, with a way to write a new one
    home = last_screen(await harness.press(OPERATOR, AdminSection(section="broadcast")))
    assert f"#{broadcast_id}" in home.text and ADMIN_RU.btn_new_broadcast in buttons_of(home)


async def test_one_broadcast_at_a_time(harness: Harness, pool: Pool) -> None:
    await _people(harness)
    first = await _compose(harness)
    await harness.press(OPERATOR, AdminBroadcast(action="audience", id=first, audience="all"))
    await harness.press(OPERATOR, AdminBroadcast(action="send", id=first))
    await harness.press(OPERATOR, AdminBroadcast(action="pause", id=first))
    second = await _compose(harness)
    await harness.press(OPERATOR, AdminBroadcast(action="audience", id=second, audience="all"))
    busy = last_screen(await harness.press(OPERATOR, AdminBroadcast(action="send", id=second)))
    assert busy.text == ADMIN_RU.broadcast_busy.format(id=first)
    assert (await broadcasts.get(pool, second)).status == "draft"  # type: ignore[union-attr]


async def test_the_audience_leaves_out_blocked_and_unreachable_people(harness: Harness, pool: Pool) -> None:
    await _people(harness)
    blocked, unreachable, returned = (user_id for user_id, _ in PEOPLE)
    await pool.execute("UPDATE users SET blocked_at = now() WHERE id = $1", blocked)
    await pool.execute(
        "INSERT INTO unreachable_users (user_id, reason, marked_at) VALUES ($1, 'blocked', now() + interval '1 hour'),"
        " ($2, 'blocked', now() - interval '1 hour')",
        unreachable,
        returned,  # marked before they last wrote to the bot: reachable again
    )
    sizes = await broadcasts.audience_sizes(pool)
    assert sizes["all"] == 1  # the one who came back


async def test_a_stalled_broadcast_can_be_kicked_into_a_new_run(
    harness: Harness, pool: Pool, sqs: Queues
) -> None:
    # Given: a running broadcast whose slices went quiet (the queue lost its message, say)
    await _people(harness)
    broadcast_id = await _compose(harness)
    await harness.press(OPERATOR, AdminBroadcast(action="audience", id=broadcast_id, audience="all"))
    await harness.press(OPERATOR, AdminBroadcast(action="send", id=broadcast_id))
    await pool.execute(
        "UPDATE broadcasts SET heartbeat_at = now() - interval '10 minutes' WHERE id = $1", broadcast_id
    )
    # When: the operator looks at it
    stalled = last_screen(await harness.press(OPERATOR, AdminBroadcast(action="refresh", id=broadcast_id)))
    assert ADMIN_RU.stalled in stalled.text and ADMIN_RU.btn_resume in buttons_of(stalled)
    # Then: "Resume" starts a new run with its own first slice
    await harness.press(OPERATOR, AdminBroadcast(action="resume", id=broadcast_id))
    assert [(s["gen"], s["slice"]) for s in _slices(sqs)] == [(1, 1), (2, 1)]


async def test_a_message_telegram_refuses_in_the_preview_is_never_offered_for_sending(
    harness: Harness,
) -> None:
    await harness.press(OPERATOR, AdminBroadcast(action="new"))
    harness.session.fail_next("SendMessage", 400, "Bad Request: can't parse entities")
    calls = await harness.send(OPERATOR, "Новости")
    assert texts_of(calls)[-1] == ADMIN_RU.compose_bad
    assert await harness.state(OPERATOR) == AdminInput.compose.state  # the operator may write it again
