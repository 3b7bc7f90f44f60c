"""Writing a course quiz: settings, questions, order, GIFT import and export. Trainers who may edit
the course, and admins."""
from __future__ import annotations

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user, login_required

from lms.forms import ConfirmForm
from lms.db import session as db
from lms.errors import LmsError, NotFound
from lms.quiz.gift import GiftError
from lms.quizauthor.forms import CHOICE_ROWS, GiftImportForm, QuizSettingsForm, question_form
from lms.services import quiz_authoring as qa
from lms.errors import FieldErrors
from lms.services.roles import require_edit, require_trainer

bp = Blueprint("quizauthor", __name__, url_prefix="/teach/courses/<int:course_id>/quiz")

TYPE_LABELS = {
    "single": _l("Single choice"),
    "multiple": _l("Multiple choice"),
    "true_false": _l("True or false"),
    "short_text": _l("Short answer"),
}
#: Biggest GIFT file accepted; a bank of a few hundred questions is well under this.
GIFT_MAX_BYTES = 2 * 1024 * 1024


def _course(course_id: int):
    require_trainer(current_user)  # before loading, so a learner learns nothing about which ids exist
    course = qa.get_course(db, course_id)
    require_edit(current_user, course)
    return course


def _form_errors(form) -> dict[str, str]:
    """WTForms' own errors by field id (the first of each field)."""
    return {f.id: f.errors[0] for f in form
            if f.errors and f.type not in ("CSRFTokenField", "FieldList") and isinstance(f.errors, list)}


def _show(form, errors: dict[str, str]) -> list[tuple[str, str]]:
    """Put each error on its field (for the inline message) and return the summary's (anchor, message)."""
    summary = []
    for key, message in errors.items():
        if key == "choices":
            form.choice_error = message
            summary.append(("choices-0-text", message))
            continue
        if key.startswith("choices-"):
            _name, index, sub = key.split("-")
            target = form.choices[int(index)].form[sub]
        else:
            target = form[key]
        if message not in target.errors:
            target.errors = list(target.errors) + [message]
        summary.append((key, message))
    return summary


@bp.route("", methods=["GET", "POST"])
@login_required
def overview(course_id: int):
    course = _course(course_id)
    quiz = course.quiz
    form = QuizSettingsForm(obj=quiz)
    summary, status = [], 200
    if request.method == "POST":
        errors = _form_errors(form) if not form.validate() else {}
        if not errors:
            try:
                created = quiz is None
                qa.save_settings(db, course, form.title.data, form.pass_mark.data, form.max_attempts.data)
                flash(_("The quiz was created. Now add questions, or import them from a GIFT file.") if created
                      else _("The quiz settings were saved."), "info")
                return redirect(url_for("quizauthor.overview", course_id=course.id))
            except FieldErrors as err:
                errors = err.errors
        summary, status = _show(form, errors), 422
    return render_template("quizauthor/overview.html", course=course, quiz=quiz, form=form, summary=summary,
                           types=TYPE_LABELS), status


def _question_page(course, quiz, form, qtype, *, question=None, summary=(), status=200):
    number = qa.number_of(quiz, question) if question is not None else len(quiz.questions) + 1
    return render_template(
        "quizauthor/question.html", course=course, quiz=quiz, form=form, qtype=qtype, type_label=TYPE_LABELS[qtype],
        question=question, number=number, summary=list(summary),
        weighted=question is not None and qa.has_weights(question),
    ), status


def _save(course, quiz, form, qtype, question=None):
    """Validate and save a question form; returns a response either way."""
    errors = _form_errors(form) if not form.validate() else {}
    try:
        spec = qa.build_spec(form.fields(qtype))
    except FieldErrors as err:
        errors = {**err.errors, **errors}
    if errors:
        return _question_page(course, quiz, form, qtype, question=question, summary=_show(form, errors), status=422)
    if question is None:
        question = qa.add_question(db, quiz, spec)
        message = _("Question %(n)d was added.", n=qa.number_of(quiz, question))
    else:
        qa.update_question(db, question, spec)
        message = _("Question %(n)d was saved.", n=qa.number_of(quiz, question))
    flash(message, "info")
    return redirect(url_for("quizauthor.overview", course_id=course.id, _anchor=f"question-{question.id}"))


@bp.route("/questions/new/<qtype>", methods=["GET", "POST"])
@login_required
def new_question(course_id: int, qtype: str):
    course = _course(course_id)
    quiz = qa.require_quiz(course)
    if qtype not in TYPE_LABELS:
        raise NotFound()
    rows = max(CHOICE_ROWS, _posted_rows())
    form = question_form(qtype, rows)
    if request.method == "POST":
        return _save(course, quiz, form, qtype)
    return _question_page(course, quiz, form, qtype)


