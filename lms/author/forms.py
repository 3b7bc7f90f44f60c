"""Forms for writing courses. Validation that needs the database lives in the services
(lms.services.courses, units, video and caption_tracks)."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import IntegerField, RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from lms.forms import Form, VersionField
from lms.models.media import CAPTION_KINDS
from lms.text import normalize_language


def _language(form, field):
    try:
        field.data = normalize_language(field.data or "")
    except ValueError as err:
        raise ValidationError(str(err)) from None


def _title_field(label, required_message) -> StringField:
    return StringField(
        label,
        validators=[
            DataRequired(required_message),
            Length(max=200, message=_l("Keep the title to 200 characters or fewer.")),
        ],
    )


def _slug_field(description) -> StringField:
    return StringField(
        _l("Web address name"),
        validators=[Optional(), Length(max=80, message=_l("Keep the web address name to 80 characters or fewer."))],
        description=description,
        render_kw={"spellcheck": "false", "autocapitalize": "none"},
    )


def _minutes_field(required_message, default: int) -> IntegerField:
    return IntegerField(
        _l("Estimated time in minutes"),
        validators=[
            InputRequired(required_message),
            NumberRange(min=0, max=10000, message=_l("Enter a number of minutes from 0 to 10000.")),
        ],
        default=default,
        render_kw={"inputmode": "numeric"},
    )


class CourseForm(Form):
    title = _title_field(_l("Course title"), _l("Enter a title for the course."))
    slug = _slug_field(
        _l("Lower-case letters a–z, digits and hyphens, e.g. first-aid. Leave empty to make one from the title.")
    )
    summary = TextAreaField(
        _l("Summary"),
        validators=[Optional(), Length(max=2000, message=_l("Keep the summary to 2000 characters or fewer."))],
        description=_l("One or two sentences learners see in the list of courses."),
    )
    language = StringField(
        _l("Language of the course"),
        validators=[DataRequired(_l("Enter the language of the course, like en or km.")), _language],
        description=_l("A language tag (BCP 47), like en for English, km for Khmer, fr for French."),
        default="en",
        render_kw={"spellcheck": "false", "autocapitalize": "none"},
    )
    outcomes = TextAreaField(
        _l("Learning outcomes"),
        validators=[Optional(), Length(max=5000)],
        description=_l("What learners will be able to do: one outcome per line."),
    )
    estimated_minutes = _minutes_field(_l("Enter the time in whole minutes, like 45."), default=30)
    #: The course's version when the form was opened (optimistic locking).
    version = VersionField()


class UnitForm(Form):
    title = _title_field(_l("Unit title"), _l("Enter a title for the unit."))
    slug = _slug_field(
        _l(
            "Lower-case letters a–z, digits and hyphens. "
            "Leave empty to keep the current one, or to make one from the title."
        )
    )
    summary = TextAreaField(
        _l("Summary"),
        validators=[Optional(), Length(max=2000)],
        description=_l("One sentence shown in the course's list of units."),
    )
    body_md = TextAreaField(
        _l("Reading text (Markdown)"),
        validators=[Optional(), Length(max=200_000)],
        description=_l(
            "Use ## for headings, - for lists and ![what the image shows](address) for images. "
            "Press Preview to see it as learners will."
        ),
        render_kw={"rows": 16},
    )
    estimated_minutes = _minutes_field(_l("Enter the time in whole minutes, like 10."), default=10)
    #: The unit's version when the form was opened (optimistic locking).
    version = VersionField()
    preview = SubmitField(_l("Preview"))
    save = SubmitField(_l("Save unit"))


class PublishForm(Form):
    reason = TextAreaField(
        _l("Reason for publishing without these"),
        validators=[Optional(), Length(max=2000)],
        description=_l(
            "Only needed if you must publish before the gaps above are fixed. Learners do not see it; "
            "admins and trainers do, on the Teach page."
        ),
    )


class VideoForm(Form):
    """The Teach video page. When the unit has a video already (the view sets has_video), the video
    file may be left out to change only the description or the poster."""

    has_video = False
    has_poster = False

    video = FileField(_l("Video or audio file"), description=_l("WebM, MP4, MP3 or M4A."))
    description = TextAreaField(
        _l("What the video shows"),
        validators=[Optional(), Length(max=2000)],
        description=_l("A sentence or two for learners who cannot see the video: who is on screen and what they show."),
    )
    poster = FileField(
        _l("Poster image"),
        description=_l("A still picture shown before the video plays: PNG, JPEG or WebP."),
    )
    poster_alt = TextAreaField(
        _l("What the poster shows"),
        # No Optional(): it would stop validate_poster_alt from running on an empty field.
        validators=[Length(max=1000, message=_l("Keep the poster description to 1000 characters or fewer."))],
        description=_l("Needed with a poster. Learners who cannot see the picture read this next to the video."),
    )

    @staticmethod
    def _chosen(field) -> bool:
        return bool(field.data and getattr(field.data, "filename", None))

    def validate_video(self, field):
        if self._chosen(field):
            return
        # The form as the page sends it always has its text fields; a request without them changes nothing.
        details_sent = bool(self.description.raw_data or self.poster_alt.raw_data or self._chosen(self.poster))
        if not (self.has_video and details_sent):
            raise ValidationError(_l("Choose a video or audio file to upload."))

    def validate_poster_alt(self, field):
        if (self._chosen(self.poster) or self.has_poster) and not (field.data or "").strip():
            raise ValidationError(_l("Describe the poster image for people who cannot see it."))


KIND_CHOICES = [
    ("captions", _l("Captions: speech and important sounds, in the language spoken")),
    ("subtitles", _l("Subtitles: a translation of the speech")),
    ("descriptions", _l("Descriptions: text for audio description of what is on screen")),
    ("chapters", _l("Chapters: titles of the parts of the video")),
]
assert [k for k, _label in KIND_CHOICES] == list(CAPTION_KINDS)


class CaptionUploadForm(Form):
    file = FileField(
        _l("Caption file"),
        validators=[FileRequired(_l("Choose a caption file to upload."))],
        description=_l(
            "A WebVTT (.vtt), SubRip (.srt), YouTube (.sbv), TTML or DFXP (.ttml, .dfxp, .xml), Scenarist (.scc), SAMI (.smi) or SubStation (.ssa, .ass) file."
        ),
    )
    language = StringField(
        _l("Language of the captions"),
        validators=[DataRequired(_l("Enter the language of the captions, like en or km.")), _language],
        description=_l("A language tag (BCP 47), like en, km or fr."),
        render_kw={"spellcheck": "false", "autocapitalize": "none"},
    )
    kind = RadioField(
        _l("What the track contains"),
        choices=[SelectChoice(v, label) for v, label in KIND_CHOICES],
        default="captions",
        validators=[InputRequired(_l("Choose what the track contains."))],
    )


class CueForm(Form):
    start = StringField(
        _l("Start time"),
        validators=[DataRequired(_l("Enter the start time, like 00:01:05.250."))],
        description=_l("Hours:minutes:seconds.milliseconds, like 00:01:05.250."),
        render_kw={"spellcheck": "false"},
    )
    end = StringField(
        _l("End time"),
        validators=[DataRequired(_l("Enter the end time, like 00:01:08.000."))],
        description=_l("Hours:minutes:seconds.milliseconds, after the start time."),
        render_kw={"spellcheck": "false"},
    )
    text = TextAreaField(
        _l("Caption text"),
        validators=[DataRequired(_l("Enter the caption text."))],
        description=_l("At most 2 lines of about 42 characters."),
        render_kw={"rows": 3},
    )
    #: The caption track's version when the form was opened (optimistic locking): the track is
    #: stored as one text, so a save of any of its cues since then is a conflict.
    version = VersionField()


class TrainerForm(Form):
    user_id = SelectField(_l("Trainer to add"), coerce=int, validators=[InputRequired(_l("Choose a trainer to add."))])
