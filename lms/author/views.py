"""Writing courses in the browser ("Teach"). Thin: check access, validate, call a service, commit,
redirect. Every page works without JavaScript."""
from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from lms.forms import ConfirmForm, show_errors
from lms.captions.timecode import format_vtt
from lms.author.forms import (
    KIND_CHOICES,
    CaptionUploadForm, CourseForm, CueForm, PublishForm, TrainerForm, UnitForm, VideoForm,
)
from lms.content.sanitize import render_markdown
from lms.db import session as db
from lms.errors import LmsError, NotFound
from lms.extensions import login_manager
from lms.services import authoring, roles
from lms.errors import FieldErrors
from lms.services.authoring import CourseFields, UnitFields
from lms.text import split_lines

bp = Blueprint("author", __name__, url_prefix="/teach")

@bp.before_request
def _trainers_only():
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    roles.require_trainer(current_user)
    return None


def _course(course_id: int, *, with_units: bool = False):
    course = authoring.get_course(db, course_id, with_units=with_units)
    roles.require_edit(current_user, course)
    return course


def _unit(unit_id: int):
    unit = authoring.get_unit(db, unit_id)
    roles.require_edit(current_user, unit.course)
    return unit


def _track(track_id: int):
    track = authoring.get_track(db, track_id)
    roles.require_edit(current_user, track.unit.course)
    return track


def _invalid(form) -> int:
    """400 when the form was not even sent (no fields), 422 when its values need fixing."""
    return 422 if request.form else 400


# --- Dashboard and courses --------------------------------------------------------------------

@bp.route("/")
def dashboard():
    courses = roles.editable_courses(db, current_user)
    return render_template("author/dashboard.html", courses=[(c, authoring.unit_states(c)) for c in courses])


def _course_fields(form: CourseForm) -> CourseFields:
    return CourseFields(title=form.title.data or "", slug=form.slug.data or "", summary=form.summary.data or "",
                        language=form.language.data or "", outcomes=split_lines(form.outcomes.data),
                        estimated_minutes=form.estimated_minutes.data or 0)


@bp.route("/courses/new", methods=["GET", "POST"])
def new_course():
    form = CourseForm()
    if form.validate_on_submit():
        try:
            course = authoring.create_course(db, current_user, _course_fields(form))
        except FieldErrors as err:
            show_errors(form, err)
        else:
            flash(_("Course “%(title)s” created as a draft. Add its units next.", title=course.title), "info")
            return redirect(url_for("author.course", course_id=course.id))
    status = _invalid(form) if request.method == "POST" else 200
    return render_template("author/course_form.html", form=form, course=None), status


@bp.route("/courses/<int:course_id>")
def course(course_id: int):
    course = _course(course_id, with_units=True)
    return render_template("author/course.html", course=course, states=authoring.unit_states(course),
                           form=ConfirmForm(), can_assign=current_user.is_admin)


@bp.route("/courses/<int:course_id>/edit", methods=["GET", "POST"])
def edit_course(course_id: int):
    course = _course(course_id)
    form = CourseForm(obj=course)
    if request.method == "GET":
        form.outcomes.data = "\n".join(course.outcomes or [])
    if form.validate_on_submit():
        try:
            authoring.update_course(db, course, _course_fields(form))
        except FieldErrors as err:
            show_errors(form, err)
        else:
            flash(_("Course details saved."), "info")
            return redirect(url_for("author.course", course_id=course.id))
    status = _invalid(form) if request.method == "POST" else 200
    return render_template("author/course_form.html", form=form, course=course), status


@bp.route("/courses/<int:course_id>/status", methods=["POST"])
def course_status(course_id: int):
    course = _course(course_id)
    status = request.form.get("status", "")
    if status not in ("draft", "published"):
        raise LmsError(_("Choose to publish the course or to make it a draft again."))
    try:
        authoring.set_course_status(db, course, status)
    except FieldErrors as err:
        flash(" ".join(err.errors.values()), "error")
        return redirect(url_for("author.course", course_id=course.id))
    if status == "published":
        flash(_("“%(title)s” is published: learners can find it in the list of courses.", title=course.title), "info")
    else:
        flash(_("“%(title)s” is a draft again: learners cannot see it.", title=course.title), "info")
    return redirect(url_for("author.course", course_id=course.id))


@bp.route("/courses/<int:course_id>/trainers", methods=["GET", "POST"])
def trainers(course_id: int):
    course = _course(course_id)
    roles.require_admin(current_user)
    form = TrainerForm()
    form.user_id.choices = [SelectChoice(u.id, f"{u.name} ({u.email})") for u in roles.trainer_candidates(db, course)]
    if form.validate_on_submit():
        user = roles.assign_trainer(db, current_user, course, form.user_id.data)
        flash(_("%(name)s can now edit “%(title)s”.", name=user.name, title=course.title), "info")
        return redirect(url_for("author.trainers", course_id=course.id))
    status = _invalid(form) if request.method == "POST" else 200
    return render_template("author/trainers.html", course=course, form=form, remove_form=ConfirmForm()), status


