""" "Forgot your password?": a reset link by e-mail when mail is configured, otherwise the way to ask
an admin for one. Registered on the auth blueprint."""

from __future__ import annotations

from flask import current_app, render_template, request
from flask_babel import lazy_gettext as _l

from lms.auth import links
from lms.auth.forms import ForgotPasswordForm
from lms.auth.views import bp
from lms.db import session as db
from lms.extensions import limiter
from lms.services import account_mail, accounts


def _recipient_key() -> str:
    """Limits e-mails to one address, whoever asks, so the form cannot be used to flood a mailbox."""
    return "reset-mail:" + accounts.normalize_email(request.form.get("email", ""))[:254]


_TOO_MANY = _l("Too many reset e-mails were asked for in a short time. Wait an hour, then try again.")


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["RESET_MAIL_ACCOUNT_LIMIT"],
    key_func=_recipient_key,
    methods=["POST"],
    error_message=_TOO_MANY,
    scope="reset-mail-account",
)
@limiter.limit(
    lambda: current_app.config["RESET_MAIL_ADDRESS_LIMIT"],
    methods=["POST"],
    error_message=_TOO_MANY,
    scope="reset-mail-address",
)
def forgot_password():
    """Ask for a reset link. The answer after sending is the same page, words and status whether or
    not the address has an account (account_mail.send_reset_link does the same work either way)."""
    settings = links.mail_settings()
    headers = {"Cache-Control": "private, no-store"}
    if settings is None:
        return render_template("auth/forgot.html", form=None, sent_to=None), 200, headers
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        email = accounts.normalize_email(form.email.data)
        account_mail.send_reset_link(
            db, email, links.mail_site(), settings, language=links.language(), address=request.remote_addr or ""
        )
        # Rendered, not redirected: the address typed is shown back without keeping it anywhere.
        return render_template("auth/forgot.html", form=None, sent_to=email), 200, headers
    return render_template("auth/forgot.html", form=form, sent_to=None), 400 if form.errors else 200, headers
