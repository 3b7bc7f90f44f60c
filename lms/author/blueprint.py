"""The one "Teach" blueprint, who may use it, and the few steps every Teach page shares.

Each page module (courses, units, publishing, video, captions) adds its routes to `bp`. Pages
are thin: check access, validate the form, call one service, redirect (POST/redirect/GET). The
request's transaction is committed or rolled back by lms.db, never here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TypeVar

from flask import Blueprint, request
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import IntegerField

from lms.db import discard
from lms.db import session as db
from lms.errors import EditConflict, FieldErrors
from lms.extensions import login_manager
from lms.forms import show_errors
from lms.models import CaptionTrack, Course, Unit
from lms.services import caption_tracks, courses, roles, units

bp = Blueprint("author", __name__, url_prefix="/teach")

T = TypeVar("T")


@bp.before_request
def _trainers_only():
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    roles.require_trainer(current_user)
    return None


def course_for_edit(course_id: int, *, with_units: bool = False) -> Course:
    """The course, if the signed-in person may edit it (NotFound, NotAllowed)."""
    course = courses.get_course(db, course_id, with_units=with_units)
    roles.require_edit(current_user, course)
    return course


def unit_for_edit(unit_id: int) -> Unit:
    """The unit, if the signed-in person may edit its course (NotFound, NotAllowed)."""
    unit = units.get_unit(db, unit_id)
    roles.require_edit(current_user, unit.course)
    return unit


def track_for_edit(track_id: int) -> CaptionTrack:
    """The caption track, if the signed-in person may edit its course (NotFound, NotAllowed)."""
    track = caption_tracks.get_track(db, track_id)
    roles.require_edit(current_user, track.unit.course)
    return track


def form_status(form: FlaskForm) -> int:
    """The status of a page that shows a form again: 200 on GET; on POST, 400 when the form was
    not even sent (no fields) and 422 when its values need fixing."""
    if request.method != "POST":
        return 200
    if getattr(form, "conflict", False):
        return 409
    return 422 if request.form else 400


def attempt(form: FlaskForm, action: Callable[[], T]) -> T | None:
    """Run one service call; when it raises FieldErrors, put each message on its field
    (lms.forms.show_errors, which also rolls back) and return None. When someone else saved the
    record first (EditConflict), roll back, set `form.conflict` and return None: the page then
    shows both versions (lms.forms.show_conflict)."""
    try:
        return action()
    except FieldErrors as err:
        show_errors(form, err)
        return None
    except EditConflict:
        discard()
        form.conflict = True
        return None


def submit(form: FlaskForm, action: Callable[[], T]) -> T | None:
    """On a valid POST, `attempt` the service call and return what it returned (never None for
    the Teach services); None when the form was not sent, is invalid, or the service refused it."""
    if not form.validate_on_submit():
        return None
    return attempt(form, action)


def sent_beside(form: FlaskForm, theirs: Mapping[str, str]) -> list[tuple[str, str, str]]:
    """(label, stored text, what the editor sent) for each field `theirs` names, in its order: the
    rows of an edit conflict page (lms.forms.show_conflict). A number field gives the text as
    typed, since its data is None when that is not a number."""
    rows = []
    for name, stored in theirs.items():
        field = form[name]
        if isinstance(field, IntegerField):
            sent = field.raw_data[0] if field.raw_data else ""
        else:
            sent = field.data or ""
        rows.append((field.label.text, stored, sent))
    return rows
