"""🖼 Мои генерации through the local stack: two real generations, the gallery's pages, and both results
sent again from the file ids Telegram stored when they were delivered, with no file fetched from KIE."""

from __future__ import annotations

import json
import time
from typing import Any

from creativebot.texts import RU
from creativebot.texts.gallery import RU as GRU
from creativebot.texts.payments import RU as PRU
from infra.local.stack import LocalStack
from infra.local.telegram.client import ChatUser, buttons_of, text_of
from tests.e2e.conftest import Database
from tests.e2e.flows import (
    LAUNCH_4_RUB,
    is_photo,
    launch,
    model_button,
    model_title,
    open_model,
    paid_generation,
    plain,
    start,
    title_of,
    to_confirm,
)

USER = 100001
NANO = "google/nano-banana"  # one photo
GROK = "grok-imagine/text-to-image"  # two photos: an album


class ServedFiles(dict[str, Any]):
    """The fake KIE's stored files, noting every key its file server is asked for (``GET /files/{key}``)."""

    def __init__(self, files: dict[str, Any]) -> None:
        super().__init__(files)
        self.requested: list[str] = []

    def get(self, key: str, default: Any = None) -> Any:
        self.requested.append(key)
        return super().get(key, default)


def _older_results(database: Database, count: int) -> None:
    """Results delivered before file ids were kept (or as links): listed, but nothing to send again."""
    database.execute(
        """
        INSERT INTO jobs (user_id, chat_id, draft_id, model_id, prompt, inputs, price, payment, status,
                          result_urls, created_at, finished_at, delivered_at)
        SELECT $1, $1, 'old-' || g, 'google/nano-banana', 'старый кадр ' || g, '{}'::jsonb, 400, 'wallet',
               'succeeded', '["https://kie.example/old.png"]'::jsonb, now() - (10 - g) * interval '1 day',
               now() - (10 - g) * interval '1 day', now() - (10 - g) * interval '1 day'
          FROM generate_series(1, $2) g
        """,
        USER,
        count,
    )


def _stored(database: Database, prompt: str) -> list[str]:
    files = database.fetchval(
        "SELECT result_files FROM jobs WHERE user_id = $1 AND prompt = $2", USER, prompt
    )
    return [file["file_id"] for file in files or []]


def _wait_delivered(database: Database, results: int) -> None:
    """Until ``results`` jobs have their delivery recorded (the messages come just before the record)."""
    deadline = time.monotonic() + 20
    query = "SELECT count(*) FROM jobs WHERE user_id = $1 AND result_files IS NOT NULL AND delivered_at IS NOT NULL"
    while database.fetchval(query, USER) < results:
        assert time.monotonic() < deadline, "the deliveries were not recorded"
        time.sleep(0.1)


def _media(params: dict[str, Any]) -> list[str]:
    media = params["media"]
    return [item["media"] for item in (json.loads(media) if isinstance(media, str) else media)]


def test_the_gallery_pages_and_sends_results_again_without_fetching_them(
    stack: LocalStack, person: ChatUser, database: Database
) -> None:
    assert stack.emulator is not None and stack.fake_kie is not None
    emulator, fake = stack.emulator.emulator, stack.fake_kie.fake
    served = fake.files = ServedFiles(fake.files)
    # Given: four results from long ago, then two generations through the bot
    start(person)
    _older_results(database, 4)
    paid_generation(person, database, "маяк в тумане")
    person.wait_for(is_photo, what="the lighthouse")
    start(person)
    open_model(person, "photo", model_button(GROK, 4_00, price_from=True))
    launch(person, to_confirm(person, "закат в пустыне"), LAUNCH_4_RUB)
    person.wait_for(
        lambda m: RU.btn_repeat in buttons_of(m) and model_title(GROK) in text_of(m),
        what="the album's buttons",
    )
    _wait_delivered(database, 2)
    lighthouse, sunset = _stored(database, "маяк в тумане"), _stored(database, "закат в пустыне")
    assert len(lighthouse) == 1 and len(sunset) == 2
    assert served.requested  # the deliveries were fetched from KIE's file server (the log works)

    # When: /gallery
    person.send("/gallery")
    page = person.wait_for_text(title_of(GRU.screen))
    # Then: the newest five of six, newest first, and a way to the older page
    text = text_of(page)
    assert text.index("закат в пустыне") < text.index("маяк в тумане") < text.index("старый кадр 4")
    assert model_title(GROK) in text and model_title(NANO) in text
    assert "старый кадр 1" not in text and PRU.history_page.format(page=1) in text
    labels = buttons_of(page)
    assert {"📤 1", "📤 2", "🔁 1", "✏️ 2", PRU.btn_older} <= set(labels)
    assert "📤 3" not in labels  # an old result has no stored file

    # When: the older page, and back
    person.press(PRU.btn_older)
    older = person.wait_for(
        lambda m: m["message_id"] == page["message_id"] and PRU.history_page.format(page=2) in text_of(m),
        what="page 2 in place of page 1",
    )
    assert "старый кадр 1" in text_of(older)
    assert plain(GRU.item_gone.format(number=6)).strip() in text_of(older)
    assert "🔁 6" in buttons_of(older) and "📤 6" not in buttons_of(older)
    person.press(PRU.btn_newer)
    person.wait_for(
        lambda m: m["message_id"] == page["message_id"] and PRU.history_page.format(page=1) in text_of(m),
        what="page 1 again",
    )

    # When: both results are sent again
    requested, downloads = len(served.requested), len(emulator.downloads)
    photos, albums = len(emulator.calls_of("sendPhoto")), len(emulator.calls_of("sendMediaGroup"))
    since = time.monotonic()
    person.press("📤 2")
    again = person.wait_for(
        lambda m: is_photo(m) and GRU.btn_gallery in buttons_of(m), what="the lighthouse again"
    )
    assert "маяк в тумане" in text_of(again)
    person.press("📤 1")
    person.wait_for(
        lambda m: GRU.btn_gallery in buttons_of(m) and model_title(GROK) in text_of(m),
        what="the sunset album's buttons again",
    )
    # Then: Telegram got the stored file ids; nothing was fetched, by the bot or by Telegram
    [photo] = emulator.calls_of("sendPhoto")[photos:]
    assert photo.ok and photo.params["photo"] == lighthouse[0]
    [album] = emulator.calls_of("sendMediaGroup")[albums:]
    assert album.ok and _media(album.params) == sunset
    media = [send for send in emulator.sends(USER, since=since) if send.media_source is not None]
    assert [send.media_source for send in media] == ["file_id"] * 3
    assert len(served.requested) == requested  # KIE's file server was not asked for anything
    assert len(emulator.downloads) == downloads
