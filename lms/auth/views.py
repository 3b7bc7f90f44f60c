from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from lms.auth.forms import LoginForm, RegisterForm
from lms.auth.session import safe_next
from lms.db import session as db
from lms.errors import Conflict
from lms.services import accounts

bp = Blueprint("auth", __name__)


def _sign_in(user, remember: bool = False):
    # A fresh session at sign-in: nothing set before it (by anyone) carries over.
    session.clear()
    login_user(user, remember=remember)


@bp.route("/register", methods=["GET", "POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("catalog.index"))
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            user = accounts.register(db, name=form.name.data, email=form.email.data, password=form.password.data)
        except Conflict as err:
            form.email.errors.append(err.message)
        else:
            _sign_in(user)
            flash(_("Welcome, %(name)s. Your account is ready.", name=user.name), "info")
            return redirect(safe_next(request.args.get("next")) or url_for("catalog.index"))
    status = 400 if form.errors else 200
    return render_template("auth/register.html", form=form), status


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("catalog.index"))
    form = LoginForm()
    failed = False
    if form.validate_on_submit():
        user = accounts.authenticate(db, form.email.data, form.password.data)
        if user is not None:
            _sign_in(user, remember=form.remember.data)
            flash(_("You are signed in."), "info")
            return redirect(safe_next(request.args.get("next")) or url_for("catalog.index"))
        failed = True
    status = 400 if (form.errors or failed) else 200
    return render_template("auth/login.html", form=form, failed=failed), status


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    logout_user()
    session.clear()
    flash(_("You are signed out."), "info")
    return redirect(url_for("catalog.index"))
