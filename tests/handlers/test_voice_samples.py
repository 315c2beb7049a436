"""🔊 Послушать голоса on the Dispatcher, against the Telegram emulator (which fetches URLs itself, keeps the
files it has by file id, and says how each file came: "url", "file_id" or "upload").

The samples are made the real way: cron's step on the fake KIE (real MP3 files). A person reaches step 2 of
a text-to-speech model through the wizard, presses the button, and gets each voice's sample titled with its
label, then step 2 again, the conversation untouched. Telegram's file id of a sample is remembered, so the
next press sends it without any download; a file id Telegram forgot, or a URL it refuses, still works.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import string
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from aiogram.filters.callback_data import CallbackData

from creativebot import overrides, voices
from creativebot.config import WorkerSettings, get_settings
from creativebot.db import Pool
from creativebot.kie.catalog import CatalogModel, load_catalog
from creativebot.kie.client import KieClient
from creativebot.maintenance import CronContext
from creativebot.telegram.bot import build_bot
from creativebot.telegram.callbacks import EditPart, Menu, ModelChoose, VoiceSamples, Wizard
from creativebot.telegram.states import Step
from creativebot.telegram.views.voices import samples_row
from creativebot.texts import EN, RU
from creativebot.texts.voices import EN as VEN
from creativebot.texts.voices import RU as VRU
from infra.local.kie import FakeKieServer
from infra.local.telegram import EmulatorServer
from infra.local.telegram.emulator import ApiCall
from infra.local.telegram.ratelimit import SendRecord
from tests.handlers.harness import Harness
from tests.helpers import Queues

USER = 737373
TURBO = "elevenlabs/text-to-speech-turbo-2-5"
MULTILINGUAL = "elevenlabs/text-to-speech-multilingual-v2"
NANO = "google/nano-banana"


def _model(model_id: str) -> CatalogModel:
    model = load_catalog().get(model_id)
    assert model is not None
    return model


def _labels(model_id: str, lang: str = "ru") -> list[str]:
    model = _model(model_id)
    option = voices.voice_option(model)
    assert option is not None and option.labels is not None
    return [option.labels[voice].get(lang) for voice in voices.voices_of(model)]


@dataclass(frozen=True)
class Press:
    """What a press made the bot do: its Bot API calls (refused ones too), and the messages it sent."""

    calls: list[ApiCall]
    sent: list[SendRecord]

    @property
    def ok(self) -> list[ApiCall]:
        return [call for call in self.calls if call.ok]

    @property
    def audio(self) -> list[ApiCall]:
        """The sendAudio calls Telegram accepted."""
        return [call for call in self.ok if call.method == "sendAudio"]

    @property
    def sources(self) -> list[str | None]:
        """How each sample's file came to Telegram: "url", "file_id" or "upload"."""
        return [record.media_source for record in self.sent if record.method == "sendAudio"]

    @property
    def last_text(self) -> ApiCall:
        texts = [call for call in self.ok if call.method == "sendMessage"]
        assert texts, [call.method for call in self.calls]
        return texts[-1]


