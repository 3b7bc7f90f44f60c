"""Teach pages for caption tracks: upload a file and read its report, confirm or discard it, then
read, download, correct cue by cue, or delete the live track."""

from __future__ import annotations

from pathlib import Path

from flask import Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms.author.blueprint import attempt, bp, form_status, submit, track_for_edit, unit_for_edit
from lms.author.forms import KIND_CHOICES, CaptionUploadForm, CueForm
from lms.captions.timecode import format_vtt
from lms.db import session as db
from lms.errors import NotFound
from lms.forms import ConfirmForm, show_conflict
from lms.services import caption_tracks, editing

#: Caption files are small text files; bigger uploads are refused unless the site sets MAX_CAPTION_BYTES.
MAX_CAPTION_BYTES = 2 * 1024 * 1024


@bp.route("/units/<int:unit_id>/captions/new", methods=["GET", "POST"])
def upload_captions(unit_id: int):
    unit = unit_for_edit(unit_id)
    form = CaptionUploadForm()
    status = form_status(form)
    if request.method == "GET":
        form.language.data = unit.course.language
    elif form.validate_on_submit():
        limit = current_app.config.get("MAX_CAPTION_BYTES", MAX_CAPTION_BYTES)
        data = form.file.data.stream.read(limit + 1)
        if len(data) > limit:
            form.file.errors = [
                _(
                    "This caption file is larger than %(kb)d KB. Caption files are small text files: check you chose the right file.",
                    kb=limit // 1024,
                )
            ]
            status = 413
        else:
            check = attempt(
                form,
                lambda: caption_tracks.check_captions(
                    db,
                    unit,
                    current_user,
                    data,
                    form.file.data.filename or "",
                    language=form.language.data,
                    kind=form.kind.data,
                    media_dir=Path(current_app.config["MEDIA_DIR"]),
                ),
            )
            if check is not None and check.pending is not None:  # accepted: the trainer confirms it next
                return redirect(url_for("author.pending_captions", unit_id=unit.id, token=check.pending.token))
            if check is not None:  # read, but with errors: the report says which lines to fix
                return render_template(
                    "author/caption_report.html",
                    unit=unit,
                    course=unit.course,
                    report=check.report,
                    pending=None,
                    form=None,
                ), 422
    return render_template(
        "author/caption_upload.html", unit=unit, course=unit.course, form=form, kind_choices=KIND_CHOICES
    ), status


@bp.route("/units/<int:unit_id>/captions/pending/<token>")
def pending_captions(unit_id: int, token: str):
    unit = unit_for_edit(unit_id)
    pending = caption_tracks.get_pending(db, unit, token)
    return render_template(
        "author/caption_report.html",
        unit=unit,
        course=unit.course,
        report=pending.report,
        pending=pending,
        form=ConfirmForm(),
    )


@bp.route("/units/<int:unit_id>/captions/pending/<token>/captions.vtt")
def pending_vtt(unit_id: int, token: str):
    unit = unit_for_edit(unit_id)
    pending = caption_tracks.get_pending(db, unit, token)
    return Response(pending.vtt, mimetype="text/vtt", headers={"Cache-Control": "no-store"})


@bp.route("/units/<int:unit_id>/captions/pending/<token>/confirm", methods=["POST"])
def confirm_captions(unit_id: int, token: str):
    unit = unit_for_edit(unit_id)
    pending = caption_tracks.get_pending(db, unit, token)
    track = caption_tracks.confirm_captions(db, pending)
    flash(
        _(
            "The %(label)s %(kind)s are live for “%(title)s”.",
            label=track.label,
            kind=caption_tracks.kind_name(track.kind),
            title=unit.title,
        ),
        "info",
    )
    return redirect(url_for("author.track", track_id=track.id))


@bp.route("/units/<int:unit_id>/captions/pending/<token>/discard", methods=["POST"])
def discard_captions(unit_id: int, token: str):
    unit = unit_for_edit(unit_id)
    pending = caption_tracks.get_pending(db, unit, token)
    caption_tracks.discard_pending(db, pending)
    flash(_("The uploaded captions were discarded; nothing changed."), "info")
    return redirect(url_for("author.course", course_id=unit.course_id) + f"#unit-{unit.id}")


@bp.route("/tracks/<int:track_id>")
def track(track_id: int):
    track = track_for_edit(track_id)
    cues = caption_tracks.cues_of(track.vtt)
    rows = [(format_vtt(c.start), format_vtt(c.end), caption_tracks.cue_plain_text(c)) for c in cues]
    return render_template(
        "author/track.html", track=track, unit=track.unit, course=track.unit.course, cues=rows, form=ConfirmForm()
    )


@bp.route("/tracks/<int:track_id>/captions.vtt")
def track_vtt(track_id: int):
    track = track_for_edit(track_id)
    return Response(track.vtt, mimetype="text/vtt", headers={"Cache-Control": "no-store"})


@bp.route("/tracks/<int:track_id>/download.<fmt>")
def download_track(track_id: int, fmt: str):
    track = track_for_edit(track_id)
    text, mime = caption_tracks.track_download(track, fmt)
    unit = track.unit
    name = f"{unit.course.slug}-{unit.slug}-{track.language}-{track.kind}.{fmt}"
    return Response(text, mimetype=mime, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.route("/tracks/<int:track_id>/cues/<int:number>/edit", methods=["GET", "POST"])
def edit_cue(track_id: int, number: int):
    track = track_for_edit(track_id)
    cues = caption_tracks.cues_of(track.vtt)
    if not 1 <= number <= len(cues):
        raise NotFound()
    cue = cues[number - 1]
    form = CueForm()
    if request.method == "GET":
        form.start.data, form.end.data, form.text.data = format_vtt(cue.start), format_vtt(cue.end), cue.text
        form.version.data = track.version
    saved = submit(
        form,
        lambda: caption_tracks.update_cue(
            db, track, number, form.start.data, form.end.data, form.text.data, version=form.version.data
        ),
    )
    if saved is not None:
        flash(_("Caption %(n)d saved.", n=number), "info")
        return redirect(url_for("author.track", track_id=track.id) + f"#cue-{number}")
    conflict = None
    if getattr(form, "conflict", False):
        editing.reload_theirs(db, track)
        cues = caption_tracks.cues_of(track.vtt)
        now = cues[number - 1] if number <= len(cues) else None
        conflict = show_conflict(
            form,
            track.version,
            [
                (form.start.label.text, format_vtt(now.start) if now else "", form.start.data or ""),
                (form.end.label.text, format_vtt(now.end) if now else "", form.end.data or ""),
                (form.text.label.text, now.text if now else "", form.text.data or ""),
            ],
        )
    return render_template(
        "author/cue_form.html",
        track=track,
        unit=track.unit,
        course=track.unit.course,
        form=form,
        number=number,
        total=len(cues),
        conflict=conflict,
    ), form_status(form)


@bp.route("/tracks/<int:track_id>/delete", methods=["POST"])
def delete_track(track_id: int):
    track = track_for_edit(track_id)
    unit = track.unit
    caption_tracks.delete_track(db, track)
    flash(_("The caption track was deleted from “%(title)s”.", title=unit.title), "info")
    return redirect(url_for("author.course", course_id=unit.course_id) + f"#unit-{unit.id}")
