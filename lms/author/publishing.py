"""Teach pages for the accessibility gate: publish a unit (or say why it must go live with gaps),
and make it a draft again."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _

from lms.author.blueprint import bp, form_status, unit_for_edit
from lms.author.forms import PublishForm
from lms.db import session as db
from lms.services import publishing


@bp.route("/units/<int:unit_id>/publish", methods=["GET", "POST"])
def publish_unit(unit_id: int):
    unit = unit_for_edit(unit_id)
    form = PublishForm()
    gaps = publishing.publish_gaps(unit)
    if form.validate_on_submit():
        try:
            publishing.set_unit_status(db, unit, "published", form.reason.data or "")
        except publishing.PublishBlocked:
            # The page lists the gaps already; the field says what to do about them.
            form.reason.errors = [
                _("This unit has accessibility gaps. Fix them, or write why it must be published now.")
            ]
        else:
            flash(_("Unit “%(title)s” is published.", title=unit.title), "info")
            return redirect(url_for("author.course", course_id=unit.course_id) + f"#unit-{unit.id}")
    return render_template("author/publish.html", unit=unit, course=unit.course, gaps=gaps, form=form), form_status(
        form
    )


@bp.route("/units/<int:unit_id>/unpublish", methods=["POST"])
def unpublish_unit(unit_id: int):
    unit = unit_for_edit(unit_id)
    publishing.set_unit_status(db, unit, "draft")
    flash(_("Unit “%(title)s” is a draft again: learners cannot see it.", title=unit.title), "info")
    return redirect(url_for("author.course", course_id=unit.course_id) + f"#unit-{unit.id}")
