"""Course results for trainers (learners, completion, quiz item analysis, CSV), and course export
and import as zip files. Trainers see the courses they may edit; admins see every course."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from lms.content.archive import ArchiveError, Limits
from lms.dashboard.forms import CourseImportForm
from lms.db import session as db
from lms.errors import NotAllowed
from lms.forms import show_errors
from lms.models import Course
from lms.personal_pages import personal_page
from lms.services import analytics, course_archive, courses, publication, result_files, results_csv
from lms.services.roles import editable_courses, editable_slug, require_edit, require_trainer
from lms.visitor_pages import publication_version

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")


def _course(course_id: int) -> Course:
    require_trainer(current_user)
    course = courses.get_course(db, course_id)
    require_edit(current_user, course)
    return course


#: Access checks each worker keeps (see _editable_slug); all are dropped when there are more.
SLUGS_KEPT = 1000


def _editable_slug(course_id: int) -> str:
    """The course's slug when the trainer may read its results, checked on every view; refused as
    _course refuses (NotAllowed or NotFound).

    The answer of roles.editable_slug (one small query) is kept by this worker under what it
    is drawn from: the person's id, role and page version (which an assignment to a course or
    its removal grows, lms.services.roles) and the publication version, read at most
    PUBLICATION_CHECK_SECONDS ago (a course deleted, imported again or renamed)."""
    kept = current_app.extensions.setdefault("lms.editable_slugs", {})
    key = (current_user.id, current_user.role, current_user.page_version, publication_version(), course_id)
    slug = kept.get(key)
    if slug is None:
        slug = editable_slug(db, current_user, course_id)
        if slug is None:
            return _course(course_id).slug
        if len(kept) >= SLUGS_KEPT:
            kept.clear()
        kept[key] = slug
    return slug


@bp.route("")
@login_required
def index():
    require_trainer(current_user)
    return render_template("dashboard/index.html", courses=editable_courses(db, current_user))


def _results_shown(course_id: int) -> tuple:
    """For the kept results page (lms.personal_pages): the trainer may read it (NotAllowed and
    NotFound as the view), and its figures' stamp, read at most PUBLICATION_CHECK_SECONDS ago by
    this worker (a learner's progress shows there within that time), with the page size."""
    _editable_slug(course_id)
    return _recent_fingerprint(course_id), PER_PAGE


def _recent_fingerprint(course_id: int) -> tuple:
    """analytics.results_fingerprint, as this worker read it at most PUBLICATION_CHECK_SECONDS ago."""
    return publication.read_recently(
        current_app.extensions.setdefault("lms.results_stamps", {}),
        course_id,
        current_app.config["PUBLICATION_CHECK_SECONDS"],
        lambda: analytics.results_fingerprint(db, course_id),
    )


@bp.route("/courses/<int:course_id>")
@login_required
@personal_page(others=_results_shown)
def course(course_id: int):
    _course(course_id)
    report = analytics.course_report(
        db, course_id, page=request.args.get("page", 1, type=int), per_page=PER_PAGE, memo=_reports()
    )
    return render_template(
        "dashboard/course.html", course=report.course, report=report, page_links=page_links(report.page, report.pages)
    )


#: Learners in one page of the results table.
PER_PAGE = 50
#: Results pages each worker keeps (lms.services.analytics.course_report's memo), least recently
#: viewed first out: a page of 50 learners and the item analysis are a few tens of KB.
REPORTS_KEPT = 64


def _reports() -> analytics.ReportMemo:
    reports = current_app.extensions.get("lms.course_reports")
    if reports is None:
        reports = current_app.extensions.setdefault("lms.course_reports", analytics.ReportMemo(REPORTS_KEPT))
    return reports


def page_links(page: int, pages: int) -> list[int | None]:
    """The page numbers a pagination nav links to: the first, the last, and two either side of
    `page`; None where numbers are left out (shown as an ellipsis)."""
    shown = sorted({1, pages, *range(max(1, page - 2), min(pages, page + 2) + 1)})
    links: list[int | None] = []
    for number in shown:
        if links and number - (links[-1] or 0) > 1:
            links.append(None)
        links.append(number)
    return links


def _csv_response(lines: Iterator[str], filename: str) -> Response:
    """A CSV download streamed as it is written. The request context (and so the database session)
    stays open until the last line is sent: the learners file reads its rows as it goes."""
    return Response(
        stream_with_context(lines),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.route("/courses/<int:course_id>/learners.csv")
@login_required
def learners_csv(course_id: int):
    slug = _editable_slug(course_id)
    header = [
        _("Name"),
        _("Email"),
        _("Units done"),
        _("Units in the course"),
        _("Best score (%)"),
        _("Attempts"),
        _("Passed"),
        _("Completed on"),
    ]
    # Kept on disk for what it is drawn from (lms.services.result_files): a course of 10,000
    # learners takes seconds to write and a kept file no more than a static one to send.
    stamp = (publication_version(), _recent_fingerprint(course_id), header)
    kept = result_files.kept_file(
        Path(current_app.config["CACHE_DIR"]) / "results",
        f"learners-{course_id}",
        stamp,
        lambda: results_csv.learners_csv(analytics.learner_rows(db, course_id), header),
    )
    return send_file(
        kept, mimetype="text/csv", as_attachment=True, download_name=f"{slug}-learners.csv", conditional=False
    )


@bp.route("/courses/<int:course_id>/questions.csv")
@login_required
def questions_csv(course_id: int):
    _course(course_id)
    # The item analysis covers every attempt whatever the page; one page of learners is enough.
    report = analytics.course_report(db, course_id, page=1, per_page=PER_PAGE, memo=_reports())
    header = [
        _("Question"),
        _("Text"),
        _("Answered"),
        _("Correct"),
        _("Correct (%)"),
        _("Most chosen wrong answer"),
        _("Times chosen"),
    ]
    return _csv_response(results_csv.items_csv(report, header), f"{report.course.slug}-questions.csv")


@bp.route("/courses/<int:course_id>/export.zip")
@login_required
def export_course(course_id: int):
    _course(course_id)
    # Not a with-block: the response streams the file and closes it (call_on_close below).
    spool = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115
    try:
        course = course_archive.export_course(db, course_id, Path(current_app.config["MEDIA_DIR"]), spool)
    except BaseException:
        spool.close()
        raise
    spool.seek(0)
    response = send_file(spool, mimetype="application/zip", as_attachment=True, download_name=f"{course.slug}.zip")
    response.call_on_close(spool.close)
    return response


@bp.route("/import", methods=["GET", "POST"])
@login_required
def import_course():
    require_trainer(current_user)
    form = CourseImportForm()
    status = 200
    if request.method == "POST":
        upload = form.file.data if form.validate() else None
        if upload is None or not getattr(upload, "filename", ""):
            form.file.errors = [_("Choose a course zip file.")]
            status = 422
        else:
            try:
                result = course_archive.import_course_archive(
                    db,
                    upload.stream,
                    Path(current_app.config["MEDIA_DIR"]),
                    user=current_user,
                    limits=Limits.from_config(current_app.config),
                )
            except (ArchiveError, NotAllowed) as err:
                show_errors(form, {"file": err.message})
                status = err.status
            else:
                course = result.course
                counts = _(
                    "%(units)d units and %(questions)d quiz questions",
                    units=len(course.units),
                    questions=len(course.quiz.questions) if course.quiz else 0,
                )
                flash(
                    (
                        _("“%(title)s” was imported: %(counts)s.", title=course.title, counts=counts)
                        if result.created
                        else _("“%(title)s” was updated: %(counts)s.", title=course.title, counts=counts)
                    ),
                    "info",
                )
                if result.held_back:
                    flash(
                        ngettext(
                            "%(num)d unit stays a draft until it passes the accessibility check (captions for its "
                            "video, alt text for its images): %(titles)s. Open it on the Teach page to fix it.",
                            "%(num)d units stay drafts until they pass the accessibility check (captions for their "
                            "videos, alt text for their images): %(titles)s. Open them on the Teach page to fix them.",
                            len(result.held_back),
                            titles=", ".join(f"“{u.title}”" for u in result.held_back),
                        ),
                        "info",
                    )
                return redirect(url_for("dashboard.course", course_id=course.id))
    return render_template("dashboard/import.html", form=form), status
