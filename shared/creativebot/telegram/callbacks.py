"""Callback data of every inline button: typed, packed within Telegram's 64 bytes, stable across deploys.

Buttons carry ids, never rights: every handler re-checks that the pressing user may act on the object.
Numbers are bounded here, so a forged button with an absurd number does not match its handler (it is
answered as a stale button) and never reaches the database as an overflowing integer.
"""

from __future__ import annotations

from typing import Annotated

from aiogram.filters.callback_data import CallbackData
from pydantic import Field

# A position in a short list (an option, a value, a page, a pack).
Index = Annotated[int, Field(ge=0, le=10_000)]
# A row id (bigserial).
RowId = Annotated[int, Field(ge=1, le=2**63 - 1)]


class Menu(CallbackData, prefix="menu"):
    """A top-level screen: main, help, balance, invite, topup."""

    screen: str


class CategoryPick(CallbackData, prefix="cat"):
    code: str


class ModelCard(CallbackData, prefix="card"):
    model: str


class ModelChoose(CallbackData, prefix="pick"):
    model: str


class Wizard(CallbackData, prefix="wz"):
    """Navigation inside the three steps: next, back, skip, edit, cancel."""

    action: str


class OptionPick(CallbackData, prefix="opt"):
    """Step 2: option number ``option`` takes its value number ``value`` (values may contain ':')."""

    option: Index
    value: Index


class EditPart(CallbackData, prefix="ed"):
    """The confirm step's "✏️ Изменить": which part of the draft to change (prompt, photos, format, or
    ``text`` number ``index`` of the model's extra texts); the rest is kept."""

    part: str
    index: Index = 0


class SwitchModel(CallbackData, prefix="sw"):
    """Run the current draft (prompt, photos, texts) on another model."""

    model: str


class Launch(CallbackData, prefix="go"):
    draft: str


class ResultAction(CallbackData, prefix="res"):
    """After a result: repeat, edit (the prompt), file (the original), other (model)."""

    action: str
    job: RowId


class FollowUp(CallbackData, prefix="fu"):
    """After a result, on file number ``index``: a follow-up model by its action (Midjourney's upscale,
    vary), or ``hd`` (Veo's 1080p version). A separate prefix keeps older result buttons working."""

    action: str
    job: RowId
    index: Index = 0


class StarsPack(CallbackData, prefix="stars"):
    stars: Index


class Noop(CallbackData, prefix="noop"):
    """A caption row in a keyboard; pressing it does nothing."""


class AdminSection(CallbackData, prefix="adm"):
    """A section of the operators' panel (/admin): its handlers re-check the operator's rights."""

    section: str
    page: Index = 0


# A daily spending cap in roubles, 0 = no cap (preferences.MAX_CAP_RUB is the same bound).
CapRub = Annotated[int, Field(ge=0, le=1_000_000)]


class SettingsScreen(CallbackData, prefix="setgo"):
    """A /settings screen: main, cap (the presets), custom (type an amount)."""

    screen: str


class SettingsLanguage(CallbackData, prefix="setlang"):
    """/settings: speak this language (one of preferences.LANGUAGES)."""

    lang: str


class SettingsCap(CallbackData, prefix="setcap"):
    """/settings: a daily spending cap of this many roubles; 0 turns it off."""

    rub: CapRub


class SettingsQuiet(CallbackData, prefix="setquiet"):
    """/settings: "result ready" notices silent (True) or with a sound (False): a value, not a toggle."""

    quiet: bool


class GalleryPage(CallbackData, prefix="gal"):
    """🖼 Мои генерации: page ``page`` (0 = the newest)."""

    page: Index


class GallerySend(CallbackData, prefix="galsend"):
    """Send a result again from what Telegram stored for it; ``page`` is the gallery page to come back to."""

    job: RowId
    page: Index


class JobCancel(CallbackData, prefix="jobcancel"):
    """✖️ Отменить under a generation's status message, while the job has not been offered to KIE. Cron
    writes the same data without aiogram (``creativebot.progress.cancel_data``); a test keeps them equal."""

    job: RowId


class VoiceSamples(CallbackData, prefix="vs"):
    """Step 2's 🔊 Послушать голоса: the samples of this text-to-speech model's voices (``creativebot.voices``).
    It names the model, so a press from an older step 2 sends that model's samples."""

    model: str
