import hashlib
from collections.abc import Callable

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lms.db import session as db
from lms.extensions import cache
from lms.forms import ConfirmForm
from lms.services import enrollment as enrollments
from lms.services import publication
from lms.services.progress import course_progress, progress_of_enrollments

bp = Blueprint("catalog", __name__)

#: Seconds a browser or shared cache may reuse a visitor's catalog or course page unasked; after
#: that it revalidates with If-None-Match and usually gets a bodiless 304.
PUBLIC_MAX_AGE = 60


def _public_for_visitors(render: Callable[[], str]) -> Response:
    """The page `render()` makes; for a signed-out visitor with nothing personal on it, a public
    response with a weak ETag (RFC 9110 section 8.8.3) and a short max-age, answered 304 when the
    ETag matches. Signed-in pages keep the app's no-store.

    A visitor with an empty session gets the page from the app cache (lms.extensions.cache), keyed
    by the path, locale, Save-Data and the publication version (lms.services.publication, read at
    most once a second per worker), so a repeat view or a 304 costs no rendering and usually no
    query; any publish, unpublish or edit changes the key. Only pages rendered for an empty session, which stayed empty, are kept: nothing of one
    person (a CSRF token, a flashed message) can reach another."""
    if current_user.is_authenticated:
        return make_response(render())
    cacheable = not session
    key = None
    entry = None
    if cacheable:
        save_data = request.headers.get("Save-Data", "").strip().lower() == "on"
        memo = current_app.extensions.setdefault("lms.publication", {})
        version = publication.recent(db, memo, current_app.config["PUBLICATION_CHECK_SECONDS"])
        key = f"page:{request.full_path}:{get_locale()}:{save_data}:{version}"
        entry = cache.get(key)
    if entry is None:
        html = render()
        if session.modified or session:
            return make_response(html)
        # Weak: the same page compressed with brotli or gzip is the same page (RFC 9110 8.8.1).
        entry = (html, hashlib.sha256(html.encode("utf-8")).hexdigest()[:32])
        if key is not None:
            cache.set(key, entry)
    html, etag = entry
    response = make_response(html)
    response.set_etag(etag, weak=True)
    response.cache_control.public = True
    response.cache_control.max_age = PUBLIC_MAX_AGE
    response.vary.add("Accept-Language")
    response.vary.add("Cookie")  # the `lang` cookie chooses the page's language too
    response.make_conditional(request)  # turns the response into a 304 in place when the ETag matches
    return response


@bp.route("/")
def index():
    return _public_for_visitors(lambda: render_template("catalog/index.html", courses=enrollments.visible_courses(db)))


@bp.route("/courses/<slug>")
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
def mine():
    mine = enrollments.enrollments_of(db, current_user)
    rows = list(zip(mine, progress_of_enrollments(db, current_user, mine), strict=True))
    return render_template("catalog/mine.html", rows=rows)
