"""A learner's video player preferences, kept on the server so they follow the learner to any
phone or computer: speed, caption languages and styling, audio description, transcript
auto-scroll and the rendition to fetch. Visitors and people who never saved get DEFAULTS."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.errors import FieldErrors
from lms.models import PlayerPreference, User
from lms.models.preferences import (
    CAPTION_COLOURS,
    CAPTION_OPACITIES,
    CAPTION_SIZES,
    DESCRIPTION_VOICES,
    RENDITIONS,
    SPEEDS,
)
from lms.text import normalize_language

#: Renditions a learner can choose. The choice holds for every unit; a video that lacks the
#: chosen version (a 240p copy of an audio file, one still being made) plays in full.
AVAILABLE_RENDITIONS = RENDITIONS


@dataclass(frozen=True)
class PlayerSettings:
    """The player preferences as plain values (see lms.models.preferences for each meaning)."""

    speed: float = 1.0
    caption_language: str = ""
    second_language: str = ""
    caption_size: int = 100
    caption_colours: str = "white-on-black"
    caption_opacity: int = 100
    descriptions: bool = False
    description_voice: str = "screen-reader"
    extended_descriptions: bool = False
    autoscroll: bool = True
    rendition: str = "video"


DEFAULTS = PlayerSettings()
_NAMES = tuple(f.name for f in fields(PlayerSettings))


def _row(session: Session, user: User | None) -> PlayerPreference | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return session.scalars(select(PlayerPreference).where(PlayerPreference.user_id == user.id)).first()


def get(session: Session, user: User | None) -> PlayerSettings:
    """The user's saved settings, or DEFAULTS for a visitor or someone who never saved any."""
    row = _row(session, user)
    if row is None:
        return DEFAULTS
    return PlayerSettings(**{name: getattr(row, name) for name in _NAMES})


def _language(value: str, field: str) -> str:
    value = (value or "").strip()
    if not value:
        return ""
    try:
        return normalize_language(value)
    except ValueError:
        raise FieldErrors({field: _("Choose a caption language from the list.")}) from None


def check(settings: PlayerSettings) -> PlayerSettings:
    """The settings with languages normalized, if every value is one the player offers.
    Raises FieldErrors naming each field with a value outside its list (all at once)."""
    errors: dict[str, str] = {}
    if settings.speed not in SPEEDS:
        errors["speed"] = _("Choose a speed from the list.")
    if settings.caption_size not in CAPTION_SIZES:
        errors["caption_size"] = _("Choose a caption size from the list.")
    if settings.caption_colours not in CAPTION_COLOURS:
        errors["caption_colours"] = _("Choose caption colours from the list.")
    if settings.caption_opacity not in CAPTION_OPACITIES:
        errors["caption_opacity"] = _("Choose a background opacity from the list.")
    if settings.description_voice not in DESCRIPTION_VOICES:
        errors["description_voice"] = _("Choose who reads the descriptions.")
    if settings.rendition not in RENDITIONS or settings.rendition not in AVAILABLE_RENDITIONS:
        errors["rendition"] = _("Choose what to download from the list.")
    first = second = ""
    try:
        first = _language(settings.caption_language, "caption_language")
    except FieldErrors as err:
        errors.update(err.errors)
    try:
        second = _language(settings.second_language, "second_language")
    except FieldErrors as err:
        errors.update(err.errors)
    if second and second == first:
        errors["second_language"] = _("Choose a second language different from the first, or none.")
    if errors:
        raise FieldErrors(errors)
    return PlayerSettings(**{**asdict(settings), "caption_language": first, "second_language": second})


def save(session: Session, user: User, settings: PlayerSettings) -> PlayerSettings:
    """Check and keep the user's settings (one row per user, created on first save); flushes.
    Raises FieldErrors (see check)."""
    settings = check(settings)
    row = _row(session, user)
    if row is None:
        row = PlayerPreference(user_id=user.id)
        session.add(row)
    for name in _NAMES:
        setattr(row, name, getattr(settings, name))
    session.flush()
    return settings
