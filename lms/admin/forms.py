from flask_babel import lazy_gettext as _l
from wtforms import SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from lms.forms import Form

ROLE_CHOICES = [("learner", _l("Learner")), ("trainer", _l("Trainer")), ("admin", _l("Admin"))]


class RoleForm(Form):
    role = SelectField(
        _l("Role"),
        choices=[SelectChoice(v, label) for v, label in ROLE_CHOICES],
        validators=[InputRequired(_l("Choose a role."))],
    )
