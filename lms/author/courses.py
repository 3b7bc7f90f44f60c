"""Teach pages for courses: the dashboard, a course's page and form, publishing it, its trainers."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from lms.author.blueprint import bp, course_for_edit, form_status, sent_beside, submit
from lms.author.forms import CourseForm, TrainerForm
from lms.db import session as db
from lms.errors import FieldErrors, LmsError
from lms.forms import ConfirmForm, show_conflict
from lms.services import courses, editing, publishing, roles
from lms.services.courses import CourseFields
from lms.text import split_lines


@bp.route("/")
def dashboard():
    editable = roles.editable_courses(db, current_user)
    return render_template("author/dashboard.html", courses=[(c, publishing.unit_states(c)) for c in editable])


def _course_fields(form: CourseForm) -> CourseFields:
    return CourseFields(
        title=form.title.data or "",
        slug=form.slug.data or "",
        summary=form.summary.data or "",
        language=form.language.data or "",
        outcomes=split_lines(form.outcomes.data),
        estimated_minutes=form.estimated_minutes.data or 0,
    )


@bp.route("/courses/new", methods=["GET", "POST"])
def new_course():
    form = CourseForm()
    course = submit(form, lambda: courses.create_course(db, current_user, _course_fields(form)))
    if course is not None:
        flash(_("Course “%(title)s” created as a draft. Add its units next.", title=course.title), "info")
        return redirect(url_for("author.course", course_id=course.id))
    return render_template("author/course_form.html", form=form, course=None, conflict=None), form_status(form)


@bp.route("/courses/<int:course_id>")
def course(course_id: int):
    course = course_for_edit(course_id, with_units=True)
    return render_template(
        "author/course.html",
        course=course,
        states=publishing.unit_states(course),
        form=ConfirmForm(),
        can_assign=current_user.is_admin,
    )


@bp.route("/courses/<int:course_id>/edit", methods=["GET", "POST"])
def edit_course(course_id: int):
    course = course_for_edit(course_id)
    form = CourseForm(obj=course)
    if request.method == "GET":
        form.outcomes.data = "\n".join(course.outcomes or [])
        form.version.data = course.version
    if submit(form, lambda: courses.update_course(db, course, _course_fields(form), version=form.version.data)):
        flash(_("Course details saved."), "info")
        return redirect(url_for("author.course", course_id=course.id))
    conflict = _conflict(form, course) if getattr(form, "conflict", False) else None
    return render_template("author/course_form.html", form=form, course=course, conflict=conflict), form_status(form)


def _conflict(form: CourseForm, course):
    """The course as now saved beside what this editor sent (the form keeps the latter)."""
    editing.reload_theirs(db, course)
    theirs = {
        "title": course.title,
        "slug": course.slug,
        "summary": course.summary,
        "language": course.language,
        "outcomes": "\n".join(course.outcomes or []),
        "estimated_minutes": str(course.estimated_minutes),
    }
    return show_conflict(form, course.version, sent_beside(form, theirs))


@bp.route("/courses/<int:course_id>/status", methods=["POST"])
def course_status(course_id: int):
    course = course_for_edit(course_id)
    status = request.form.get("status", "")
    if status not in ("draft", "published"):
        raise LmsError(_("Choose to publish the course or to make it a draft again."))
    try:
        courses.set_course_status(db, course, status)
    except FieldErrors as err:
        # The button sits on the course page, which has no form to put the message on.
        flash(" ".join(err.errors.values()), "error")
        return redirect(url_for("author.course", course_id=course.id))
    if status == "published":
        flash(_("“%(title)s” is published: learners can find it in the list of courses.", title=course.title), "info")
    else:
        flash(_("“%(title)s” is a draft again: learners cannot see it.", title=course.title), "info")
    return redirect(url_for("author.course", course_id=course.id))


@bp.route("/courses/<int:course_id>/trainers", methods=["GET", "POST"])
def trainers(course_id: int):
    course = course_for_edit(course_id)
    roles.require_admin(current_user)
    form = TrainerForm()
    form.user_id.choices = [SelectChoice(u.id, f"{u.name} ({u.email})") for u in roles.trainer_candidates(db, course)]
    if form.validate_on_submit():
        user = roles.assign_trainer(db, current_user, course, form.user_id.data)
        flash(_("%(name)s can now edit “%(title)s”.", name=user.name, title=course.title), "info")
        return redirect(url_for("author.trainers", course_id=course.id))
    return render_template("author/trainers.html", course=course, form=form, remove_form=ConfirmForm()), form_status(
        form
    )


@bp.route("/courses/<int:course_id>/trainers/<int:user_id>/remove", methods=["POST"])
def remove_trainer(course_id: int, user_id: int):
    course = course_for_edit(course_id)
    roles.require_admin(current_user)
    user = roles.unassign_trainer(db, current_user, course, user_id)
    flash(_("%(name)s can no longer edit “%(title)s”.", name=user.name, title=course.title), "info")
    return redirect(url_for("author.trainers", course_id=course.id))
