import hashlib

from flask import Blueprint, Response, flash, make_response, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lms.db import session as db
from lms.forms import ConfirmForm
from lms.services import enrollment as enrollments
from lms.services.progress import course_progress, progress_of_enrollments

bp = Blueprint("catalog", __name__)

#: Seconds a browser or shared cache may reuse a visitor's catalog or course page unasked; after
#: that it revalidates with If-None-Match and usually gets a bodiless 304.
PUBLIC_MAX_AGE = 60


def _public_for_visitors(html: str) -> Response:
    """The page as a response; for a signed-out visitor with nothing personal on it (no flashed
    message taken from the session) a public one with a weak ETag (RFC 9110 section 8.8.3) and a
    short max-age, answered 304 when the ETag matches. Signed-in pages keep the app's no-store."""
    response = make_response(html)
    if current_user.is_authenticated or session.modified:
        return response
    # Weak: the same page compressed with brotli or gzip is the same page (RFC 9110 8.8.1).
    response.set_etag(hashlib.sha256(html.encode("utf-8")).hexdigest()[:32], weak=True)
    response.cache_control.public = True
    response.cache_control.max_age = PUBLIC_MAX_AGE
    response.vary.add("Accept-Language")
    response.vary.add("Cookie")  # the `lang` cookie chooses the page's language too
    response.make_conditional(request)  # turns the response into a 304 in place when the ETag matches
    return response


@bp.route("/")
def index():
    courses = enrollments.visible_courses(db)
    return _public_for_visitors(render_template("catalog/index.html", courses=courses))


@bp.route("/courses/<slug>")
def course(slug: str):
    course = enrollments.course_outline(db, slug, user=current_user)
    enrollment = enrollments.get_enrollment(db, current_user, course)
    progress = course_progress(db, current_user, course, enrollment)
    # A visitor's page has no form: making one would put a CSRF token in their session.
    form = ConfirmForm() if current_user.is_authenticated else None
    return _public_for_visitors(
        render_template("catalog/course.html", course=course, enrollment=enrollment, progress=progress, form=form)
    )


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
