from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

ROLE_CHOICES = [("learner", _l("Learner")), ("trainer", _l("Trainer")), ("admin", _l("Admin"))]


class RoleForm(FlaskForm):
    role = SelectField(
        _l("Role"),
        choices=[SelectChoice(v, label) for v, label in ROLE_CHOICES],
        validators=[InputRequired(_l("Choose a role."))],
    )
