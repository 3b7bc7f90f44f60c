"""Forms for writing a course quiz. A question's form is built from its type's editor fields
(QuestionType.editor). Choice rows are a fixed number of plain fields, so the form works without
JavaScript; blank rows are ignored."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    FieldList,
    FormField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, NumberRange, Optional

from lms.forms import Form, PlainForm, VersionField
from lms.questions import ChoiceRow, EditorField, QuestionType
from lms.questions.choices import weight_text
from lms.services.quiz_authoring import QuestionFields

#: Rows shown for a choice question; an existing question with more choices gets two spare rows.
CHOICE_ROWS = 6
MAX_CHOICE_ROWS = 30


class QuizSettingsForm(Form):
    title = StringField(
        _l("Quiz title"),
        validators=[InputRequired(_l("Enter a title for the quiz."))],
        default=_l("Check your understanding"),
    )
    pass_mark = IntegerField(
        _l("Pass mark (%)"),
        default=70,
        validators=[
            InputRequired(_l("Enter a pass mark from 0 to 100.")),
            NumberRange(0, 100, _l("Enter a pass mark from 0 to 100.")),
        ],
        description=_l("The percentage of marks a learner needs to pass, from 0 to 100."),
        render_kw={"inputmode": "numeric"},
    )
    max_attempts = IntegerField(
        _l("Attempts allowed"),
        default=3,
        validators=[
            InputRequired(_l("Enter a number of attempts from 0 to 100 (0 means unlimited).")),
            NumberRange(0, 100, _l("Enter a number of attempts from 0 to 100 (0 means unlimited).")),
        ],
        description=_l("How many times a learner may submit the quiz. 0 means unlimited."),
        render_kw={"inputmode": "numeric"},
    )


class ChoiceRowForm(PlainForm):
    """One choice row; labels are numbered by question_form."""

    text = StringField(_l("Choice text"))
    correct = BooleanField(_l("Correct answer"))
    #: The choice's share of the marks in percent, or "" to mark it by the tick. The type's
    #: from_editor checks it (the options are set per type by question_form).
    weight = SelectField(_l("Marks for this choice"), validate_choice=False, default="")
    feedback = StringField(_l("Feedback for this choice"))


def weight_choices(options, current: str = "") -> list[SelectChoice]:
    """The marks a choice may give: "by the tick", then the type's weights (Moodle's list), and a
    stored weight outside that list (from a GIFT file) so that saving keeps it."""
    values = [weight_text(w) for w in options]
    if current and current not in values:
        values.append(current)
    return [SelectChoice("", _l("By the tick: all if correct, none if not"))] + [
        SelectChoice(v, _l("%(weight)s %% of the marks", weight=v)) for v in values
    ]


class QuestionForm(Form):
    """A question form: prompt, the type's own editor fields, general feedback and short name, in
    that (page) order. Built for one question type by :func:`question_form`."""

    qtype: QuestionType

    def fields(self) -> QuestionFields:
        """The form's values for quiz_authoring.build_spec."""
        values: dict[str, Any] = {}
        for editor_field in self.qtype.editor:
            field = self[editor_field.name]
            if editor_field.kind == "choice_rows":
                values[editor_field.name] = [
                    ChoiceRow(
                        r.form.text.data or "",
                        bool(r.form.correct.data),
                        r.form.feedback.data or "",
                        r.form.weight.data or "",
                    )
                    for r in field
                ]
            else:
                values[editor_field.name] = field.data or ""
        return QuestionFields(
            self.qtype.name,
            self.prompt.data or "",
            title=self.title.data or "",
            feedback=self.feedback.data or "",
            **values,
        )

    def fill(self, data: QuestionFields) -> None:
        """Show a stored question's values (quiz_authoring.fields_of)."""
        self.title.data, self.prompt.data, self.feedback.data = data.title, data.prompt, data.feedback
        for editor_field in self.qtype.editor:
            field, value = self[editor_field.name], data.values.get(editor_field.name)
            if editor_field.kind == "choice_rows":
                for entry, row in zip(field, value or [], strict=False):  # spare rows stay empty
                    entry.form.text.data, entry.form.correct.data, entry.form.feedback.data = (
                        row.text,
                        row.correct,
                        row.feedback,
                    )
                    entry.form.weight.data = row.weight
                    entry.form.weight.choices = weight_choices(getattr(self.qtype, "weight_options", ()), row.weight)
            else:
                field.data = value