def _posted_rows() -> int:
    """How many choice rows the posted form had (a question may have more than the default)."""
    indexes = [int(k.split("-")[1]) for k in request.form if k.startswith("choices-") and k.split("-")[1].isdigit()]
    return max(indexes) + 1 if indexes else 0


@bp.route("/questions/<int:question_id>", methods=["GET", "POST"])
@login_required
def edit_question(course_id: int, question_id: int):
    course = _course(course_id)
    quiz = qa.require_quiz(course)
    question = qa.get_question(quiz, question_id)
    rows = max(len(question.choices) + 2, _posted_rows())
    if request.method == "POST":
        return _save(course, quiz, question_form(question.type, rows), question.type, question)
    form = question_form(question.type, rows, formdata=None)
    form.fill(qa.fields_of(question))
    return _question_page(course, quiz, form, question.type, question=question)


@bp.route("/questions/<int:question_id>/delete", methods=["GET", "POST"])
@login_required
def delete_question(course_id: int, question_id: int):
    course = _course(course_id)
    quiz = qa.require_quiz(course)
    question = qa.get_question(quiz, question_id)
    number = qa.number_of(quiz, question)
    form = ConfirmForm()
    if request.method == "POST" and form.validate():
        qa.delete_question(db, quiz, question)
        flash(_("Question %(n)d was deleted. Learners' past results are kept.", n=number), "info")
        return redirect(url_for("quizauthor.overview", course_id=course.id))
    return render_template("quizauthor/delete.html", course=course, quiz=quiz, question=question, number=number,
                           form=form, type_label=TYPE_LABELS[question.type])


@bp.route("/questions/<int:question_id>/move", methods=["POST"])
@login_required
def move_question(course_id: int, question_id: int):
    course = _course(course_id)
    quiz = qa.require_quiz(course)
    question = qa.get_question(quiz, question_id)
    before = qa.number_of(quiz, question)
    after = qa.move_question(db, quiz, question, request.form.get("direction", ""))
    if after == before:
        flash(_("Question %(n)d is already at that end of the quiz.", n=before), "info")
    else:
        flash(_("Question %(old)d is now question %(new)d.", old=before, new=after), "info")
    return redirect(url_for("quizauthor.overview", course_id=course.id, _anchor=f"question-{question.id}"))


@bp.route("/import", methods=["GET", "POST"])
@login_required
def import_gift(course_id: int):
    course = _course(course_id)
    quiz = qa.require_quiz(course)
    form = GiftImportForm()
    summary, problems, status = [], [], 200
    if request.method == "POST":
        form.validate()
        source, anchor = None, "text"
        upload = form.file.data
        limit = int(current_app.config.get("GIFT_MAX_BYTES", GIFT_MAX_BYTES))
        if upload is not None and getattr(upload, "filename", ""):
            anchor = "file"
            raw = upload.stream.read(limit + 1)
            if not upload.filename.lower().endswith((".gift", ".txt")):
                summary, status = [("file", _("Choose a file ending in .gift or .txt."))], 422
            elif len(raw) > limit:
                summary, status = [("file", _("The file is larger than %(kb)d KB. Split the questions into smaller files.",
                                              kb=limit // 1024))], 413
            else:
                source = raw
                try:
                    # Put the file's text in the box, so any problem can be fixed right here.
                    form.text.data = raw.decode("utf-8-sig").replace("\r\n", "\n")
                    anchor = "text"
                except UnicodeDecodeError:
                    pass
        elif (form.text.data or "").strip():
            source = form.text.data
        else:
            summary, status = [("text", _("Choose a GIFT file or paste GIFT text."))], 422
        mode = form.mode.data if form.mode.data in ("append", "replace") else "append"
        if source is not None:
            try:
                count = qa.import_gift(db, quiz, source, mode)
            except GiftError as err:
                problems = [p.message for p in err.problems]
                summary, status = [(anchor, message) for message in problems], 422
                if anchor == "file":
                    form.file.errors = problems
            else:
                flash(ngettext("%(num)d question was imported.", "%(num)d questions were imported.", count)
                      + " " + ngettext("The quiz now has %(num)d question.", "The quiz now has %(num)d questions.",
                                       len(quiz.questions)), "info")
                return redirect(url_for("quizauthor.overview", course_id=course.id))
        for field_id, message in summary:
            if not problems:
                form[field_id].errors = [message]
    return render_template("quizauthor/import.html", course=course, quiz=quiz, form=form, summary=summary,
                           problems=problems, problem_anchor=summary[0][0] if problems else None), status


@bp.route("/export.gift")
@login_required
def export_gift(course_id: int):
    course = _course(course_id)
    quiz = qa.require_quiz(course)
    return Response(qa.export_quiz_gift(quiz), mimetype="text/plain",
                    headers={"Content-Disposition": f'attachment; filename="{course.slug}-quiz.gift"'})
