from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from lms.db import session as db
from lms.extensions import limiter
from lms.services import certificates

bp = Blueprint("certificates", __name__)


def _verify_limit():
    from flask import current_app

    return current_app.config["VERIFY_RATE_LIMIT"]


@bp.route("/certificates")
@login_required
def mine():
    return render_template("certificates/mine.html", certificates=certificates.of_user(db, current_user))


@bp.route("/certificates/<code>")
@login_required
def show(code: str):
    cert = certificates.get_own(db, current_user, code)
    return render_template("certificates/show.html", cert=cert, qr_svg=None, pdf_available=False,
                           credential_available=False)


@bp.route("/verify", methods=["GET"])
@limiter.limit(_verify_limit)
def verify():
    """Look up a code typed in a form (GET, so the result has a shareable address)."""
    raw = request.args.get("code")
    if raw is None:
        return render_template("certificates/verify.html", searched=False, cert=None, code="")
    cert = certificates.find(db, raw)
    if cert is not None:
        return redirect(url_for("certificates.verified", code=cert.code))
    return render_template("certificates/verify.html", searched=True, cert=None, code=raw[:64]), 404


@bp.route("/verify/<code>")
@limiter.limit(_verify_limit)
def verified(code: str):
    cert = certificates.find(db, code)
    status = 200 if cert is not None else 404
    return render_template("certificates/verify.html", searched=True, cert=cert, code=code[:64]), status
