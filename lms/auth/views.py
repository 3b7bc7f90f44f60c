"""Signing up, in and out, and setting a password from a reset link. The account pages (name,
password, sign out everywhere) are in lms/auth/account.py, on the same blueprint."""

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user

from lms.auth import links
from lms.auth.forms import LoginForm, RegisterForm, ResetPasswordForm
from lms.auth.session import safe_next
from lms.db import session as db
from lms.errors import FieldErrors
from lms.extensions import limiter
from lms.forms import show_errors
from lms.services import account_mail, accounts, audit, sign_ins

bp = Blueprint("auth", __name__)

_TOO_MANY_SIGN_INS = _l(
    "Too many sign-in attempts that did not work. Wait a few minutes, then try again. "
    "If you forgot your password, choose “Forgot your password?” on the sign-in page."
)


def _account_key() -> str:
    """The account a sign-in names, so guessing one account's password is limited from any address."""
    return "sign-in:" + accounts.normalize_email(request.form.get("email", ""))[:254]


def _failed(response) -> bool:
    """Only sign-ins that did not work count against the limits (a success redirects)."""
    return response.status_code >= 400


def _account_limit() -> str:
    return current_app.config["SIGN_IN_ACCOUNT_LIMIT"]


def _address_limit() -> str:
    return current_app.config["SIGN_IN_ADDRESS_LIMIT"]


def _register_limit() -> str:
    return current_app.config["REGISTER_ADDRESS_LIMIT"]


def sign_in(user, remember: bool = False) -> None:
    """Start a new sign-in for user in this browser (a new session, a new remember-me token)."""
    # A fresh session at sign-in: nothing set before it (by anyone) carries over.
    session.clear()
    sign_ins.start(db, user, remember=remember)
    login_user(user, remember=remember)


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(
    _register_limit,
    methods=["POST"],
    error_message=_l("Too many accounts were created from this address in a short time. Wait a while, then try again."),
)
def register():
    """Create an account. The answer is the same whether or not the address already had one (the
    sign-in page and one message), so the form cannot be used to find out who has an account."""
    if current_user.is_authenticated:
        return redirect(url_for("catalog.index"))
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            user = accounts.register(db, name=form.name.data, email=form.email.data, password=form.password.data)
        except FieldErrors as err:
            show_errors(form, err)
        else:
            settings = links.mail_settings()
            if settings is None:
                flash(
                    _(
                        "Thank you. If this email address is new to Sala, its account is ready: sign in with it "
                        "and the password you chose. If it already had an account, sign in with that account's "
                        "password (or ask an admin for a reset link)."
                    ),
                    "info",
                )
            else:
                # A new account is welcomed and a taken address's owner is told, by e-mail only.
                account_mail.tell_about_registration(
                    db,
                    accounts.normalize_email(form.email.data),
                    user,
                    links.mail_site(),
                    settings,
                    language=links.language(),
                    address=request.remote_addr or "",
                )
                flash(
                    _(
                        "Thank you. We have sent an email to this address: check it. If the address is new to "
                        "Sala, its account is ready: sign in with it and the password you chose."
                    ),
                    "info",
                )
            return redirect(url_for("auth.login", next=safe_next(request.args.get("next"))))
    status = 400 if form.errors else 200
    return render_template("auth/register.html", form=form), status


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(
    _account_limit,
    key_func=_account_key,
    methods=["POST"],
    deduct_when=_failed,
    error_message=_TOO_MANY_SIGN_INS,
    scope="sign-in-account",
)
@limiter.limit(
    _address_limit, methods=["POST"], deduct_when=_failed, error_message=_TOO_MANY_SIGN_INS, scope="sign-in-address"
)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("catalog.index"))
    form = LoginForm()
    failed = False
    if form.validate_on_submit():
        user = accounts.authenticate(db, form.email.data, form.password.data)
        if user is not None:
            sign_in(user, remember=form.remember.data)
            audit.record(db, "sign_in", actor=user, email=user.email, address=request.remote_addr or "")
            flash(_("You are signed in."), "info")
            return redirect(safe_next(request.args.get("next")) or url_for("catalog.index"))
        failed = True
        # Kept although this request's transaction rolls back (it answers 400).
        audit.record_apart(
            db, "sign_in_failed", email=accounts.normalize_email(form.email.data), address=request.remote_addr or ""
        )
    status = 400 if (form.errors or failed) else 200
    return render_template("auth/login.html", form=form, failed=failed), status


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    # End the sign-in itself, so copies of this browser's cookies stop working too.
    sign_ins.end(db, current_user)
    # Clear first: logout_user then marks the remember-me cookie for deletion in the new session.
    session.clear()
    logout_user()
    flash(_("You are signed out."), "info")
    return redirect(url_for("catalog.index"))


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@limiter.limit(_address_limit, methods=["POST"], scope="password-reset")
def reset_password(token: str):
    """Set a new password from a link e-mailed (/password/forgot) or made by an admin (the people page,
    or `lms users reset-link`). The link works once, for an hour; using it ends every sign-in of the
    account."""
    user = accounts.user_for_reset(db, token, current_app.config["SECRET_KEY"])
    if user is None:
        page = render_template("auth/reset_invalid.html"), 400
    else:
        form = ResetPasswordForm()
        if form.validate_on_submit():
            try:
                accounts.set_password(db, user, form.password.data)
            except FieldErrors as err:
                show_errors(form, err)
            else:
                audit.record(db, "password_reset", email=user.email, address=request.remote_addr or "")
                session.clear()
                if current_user.is_authenticated:
                    logout_user()
                flash(
                    _(
                        "Your password is set, and every device that was signed in to your account is signed "
                        "out. Sign in with the new password."
                    ),
                    "info",
                )
                return redirect(url_for("auth.login"))
        page = render_template("auth/reset.html", form=form), 400 if form.errors else 200
    body, status = page
    # The token is in this page's address: never send it to another site as a Referer.
    return body, status, {"Referrer-Policy": "no-referrer", "Cache-Control": "no-store"}


from lms.auth import account, forgot, language  # noqa: E402,F401  (register the account, forgot-password and language pages on bp)