@bp.route("/courses/<int:course_id>/trainers/<int:user_id>/remove", methods=["POST"])
def remove_trainer(course_id: int, user_id: int):
    course = _course(course_id)
    roles.require_admin(current_user)
    user = roles.unassign_trainer(db, current_user, course, user_id)
    flash(_("%(name)s can no longer edit “%(title)s”.", name=user.name, title=course.title), "info")
    return redirect(url_for("author.trainers", course_id=course.id))


# --- Units ---------------------------------------------------------------------------------------

def _unit_fields(form: UnitForm) -> UnitFields:
    return UnitFields(title=form.title.data or "", slug=form.slug.data or "", summary=form.summary.data or "",
                      body_md=form.body_md.data or "", estimated_minutes=form.estimated_minutes.data or 0)


def _unit_form_page(form: UnitForm, course, unit):
    """Save, or (on "Preview") show the sanitized rendering below the form without saving."""
    if request.method == "POST" and form.preview.data:
        form.validate()
        preview_html = render_markdown(form.body_md.data or "")
        # A preview is not a failed form, unless something needs fixing.
        status = 422 if any(f.errors for f in form if f.name != "csrf_token") else 200
        if form.csrf_token.errors:
            raise LmsError()
        return render_template("author/unit_form.html", form=form, course=course, unit=unit,
                               preview_html=preview_html), status
    if form.validate_on_submit():
        try:
            if unit is None:
                unit = authoring.create_unit(db, course, _unit_fields(form))
                message = _("Unit “%(title)s” added as a draft.", title=unit.title)
            else:
                authoring.update_unit(db, unit, _unit_fields(form))
                message = _("Unit “%(title)s” saved.", title=unit.title)
        except FieldErrors as err:
            show_errors(form, err)
        else:
            flash(message, "info")
            return redirect(url_for("author.course", course_id=course.id) + f"#unit-{unit.id}")
    status = _invalid(form) if request.method == "POST" else 200
    return render_template("author/unit_form.html", form=form, course=course, unit=unit, preview_html=None), status


@bp.route("/courses/<int:course_id>/units/new", methods=["GET", "POST"])
def new_unit(course_id: int):
    course = _course(course_id)
    return _unit_form_page(UnitForm(), course, None)


@bp.route("/units/<int:unit_id>/edit", methods=["GET", "POST"])
def edit_unit(unit_id: int):
    unit = _unit(unit_id)
    form = UnitForm(obj=unit)
    if request.method == "GET":
        form.slug.data = unit.slug
    return _unit_form_page(form, unit.course, unit)


@bp.route("/units/<int:unit_id>/move", methods=["POST"])
def move_unit(unit_id: int):
    unit = _unit(unit_id)
    direction = request.form.get("direction", "")
    if direction not in ("up", "down"):
        raise LmsError(_("Choose to move the unit up or down."))
    moved = authoring.move_unit(db, unit, direction)
    if moved:
        flash(_("“%(title)s” is now unit %(n)d.", title=unit.title, n=unit.position), "info")
    else:
        flash(_("“%(title)s” is already at the %(end)s.", title=unit.title,
                end=_("top") if direction == "up" else _("bottom")), "info")
    return redirect(url_for("author.course", course_id=unit.course_id) + f"#unit-{unit.id}")


@bp.route("/units/<int:unit_id>/delete", methods=["GET", "POST"])
def delete_unit(unit_id: int):
    unit = _unit(unit_id)
    form = ConfirmForm()
    if request.method == "POST":
        course_id, title = unit.course_id, unit.title
        authoring.delete_unit(db, unit)
        flash(_("Unit “%(title)s” deleted.", title=title), "info")
        return redirect(url_for("author.course", course_id=course_id))
    return render_template("author/unit_delete.html", unit=unit, course=unit.course, form=form)


@bp.route("/units/<int:unit_id>/publish", methods=["GET", "POST"])
def publish_unit(unit_id: int):
    unit = _unit(unit_id)
    form = PublishForm()
    gaps = authoring.publish_gaps(unit)
    if form.validate_on_submit():
        try:
            authoring.set_unit_status(db, unit, "published", form.reason.data or "")
        except authoring.PublishBlocked:
            form.reason.errors = [_("This unit has accessibility gaps. Fix them, or write why it must be published now.")]
        else:
            flash(_("Unit “%(title)s” is published.", title=unit.title), "info")
            return redirect(url_for("author.course", course_id=unit.course_id) + f"#unit-{unit.id}")
    status = _invalid(form) if request.method == "POST" else 200
    return render_template("author/publish.html", unit=unit, course=unit.course, gaps=gaps, form=form), status


