"""🔊 Послушать голоса: step 2's button of a text-to-speech model, and what follows its samples. No I/O.

A sample goes out as an audio message titled with its voice's label ("Джеймс · муж."); then either step 2
again (the person is choosing this model's voice: the buttons right under what they heard), or a short
screen with a way on (:func:`after_samples`). Voices whose sample is not made yet are named in one line
(:func:`not_ready_line`) on top of that last message.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from aiogram.filters.callback_data import CallbackData

from creativebot import voices
from creativebot.kie.catalog import CatalogModel
from creativebot.telegram.callbacks import EditPart, Menu, ModelChoose, VoiceSamples
from creativebot.telegram.keyboards import Row, markup
from creativebot.telegram.screens import Screen
from creativebot.texts import Copy
from creativebot.texts.voices import VoicesCopy, voices_copy


def samples_row(texts: Copy, model: CatalogModel) -> list[tuple[str, CallbackData]] | None:
    """Step 2's "🔊 Послушать голоса" row for a text-to-speech model; None for any other model."""
    if not voices.is_tts(model):
        return None
    return [(voices_copy(texts.lang).btn_listen, VoiceSamples(model=model.id))]


def sample_title(texts: Copy, model: CatalogModel, voice: str) -> str:
    """A sample's title in the player: its voice's label in the person's language (plain text), as step 2
    shows it. (Not ``views.wizard.value_label``: step 2 imports this module.)"""
    option = voices.voice_option(model)
    label = option.labels.get(voice) if option is not None and option.labels else None
    return label.get(texts.lang) if label is not None else voice


def not_ready_line(vc: VoicesCopy, waiting: Sequence[str], total: int) -> str | None:
    """One line for the voices (their titles) whose sample is not made yet; None when none waits."""
    if not waiting:
        return None
    if len(waiting) >= total:
        return vc.not_ready_all
    return vc.not_ready_some.format(voices=html.escape(", ".join(waiting)))


def after_samples(
    texts: Copy, vc: VoicesCopy, model: CatalogModel, note: str | None, *, on_check: bool
) -> Screen:
    """After the samples, for someone not on step 2 of this model: change the voice of their draft on it
    (``on_check``: it is at step 3), or start one; or the menu."""
    title = html.escape(model.title.get(texts.lang))
    way: tuple[str, CallbackData]
    if on_check:
        text, way = vc.after_on_check, (vc.btn_pick_voice, EditPart(part="format"))
    else:
        text, way = vc.after, (vc.btn_use_model, ModelChoose(model=model.id))
    text = text.format(title=title)
    rows: list[Row] = [[way], [(texts.btn_main_menu, Menu(screen="main"))]]
    return Screen("voice_samples_after", f"{note}\n\n{text}" if note else text, markup(rows))
