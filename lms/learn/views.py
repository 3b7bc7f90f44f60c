import os
from urllib.parse import quote

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.security import safe_join

from lms.db import session as db
from lms.errors import NotFound
from lms.forms import ConfirmForm
from lms.services import caption_tracks
from lms.services import enrollment as enrollments
from lms.services import progress as progresses

bp = Blueprint("learn", __name__)


def _load(slug: str, unit_slug: str):
    course = enrollments.get_course(db, slug, user=current_user)
    unit = next((u for u in course.published_units() if u.slug == unit_slug), None)
    if unit is None:
        raise NotFound()
    enrollment = enrollments.require_enrollment(db, current_user, course)
    return course, unit, enrollment


def _cues(unit, language: str | None = None):
    tracks = [t for t in unit.caption_tracks if t.kind in ("captions", "subtitles")]
    track = next((t for t in tracks if t.language == language), None) or (tracks[0] if tracks else None)
    if track is None:
        return None, []
    # The transcript shows each cue's words (cue.transcript_text); a cue of markup alone, such as
    # a bare inline timestamp, has none and would be an empty line.
    return track, [cue for cue in caption_tracks.cues_of(track.vtt) if cue.transcript_text]


@bp.route("/courses/<slug>/continue")
@login_required
def resume(slug: str):
    course = enrollments.get_course(db, slug, user=current_user)
    enrollment = enrollments.require_enrollment(db, current_user, course)
    progress = progresses.course_progress(db, current_user, course, enrollment)
    if progress.resume_unit is None:
        return redirect(url_for("catalog.course", slug=slug))
    return redirect(url_for("learn.unit", slug=slug, unit_slug=progress.resume_unit.slug))


@bp.route("/courses/<slug>/units/<unit_slug>")
@login_required
def unit(slug: str, unit_slug: str):
    course, unit, enrollment = _load(slug, unit_slug)
    progresses.record_visit(db, enrollment, unit)
    progress = progresses.course_progress(db, current_user, course, enrollment)
    previous, following = progresses.neighbours(course, unit)
    track, cues = _cues(unit, request.args.get("lang"))
    return render_template(
        "learn/unit.html",
        course=course,
        unit=unit,
        progress=progress,
        previous=previous,
        following=following,
        track=track,
        cues=cues,
        done=unit.id in progress.done_unit_ids,
        form=ConfirmForm(),
        position=progresses.video_position(db, current_user, unit),
    )


@bp.route("/courses/<slug>/units/<unit_slug>/done", methods=["POST"])
@login_required
def done(slug: str, unit_slug: str):
    course, unit, enrollment = _load(slug, unit_slug)
    progresses.mark_done(db, current_user, unit)
    certificate = progresses.complete_if_done(db, current_user, course, enrollment)
    _previous, following = progresses.neighbours(course, unit)
    if certificate is not None:
        flash(_("You have completed “%(title)s”. Your certificate is ready.", title=course.title), "info")
        return redirect(url_for("certificates.show", code=certificate.code))
    flash(_("“%(title)s” is marked as done.", title=unit.title), "info")
    if following is not None:
        return redirect(url_for("learn.unit", slug=slug, unit_slug=following.slug))
    if course.quiz is not None and course.quiz.questions:
        return redirect(url_for("quiz.take", slug=slug))
    return redirect(url_for("catalog.course", slug=slug))


@bp.route("/courses/<slug>/units/<unit_slug>/position", methods=["POST"])
@login_required
def position(slug: str, unit_slug: str):
    """Where the video was paused; sent by enhance.js, so the learner resumes there."""
    _, unit, _enrollment = _load(slug, unit_slug)
    if unit.video is None:
        raise NotFound()
    try:
        seconds = float(request.form.get("seconds", ""))
    except ValueError:
        abort(400)
    if seconds != seconds or seconds in (float("inf"), float("-inf")):
        abort(400)
    progresses.save_position(db, current_user, unit, seconds)
    return Response(status=204)


@bp.route("/courses/<slug>/units/<unit_slug>/captions/<lang>/<kind>.vtt")
@login_required
def captions(slug: str, unit_slug: str, lang: str, kind: str):
    _, unit, _enrollment = _load(slug, unit_slug)
    track = next((t for t in unit.caption_tracks if t.language == lang and t.kind == kind), None)
    if track is None:
        raise NotFound()
    return Response(track.vtt, mimetype="text/vtt", headers={"Cache-Control": "private, max-age=300"})


@bp.route("/courses/<slug>/units/<unit_slug>/transcript.txt")
@login_required
def transcript(slug: str, unit_slug: str):
    course, unit, _enrollment = _load(slug, unit_slug)
    track, cues = _cues(unit, request.args.get("lang"))
    if track is None:
        raise NotFound()
    text = render_template("learn/transcript.txt", course=course, unit=unit, cues=cues, track=track)
    filename = f"{course.slug}-{unit.slug}-{track.language}.txt"
    return Response(text, mimetype="text/plain", headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.route("/media/<filename>")
@login_required
def media(filename: str):
    mime = enrollments.media_type_for(db, current_user, filename)
    accel = current_app.config.get("MEDIA_ACCEL_REDIRECT")
    if accel:
        return _accel_redirect(accel, filename, mime)
    # send_from_directory answers Range requests with 206, so phones can seek.
    response = send_from_directory(
        current_app.config["MEDIA_DIR"], filename, mimetype=mime, conditional=True, max_age=86400
    )
    response.headers["Cache-Control"] = "private, max-age=86400, immutable"
    return response


def _accel_redirect(location: str, filename: str, mime: str) -> Response:
    """Hand the sending of a checked media file to nginx (its X-Accel-Redirect, "internal"
    locations: https://nginx.org/en/docs/http/ngx_http_proxy_module.html#proxy_ignore_headers).
    nginx keeps this answer's Content-Type and Cache-Control and answers Range requests itself."""
    path = safe_join(current_app.config["MEDIA_DIR"], filename)
    if path is None or not os.path.isfile(path):
        raise NotFound()
    response = Response(status=200, mimetype=mime)
    response.headers["X-Accel-Redirect"] = location.rstrip("/") + "/" + quote(filename)
    response.headers["Cache-Control"] = "private, max-age=86400, immutable"
    return response
