"""The audit log page: admins read and filter security events (registered on the admin blueprint)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from flask import render_template, request
from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from lms.admin.views import bp
from lms.db import session as db
from lms.forms import Form
from lms.services import audit


class AuditFilterForm(Form):
    """A GET form (its results have an address to share), so no CSRF token."""

    class Meta:
        csrf = False

    kind = SelectField(
        _l("Event"),
        choices=[SelectChoice("", _l("All events"))]
        + [SelectChoice(value, label) for value, label in audit.KINDS.items()],
        validators=[Optional()],
        validate_choice=False,
    )
    email = StringField(
        _l("Email address contains"), validators=[Optional(), Length(max=254)], render_kw={"spellcheck": "false"}
    )
    since = DateField(
        _l("From (date)"), validators=[Optional()], description=_l("Year-month-day, in UTC. Leave empty for no limit.")
    )
    until = DateField(_l("Until (date, included)"), validators=[Optional()])


def _start(day) -> datetime | None:
    return datetime.combine(day, time.min, tzinfo=UTC) if day else None


@bp.route("/audit")
def audit_log():
    form = AuditFilterForm(formdata=request.args or None)
    valid = form.validate()
    wanted = audit.Filter()
    if valid:
        until = _start(form.until.data)
        wanted = audit.Filter(
            kind=form.kind.data or "",
            email=form.email.data or "",
            since=_start(form.since.data),
            until=until + timedelta(days=1) if until else None,
        )
    rows = audit.events(db, wanted)
    return render_template("admin/audit.html", form=form, events=rows, kinds=audit.KINDS, page_size=audit.PAGE_SIZE), (
        200 if valid else 400
    )
