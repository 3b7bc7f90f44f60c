from collections.abc import Callable

from flask import Blueprint, Response, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lms.db import session as db
from lms.forms import ConfirmForm
from lms.personal_pages import personal_page
from lms.services import enrollment as enrollments
from lms.services.progress import course_progress, progress_of_enrollments
from lms.visitor_pages import visitor_page

bp = Blueprint("catalog", __name__)

#: Seconds a browser or shared cache may reuse a visitor's catalog or course page unasked; after
#: that it revalidates with If-None-Match and usually gets a bodiless 304.
PUBLIC_MAX_AGE = 60


def _public_for_visitors(render: Callable[[], str]) -> Response:
    """The page `render()` makes; when it is the same for every visitor (lms.visitor_pages), a
    public response with a weak ETag (RFC 9110 section 8.8.3) and a short max-age, answered 304
    when the ETag matches. Signed-in pages keep the app's no-store."""
    html, etag = visitor_page(render)
    response = make_response(html)
    if etag is None:
        return response
    # Weak: the same page compressed with brotli or gzip is the same page (RFC 9110 8.8.1).
    response.set_etag(etag, weak=True)
    response.cache_control.public = True
    response.cache_control.max_age = PUBLIC_MAX_AGE
    response.vary.add("Accept-Language")
    response.vary.add("Cookie")  # the `lang` cookie chooses the page's language too
    response.make_conditional(request)  # turns the response into a 304 in place when the ETag matches
    return response


@bp.route("/")
@personal_page
def index():
    return _public_for_visitors(lambda: render_template("catalog/index.html", courses=enrollments.visible_courses(db)))


@bp.route("/courses/<slug>")
@personal_page
def course(slug: str):
    def render() -> str:
        course = enrollments.course_outline(db, slug, user=current_user)
        enrollment = enrollments.get_enrollment(db, current_user, course)
        progress = course_progress(db, current_user, course, enrollment)
        # A visitor's page has no form: making one would put a CSRF token in their session.
        form = ConfirmForm() if current_user.is_authenticated else None
        return render_template(
            "catalog/course.html", course=course, enrollment=enrollment, progress=progress, form=form
        )

    return _public_for_visitors(render)


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
@personal_page
def mine():
    mine = enrollments.enrollments_of(db, current_user)
    rows = list(zip(mine, progress_of_enrollments(db, current_user, mine), strict=True))
    return render_template("catalog/mine.html", rows=rows)
