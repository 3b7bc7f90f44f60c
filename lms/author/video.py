"""Teach pages for a unit's video: upload or replace it with its description and poster, remove
the poster, remove the video, and upload or remove its version with audio description."""

from __future__ import annotations

from pathlib import Path

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired

from lms.author.blueprint import bp, form_status, submit, unit_for_edit
from lms.author.forms import VideoForm
from lms.db import session as db
from lms.forms import ConfirmForm, Form
from lms.services import video as videos


class DescribedVideoForm(Form):
    """The video page's "Version with audio description" upload (its own small form)."""

    described = FileField(
        _l("Video with audio description"),
        validators=[FileRequired(_l("Choose the video file with audio description to upload."))],
        description=_l(
            "The same video with a voice describing what is on screen. Learners who turn audio description "
            "on are given it instead. WebM, MP4, MP3 or M4A."
        ),
    )


def _chosen(upload):
    return upload if upload is not None and getattr(upload, "filename", None) else None


@bp.route("/units/<int:unit_id>/video", methods=["GET", "POST"])
def video(unit_id: int):
    unit = unit_for_edit(unit_id)
    if request.method == "POST" and "remove_poster" in request.form:
        return _remove_poster(unit)
    form = _video_form(unit, VideoForm(), fill=request.method == "GET")
    form.video.flags.required = not form.has_video
    poster_max = current_app.config.get("POSTER_MAX_BYTES", videos.POSTER_MAX_BYTES)
    upload, poster = _chosen(form.video.data), _chosen(form.poster.data)
    saved = submit(
        form,
        lambda: videos.save_video(
            db,
            unit,
            Path(current_app.config["MEDIA_DIR"]),
            video=upload.stream if upload else None,
            description=form.description.data or "",
            poster=poster.stream if poster else None,
            poster_alt=form.poster_alt.data or "",
            max_bytes=current_app.config.get("MAX_CONTENT_LENGTH"),
            poster_max_bytes=poster_max,
        ),
    )
    if saved is not None:
        if upload:
            flash(_("Video saved for “%(title)s”. Add its captions next.", title=unit.title), "info")
            return redirect(url_for("author.upload_captions", unit_id=unit.id))
        return _back(unit, _("The video details of “%(title)s” were saved.", title=unit.title))
    return _page(unit, form, DescribedVideoForm(formdata=None), form_status(form))


def _video_form(unit, form: VideoForm, *, fill: bool) -> VideoForm:
    """`form`, marked with whether the unit has a video and a poster (the page is worded by them);
    with `fill`, holding the stored description and poster text too."""
    form.has_video = unit.video is not None
    form.has_poster = bool(unit.video and unit.video.poster_filename)
    if fill and unit.video:
        form.description.data, form.poster_alt.data = unit.video.description, unit.video.poster_alt
    return form


def _back(unit, message: str):
    """Back to the unit's video page, saying what was done."""
    flash(message, "info")
    return redirect(url_for("author.video", unit_id=unit.id))


def _page(unit, form: VideoForm, described_form: DescribedVideoForm, status: int):
    return render_template(
        "author/video.html",
        unit=unit,
        course=unit.course,
        form=form,
        described_form=described_form,
        remove_form=ConfirmForm(),
        max_mb=(current_app.config.get("MAX_CONTENT_LENGTH") or 0) // (1024 * 1024),
        poster_limit=videos.size_text(current_app.config.get("POSTER_MAX_BYTES", videos.POSTER_MAX_BYTES)),
    ), status


@bp.route("/units/<int:unit_id>/video/described", methods=["POST"])
def described_video(unit_id: int):
    """Upload the version of the video with audio description (the unit must have its video)."""
    unit = unit_for_edit(unit_id)
    form = DescribedVideoForm()
    saved = submit(
        form,
        lambda: videos.attach_described(
            db,
            unit,
            form.described.data.stream,
            Path(current_app.config["MEDIA_DIR"]),
            max_bytes=current_app.config.get("MAX_CONTENT_LENGTH"),
        ),
    )
    if saved is None:
        return _page(unit, _video_form(unit, VideoForm(formdata=None), fill=True), form, 422)
    return _back(unit, _("The version with audio description of “%(title)s” was saved.", title=unit.title))


@bp.route("/units/<int:unit_id>/video/described/remove", methods=["POST"])
def remove_described_video(unit_id: int):
    unit = unit_for_edit(unit_id)
    videos.remove_described(db, unit)
    return _back(unit, _("The version with audio description was removed from “%(title)s”.", title=unit.title))


def _remove_poster(unit):
    """The "Remove the poster" button of the video page (its own small form, posted to the same address)."""
    videos.remove_poster(db, unit)
    return _back(unit, _("The poster was removed from the video of “%(title)s”.", title=unit.title))


@bp.route("/units/<int:unit_id>/video/remove", methods=["POST"])
def remove_video(unit_id: int):
    unit = unit_for_edit(unit_id)
    videos.remove_video(db, unit)
    flash(_("The video was removed from “%(title)s”.", title=unit.title), "info")
    return redirect(url_for("author.course", course_id=unit.course_id) + f"#unit-{unit.id}")
