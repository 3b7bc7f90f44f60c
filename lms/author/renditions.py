"""Teach page pieces for a video's smaller versions (audio only, 240p): try a failed one again.

Their status and progress are shown on the video page (templates/author/_renditions.html); the
work itself runs in the background queue (lms/jobs.py), never in this request.
"""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_babel import gettext as _

from lms.author.blueprint import bp, unit_for_edit
from lms.db import session as db
from lms.errors import NotFound
from lms.forms import ConfirmForm
from lms.services import renditions


@bp.route("/units/<int:unit_id>/video/renditions/retry", methods=["POST"])
def retry_renditions(unit_id: int):
    unit = unit_for_edit(unit_id)
    if unit.video is None:
        raise NotFound()
    if ConfirmForm().validate_on_submit():
        again = renditions.retry(db, unit.video)
        if again:
            flash(_("The smaller versions will be made again. This page shows their progress."), "info")
    return redirect(url_for("author.video", unit_id=unit.id) + "#renditions-heading")