def _editor_field(editor_field: EditorField, rows: int):
    """The WTForms field for one of a type's editor fields (see EditorField.kind)."""
    if editor_field.kind == "choice_rows":
        return FieldList(FormField(ChoiceRowForm), editor_field.label, min_entries=rows, max_entries=MAX_CHOICE_ROWS)
    if editor_field.kind == "radio":
        return RadioField(
            editor_field.label,
            choices=[SelectChoice(v, label) for v, label in editor_field.options],
            validators=[Optional()],
            description=editor_field.description or "",
        )
    if editor_field.kind == "textarea":
        return TextAreaField(
            editor_field.label,
            validators=[Optional()],
            description=editor_field.description or "",
            render_kw={"rows": editor_field.rows},
        )
    if editor_field.kind == "text":
        return StringField(editor_field.label, validators=[Optional()], description=editor_field.description or "")
    raise ValueError(f"no form field for editor field kind {editor_field.kind!r}")


def question_form(qtype: QuestionType, rows: int = CHOICE_ROWS, **kwargs) -> QuestionForm:
    """The form for a question of ``qtype``, with ``rows`` choice rows when it has choice rows
    (a FieldList needs its count up front)."""
    rows = max(CHOICE_ROWS, min(rows, MAX_CHOICE_ROWS))
    # Fields are created here, in page order: WTForms orders a form's fields by creation, and the
    # error summary lists errors in that order.
    attrs: dict = {
        "qtype": qtype,
        "prompt": TextAreaField(
            _l("Question"), validators=[InputRequired(_l("Enter the question."))], render_kw={"rows": 4}
        ),
    }
    for editor_field in qtype.editor:
        attrs[editor_field.name] = _editor_field(editor_field, rows)
    attrs["feedback"] = TextAreaField(
        _l("General feedback"),
        validators=[Optional()],
        render_kw={"rows": 3},
        description=_l("Shown after answering, whatever the answer."),
    )
    attrs["title"] = StringField(
        _l("Short name"),
        validators=[Optional()],
        description=_l("Shown to trainers only, e.g. in GIFT files. You can leave it empty."),
    )
    # The question's version when the form was opened (optimistic locking, lms.services.editing).
    attrs["version"] = VersionField()
    form = type("QuestionForm", (QuestionForm,), attrs)(**kwargs)
    for editor_field in qtype.editor:
        if editor_field.kind == "choice_rows":
            options = getattr(qtype, "weight_options", ())
            for number, entry in enumerate(form[editor_field.name], start=1):
                entry.form.text.label.text = _l("Choice %(n)d text", n=number)
                entry.form.correct.label.text = _l("Choice %(n)d is correct", n=number)
                entry.form.weight.label.text = _l("Marks for choice %(n)d", n=number)
                entry.form.weight.choices = weight_choices(options, entry.form.weight.data or "")
                entry.form.feedback.label.text = _l("Feedback for choice %(n)d", n=number)
    return form


class GiftImportForm(Form):
    """The quiz editor's import form: GIFT (the default), Moodle XML or Aiken."""

    format = RadioField(
        _l("Format of the questions"),
        default="gift",
        choices=[
            SelectChoice("gift", _l("GIFT (.gift or .txt)")),
            SelectChoice("moodle_xml", _l("Moodle XML (.xml)")),
            SelectChoice("aiken", _l("Aiken (.txt or .aiken)")),
        ],
        validators=[Optional()],
    )
    file = FileField(_l("GIFT file"), description=_l("A .gift or .txt file exported from Moodle, in UTF-8."))
    text = TextAreaField(
        _l("Or paste GIFT text"),
        validators=[Optional()],
        render_kw={"rows": 14, "spellcheck": "false"},
        description=_l("Questions are separated by a blank line. If you choose a file, this box is ignored."),
    )
    mode = RadioField(
        _l("What to do with the questions"),
        default="append",
        choices=[SelectChoice("append", _l("Add to the quiz")), SelectChoice("replace", _l("Replace all questions"))],
        validators=[Optional()],
    )
