"""Form pieces every page shares: the base forms, the confirm form, and showing a service's
FieldErrors on a form.

Errors are shown the GOV.UK Design System way: a message beside each field, and a summary at the
top of the page that links to each field (templates/macros/forms.html, `form_errors(form)`).

Every form in Sala derives from `Form` (sent with a CSRF token) or `PlainForm` (a GET form, or the
subform of a FieldList): their messages of WTForms' own ("Not a valid integer value.") come from
Sala's catalogue (`BUILT_IN_MESSAGES`), because WTForms ships no Khmer.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_wtf import FlaskForm
from wtforms import Field, HiddenField
from wtforms import Form as WTForm
from wtforms.fields import FieldList, FormField

from lms import db
from lms.errors import FieldErrors

#: Sala's words for each message WTForms raises by itself (wtforms/locale/wtforms.pot), by WTForms'
#: English: WTForms ships no Khmer, and Flask-WTF's WTF_I18N_ENABLED only reaches WTForms' own
#: catalogues. Forms give their own messages where they can; these catch the rest (a number field
#: given letters, a choice not offered, a Length without a message). Placeholders are WTForms':
#: it fills them after translating. The messages Sala's fields cannot raise (no form uses the
#: validator) share one general message; tests/unit/test_form_messages.py checks the pot is covered.
_ANY = _l("This value cannot be used here. Check it and try again.")
_CHOICE = _l("Choose one of the options given.")
_NUMBER = _l("Enter a number, like 2.5.")
BUILT_IN_MESSAGES: dict[str, object] = {
    "This field is required.": _l("Fill in this field."),
    "Field must be equal to %(other_name)s.": _l("Enter the same as in “%(other_name)s”."),
    "Field must be between %(min)d and %(max)d characters long.": _l("Enter from %(min)d to %(max)d characters."),
    "Number must be at least %(min)s.": _l("Enter a number of at least %(min)s."),
    "Number must be at most %(max)s.": _l("Enter a number of at most %(max)s."),
    "Number must be between %(min)s and %(max)s.": _l("Enter a number from %(min)s to %(max)s."),
    "Invalid email address.": _l("Enter an email address like name@example.org."),
    "Not a valid choice.": _CHOICE,
    "Invalid Choice: could not coerce.": _CHOICE,
    "Invalid choice(s): one or more data inputs could not be coerced.": _CHOICE,
    "Not a valid integer value.": _l("Enter a whole number, like 12."),
    "Not a valid decimal value.": _NUMBER,
    "Not a valid float value.": _NUMBER,
    "Not a valid date value.": _l("Enter a date as year-month-day, like 2026-11-30."),
    # WTForms' own CSRF (Sala's is Flask-WTF's, answered by lms.errors): the same words as that page.
    **dict.fromkeys(
        ("Invalid CSRF Token.", "CSRF token missing.", "CSRF failed.", "CSRF token expired."),
        _l(
            "This form had expired or was sent from another site, so nothing was saved. Open the page again and "
            "resend it."
        ),
    ),
    **dict.fromkeys(
        (
            "Date must be at least %(min)s.",
            "Date must be at most %(max)s.",
            "Date must be between %(min)s and %(max)s.",
            "Invalid input.",
            "Invalid IP address.",
            "Invalid Mac address.",
            "Invalid URL.",
            "Invalid UUID.",
            "Invalid value, must be one of: %(values)s.",
            "Invalid value, can't be any of: %(values)s.",
            "This field cannot be edited.",
            "This field is disabled and cannot have a value.",
            "Not a valid datetime value.",
            "Not a valid time value.",
            "Not a valid week value.",
        ),
        _ANY,
    ),
}
#: The same for WTForms' plural messages, by their singular; each is given n (the length asked for).
BUILT_IN_PLURALS = {
    "Field must be at least %(min)d character long.": lambda n: ngettext(
        "Enter at least %(num)d character.", "Enter at least %(num)d characters.", n
    ),
    "Field cannot be longer than %(max)d character.": lambda n: ngettext(
        "Keep this to %(num)d character or fewer.", "Keep this to %(num)d characters or fewer.", n
    ),
    "Field must be exactly %(max)d character long.": lambda n: ngettext(
        "Enter exactly %(num)d character.", "Enter exactly %(num)d characters.", n
    ),
    "'%(value)s' is not a valid choice for this field.": lambda n: str(_CHOICE),
}


class _SalaMessages:
    """WTForms' translations interface (gettext, ngettext), answered from Sala's catalogue in the
    request's language. A string it does not know (a field's default label, made from its name) is
    returned as it is."""

    def gettext(self, string: str) -> str:
        message = BUILT_IN_MESSAGES.get(string)
        return string if message is None else str(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        message = BUILT_IN_PLURALS.get(singular)
        return (singular if n == 1 else plural) if message is None else message(n)


_MESSAGES = _SalaMessages()


class _SalaMeta:
    """Merged by WTForms into the Meta of each form class below (and of their subclasses)."""

    def get_translations(self, form):
        return _MESSAGES


class Form(FlaskForm):
    """A form sent with a CSRF token (Flask-WTF), whose built-in messages are Sala's."""

    Meta = _SalaMeta


