from flask_babel import lazy_gettext as _l
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from lms.forms import Form


class RevokeForm(Form):
    reason = TextAreaField(
        _l("Reason for revoking"),
        validators=[
            DataRequired(_l("Give the reason: it is shown on the verification page.")),
            Length(max=500, message=_l("Keep the reason under 500 characters.")),
        ],
        description=_l("Shown to anyone who checks this certificate."),
    )