@dataclass
class Chat:
    """A person in the emulator's chat, their updates handled by our Dispatcher (the Bot speaks HTTP to the
    emulator)."""

    harness: Harness
    telegram: EmulatorServer
    user: int = USER

    async def _on_emulator(self, action: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        async def run() -> dict[str, Any]:
            return action()

        return await asyncio.to_thread(self.telegram.server.call, run())

    async def says(self, text: str) -> None:
        update = await self._on_emulator(lambda: self.telegram.emulator.user_text(self.user, text))
        await self.harness.feed(update)

    async def presses(self, data: CallbackData) -> Press:
        """Press a button (``data``) under the bot's last message."""
        message = self.last_message_id()
        emulator = self.telegram.emulator
        calls, sends = len(emulator.calls), len(emulator.sends(self.user))
        packed = data.pack()
        update = await self._on_emulator(lambda: emulator.press(self.user, message, packed))
        await self.harness.feed(update)
        return Press(emulator.calls[calls:], emulator.sends(self.user)[sends:])

    def last_message_id(self) -> int:
        messages = self.telegram.emulator.chats[self.user].messages
        return max(i for i, m in messages.items() if m.payload.get("from", {}).get("is_bot"))

    async def on_step_2(self, model_id: str) -> None:
        """/start, the model, a text: the wizard's step 2 (the voice) is on screen."""
        await self.says("/start")
        await self.presses(ModelChoose(model=model_id))
        await self.says("Добрый день! Это текст для озвучки.")


def _buttons(call: ApiCall) -> list[tuple[str, str]]:
    markup = json.loads(call.params["reply_markup"])
    return [(b["text"], b["callback_data"]) for row in markup["inline_keyboard"] for b in row]


@pytest.fixture
async def chat(pool: Pool, kie: FakeKieServer, sqs: Queues, telegram: EmulatorServer) -> AsyncIterator[Chat]:
    overrides.forget()
    settings = get_settings(WorkerSettings)
    async with KieClient(settings.kie) as client:
        harness = Harness(pool, settings, client)
        harness.bot = build_bot(settings.telegram)  # to the emulator, over HTTP
        telegram.emulator.user(USER)
        try:
            yield Chat(harness, telegram)
        finally:
            await harness.bot.session.close()
    overrides.forget()


async def _make_samples(ctx: CronContext, caps: voices.Caps | None = None) -> None:
    """Cron's step until the samples are made on the fake KIE."""
    await voices.ensure_samples(ctx.pool, ctx.kie, ctx.settings.kie.kie_timeout_sec, caps)
    for _ in range(50):
        await asyncio.sleep(0.1)
        await voices.ensure_samples(ctx.pool, ctx.kie, ctx.settings.kie.kie_timeout_sec, caps)
        if not await ctx.pool.fetchval("SELECT count(*) FROM voice_samples WHERE task_id IS NOT NULL"):
            return
    raise AssertionError("the samples were never made")


async def _file_ids(pool: Pool) -> dict[str, str | None]:
    return {r["voice"]: r["file_id"] for r in await pool.fetch("SELECT voice, file_id FROM voice_samples")}


# --- the button --------------------------------------------------------------------------------------------


def test_the_button_is_offered_for_text_to_speech_models_only() -> None:
    for model_id in (TURBO, MULTILINGUAL):
        assert samples_row(RU, _model(model_id)) == [(VRU.btn_listen, VoiceSamples(model=model_id))]
    assert samples_row(EN, _model(TURBO)) == [(VEN.btn_listen, VoiceSamples(model=TURBO))]
    assert samples_row(RU, _model(NANO)) is None
    assert samples_row(RU, _model("suno/by-description")) is None  # music: no voices
    assert len(VoiceSamples(model=MULTILINGUAL).pack()) <= 64


def test_both_languages_say_every_text_with_the_same_placeholders() -> None:
    def names(text: str) -> set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name}

    for field in dataclasses.fields(VRU):
        ru, en = getattr(VRU, field.name), getattr(VEN, field.name)
        assert ru.strip() and en.strip() and names(ru) == names(en), field.name


# --- sending the samples ------------------------------------------------------------------------------------


