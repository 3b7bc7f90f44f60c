from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lms.db import session as db
from lms.forms import ConfirmForm
from lms.services import enrollment as enrollments
from lms.services.progress import course_progress, progress_of_enrollments

bp = Blueprint("catalog", __name__)


@bp.route("/")
def index():
    courses = enrollments.visible_courses(db)
    return render_template("catalog/index.html", courses=courses)


@bp.route("/courses/<slug>")
def course(slug: str):
    course = enrollments.course_outline(db, slug, user=current_user)
    enrollment = enrollments.get_enrollment(db, current_user, course)
    progress = course_progress(db, current_user, course, enrollment)
    return render_template("catalog/course.html", course=course, enrollment=enrollment, progress=progress,
                           form=ConfirmForm())


@bp.route("/courses/<slug>/enrol", methods=["POST"])
@login_required
def enrol(slug: str):
    course = enrollments.course_outline(db, slug, user=current_user)
    already = enrollments.get_enrollment(db, current_user, course) is not None
    enrollments.enroll(db, current_user, course)
    if already:
        flash(_("You were already enrolled in this course."), "info")
    else:
        flash(_("You are enrolled in “%(title)s”. Start with the first unit.", title=course.title), "info")
    return redirect(url_for("catalog.course", slug=slug))


@bp.route("/my-learning")
@login_required
def mine():
    mine = enrollments.enrollments_of(db, current_user)
    rows = list(zip(mine, progress_of_enrollments(db, current_user, mine), strict=True))
    return render_template("catalog/mine.html", rows=rows)
