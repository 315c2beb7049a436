"""🔊 Послушать голоса: a text-to-speech model's voice samples, sent as audio messages.

Each sample goes from Telegram's file id when the bot has sent it before (no download anywhere); else from
KIE's URL, which Telegram fetches itself, and when Telegram refuses it, downloaded through the outbound
fence and uploaded. Telegram's file id of a sample sent from its URL is remembered for the next press. A
file id Telegram no longer knows falls back to the URL the same way.

The conversation is only read, never changed: the draft and its step stay as they are. A person choosing
this model's voice on step 2 gets step 2 again right under the samples; anyone else (an older button, a
draft on another model or none) gets a way on from :func:`views.after_samples`. The press itself is answered
at once by the ``AnswerPress`` middleware, before any sample goes out.
"""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.exceptions import TelegramBadRequest, TelegramEntityTooLarge
from aiogram.fsm.context import FSMContext
from aiogram.types import BufferedInputFile, CallbackQuery, Message

from creativebot import budget, voices
from creativebot.config import WorkerSettings
from creativebot.db import Connection
from creativebot.fetch import FetchRefused, fetch_bytes
from creativebot.kie.catalog import CatalogModel
from creativebot.observability import log_event
from creativebot.telegram.callbacks import VoiceSamples
from creativebot.telegram.delivery import file_of
from creativebot.telegram.screens import Screen, show
from creativebot.telegram.states import Step
from creativebot.telegram.views import voices as views
from creativebot.telegram.views import wizard as wizard_views
from creativebot.texts import Copy
from creativebot.texts.voices import VoicesCopy, voices_copy
from creativebot.wizard import Draft, WizardService

SAMPLE_LIMIT = 5 * 1024 * 1024  # a few seconds of speech are tens of kilobytes
_REFUSED = (TelegramBadRequest, TelegramEntityTooLarge)


class _Sender:
    """Sends one model's samples to one chat."""

    def __init__(self, bot: Bot, chat_id: int, db: Connection, settings: WorkerSettings, vc: VoicesCopy):
        self.bot = bot
        self.chat_id = chat_id
        self.db = db
        self.settings = settings
        self.vc = vc

    async def _audio(self, audio: str | BufferedInputFile, title: str) -> Message:
        return await self.bot.send_audio(self.chat_id, audio, title=title, performer=self.vc.performer)

    async def send(self, sample: voices.Sample, title: str) -> bool:
        """One sample; False when it could not be sent (Telegram forgot it and its URL is gone)."""
        if sample.file_id is not None:
            try:
                await self._audio(sample.file_id, title)
            except _REFUSED as refused:
                log_event(
                    "VOICE_SAMPLE_FILE_ID_REFUSED",
                    level="warning",
                    voice=sample.voice,
                    reason=refused.message[:200],
                )
            else:
                return True
        if sample.audio_url is None:
            return False
        sent = await self._from_url(sample.audio_url, title)
        if sent is None:
            return False
        stored = file_of(sent)
        if stored is not None and stored["kind"] == "audio":
            await voices.remember_file_id(self.db, sample, stored["file_id"])
        return True

    async def _from_url(self, url: str, title: str) -> Message | None:
        try:
            return await self._audio(url, title)
        except _REFUSED as refused:
            log_event("VOICE_SAMPLE_URL_REFUSED", reason=refused.message[:200])
        fetch = self.settings.fetch
        try:
            data = await fetch_bytes(
                url,
                policy=fetch.policy,
                max_bytes=SAMPLE_LIMIT,
                deadline_sec=budget.timeout(fetch.fetch_deadline_sec),
            )
        except (FetchRefused, budget.OutOfTime):
            return None
        try:
            return await self._audio(BufferedInputFile(data, "voice-sample.mp3"), title)
        except _REFUSED as refused:
            log_event("VOICE_SAMPLE_UPLOAD_REFUSED", level="warning", reason=refused.message[:200])
            return None


async def listen(
    callback: CallbackQuery,
    callback_data: VoiceSamples,
    state: FSMContext,
    texts: Copy,
    db: Connection,
    settings: WorkerSettings,
    wizard: WizardService,
    bot: Bot,
) -> None:
    model = await wizard.model(callback_data.model)
    if model is None or not voices.is_tts(model):
        await show(callback, wizard_views.unavailable_model(texts), new_message=True)
        return
    vc = voices_copy(texts.lang)
    chat_id = callback.message.chat.id if callback.message is not None else callback.from_user.id
    sender = _Sender(bot, chat_id, db, settings, vc)
    samples = await voices.ready_samples(db, model)
    all_voices = voices.voices_of(model)
    waiting: list[str] = []
    for voice in all_voices:
        title = views.sample_title(texts, model, voice)
        sample = samples.get(voice)
        if sample is None or not await sender.send(sample, title):
            waiting.append(title)
    log_event("VOICE_SAMPLES_SENT", model=model.id, sent=len(all_voices) - len(waiting), waiting=len(waiting))
    note = views.not_ready_line(vc, waiting, len(all_voices))
    await show(callback, await _way_on(state, texts, vc, wizard, model, note), new_message=True)


async def _way_on(
    state: FSMContext,
    texts: Copy,
    vc: VoicesCopy,
    wizard: WizardService,
    model: CatalogModel,
    note: str | None,
) -> Screen:
    """Step 2 again for someone choosing this model's voice; else a way on (the draft left as it is)."""
    draft = Draft.from_state(await state.get_data())
    step = await state.get_state()
    if draft is not None and draft.model_id == model.id and step == Step.format.state:
        prices = await wizard.option_prices(model, draft)
        return wizard_views.step_format(texts, model, draft, prices, await wizard.price(model, draft), note)
    on_check = draft is not None and draft.model_id == model.id and step == Step.confirm.state
    return views.after_samples(texts, vc, model, note, on_check=on_check)


def build_router() -> Router:
    router = Router(name="voices")
    router.callback_query.register(listen, VoiceSamples.filter())
    return router
