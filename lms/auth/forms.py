from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from lms.forms import Form

#: The password rules (10 to 128 characters, not a common one) are the service's
#: (lms.services.accounts.password_problem); the form only asks for something and caps the size.
_PASSWORD_HINT = _l(
    "10 to 128 characters. A few unrelated words make a strong password; very common passwords are refused."
)


def _new_password(label):
    return PasswordField(
        label,
        validators=[
            DataRequired(_l("Choose a password.")),
            Length(min=10, max=128, message=_l("Use 10 to 128 characters.")),
        ],
        description=_PASSWORD_HINT,
        render_kw={"autocomplete": "new-password", "maxlength": 128},
    )


def _confirm():
    return PasswordField(
        _l("Password again"),
        validators=[
            DataRequired(_l("Type the password again.")),
            EqualTo("password", message=_l("The two passwords are not the same.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )


def _name():
    return StringField(
        _l("Full name"),
        validators=[
            DataRequired(_l("Enter your name.")),
            Length(max=1000, message=_l("Keep your name under 200 characters.")),
        ],
        description=_l("As it should appear on your certificates."),
        render_kw={"autocomplete": "name"},
    )


class RegisterForm(Form):
    name = _name()
    email = EmailField(
        _l("Email address"),
        validators=[
            DataRequired(_l("Enter your email address.")),
            Email(_l("Enter an email address like name@example.org."), check_deliverability=False),
            Length(max=254, message=_l("Enter an email address of at most 254 characters.")),
        ],
        render_kw={"autocomplete": "email", "spellcheck": "false"},
    )
    password = _new_password(_l("Password"))
    confirm = _confirm()


class LoginForm(Form):
    email = EmailField(
        _l("Email address"),
        validators=[DataRequired(_l("Enter your email address."))],
        render_kw={"autocomplete": "username", "spellcheck": "false"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(_l("Enter your password."))],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField(
        _l("Keep me signed in on this device"), description=_l("For 30 days, or until you sign out.")
    )


class NameForm(Form):
    name = _name()


class ChangePasswordForm(Form):
    current = PasswordField(
        _l("Current password"),
        validators=[DataRequired(_l("Enter your current password."))],
        render_kw={"autocomplete": "current-password"},
    )
    password = _new_password(_l("New password"))
    confirm = _confirm()


class ResetPasswordForm(Form):
    password = _new_password(_l("New password"))
    confirm = _confirm()


class ForgotPasswordForm(Form):
    email = EmailField(
        _l("Email address"),
        validators=[
            DataRequired(_l("Enter your email address.")),
            Email(_l("Enter an email address like name@example.org."), check_deliverability=False),
            Length(max=254, message=_l("Enter an email address of at most 254 characters.")),
        ],
        description=_l("The address you sign in with."),
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
        render_kw={"autocomplete": "email", "spellcheck": "false"},
    )
