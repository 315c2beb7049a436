"""🔊 Послушать голоса: the voice samples of a text-to-speech model. Russian first, English second.

Same rules as :mod:`creativebot.texts`: one frozen dataclass per language with no defaults (a missing text
fails at import), HTML. ``{title}`` is the model's title, already escaped; ``{voices}`` the voices' labels
from the catalog ("Джеймс · муж."), already escaped and joined. A sample's own title is its voice's label
in the person's language (the catalog's), so no text here names a voice.

:data:`SAMPLE_PHRASE` is what every sample says. It is one phrase for everybody, in Russian (the bot speaks
Russian first and the voices are chosen for a Russian text); it is short, so a sample costs KIE's smallest
unit (a started thousand characters). Changing it makes cron record every voice again (a sample remembers
the phrase it says).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

SAMPLE_PHRASE: Final = "Привет! Так звучит мой голос. Послушайте и выберите, кем озвучить ваш текст."


@dataclass(frozen=True)
class VoicesCopy:
    lang: str
    btn_listen: str  # step 2 of a text-to-speech model
    performer: str  # under a sample's title in the player
    not_ready_all: str  # no voice of the model has a sample yet
    not_ready_some: str  # these voices have none yet
    # --- after the samples, when the person is not on step 2 of this model
    after: str
    after_on_check: str  # their draft on this model is at the check (step 3)
    btn_use_model: str  # start a draft on this model
    btn_pick_voice: str  # change the voice of their draft (back to step 2)


RU = VoicesCopy(
    lang="ru",
    btn_listen="🔊 Послушать голоса",
    performer="Образец голоса",
    not_ready_all="⏳ Образцы голосов ещё готовятся — загляните через пару минут.",
    not_ready_some="⏳ {voices}: образцы ещё готовятся — загляните через пару минут.",
    after="🔊 Голоса модели <b>{title}</b>. Понравился голос? Выберите его на шаге 2, когда будете озвучивать текст.",
    after_on_check="🔊 Голоса модели <b>{title}</b>. Чтобы сменить голос, нажмите «🎙 Выбрать голос».",
    btn_use_model="🎙 Озвучить текст",
    btn_pick_voice="🎙 Выбрать голос",
)

EN = VoicesCopy(
    lang="en",
    btn_listen="🔊 Listen to the voices",
    performer="Voice sample",
    not_ready_all="⏳ The voice samples are still being made; come back in a couple of minutes.",
    not_ready_some="⏳ {voices}: samples still being made; come back in a couple of minutes.",
    after="🔊 The voices of <b>{title}</b>. Like one? Pick it on step 2 when you voice your text.",
    after_on_check="🔊 The voices of <b>{title}</b>. To change the voice, press “🎙 Pick a voice”.",
    btn_use_model="🎙 Voice a text",
    btn_pick_voice="🎙 Pick a voice",
)

_BY_LANGUAGE = {copy.lang: copy for copy in (RU, EN)}


def voices_copy(language: str | None) -> VoicesCopy:
    """The section in a person's language (Russian for anything else, as ``texts.copy_for``)."""
    return _BY_LANGUAGE.get(language or "ru", RU)