async def test_the_first_press_sends_the_urls_and_the_next_one_the_stored_file_ids(
    chat: Chat, cron_context: CronContext, pool: Pool, telegram: EmulatorServer
) -> None:
    # Given: every voice has its sample (made by cron), and the person is on step 2 of Turbo
    await _make_samples(cron_context)
    urls = {
        r["voice"]: r["audio_url"] for r in await pool.fetch("SELECT voice, audio_url FROM voice_samples")
    }
    order = voices.voices_of(_model(TURBO))
    await chat.on_step_2(TURBO)
    state, data = await chat.harness.state(USER), await chat.harness.data(USER)
    assert state == Step.format.state
    downloads = len(telegram.emulator.downloads)
    # When: they press 🔊 Послушать голоса
    press = await chat.presses(VoiceSamples(model=TURBO))
    # Then: the press is answered first; each voice's sample, titled with its label, fetched by Telegram
    assert press.ok[0].method == "answerCallbackQuery"
    assert [call.params["title"] for call in press.audio] == _labels(TURBO)
    assert {call.params["performer"] for call in press.audio} == {VRU.performer}
    assert [call.params["audio"] for call in press.audio] == [urls[voice] for voice in order]
    assert press.sources == ["url"] * len(order)
    assert telegram.emulator.downloads[downloads:] == [urls[voice] for voice in order]
    # ... then step 2 again, right under them, with nothing missing
    last = press.last_text
    assert press.ok.index(last) > press.ok.index(press.audio[-1])
    assert last.params["text"].startswith(RU.step_format)
    # ... Telegram's file ids are remembered; the draft and its step are as they were
    sent = [
        telegram.emulator.chats[USER].messages[r.message_id].payload["audio"]["file_id"]
        for r in press.sent[:-1]
    ]
    stored = await _file_ids(pool)
    assert [stored[voice] for voice in order] == sent
    assert (await chat.harness.state(USER), await chat.harness.data(USER)) == (state, data)
    # When: pressed again
    downloads = len(telegram.emulator.downloads)
    again = await chat.presses(VoiceSamples(model=TURBO))
    # Then: the same files by their file ids: no download anywhere
    assert [call.params["audio"] for call in again.audio] == sent
    assert again.sources == ["file_id"] * len(order)
    assert len(telegram.emulator.downloads) == downloads
    assert again.last_text.params["text"].startswith(RU.step_format)
    assert (await chat.harness.state(USER), await chat.harness.data(USER)) == (state, data)


async def test_voices_without_a_sample_are_named_in_one_line(
    chat: Chat, cron_context: CronContext, pool: Pool
) -> None:
    # Given: nothing made yet
    await chat.on_step_2(TURBO)
    state, data = await chat.harness.state(USER), await chat.harness.data(USER)
    press = await chat.presses(VoiceSamples(model=TURBO))
    assert press.audio == []
    assert press.last_text.params["text"].startswith(VRU.not_ready_all + "\n\n" + RU.step_format)
    # Given: two voices made (cron's run capped at two)
    await _make_samples(cron_context, voices.Caps(per_run=2, per_day=2))
    press = await chat.presses(VoiceSamples(model=TURBO))
    # Then: their two samples, and one line naming the four others
    labels = _labels(TURBO)
    assert [call.params["title"] for call in press.audio] == labels[:2]
    text = press.last_text.params["text"]
    assert text.startswith(VRU.not_ready_some.format(voices=", ".join(labels[2:])) + "\n\n" + RU.step_format)
    assert text.count("⏳") == 1
    assert (await chat.harness.state(USER), await chat.harness.data(USER)) == (state, data)


async def test_a_url_telegram_refuses_is_downloaded_through_the_fence_and_uploaded(
    chat: Chat, cron_context: CronContext, pool: Pool, telegram: EmulatorServer
) -> None:
    await _make_samples(cron_context)
    await chat.on_step_2(TURBO)
    telegram.emulator.inject_fault("sendAudio", 400)  # Telegram refuses the first URL
    press = await chat.presses(VoiceSamples(model=TURBO))
    # Then: the first sample was uploaded after the refused try, the others fetched by Telegram
    order = voices.voices_of(_model(TURBO))
    refused = [call for call in press.calls if call.method == "sendAudio" and not call.ok]
    assert len(refused) == 1
    assert [call.params["title"] for call in press.audio] == _labels(TURBO)
    assert press.sources == ["upload"] + ["url"] * (len(order) - 1)
    stored = await _file_ids(pool)
    assert all(stored[voice] for voice in order)