class PlainForm(WTForm):
    """A form without a CSRF token (a GET form, or the subform of a FieldList), whose built-in
    messages are Sala's."""

    Meta = _SalaMeta


class ConfirmForm(Form):
    """A form with nothing but the CSRF token, for buttons that change something.

    The app-wide CSRF check (Flask-WTF's CSRFProtect) refuses a POST without a valid token before
    any view runs, so views need not validate this form again."""


class VersionField(HiddenField):
    """The version of the record an edit form was opened at (optimistic locking,
    lms.services.editing). Never a field error: anything but a plain number reads as None, which
    the save treats as a conflict, so the editor sees both versions rather than a lost edit."""

    def process_formdata(self, valuelist):
        raw = valuelist[0] if valuelist else ""
        self.data = int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 9 else None

    def _value(self) -> str:
        return "" if self.data is None else str(self.data)


@dataclass
class ConflictRow:
    """One field of an edit conflict page: the stored value (theirs) beside the editor's (yours)."""

    label: str
    theirs: str
    yours: str

    @property
    def same(self) -> bool:
        return self.theirs.strip() == self.yours.strip()


def show_conflict(form: WTForm, version: int, rows: Iterable[tuple[str, str, str]]) -> list[ConflictRow]:
    """Ready an edit form whose save lost the race (lms.errors.EditConflict) to be sent again:
    it keeps the editor's values and now carries the stored `version`, so sending it saves the
    editor's version over the other. Returns the (label, theirs, yours) rows the page compares."""
    form.version.data = version
    return [ConflictRow(str(label), theirs or "", yours or "") for label, theirs, yours in rows]


def _target(form: WTForm, key: str) -> Field | None:
    """The field a FieldErrors key names: "title", or "choices-0-text" inside a list of subforms."""
    if key in form:
        return form[key]
    name, _, rest = key.partition("-")
    index, _, sub = rest.partition("-")
    field = form._fields.get(name)
    if isinstance(field, FieldList) and index.isascii() and index.isdigit() and int(index) < len(field.entries):
        entry = field.entries[int(index)]
        if isinstance(entry, FormField):
            return entry.form._fields.get(sub)
        return entry if not sub else None
    return None


def show_errors(form: WTForm, errors: FieldErrors | Mapping[str, str]) -> None:
    """Put each message on the field it names, so the field shows it and the summary links to it.

    A key that names a list of subforms (e.g. "choices") keeps its message in `form.list_errors`;
    a key that names nothing on the form goes to `form.form_errors` (WTForms' form-level list).
    The request's changes so far are rolled back (lms.db.discard), so nothing refused is kept."""
    # Forget what the service changed before it refused, so the page shows what is stored.
    db.discard()
    items = errors.errors if isinstance(errors, FieldErrors) else errors
    list_errors: dict[str, str] = getattr(form, "list_errors", None) or {}
    for key, message in items.items():
        field = _target(form, key)
        if isinstance(field, FieldList):
            list_errors[key] = message
        elif field is not None:
            if message not in field.errors:
                field.errors = list(field.errors or []) + [message]
        else:
            form.form_errors.append(message)
    form.list_errors = list_errors


def _first_input_id(field: Field) -> str:
    if isinstance(field, FieldList):
        return _first_input_id(field.entries[0]) if field.entries else field.id
    if isinstance(field, FormField):
        first = next(iter(field.form), None)
        return _first_input_id(first) if first is not None else field.id
    return field.id


def _field_items(field: Field) -> Iterator[tuple[str, str]]:
    if field.type == "CSRFTokenField":
        return
    if isinstance(field, FieldList):
        for entry in field.entries:
            yield from _field_items(entry)
    elif isinstance(field, FormField):
        for sub in field.form:
            yield from _field_items(sub)
    else:
        for message in field.errors or []:
            if not isinstance(message, (dict, list, tuple)):  # lazy_gettext strings are not str
                yield field.id, str(message)


def error_items(form: WTForm | None) -> list[tuple[str, str]]:
    """(id of the field to link to, message) for every error on the form, in page order: the
    error summary's list."""
    if form is None:
        return []
    items: list[tuple[str, str]] = []
    first_id = next((_first_input_id(f) for f in form if f.type != "CSRFTokenField"), "")
    items.extend((first_id, m) for m in getattr(form, "form_errors", []) or [])
    list_errors = getattr(form, "list_errors", None) or {}
    for field in form:
        if field.name in list_errors:
            items.append((_first_input_id(field), list_errors[field.name]))
        items.extend(_field_items(field))
    return items
