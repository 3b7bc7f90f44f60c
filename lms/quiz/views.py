from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lms.db import session as db
from lms.errors import NotFound
from lms.forms import ConfirmForm
from lms.personal_pages import personal_page
from lms.services import certificates, quiz_submissions, quizzes
from lms.services import enrollment as enrollments
from lms.services import progress as progresses
from lms.services.quizzes import AnswersInvalid

bp = Blueprint("quiz", __name__)


def _load(slug: str, *, units: bool = True):
    course = enrollments.get_course(db, slug, user=current_user, units=units)
    if course.quiz is None or not course.quiz.questions:
        raise NotFound()
    enrollment = enrollments.require_enrollment(db, current_user, course)
    return course, course.quiz, enrollment


def _render(course, quiz, attempt, *, errors=None, raw=None, status=200):
    return render_template(
        "quiz/take.html",
        course=course,
        quiz=quiz,
        attempt=attempt,
        errors=errors or {},
        raw=raw or {},
        form=ConfirmForm(),
        attempts_left=quizzes.attempts_left(db, current_user, quiz),
    ), status


@bp.route("/courses/<slug>/quiz", methods=["GET"])
@login_required
@personal_page
def take(slug: str):
    course, quiz, _enrollment = _load(slug)
    if quizzes.has_passed(db, current_user, quiz):
        return render_template(
            "quiz/closed.html",
            course=course,
            quiz=quiz,
            passed=True,
            progress=progresses.course_progress(db, current_user, course, _enrollment),
        )
    if quizzes.attempts_left(db, current_user, quiz) == 0:
        return render_template(
            "quiz/closed.html",
            course=course,
            quiz=quiz,
            passed=False,
            progress=progresses.course_progress(db, current_user, course, _enrollment),
        ), 403
    attempt = quizzes.open_attempt(db, current_user, quiz)
    return _render(course, quiz, attempt)


def _grading_keys() -> quiz_submissions.GradingKeys:
    """This worker's grading keys for the current app, made on first use (not on every post)."""
    keys = current_app.extensions.get("lms.grading_keys")
    if keys is None:
        keys = current_app.extensions.setdefault("lms.grading_keys", quiz_submissions.GradingKeys())
    return keys


@bp.route("/courses/<slug>/quiz/attempts/<int:attempt_id>", methods=["POST"])
@login_required
def submit(slug: str, attempt_id: int):
    form = {key: request.form.getlist(key) for key in request.form if key.startswith("q-")}
    counted = quiz_submissions.submit(db, _grading_keys(), current_user.id, slug, attempt_id, form)
    if counted is not None and not counted.passed:
        return redirect(url_for("quiz.result", slug=slug, attempt_id=attempt_id))
    # The full path: a pass (which may complete the course) and every post the quick one left.
    # Grading needs the questions, not the units' videos and tracks (loaded if the pass completes
    # the course, or a form with errors is shown again).
    course, quiz, enrollment = _load(slug, units=False)
    attempt = quizzes.get_attempt(db, current_user, quiz, attempt_id)
    if counted is not None:
        progresses.complete_if_done(db, current_user, course, enrollment)
        return redirect(url_for("quiz.result", slug=slug, attempt_id=attempt_id))
    try:
        submission = quizzes.submit(db, current_user, quiz, attempt, form)
    except AnswersInvalid as err:
        return _render(course, quiz, attempt, errors=err.errors, raw=err.raw, status=400 if err.tampered else 422)
    if not submission.counted:
        flash(_("This attempt had already been submitted, so it was counted once."), "info")
        return redirect(url_for("quiz.result", slug=slug, attempt_id=attempt.id))
    if attempt.passed:
        progresses.complete_if_done(db, current_user, course, enrollment)
    return redirect(url_for("quiz.result", slug=slug, attempt_id=attempt.id))


@bp.route("/courses/<slug>/quiz/attempts/<int:attempt_id>", methods=["GET"])
@login_required
@personal_page
def result(slug: str, attempt_id: int):
    course, quiz, enrollment = _load(slug)
    attempt = quizzes.get_attempt(db, current_user, quiz, attempt_id)
    if attempt.submitted_at is None:
        return redirect(url_for("quiz.take", slug=slug))
    progress = progresses.course_progress(db, current_user, course, enrollment)
    certificate = certificates.for_course(db, current_user, course)
    return render_template(
        "quiz/result.html",
        course=course,
        quiz=quiz,
        attempt=attempt,
        results=quizzes.explain(quiz, attempt),
        progress=progress,
        certificate=certificate,
        attempts_left=quizzes.attempts_left(db, current_user, quiz),
    )
