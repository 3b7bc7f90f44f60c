"""Teach pages for units: add, edit (with a preview of the reading text), reorder, delete, and
preview the unit as learners will see it."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from lms.author.blueprint import bp, course_for_edit, form_status, sent_beside, submit, unit_for_edit
from lms.author.forms import UnitForm
from lms.content.sanitize import render_markdown
from lms.db import session as db
from lms.errors import LmsError
from lms.forms import ConfirmForm, show_conflict
from lms.services import editing, preferences, units
from lms.services import player as players
from lms.services.units import UnitFields


def _unit_fields(form: UnitForm) -> UnitFields:
    return UnitFields(
        title=form.title.data or "",
        slug=form.slug.data or "",
        summary=form.summary.data or "",
        body_md=form.body_md.data or "",
        estimated_minutes=form.estimated_minutes.data or 0,
    )


def _unit_form_page(form: UnitForm, course, unit):
    """Save, or (on "Preview") show the sanitized rendering below the form without saving."""
    if request.method == "POST" and form.preview.data:
        form.validate()
        preview_html = render_markdown(form.body_md.data or "")
        # A preview is not a failed form, unless something needs fixing.
        status = 422 if any(f.errors for f in form if f.name != "csrf_token") else 200
        if form.csrf_token.errors:
            raise LmsError()
        return render_template(
            "author/unit_form.html", form=form, course=course, unit=unit, preview_html=preview_html, conflict=None
        ), status
    if unit is None:
        saved = submit(form, lambda: units.create_unit(db, course, _unit_fields(form)))
    else:
        saved = submit(form, lambda: units.update_unit(db, unit, _unit_fields(form), version=form.version.data))
    if saved is not None:
        flash(
            _("Unit “%(title)s” added as a draft.", title=saved.title)
            if unit is None
            else _("Unit “%(title)s” saved.", title=saved.title),
            "info",
        )
        return redirect(url_for("author.course", course_id=course.id) + f"#unit-{saved.id}")
    conflict = _conflict(form, unit) if getattr(form, "conflict", False) else None
    return render_template(
        "author/unit_form.html", form=form, course=course, unit=unit, preview_html=None, conflict=conflict
    ), form_status(form)


def _conflict(form: UnitForm, unit):
    """The unit as now saved beside what this editor sent (the form keeps the latter)."""
    editing.reload_theirs(db, unit)
    theirs = {
        "title": unit.title,
        "slug": unit.slug,
        "summary": unit.summary,
        "body_md": unit.body_md,
        "estimated_minutes": str(unit.estimated_minutes),
    }
    return show_conflict(form, unit.version, sent_beside(form, theirs))


@bp.route("/courses/<int:course_id>/units/new", methods=["GET", "POST"])
def new_unit(course_id: int):
    course = course_for_edit(course_id)
    return _unit_form_page(UnitForm(), course, None)


@bp.route("/units/<int:unit_id>/edit", methods=["GET", "POST"])
def edit_unit(unit_id: int):
    unit = unit_for_edit(unit_id)
    form = UnitForm(obj=unit)
    if request.method == "GET":
        form.slug.data = unit.slug
        form.version.data = unit.version
    return _unit_form_page(form, unit.course, unit)


@bp.route("/units/<int:unit_id>/move", methods=["POST"])
def move_unit(unit_id: int):
    unit = unit_for_edit(unit_id)
    direction = request.form.get("direction", "")
    if direction not in ("up", "down"):
        raise LmsError(_("Choose to move the unit up or down."))
    moved = units.move_unit(db, unit, direction)
    if moved:
        flash(_("“%(title)s” is now unit %(n)d.", title=unit.title, n=unit.position), "info")
    else:
        flash(
            _(
                "“%(title)s” is already at the %(end)s.",
                title=unit.title,
                end=_("top") if direction == "up" else _("bottom"),
            ),
            "info",
        )
    return redirect(url_for("author.course", course_id=unit.course_id) + f"#unit-{unit.id}")


@bp.route("/units/<int:unit_id>/delete", methods=["GET", "POST"])
def delete_unit(unit_id: int):
    unit = unit_for_edit(unit_id)
    form = ConfirmForm()
    if request.method == "POST":
        course_id, title = unit.course_id, unit.title
        units.delete_unit(db, unit)
        flash(_("Unit “%(title)s” deleted.", title=title), "info")
        return redirect(url_for("author.course", course_id=course_id))
    return render_template("author/unit_delete.html", unit=unit, course=unit.course, form=form)


@bp.route("/units/<int:unit_id>/preview")
def preview_unit(unit_id: int):
    unit = unit_for_edit(unit_id)
    player = players.build(unit, preferences.DEFAULTS, course_language=unit.course.language)
    return render_template("author/preview.html", unit=unit, course=unit.course, player=player)