@bp.route("/units/<int:unit_id>/unpublish", methods=["POST"])
def unpublish_unit(unit_id: int):
    unit = _unit(unit_id)
    authoring.set_unit_status(db, unit, "draft")
    flash(_("Unit “%(title)s” is a draft again: learners cannot see it.", title=unit.title), "info")
    return redirect(url_for("author.course", course_id=unit.course_id) + f"#unit-{unit.id}")


@bp.route("/units/<int:unit_id>/preview")
def preview_unit(unit_id: int):
    unit = _unit(unit_id)
    track = next((t for t in unit.caption_tracks if t.kind in ("captions", "subtitles")), None)
    cues = authoring.cues_of(track.vtt) if track else []
    return render_template("author/preview.html", unit=unit, course=unit.course, track=track, cues=cues)


# --- Video ---------------------------------------------------------------------------------------

def _chosen(upload):
    return upload if upload is not None and getattr(upload, "filename", None) else None


@bp.route("/units/<int:unit_id>/video", methods=["GET", "POST"])
def video(unit_id: int):
    unit = _unit(unit_id)
    if request.method == "POST" and "remove_poster" in request.form:
        return _remove_poster(unit)
    form = VideoForm()
    form.has_video = unit.video is not None
    form.has_poster = bool(unit.video and unit.video.poster_filename)
    form.video.flags.required = not form.has_video
    if request.method == "GET" and unit.video:
        form.description.data = unit.video.description
        form.poster_alt.data = unit.video.poster_alt
    if form.validate_on_submit():
        upload, poster = _chosen(form.video.data), _chosen(form.poster.data)
        media_dir = Path(current_app.config["MEDIA_DIR"])
        try:
            authoring.save_video(
                db, unit, media_dir, video=upload.stream if upload else None, description=form.description.data or "",
                poster=poster.stream if poster else None, poster_alt=form.poster_alt.data or "",
                max_bytes=current_app.config.get("MAX_CONTENT_LENGTH"),
                poster_max_bytes=current_app.config.get("POSTER_MAX_BYTES", authoring.POSTER_MAX_BYTES))
        except authoring.MediaRejected as err:
            form.video.errors = [err.message]
        except FieldErrors as err:
            show_errors(form, err)
        else:
            if upload:
                flash(_("Video saved for “%(title)s”. Add its captions next.", title=unit.title), "info")
                return redirect(url_for("author.upload_captions", unit_id=unit.id))
            flash(_("The video details of “%(title)s” were saved.", title=unit.title), "info")
            return redirect(url_for("author.video", unit_id=unit.id))
    status = _invalid(form) if request.method == "POST" else 200
    return render_template("author/video.html", unit=unit, course=unit.course, form=form, remove_form=ConfirmForm(),
                           max_mb=(current_app.config.get("MAX_CONTENT_LENGTH") or 0) // (1024 * 1024),
                           poster_limit=authoring.size_text(
                               current_app.config.get("POSTER_MAX_BYTES", authoring.POSTER_MAX_BYTES))), status


def _remove_poster(unit):
    """The "Remove the poster" button of the video page (its own small form, posted to the same address)."""
    authoring.remove_poster(db, unit)
    flash(_("The poster was removed from the video of “%(title)s”.", title=unit.title), "info")
    return redirect(url_for("author.video", unit_id=unit.id))


@bp.route("/units/<int:unit_id>/video/remove", methods=["POST"])
def remove_video(unit_id: int):
    unit = _unit(unit_id)
    authoring.remove_video(db, unit)
    flash(_("The video was removed from “%(title)s”.", title=unit.title), "info")
    return redirect(url_for("author.course", course_id=unit.course_id) + f"#unit-{unit.id}")


# --- Captions ------------------------------------------------------------------------------------

