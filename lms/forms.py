"""Form pieces every page shares: the confirm form, and showing a service's FieldErrors on a form.

Errors are shown the GOV.UK Design System way: a message beside each field, and a summary at the
top of the page that links to each field (templates/macros/forms.html, `form_errors(form)`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from flask_wtf import FlaskForm
from wtforms import Field, Form, HiddenField
from wtforms.fields import FieldList, FormField

from lms import db
from lms.errors import FieldErrors


class ConfirmForm(FlaskForm):
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


def show_conflict(form: Form, version: int, rows: Iterable[tuple[str, str, str]]) -> list[ConflictRow]:
    """Ready an edit form whose save lost the race (lms.errors.EditConflict) to be sent again:
    it keeps the editor's values and now carries the stored `version`, so sending it saves the
    editor's version over the other. Returns the (label, theirs, yours) rows the page compares."""
    form.version.data = version
    return [ConflictRow(str(label), theirs or "", yours or "") for label, theirs, yours in rows]


def _target(form: Form, key: str) -> Field | None:
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


def show_errors(form: Form, errors: FieldErrors | Mapping[str, str]) -> None:
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


def error_items(form: Form | None) -> list[tuple[str, str]]:
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
