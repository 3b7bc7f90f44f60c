"""Forms for writing a course quiz. Choice rows are a fixed number of plain fields, so the form
works without JavaScript; blank rows are ignored."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, FieldList, Form, FormField, IntegerField, RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, NumberRange, Optional

from lms.services.quiz_authoring import ChoiceRow, QuestionFields

#: Rows shown for a choice question; an existing question with more choices gets two spare rows.
CHOICE_ROWS = 6
MAX_CHOICE_ROWS = 30


class QuizSettingsForm(FlaskForm):
    title = StringField(_l("Quiz title"), validators=[InputRequired(_l("Enter a title for the quiz."))],
                        default=_l("Check your understanding"))
    pass_mark = IntegerField(
        _l("Pass mark (%)"), default=70,
        validators=[InputRequired(_l("Enter a pass mark from 0 to 100.")),
                    NumberRange(0, 100, _l("Enter a pass mark from 0 to 100."))],
        description=_l("The percentage of marks a learner needs to pass, from 0 to 100."),
        render_kw={"inputmode": "numeric"},
    )
    max_attempts = IntegerField(
        _l("Attempts allowed"), default=3,
        validators=[InputRequired(_l("Enter a number of attempts from 0 to 100 (0 means unlimited).")),
                    NumberRange(0, 100, _l("Enter a number of attempts from 0 to 100 (0 means unlimited)."))],
        description=_l("How many times a learner may submit the quiz. 0 means unlimited."),
        render_kw={"inputmode": "numeric"},
    )


class ChoiceRowForm(Form):
    """One choice row; labels are numbered by QuestionForm.number_rows."""

    text = StringField(_l("Choice text"))
    correct = BooleanField(_l("Correct answer"))
    feedback = StringField(_l("Feedback for this choice"))


class QuestionForm(FlaskForm):
    title = StringField(_l("Short name"), validators=[Optional()],
                        description=_l("Shown to trainers only, e.g. in GIFT files. You can leave it empty."))
    prompt = TextAreaField(_l("Question"), validators=[InputRequired(_l("Enter the question."))],
                           render_kw={"rows": 4})
    feedback = TextAreaField(_l("General feedback"), validators=[Optional()],
                             description=_l("Shown after answering, whatever the answer."), render_kw={"rows": 3})

    def fields(self, qtype: str) -> QuestionFields:
        return QuestionFields(type=qtype, prompt=self.prompt.data or "", title=self.title.data or "",
                              feedback=self.feedback.data or "")

    def fill(self, data: QuestionFields) -> None:
        self.title.data, self.prompt.data, self.feedback.data = data.title, data.prompt, data.feedback


def choice_question_form(rows: int = CHOICE_ROWS, **kwargs) -> "QuestionForm":
    """A single or multiple choice form with `rows` choice rows (FieldList needs the count up front)."""
    rows = max(CHOICE_ROWS, min(rows, MAX_CHOICE_ROWS))

    class ChoiceQuestionForm(QuestionForm):
        choices = FieldList(FormField(ChoiceRowForm), min_entries=rows, max_entries=MAX_CHOICE_ROWS)

        def fields(self, qtype: str) -> QuestionFields:
            data = super().fields(qtype)
            data.choices = [ChoiceRow(r.form.text.data or "", bool(r.form.correct.data), r.form.feedback.data or "")
                            for r in self.choices]
            return data

        def fill(self, data: QuestionFields) -> None:
            super().fill(data)
            for entry, row in zip(self.choices, data.choices):
                entry.form.text.data, entry.form.correct.data, entry.form.feedback.data = row.text, row.correct, row.feedback

    form = ChoiceQuestionForm(**kwargs)
    for number, entry in enumerate(form.choices, start=1):
        entry.form.text.label.text = _l("Choice %(n)d text", n=number)
        entry.form.correct.label.text = _l("Choice %(n)d is correct", n=number)
        entry.form.feedback.label.text = _l("Feedback for choice %(n)d", n=number)
    return form


class TrueFalseForm(QuestionForm):
    answer = RadioField(_l("The statement is"), choices=[SelectChoice("true", _l("True")), SelectChoice("false", _l("False"))],
                        validators=[Optional()])
    feedback_true = StringField(_l("Feedback when the learner answers True"), validators=[Optional()])
    feedback_false = StringField(_l("Feedback when the learner answers False"), validators=[Optional()])

    def fields(self, qtype: str) -> QuestionFields:
        data = super().fields(qtype)
        data.answer = self.answer.data or ""
        data.feedback_true, data.feedback_false = self.feedback_true.data or "", self.feedback_false.data or ""
        return data

    def fill(self, data: QuestionFields) -> None:
        super().fill(data)
        self.answer.data, self.feedback_true.data, self.feedback_false.data = (
            data.answer, data.feedback_true, data.feedback_false)


class ShortTextForm(QuestionForm):
    accepted = TextAreaField(
        _l("Accepted answers"), validators=[Optional()], render_kw={"rows": 4},
        description=_l("One answer per line. Capital letters and extra spaces do not matter."),
    )

    def fields(self, qtype: str) -> QuestionFields:
        data = super().fields(qtype)
        data.accepted = self.accepted.data or ""
        return data

    def fill(self, data: QuestionFields) -> None:
        super().fill(data)
        self.accepted.data = data.accepted


def question_form(qtype: str, rows: int = CHOICE_ROWS, **kwargs) -> QuestionForm:
    if qtype in ("single", "multiple"):
        return choice_question_form(rows, **kwargs)
    if qtype == "true_false":
        return TrueFalseForm(**kwargs)
    return ShortTextForm(**kwargs)


class GiftImportForm(FlaskForm):
    file = FileField(_l("GIFT file"), description=_l("A .gift or .txt file exported from Moodle, in UTF-8."))
    text = TextAreaField(_l("Or paste GIFT text"), validators=[Optional()], render_kw={"rows": 14, "spellcheck": "false"},
                         description=_l("Questions are separated by a blank line. If you choose a file, "
                                        "this box is ignored."))
    mode = RadioField(_l("What to do with the questions"), default="append",
                      choices=[SelectChoice("append", _l("Add to the quiz")),
                               SelectChoice("replace", _l("Replace all questions"))],
                      validators=[Optional()])
