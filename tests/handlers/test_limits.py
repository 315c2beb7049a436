"""Per-person limits: a flood gets a few answers and one "slow down", launches at once are capped,
operators are exempt, and forged numbers in buttons are answered, never passed to the database."""

from __future__ import annotations

import asyncio

import pytest

from creativebot import jobs, wallet
from creativebot.config import get_settings
from creativebot.db import Pool
from creativebot.telegram.callbacks import Launch, ModelChoose, Wizard
from creativebot.texts import RU
from creativebot.wizard import Draft
from infra.local.botsession import Call
from tests.handlers.harness import Harness, last_screen, texts_of

USER = 636363
OTHER = 646464
OPERATOR = 656565


@pytest.fixture
def tight_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    """A bucket of 5 that barely refills during a test; the operator is exempt."""
    monkeypatch.setenv("USER_RATE_BURST", "5")
    monkeypatch.setenv("USER_RATE_PER_MIN", "1")
    monkeypatch.setenv("ADMIN_IDS", str(OPERATOR))
    get_settings.cache_clear()


@pytest.mark.usefixtures("tight_limits")
async def test_a_flood_gets_the_burst_answered_and_one_slow_down(harness: Harness) -> None:
    # When: one person sends 40 messages in a row
    calls = []
    for n in range(40):
        calls.extend(await harness.send(USER, f"сообщение {n}"))
    # Then: 5 answers, then a single "slow down" for everything else
    sent = texts_of([call for call in calls if call.name == "SendMessage"])
    assert sent.count(RU.rate_limited) == 1
    assert len(sent) == 5 + 1


@pytest.mark.usefixtures("tight_limits")
async def test_the_limit_is_exact_when_eight_workers_handle_one_persons_updates_at_once(
    harness: Harness, pool: Pool
) -> None:
    # Given: the person exists, with a full bucket
    await pool.execute("INSERT INTO users (id, rate_tokens) VALUES ($1, 5)", USER)
    updates = [harness._message(USER, "ru", text=f"m{n}") for n in range(8)]
    # When: eight updates are handled concurrently (eight Lambda workers)
    before = len(harness.session.calls)
    await asyncio.gather(*(harness.feed(update) for update in updates))
    # Then: exactly five were answered as usual
    replies = [
        c for c in harness.session.calls[before:] if c.name == "SendMessage" and c.text != RU.rate_limited
    ]
    assert len(replies) == 5


@pytest.mark.usefixtures("tight_limits")
async def test_a_flood_does_not_touch_another_persons_answers(harness: Harness) -> None:
    flood = [harness._message(USER, "ru", text=f"f{n}") for n in range(30)]
    calm = [
        harness._message(
            OTHER, "ru", text="/start", entities=[{"type": "bot_command", "offset": 0, "length": 6}]
        )
    ]
    before = len(harness.session.calls)
    await asyncio.gather(*(harness.feed(update) for update in flood + calm))
    welcome = [c for c in harness.session.calls[before:] if c.name == "SendMessage" and c.chat_id == OTHER]
    assert [c.text for c in welcome] == [RU.welcome]


@pytest.mark.usefixtures("tight_limits")
async def test_operators_are_not_limited(harness: Harness) -> None:
    calls = []
    for n in range(12):
        calls.extend(await harness.send(OPERATOR, f"m{n}"))
    assert RU.rate_limited not in texts_of(calls)
    assert len([c for c in calls if c.name == "SendMessage"]) == 12


async def test_a_blocked_person_gets_one_polite_line_and_nothing_runs(harness: Harness, pool: Pool) -> None:
    await harness.send(USER, "/start")
    await pool.execute("UPDATE users SET blocked_at = now() WHERE id = $1", USER)
    first = await harness.send(USER, "/start")
    second = await harness.press(USER, ModelChoose(model="google/nano-banana"))
    assert texts_of(first) == [RU.blocked_notice]
    assert [call.name for call in second] == ["AnswerCallbackQuery"]  # the spinner stops, nothing else
    assert await harness.state(USER) is None


async def test_at_most_three_generations_run_at_once(harness: Harness, pool: Pool) -> None:
    # Given: three generations running
    await harness.send(USER, "/start")
    await wallet.topup(pool, USER, 100_000, "test-topup")
    for _ in range(3):
        await _launch(harness)
    # When: a fourth launch
    calls = await _launch(harness)
    # Then: refused with a reason, no fourth job, no money held for it
    assert texts_of(calls)[-1] == RU.too_many_running.format(running=3)
    assert await pool.fetchval("SELECT count(*) FROM jobs WHERE user_id = $1", USER) == 3
    assert (await wallet.balance_of(pool, USER)).held == 3 * 400


async def test_the_open_jobs_cap_is_exact_under_concurrent_launches(pool: Pool) -> None:
    await pool.execute("INSERT INTO users (id) VALUES ($1)", USER)
    await wallet.topup(pool, USER, 100_000, "test-topup")

    async def one(n: int) -> str:
        new = jobs.NewJob(USER, USER, f"d{n}", "google/nano-banana", "кот", {}, [], {}, 400, "ru", None)
        try:
            await jobs.create(pool, new, jobs.LaunchRules(open_limit=3))
        except jobs.TooManyOpen:
            return "refused"
        return "created"

    outcomes = await asyncio.gather(*(one(n) for n in range(8)))
    assert outcomes.count("created") == 3 and outcomes.count("refused") == 5


async def _launch(harness: Harness) -> list[Call]:
    await harness.press(USER, ModelChoose(model="google/nano-banana"))
    await harness.send(USER, "кот")
    await harness.press(USER, Wizard(action="format_done"))
    draft = Draft.from_state(await harness.data(USER))
    assert draft is not None
    return await harness.press(USER, Launch(draft=draft.draft_id))


@pytest.mark.parametrize(
    "data",
    [
        "res:file:99999999999999999999",
        "res:repeat:-1",
        "opt:99999999999999999999:0",
        "opt:1:x",
        "stars:99999999999",
    ],
)
async def test_forged_numbers_in_buttons_are_answered_as_stale(harness: Harness, data: str) -> None:
    calls = await harness.press(USER, data)
    assert last_screen(calls).text.startswith(RU.stale_button)
