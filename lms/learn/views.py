import os
from types import SimpleNamespace
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

from lms.captions.search import search_cues
from lms.db import session as db
from lms.errors import FieldErrors, NotFound
from lms.forms import ConfirmForm, show_errors
from lms.learn.forms import PlayerForm, TranscriptSearchForm
from lms.personal_pages import personal_page
from lms.services import caption_tracks, preferences
from lms.services import enrollment as enrollments
from lms.services import player as players
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
    """The transcript track (the one asked for, else the course's own language, else the first)
    and its cues with words."""
    tracks = [t for t in unit.caption_tracks if t.kind in ("captions", "subtitles")]
    track = (
        next((t for t in tracks if t.language == language), None)
        or next((t for t in tracks if t.language == unit.course.language), None)
        or (tracks[0] if tracks else None)
    )
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


def _described_choice() -> bool | None:
    """?described=1 or 0: the page's link to the version with (or without) audio description."""
    value = request.args.get("described")
    return None if value not in ("0", "1") else value == "1"


def _render_unit(course, unit, enrollment, form: PlayerForm | None = None, status: int = 200):
    progress = progresses.course_progress(db, current_user, course, enrollment)
    previous, following = progresses.neighbours(course, unit)
    settings = preferences.get(db, current_user)
    player = players.build(
        unit,
        settings,
        course_language=course.language,
        transcript_language=request.args.get("lang"),
        described=_described_choice(),
    )
    form = form or PlayerForm()
    form.fill(settings, [(t.language, t.label) for t in player.caption_languages], player.versions)
    track = player.transcript
    cues = [c for c in caption_tracks.cues_of(track.vtt) if c.transcript_text] if track is not None else []
    search = _transcript_search(track, cues)
    html = render_template(
        "learn/unit.html",
        search=search,
        course=course,
        unit=unit,
        progress=progress,
        previous=previous,
        following=following,
        player=player,
        done=unit.id in progress.done_unit_ids,
        form=ConfirmForm(),
        settings_form=form,
        position=progresses.video_position(db, current_user, unit),
    )
    return html, status if status != 200 else (400 if search and search.form.errors else 200)


def _transcript_search(track, cues) -> SimpleNamespace | None:
    """The transcript search's form and, when a valid query was sent, the matching cues."""
    if track is None:
        return None
    form = TranscriptSearchForm(request.args)
    query = (form.q.data or "").strip()
    results = search_cues(cues, query, track.language) if query and form.validate() else []
    return SimpleNamespace(
        form=form, query="" if form.errors else query, results=results, lang=request.args.get("lang")
    )


@bp.route("/courses/<slug>/units/<unit_slug>")
@login_required
@personal_page
def unit(slug: str, unit_slug: str):
    course, unit, enrollment = _load(slug, unit_slug)
    progresses.record_visit(db, enrollment, unit)
    return _render_unit(course, unit, enrollment)


@bp.route("/courses/<slug>/units/<unit_slug>/player", methods=["POST"])
@login_required
def player_settings(slug: str, unit_slug: str):
    """The "Player settings" form of the unit page: saved for the learner, then back to the unit."""
    course, unit, enrollment = _load(slug, unit_slug)
    form = PlayerForm()
    try:
        preferences.save(db, current_user, form.settings())
    except FieldErrors as err:
        show_errors(form, err)
        return _render_unit(course, unit, enrollment, form, 422)
    if request.form.get("quiet"):  # a change made with the player's own controls (player.js)
        return Response(status=204)
    flash(_("Your player settings are saved."), "info")
    return redirect(url_for("learn.unit", slug=slug, unit_slug=unit_slug) + "#video-heading")


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
