"""The account pages: the name on certificates, the password, and signing out everywhere."""

from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required, logout_user

from lms.auth.forms import ChangePasswordForm, NameForm
from lms.auth.views import bp, sign_in
from lms.db import session as db
from lms.errors import FieldErrors
from lms.forms import ConfirmForm, show_errors
from lms.services import accounts, audit, sign_ins


def _page(name_form=None, password_form=None, status: int = 200):
    name_form = name_form or NameForm(formdata=None, name=current_user.name)
    return (
        render_template(
            "auth/account.html",
            name_form=name_form,
            password_form=password_form or ChangePasswordForm(formdata=None),
            everywhere_form=ConfirmForm(),
        ),
        status,
        {"Cache-Control": "private, no-store"},
    )


@bp.route("/account")
@login_required
def account():
    return _page()


@bp.route("/account/name", methods=["POST"])
@login_required
def change_name():
    form = NameForm()
    if form.validate_on_submit():
        try:
            accounts.update_name(db, current_user, form.name.data)
        except FieldErrors as err:
            show_errors(form, err)
        else:
            flash(_("Your name is saved. Certificates issued from now on show it."), "info")
            return redirect(url_for("auth.account"))
    return _page(name_form=form, status=400)


@bp.route("/account/password", methods=["POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            accounts.change_password(db, current_user, form.current.data, form.password.data)
        except FieldErrors as err:
            show_errors(form, err)
        else:
            audit.record(
                db, "password_changed", actor=current_user, email=current_user.email, address=request.remote_addr or ""
            )
            # Every sign-in ended with the old password; this browser gets a new one.
            sign_in(current_user._get_current_object(), remember=bool(request.cookies.get("remember_token")))
            flash(_("Your password is changed. Every other device signed in to your account is signed out."), "info")
            return redirect(url_for("auth.account"))
    return _page(password_form=form, status=400)


@bp.route("/account/sign-out-everywhere", methods=["POST"])
@login_required
def sign_out_everywhere():
    """End every sign-in of the account: this browser, other browsers and every remember-me cookie."""
    count = sign_ins.end_all(db, current_user)
    audit.record(
        db, "signed_out_everywhere", actor=current_user, email=current_user.email, address=request.remote_addr or ""
    )
    # Clear first: logout_user then marks the remember-me cookie for deletion in the new session.
    session.clear()
    logout_user()
    flash(
        ngettext(
            "You are signed out on every device (%(num)d sign-in ended).",
            "You are signed out on every device (%(num)d sign-ins ended).",
            count,
        ),
        "info",
    )
    return redirect(url_for("auth.login"))
