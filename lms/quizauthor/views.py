"""Writing a course quiz: settings, questions, order, import and export (GIFT, Moodle XML, Aiken). Trainers who may edit
the course, and admins."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from lms.db import discard
from lms.db import session as db
from lms.errors import EditConflict, FieldErrors, NotFound
from lms.forms import ConfirmForm, show_conflict, show_errors
from lms.models import Quiz
from lms.questions import all_types, find, type_of
from lms.questions.encoding import decode_file
from lms.questions.problems import QuestionFileError
from lms.quizauthor.forms import CHOICE_ROWS, GiftImportForm, QuizSettingsForm, question_form
from lms.services import editing
from lms.services import quiz_authoring as qa
from lms.services.roles import require_edit, require_trainer

bp = Blueprint("quizauthor", __name__, url_prefix="/teach/courses/<int:course_id>/quiz")

#: Biggest GIFT file accepted; a bank of a few hundred questions is well under this.
GIFT_MAX_BYTES = 2 * 1024 * 1024


def _course(course_id: int):
    require_trainer(current_user)  # before loading, so a learner learns nothing about which ids exist
    course = qa.get_course(db, course_id)
    require_edit(current_user, course)
    return course


@bp.route("", methods=["GET", "POST"])
@login_required
def overview(course_id: int):
    course = _course(course_id)
    quiz = course.quiz
    form = QuizSettingsForm(obj=quiz)
    status = 200
    if request.method == "POST":
        if form.validate():
            try:
                created = quiz is None
                qa.save_settings(db, course, form.title.data, form.pass_mark.data, form.max_attempts.data)
                flash(
                    _("The quiz was created. Now add questions, or import them from a GIFT file.")
                    if created
                    else _("The quiz settings were saved."),
                    "info",
                )
                return redirect(url_for("quizauthor.overview", course_id=course.id))
            except FieldErrors as err:
                show_errors(form, err)
        status = 422
    return render_template("quizauthor/overview.html", course=course, quiz=quiz, form=form, types=all_types()), status


def _question_page(course, quiz, form, qtype, *, question=None, status=200, conflict=None):
    number = qa.number_of(quiz, question) if question is not None else len(quiz.questions) + 1
    return render_template(
        "quizauthor/question.html",
        course=course,
        quiz=quiz,
        form=form,
        qtype=qtype,
        question=question,
        number=number,
        conflict=conflict,
    ), status


def _save(course, quiz, form, question=None):
    """Validate and save a question form; returns a response either way."""
    valid = form.validate()  # WTForms' own checks put their messages on the fields
    try:
        spec = qa.build_spec(form.fields())
    except FieldErrors as err:
        show_errors(form, err)
        valid = False
    if not valid:
        return _question_page(course, quiz, form, form.qtype, question=question, status=422)
    if question is None:
        question = qa.add_question(db, quiz, spec)
        message = _("Question %(n)d was added.", n=qa.number_of(quiz, question))
    else:
        try:
            qa.update_question(db, question, spec, version=form.version.data)
        except EditConflict:
            discard()
            editing.reload_theirs(db, question)
            rows = qa.conflict_rows(question, form.fields())
            conflict = show_conflict(form, question.version, rows)
            return _question_page(course, quiz, form, form.qtype, question=question, status=409, conflict=conflict)
        message = _("Question %(n)d was saved.", n=qa.number_of(quiz, question))
    flash(message, "info")
    return redirect(url_for("quizauthor.overview", course_id=course.id, _anchor=f"question-{question.id}"))


@bp.route("/questions/new/<qtype>", methods=["GET", "POST"])
@login_required
def new_question(course_id: int, qtype: str):
    course = _course(course_id)
    quiz = qa.require_quiz(course)
    question_type = find(qtype)
    if question_type is None:
        raise NotFound()
    form = question_form(question_type, max(CHOICE_ROWS, _posted_rows()))
    if request.method == "POST":
        return _save(course, quiz, form)
    return _question_page(course, quiz, form, question_type)


def _posted_rows() -> int:
    """How many choice rows the posted form had (a question may have more than the default)."""
    indexes = [
        int(k.split("-")[1])
        for k in request.form
        if k.startswith("choices-") and k.split("-")[1].isascii() and k.split("-")[1].isdigit()
    ]
    return max(indexes) + 1 if indexes else 0


@bp.route("/questions/<int:question_id>", methods=["GET", "POST"])
@login_required
def edit_question(course_id: int, question_id: int):
    course = _course(course_id)
    quiz = qa.require_quiz(course)
    question = qa.get_question(quiz, question_id)
    rows = max(len(question.choices) + 2, _posted_rows())
    qtype = type_of(question)
    if request.method == "POST":
        return _save(course, quiz, question_form(qtype, rows), question)
    form = question_form(qtype, rows, formdata=None)
    form.fill(qa.fields_of(question))
    form.version.data = question.version
    return _question_page(course, quiz, form, qtype, question=question)


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
    return render_template(
        "quizauthor/delete.html",
        course=course,
        quiz=quiz,
        question=question,
        number=number,
        form=form,
        qtype=type_of(question),
    )


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


#: File endings each import format accepts; .xml and .aiken also say which format a file is.
_ENDINGS = {"gift": (".gift", ".txt"), "moodle_xml": (".xml",), "aiken": (".txt", ".aiken")}


def _format_of(filename: str, chosen: str) -> str:
    """The format of an uploaded file: its ending when that says (.xml, .aiken, .gift), else the
    format chosen on the form (.txt is GIFT or Aiken)."""
    name = filename.lower()
    for fmt, ending in (("moodle_xml", ".xml"), ("aiken", ".aiken"), ("gift", ".gift")):
        if name.endswith(ending):
            return fmt
    return chosen


@bp.route("/import", methods=["GET", "POST"])
@login_required
def import_gift(course_id: int):
    course = _course(course_id)
    quiz = qa.require_quiz(course)
    form = GiftImportForm()
    problems, status = [], 200
    if request.method == "POST":
        form.validate()
        source, anchor = None, "text"
        fmt = form.format.data if form.format.data in qa.IMPORT_FORMATS else "gift"
        upload = form.file.data
        limit = int(current_app.config.get("GIFT_MAX_BYTES", GIFT_MAX_BYTES))
        if upload is not None and getattr(upload, "filename", None):
            anchor = "file"
            raw = upload.stream.read(limit + 1)
            fmt = _format_of(upload.filename, fmt)
            if not upload.filename.lower().endswith(_ENDINGS[fmt]):
                show_errors(
                    form,
                    {
                        "file": _("Choose a file ending in .gift or .txt.")
                        if fmt == "gift"
                        else _("Choose a file ending in .gift, .txt, .xml or .aiken.")
                    },
                )
                status = 422
            elif len(raw) > limit:
                show_errors(
                    form,
                    {
                        "file": _(
                            "The file is larger than %(kb)d KB. Split the questions into smaller files.",
                            kb=limit // 1024,
                        )
                    },
                )
                status = 413
            else:
                source = raw
                text, _warnings = decode_file(raw)
                if text is not None:
                    # Put the file's text in the box, so any problem can be fixed right here.
                    form.text.data = text
                    anchor = "text"
        elif (form.text.data or "").strip():
            source = form.text.data
            if fmt == "gift" and source.lstrip("\ufeff \t\r\n").startswith(("<?xml", "<quiz")):
                # Pasted Moodle XML with GIFT left chosen: no GIFT file starts like that.
                fmt = "moodle_xml"
        else:
            show_errors(
                form,
                {
                    "text": _("Choose a GIFT file or paste GIFT text.")
                    if fmt == "gift"
                    else _("Choose a file or paste its text.")
                },
            )
            status = 422
        # The page comes back with the format the text was read as, to import it again as that.
        form.format.data = fmt
        mode = form.mode.data if form.mode.data in ("append", "replace") else "append"
        if source is not None:
            try:
                count, warnings = qa.import_questions(db, quiz, source, mode, fmt)
            except QuestionFileError as err:
                # Every problem on the field that holds the text, each linked from the summary.
                problems = [p.message for p in err.problems]
                form[anchor].errors = list(problems)
                status = 422
            else:
                flash(
                    ngettext("%(num)d question was imported.", "%(num)d questions were imported.", count)
                    + " "
                    + ngettext(
                        "The quiz now has %(num)d question.", "The quiz now has %(num)d questions.", len(quiz.questions)
                    ),
                    "info",
                )
                for warning in warnings:
                    flash(warning, "info")
                return redirect(url_for("quizauthor.overview", course_id=course.id))
    return render_template("quizauthor/import.html", course=course, quiz=quiz, form=form, problems=problems), status


@bp.route("/export.gift")
@login_required
def export_gift(course_id: int):
    return _export(course_id, qa.export_quiz_gift, "text/plain", "gift")


@bp.route("/export.xml")
@login_required
def export_moodle_xml(course_id: int):
    return _export(course_id, qa.export_quiz_moodle_xml, "application/xml", "xml")


def _export(course_id: int, write: Callable[[Quiz], str], mimetype: str, ending: str) -> Response:
    """The course's quiz as a download, written by `write`, named <course slug>-quiz.<ending>."""
    course = _course(course_id)
    quiz = qa.require_quiz(course)
    return Response(
        write(quiz),
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{course.slug}-quiz.{ending}"'},
    )
