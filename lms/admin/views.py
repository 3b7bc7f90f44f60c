"""Admin pages: who may teach and who may administer."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms.admin.forms import ROLE_CHOICES, RoleForm
from lms.config import public_base_url
from lms.db import session as db
from lms.extensions import login_manager
from lms.services import accounts, roles

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
def _admins_only():
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    roles.require_admin(current_user)
    return None


def _page(failed_user_id: int | None = None, error: str | None = None, status: int = 200):
    return render_template(
        "admin/users.html",
        users=roles.all_users(db),
        role_choices=ROLE_CHOICES,
        failed_user_id=failed_user_id,
        error=error,
    ), status


@bp.route("/users")
def users():
    return _page()


@bp.route("/users/<int:user_id>/role", methods=["POST"])
def set_role(user_id: int):
    form = RoleForm()
    if not form.validate_on_submit():
        return _page(user_id, " ".join(str(e) for e in form.role.errors) or _("Choose a role."), 422)
    try:
        user = roles.set_role(db, current_user, user_id, form.role.data)
    except roles.LastAdmin as err:
        return _page(user_id, err.message, err.status)
    flash(_("The role of %(name)s is now: %(role)s.", name=user.name, role=dict(ROLE_CHOICES)[user.role]), "info")
    return redirect(url_for("admin.users") + f"#user-{user.id}")


@bp.route("/users/<int:user_id>/reset-link", methods=["POST"])
def reset_link(user_id: int):
    """Make a password reset link for someone to set a new password, shown once on this page (for
    sites that send no e-mail, or a person whose mail does not arrive). Audit-logged."""
    user, token = accounts.reset_token_by_admin(
        db, current_user, user_id, current_app.config["SECRET_KEY"], address=request.remote_addr or ""
    )
    link = public_base_url() + url_for("auth.reset_password", token=token)
    # Never cached or sent on as a Referer: the page holds a live link to set this person's password.
    return (
        render_template("admin/reset_link.html", user=user, link=link, hours=accounts.RESET_MAX_AGE // 3600),
        200,
        {"Cache-Control": "private, no-store", "Referrer-Policy": "no-referrer"},
    )


from lms.admin import audit  # noqa: E402,F401  (registers the audit log page on bp)
