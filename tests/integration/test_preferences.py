"""/settings' data: the three preferences, today's spending and the room left under a daily cap, on real
PostgreSQL with jobs and holds made by the code that makes them in production."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from creativebot import jobs, preferences, users, wallet
from creativebot.db import Pool
from creativebot.preferences import CapProblem
from creativebot.wallet import gifts

USER = 515151
OTHER = 626262
MOSCOW = "Europe/Moscow"
NANO = "google/nano-banana"


async def _person(pool: Pool, user_id: int = USER, language_code: str = "ru") -> users.User:
    return await users.touch_user(
        pool, user_id=user_id, username=None, first_name="Анна", language_code=language_code
    )


async def _launch(
    pool: Pool, draft: str, price: int, *, user_id: int = USER, rules: jobs.LaunchRules | None = None
) -> jobs.Job:
    new = jobs.NewJob(user_id, user_id, draft, NANO, "кот", {}, [], {}, price, "ru", None)
    job, created = await jobs.create(pool, new, rules)
    assert created
    return job


async def _fail(pool: Pool, job: jobs.Job) -> None:
    await jobs.settle(pool, job.id, jobs.Outcome.failed("internal", "boom"))


async def _succeed(pool: Pool, job: jobs.Job) -> None:
    await jobs.settle(pool, job.id, jobs.Outcome.succeeded(["https://example.com/r.png"]))


async def _user(pool: Pool, user_id: int = USER) -> users.User:
    found = await users.find(pool, str(user_id))
    assert found is not None
    return found


# --- what counts as spent --------------------------------------------------------------------------------


async def test_running_and_charged_wallet_jobs_count_failed_and_refunded_do_not(pool: Pool) -> None:
    # Given: 100 ₽ and five paid launches today
    await _person(pool)
    await wallet.topup(pool, USER, 100_00, "topup-1")
    running = await _launch(pool, "running", 4_00)
    done = await _launch(pool, "done", 7_00)
    failed = await _launch(pool, "failed", 11_00)
    refunded = await _launch(pool, "refunded", 13_00)
    await _succeed(pool, done)
    await _fail(pool, failed)
    await _succeed(pool, refunded)
    await wallet.refund(pool, USER, refunded.hold_ref)  # an operator's /refund
    # Then: the one on hold and the one charged count; the released and the refunded do not
    assert running.status == "created"
    assert await preferences.spent_today(pool, USER, MOSCOW) == 4_00 + 7_00


async def test_free_and_gift_runs_top_ups_and_other_holds_do_not_count(pool: Pool) -> None:
    await _person(pool)
    await _person(pool, OTHER)
    await wallet.topup(pool, USER, 50_00, "topup-1")
    await wallet.topup(pool, OTHER, 50_00, "topup-2")
    # a free daily run, and a granted one
    free = await _launch(pool, "free", 4_00, rules=jobs.LaunchRules(free=jobs.FreeQuota(1, MOSCOW)))
    assert await gifts.grant(pool, USER, 1, "grant-1")
    gift = await _launch(pool, "gift", 5_00, rules=jobs.LaunchRules(gift_max_price=10_00))
    assert (free.payment, gift.payment) == ("free", "gift")
    await _succeed(pool, free)
    await _succeed(pool, gift)
    # a hold that is not a generation's (a Stars refund in progress), and another person's paid run
    await wallet.hold(pool, USER, 20_00, "stars-refund:1")
    await _launch(pool, "theirs", 9_00, user_id=OTHER)
    assert await preferences.spent_today(pool, USER, MOSCOW) == 0
    # while one paid run of their own counts
    await _launch(pool, "paid", 3_00)
    assert await preferences.spent_today(pool, USER, MOSCOW) == 3_00


def _zone_where_hour_is(moment: datetime, hour: int) -> str:
    """A fixed-offset zone (Etc/GMT±N, sign inverted by POSIX) in which ``moment`` falls in ``hour``."""
    offset = (hour - moment.astimezone(UTC).hour) % 24
    if offset > 14:
        offset -= 24
    return "Etc/GMT" if offset == 0 else f"Etc/GMT{-offset:+d}"


async def test_the_day_is_the_given_time_zones_day(pool: Pool) -> None:
    # Given: a paid run launched just now
    await _person(pool)
    await wallet.topup(pool, USER, 10_00, "topup-1")
    job = await _launch(pool, "now", 4_00)
    launched = job.created_at
    # Where it was launched in the day's last hour, an hour later is the next day: nothing spent
    late = _zone_where_hour_is(launched, 23)
    assert await preferences.spent_today(pool, USER, late, now=launched) == 4_00
    assert await preferences.spent_today(pool, USER, late, now=launched + timedelta(minutes=61)) == 0
    # Where it was launched in the day's first hour, an hour later is the same day: still spent
    early = _zone_where_hour_is(launched, 0)
    assert await preferences.spent_today(pool, USER, early, now=launched + timedelta(minutes=61)) == 4_00
    # and the day before it nothing had been spent
    assert await preferences.spent_today(pool, USER, early, now=launched - timedelta(hours=1)) == 0


# --- the room under a cap --------------------------------------------------------------------------------


async def test_no_cap_means_no_room_to_count(pool: Pool) -> None:
    await _person(pool)
    await wallet.topup(pool, USER, 10_00, "topup-1")
    await _launch(pool, "paid", 4_00)
    assert await preferences.cap_room(pool, await _user(pool), MOSCOW) is None


async def test_cap_room_is_the_cap_less_todays_spending_and_never_negative(pool: Pool) -> None:
    # Given: a 10 ₽ cap and 30 ₽ on the balance
    await _person(pool)
    await wallet.topup(pool, USER, 30_00, "topup-1")
    await preferences.set_daily_cap(pool, USER, 10_00)
    assert await preferences.cap_room(pool, await _user(pool), MOSCOW) == 10_00
    # When: 4 ₽ is on hold, then it fails (the money comes back)
    job = await _launch(pool, "one", 4_00)
    assert await preferences.cap_room(pool, await _user(pool), MOSCOW) == 6_00
    await _fail(pool, job)
    assert await preferences.cap_room(pool, await _user(pool), MOSCOW) == 10_00
    # When: 7 ₽ and then 8 ₽ are spent (the cap only guards launches; the room stays at zero)
    await _succeed(pool, await _launch(pool, "two", 7_00))
    assert await preferences.cap_room(pool, await _user(pool), MOSCOW) == 3_00
    await _launch(pool, "three", 8_00)
    assert await preferences.cap_room(pool, await _user(pool), MOSCOW) == 0
    # Tomorrow (Moscow) the room is the whole cap again
    tomorrow = datetime.now(UTC) + timedelta(days=1)
    assert await preferences.cap_room(pool, await _user(pool), MOSCOW, now=tomorrow) == 10_00


# --- storing the preferences -----------------------------------------------------------------------------


async def test_a_chosen_language_survives_telegrams_language(pool: Pool) -> None:
    # Given: a person whose Telegram speaks English
    assert (await _person(pool, language_code="en")).language == "en"
    # When: they pick Russian in /settings
    prefs = await preferences.set_language(pool, USER, "ru")
    assert (prefs.language, prefs.language_chosen) == ("ru", True)
    # Then: their next update (Telegram still says "en") keeps Russian
    assert (await _person(pool, language_code="en")).language == "ru"


async def test_without_a_choice_telegrams_language_follows(pool: Pool) -> None:
    await _person(pool, language_code="en")
    assert (await _person(pool, language_code="ru")).language == "ru"


async def test_preferences_are_stored_and_read_back(pool: Pool) -> None:
    await _person(pool)
    assert await preferences.get(pool, USER) == preferences.Preferences("ru", False, None, False)
    await preferences.set_daily_cap(pool, USER, 300_00)
    await preferences.set_quiet_results(pool, USER, True)
    await preferences.set_language(pool, USER, "en")
    stored = preferences.Preferences("en", True, 300_00, True)
    assert await preferences.get(pool, USER) == stored
    assert preferences.Preferences.of(await _user(pool)) == stored
    assert (await preferences.set_daily_cap(pool, USER, None)).daily_cap_kopecks is None
    assert await preferences.get(pool, OTHER) is None


@pytest.mark.parametrize("kopecks", [0, -100, 150, 1_000_001_00, True])
async def test_a_cap_outside_whole_roubles_1_to_a_million_is_refused(pool: Pool, kopecks: int) -> None:
    await _person(pool)
    with pytest.raises(ValueError):
        await preferences.set_daily_cap(pool, USER, kopecks)
    assert (await preferences.get(pool, USER)) == preferences.Preferences("ru", False, None, False)


async def test_an_unknown_language_or_person_is_refused(pool: Pool) -> None:
    await _person(pool)
    with pytest.raises(ValueError):
        await preferences.set_language(pool, USER, "de")
    with pytest.raises(LookupError):
        await preferences.set_quiet_results(pool, OTHER, True)


@pytest.mark.parametrize(
    ("typed", "parsed"),
    [
        ("500", 500_00),
        (" 1 000 ", 1_000_00),
        ("1\u202f000\u00a0000", 1_000_000_00),
        ("0300", 300_00),
        ("1", 1_00),
        ("0", CapProblem.OUT_OF_RANGE),
        ("1000001", CapProblem.OUT_OF_RANGE),
        ("9" * 5000, CapProblem.OUT_OF_RANGE),
        ("", CapProblem.NOT_NUMBER),
        ("abc", CapProblem.NOT_NUMBER),
        ("12.50", CapProblem.NOT_NUMBER),
        ("-5", CapProblem.NOT_NUMBER),
        ("500 ₽", CapProblem.NOT_NUMBER),
        ("٥٠٠", CapProblem.NOT_NUMBER),  # Arabic-Indic digits: digits to str.isdigit, not to us
    ],
)
def test_a_typed_cap_is_whole_roubles_in_digits(typed: str, parsed: int | CapProblem) -> None:
    assert preferences.parse_cap(typed) == parsed