@bp.route("/units/<int:unit_id>/captions/new", methods=["GET", "POST"])
def upload_captions(unit_id: int):
    unit = _unit(unit_id)
    form = CaptionUploadForm()
    if request.method == "GET":
        form.language.data = unit.course.language
    status = 200
    if form.validate_on_submit():
        limit = current_app.config.get("MAX_CAPTION_BYTES", 2 * 1024 * 1024)
        data = form.file.data.stream.read(limit + 1)
        if len(data) > limit:
            form.file.errors = [_("This caption file is larger than %(kb)d KB. Caption files are small text files: check you chose the right file.", kb=limit // 1024)]
            status = 413
        else:
            try:
                check = authoring.check_captions(
                    db, unit, current_user, data, form.file.data.filename or "", language=form.language.data,
                    kind=form.kind.data, media_dir=Path(current_app.config["MEDIA_DIR"]))
            except FieldErrors as err:
                show_errors(form, err)
                status = 422
            else:
                if check.accepted:
                    return redirect(url_for("author.pending_captions", unit_id=unit.id, token=check.pending.token))
                return render_template("author/caption_report.html", unit=unit, course=unit.course,
                                       report=check.report, pending=None, form=None), 422
    elif request.method == "POST":
        status = _invalid(form)
    return render_template("author/caption_upload.html", unit=unit, course=unit.course, form=form,
                           kind_choices=KIND_CHOICES), status


@bp.route("/units/<int:unit_id>/captions/pending/<token>")
def pending_captions(unit_id: int, token: str):
    unit = _unit(unit_id)
    pending = authoring.get_pending(db, unit, token)
    return render_template("author/caption_report.html", unit=unit, course=unit.course, report=pending.report,
                           pending=pending, form=ConfirmForm())


@bp.route("/units/<int:unit_id>/captions/pending/<token>/captions.vtt")
def pending_vtt(unit_id: int, token: str):
    unit = _unit(unit_id)
    pending = authoring.get_pending(db, unit, token)
    return Response(pending.vtt, mimetype="text/vtt", headers={"Cache-Control": "no-store"})


@bp.route("/units/<int:unit_id>/captions/pending/<token>/confirm", methods=["POST"])
def confirm_captions(unit_id: int, token: str):
    unit = _unit(unit_id)
    pending = authoring.get_pending(db, unit, token)
    track = authoring.confirm_captions(db, pending)
    flash(_("The %(label)s %(kind)s are live for “%(title)s”.", label=track.label, kind=track.kind, title=unit.title), "info")
    return redirect(url_for("author.track", track_id=track.id))


@bp.route("/units/<int:unit_id>/captions/pending/<token>/discard", methods=["POST"])
def discard_captions(unit_id: int, token: str):
    unit = _unit(unit_id)
    pending = authoring.get_pending(db, unit, token)
    authoring.discard_pending(db, pending)
    flash(_("The uploaded captions were discarded; nothing changed."), "info")
    return redirect(url_for("author.course", course_id=unit.course_id) + f"#unit-{unit.id}")


@bp.route("/tracks/<int:track_id>")
def track(track_id: int):
    track = _track(track_id)
    cues = authoring.cues_of(track.vtt)
    rows = [(format_vtt(c.start), format_vtt(c.end), authoring.cue_plain_text(c)) for c in cues]
    return render_template("author/track.html", track=track, unit=track.unit, course=track.unit.course,
                           cues=rows, form=ConfirmForm())


@bp.route("/tracks/<int:track_id>/captions.vtt")
def track_vtt(track_id: int):
    track = _track(track_id)
    return Response(track.vtt, mimetype="text/vtt", headers={"Cache-Control": "no-store"})


@bp.route("/tracks/<int:track_id>/download.<fmt>")
def download_track(track_id: int, fmt: str):
    track = _track(track_id)
    text, mime = authoring.track_download(track, fmt)
    unit = track.unit
    name = f"{unit.course.slug}-{unit.slug}-{track.language}-{track.kind}.{fmt}"
    return Response(text, mimetype=mime, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.route("/tracks/<int:track_id>/cues/<int:number>/edit", methods=["GET", "POST"])
def edit_cue(track_id: int, number: int):
    track = _track(track_id)
    cues = authoring.cues_of(track.vtt)
    if not 1 <= number <= len(cues):
        raise NotFound()
    cue = cues[number - 1]
    form = CueForm()
    if request.method == "GET":
        form.start.data, form.end.data, form.text.data = format_vtt(cue.start), format_vtt(cue.end), cue.text
    if form.validate_on_submit():
        try:
            authoring.update_cue(db, track, number, form.start.data, form.end.data, form.text.data)
        except FieldErrors as err:
            show_errors(form, err)
        else:
            flash(_("Caption %(n)d saved.", n=number), "info")
            return redirect(url_for("author.track", track_id=track.id) + f"#cue-{number}")
    status = _invalid(form) if request.method == "POST" else 200
    return render_template("author/cue_form.html", track=track, unit=track.unit, course=track.unit.course,
                           form=form, number=number, total=len(cues)), status


@bp.route("/tracks/<int:track_id>/delete", methods=["POST"])
def delete_track(track_id: int):
    track = _track(track_id)
    unit = track.unit
    authoring.delete_track(db, track)
    flash(_("The caption track was deleted from “%(title)s”.", title=unit.title), "info")
    return redirect(url_for("author.course", course_id=unit.course_id) + f"#unit-{unit.id}")
