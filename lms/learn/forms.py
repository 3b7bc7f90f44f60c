"""Forms of the learner's unit page."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import Form, SearchField
from wtforms.validators import Length

from lms.captions.search import MAX_QUERY


class TranscriptSearchForm(Form):
    """The transcript search: a GET form (it changes nothing, so it carries no CSRF token and its
    results page can be bookmarked or shared)."""

    q = SearchField(
        _l("Search the transcript"),
        [Length(max=MAX_QUERY, message=_l("Search for %(max)d characters or fewer.", max=MAX_QUERY))],
        description=_l("A word or a few words, in the language of the video."),
    )