async def test_a_file_id_telegram_forgot_falls_back_to_the_url_and_is_replaced(
    chat: Chat, cron_context: CronContext, pool: Pool
) -> None:
    await _make_samples(cron_context)
    first = voices.voices_of(_model(TURBO))[0]
    url = await pool.fetchval("SELECT audio_url FROM voice_samples WHERE voice = $1", first)
    await pool.execute("UPDATE voice_samples SET file_id = 'CQACAgIAAx-forgotten' WHERE voice = $1", first)
    await chat.on_step_2(TURBO)
    press = await chat.presses(VoiceSamples(model=TURBO))
    refused = [call for call in press.calls if call.method == "sendAudio" and not call.ok]
    assert [call.params["audio"] for call in refused] == ["CQACAgIAAx-forgotten"]
    assert press.audio[0].params["audio"] == url
    assert [call.params["title"] for call in press.audio] == _labels(TURBO)
    assert press.sources[0] == "url"
    assert (await _file_ids(pool))[first] not in (None, "CQACAgIAAx-forgotten")


# --- whoever presses --------------------------------------------------------------------------------------------


async def test_a_press_for_another_model_sends_that_models_samples_and_keeps_the_draft(
    chat: Chat, cron_context: CronContext, telegram: EmulatorServer
) -> None:
    # Given: the samples (made by Turbo); an English speaker with a draft on a picture model
    await _make_samples(cron_context)
    telegram.emulator.users[USER]["language_code"] = "en"
    await chat.says("/start")
    await chat.presses(ModelChoose(model=NANO))
    state, data = await chat.harness.state(USER), await chat.harness.data(USER)
    assert state == Step.prompt.state
    # When: they press an older step 2's button of Multilingual
    press = await chat.presses(VoiceSamples(model=MULTILINGUAL))
    # Then: Multilingual's voices (the shared samples), titled in English, and a way on
    assert [call.params["title"] for call in press.audio] == _labels(MULTILINGUAL, "en")
    assert {call.params["performer"] for call in press.audio} == {VEN.performer}
    last = press.last_text
    assert last.params["text"] == VEN.after.format(title="ElevenLabs Multilingual")
    assert _buttons(last) == [
        (VEN.btn_use_model, ModelChoose(model=MULTILINGUAL).pack()),
        (EN.btn_main_menu, Menu(screen="main").pack()),
    ]
    # ... the draft and its step untouched
    assert (await chat.harness.state(USER), await chat.harness.data(USER)) == (state, data)


async def test_at_the_check_the_way_on_changes_the_voice_of_the_same_draft(
    chat: Chat, cron_context: CronContext
) -> None:
    await _make_samples(cron_context)
    await chat.on_step_2(TURBO)
    await chat.presses(Wizard(action="format_done"))
    state, data = await chat.harness.state(USER), await chat.harness.data(USER)
    assert state == Step.confirm.state
    press = await chat.presses(VoiceSamples(model=TURBO))
    assert len(press.audio) == len(_labels(TURBO))
    last = press.last_text
    assert last.params["text"] == VRU.after_on_check.format(title="ElevenLabs Turbo 2.5")
    assert _buttons(last)[0] == (VRU.btn_pick_voice, EditPart(part="format").pack())
    assert (await chat.harness.state(USER), await chat.harness.data(USER)) == (state, data)


async def test_a_hidden_model_is_refused_with_a_way_back(chat: Chat, pool: Pool) -> None:
    await overrides.save(
        pool, overrides.ModelOverride(TURBO, hidden=True, hidden_reason="operator"), admin_id=1
    )
    await chat.says("/start")
    press = await chat.presses(VoiceSamples(model=TURBO))
    assert press.audio == []
    assert press.last_text.params["text"] == RU.unavailable_model
    assert (RU.categories["photo"], "cat:photo") in _buttons(press.last_text)
