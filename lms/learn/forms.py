"""Forms of the learner's unit page: the transcript search, and the "Player settings" form, whose
values are checked by lms.services.preferences (the one place that knows what is allowed), so its
fields accept any text and never refuse with WTForms' own messages."""

from __future__ import annotations

import math

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, RadioField, SearchField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length

from lms.captions.search import MAX_QUERY
from lms.forms import Form, PlainForm
from lms.models.preferences import SPEEDS
from lms.services.player import RENDITION_LABELS, speed_label, version_label
from lms.services.preferences import AVAILABLE_RENDITIONS, PlayerSettings
from lms.services.renditions import Version


def _number(value) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan  # refused by the service with a message on the field


def _whole(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


class PlayerForm(Form):
    speed = SelectField(_l("Playback speed"), choices=[], coerce=_number, validate_choice=False)
    caption_language = SelectField(_l("Caption language"), validate_choice=False)
    second_language = SelectField(
        _l("Second caption language"),
        validate_choice=False,
        description=_l("Shown above the first, and beside it in the transcript."),
    )
    caption_size = SelectField(
        _l("Caption size"),
        choices=[SelectChoice(str(n), f"{n}%") for n in (100, 150, 200)],
        coerce=_whole,
        validate_choice=False,
    )
    caption_colours = SelectField(
        _l("Caption colours"),
        choices=[
            SelectChoice("white-on-black", _l("White on black")),
            SelectChoice("black-on-white", _l("Black on white")),
            SelectChoice("yellow-on-black", _l("Yellow on black")),
        ],
        validate_choice=False,
    )
    caption_opacity = SelectField(
        _l("Caption background"),
        choices=[
            SelectChoice("100", _l("Solid")),
            SelectChoice("75", _l("%(n)d%% opaque", n=75)),
            SelectChoice("50", _l("%(n)d%% opaque", n=50)),
        ],
        coerce=_whole,
        validate_choice=False,
    )
    descriptions = BooleanField(
        _l("Audio description"),
        description=_l("Read out what the video shows, or play the version with audio description when there is one."),
    )
    description_voice = RadioField(
        _l("Who reads the descriptions"),
        choices=[
            SelectChoice("screen-reader", _l("My screen reader")),
            SelectChoice("speech", _l("The browser’s voice")),
        ],
        validate_choice=False,
    )
    extended_descriptions = BooleanField(_l("Pause the video while a description is read"))
    autoscroll = BooleanField(_l("Scroll the transcript to follow the video"))
    rendition = RadioField(
        _l("What to download"),
        choices=[SelectChoice(r, RENDITION_LABELS[r]) for r in AVAILABLE_RENDITIONS],
        validate_choice=False,
    )

    def fill(
        self, settings: PlayerSettings, languages: list[tuple[str, str]], versions: list[Version] | None = None
    ) -> None:
        """Offer the unit's caption languages (tag, label) and the versions of its video this unit
        has, each with its size before anything downloads; on a GET, show the saved settings."""
        if versions:
            self.rendition.choices = [SelectChoice(v.kind, version_label(v)) for v in versions]
        offered = [SelectChoice(tag, label) for tag, label in languages]
        self.speed.choices = [SelectChoice(f"{s:g}", speed_label(s)) for s in SPEEDS]
        self.caption_language.choices = [SelectChoice("", _l("The course’s language"))] + offered
        self.second_language.choices = [SelectChoice("", _l("None"))] + offered
        if not self.is_submitted():
            for name in PlayerSettings.__dataclass_fields__:
                getattr(self, name).data = getattr(settings, name)

    def settings(self) -> PlayerSettings:
        return PlayerSettings(
            speed=self.speed.data,
            caption_language=self.caption_language.data or "",
            second_language=self.second_language.data or "",
            caption_size=self.caption_size.data,
            caption_colours=self.caption_colours.data or "",
            caption_opacity=self.caption_opacity.data,
            descriptions=bool(self.descriptions.data),
            description_voice=self.description_voice.data or "",
            extended_descriptions=bool(self.extended_descriptions.data),
            autoscroll=bool(self.autoscroll.data),
            rendition=self.rendition.data or "",
        )


class TranscriptSearchForm(PlainForm):
    """The transcript search: a GET form (it changes nothing, so it carries no CSRF token and its
    results page can be bookmarked or shared)."""

    q = SearchField(
        _l("Search the transcript"),
        [Length(max=MAX_QUERY, message=_l("Search for %(max)d characters or fewer.", max=MAX_QUERY))],
        description=_l("A word or a few words, in the language of the video."),
    )
