import hashlib
import json
from datetime import UTC, datetime

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import force_locale, format_date, get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lms.certificates.forms import RevokeForm
from lms.config import public_base_url
from lms.content.sanitize import clean_svg
from lms.credentials import status
from lms.credentials.issue import verify_url
from lms.credentials.keys import issuer_key_document, load_or_create_issuer_key
from lms.db import session as db
from lms.errors import NotAllowed
from lms.extensions import cache, limiter
from lms.personal_pages import personal_page
from lms.services import certificates
from lms.services.roles import can_edit
from lms.visitor_pages import visitor_page

bp = Blueprint("certificates", __name__)

#: Seconds a cache may keep the revocation list (at most; less when its validUntil is nearer).
STATUS_MAX_AGE = 300


def _verify_limit():
    return current_app.config["VERIFY_RATE_LIMIT"]


def base_url() -> str:
    """The site's public address, from configuration only (never the request's Host header)."""
    return public_base_url()


def _issuer_key():
    return load_or_create_issuer_key(current_app.instance_path)


def _can_revoke(cert) -> bool:
    """Admins, and the trainers who may edit the certificate's course."""
    return can_edit(current_user, cert.course)


@bp.route("/certificates")
@login_required
@personal_page
def mine():
    return render_template("certificates/mine.html", certificates=certificates.of_user(db, current_user))


@bp.route("/certificates/<code>")
@login_required
@personal_page
def show(code: str):
    cert = certificates.get_own(db, current_user, code)
    return _show_page(cert, RevokeForm() if _can_revoke(cert) else None)


def _show_page(cert, revoke_form):
    """The certificate page, shown on its own and again when a revoke form needs correcting."""
    from lms.credentials.qr import qr_svg

    url = verify_url(base_url(), cert.code)
    return render_template(
        "certificates/show.html",
        cert=cert,
        **_certificate_words(cert),
        verify_link=url,
        qr_svg=clean_svg(qr_svg(url, _("QR code linking to the verification page for this certificate"))),
        pdf_available=True,
        credential_available=True,
        revoke_form=revoke_form,
    )


def _certificate_words(cert) -> dict:
    """What the certificate's own words are rendered with (templates/certificates/_body.html): a
    gettext and a date formatter in its wording language, so a Khmer course's certificate is in
    Khmer on an English page too; and that language, for the page to mark them with."""
    lang = certificates.wording_locale(cert, str(get_locale() or "en"))

    def words(message: str, **variables) -> str:
        with force_locale(lang):
            return _(message, **variables)

    def day(value) -> str:
        with force_locale(lang):
            return format_date(value, "long") if value else ""

    return {"certificate_lang": lang, "wording_gettext": words, "wording_date": day}


@bp.route("/certificates/<code>.pdf")
@login_required
def pdf(code: str):
    cert = certificates.get_own(db, current_user, code)
    lang = certificates.wording_locale(cert, str(get_locale() or "en"))
    with force_locale(lang):
        data = certificates.pdf_bytes(
            cert,
            base_url=base_url(),
            issuer_name=current_app.config["ISSUER_NAME"],
            cache_dir=current_app.config["CACHE_DIR"],
            gettext=_,
            lang=lang,
        )
    return Response(
        data,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="certificate-{cert.code}.pdf"',
            "Cache-Control": "private, no-store",
        },
    )


@bp.route("/certificates/<code>/credential.json")
@login_required
def credential(code: str):
    cert = certificates.get_own(db, current_user, code)
    doc = certificates.credential(
        cert,
        key=_issuer_key(),
        base_url=base_url(),
        issuer_name=current_app.config["ISSUER_NAME"],
        course_url=base_url() + url_for("catalog.course", slug=cert.course.slug),
    )
    headers = {
        "Content-Disposition": f'attachment; filename="certificate-{cert.code}.json"',
        "Cache-Control": "private, no-store",
        # Where its status is published; the credential itself stays signed as issued.
        "Link": f'<{status.list_url(base_url())}>; rel="status"',
    }
    if cert.revoked_at is not None:
        headers["Certificate-Status"] = f"revoked; date={cert.revoked_at.date().isoformat()}"
    return Response(json.dumps(doc, ensure_ascii=False, indent=2), mimetype="application/ld+json", headers=headers)


@bp.route("/certificates/<code>/revoke", methods=["POST"])
@login_required
def revoke(code: str):
    cert = certificates.get_own(db, current_user, code)
    if not _can_revoke(cert):
        raise NotAllowed()
    form = RevokeForm()
    if not form.validate_on_submit():
        return _show_page(cert, form), 422
    certificates.revoke(db, cert, form.reason.data)
    cache.delete(f"verify-state:{code}")
    cache.delete(f"verify-state:{cert.code}")
    flash(_("The certificate %(code)s is revoked. Its verification page now says so.", code=cert.code), "info")
    return redirect(url_for("certificates.show", code=cert.code))


@bp.route("/issuer")
@bp.route("/issuer/key.json")
def issuer():
    """The issuer's public key document, for verifying credentials offline."""
    doc = issuer_key_document(_issuer_key(), base_url())
    return Response(
        json.dumps(doc, indent=2),
        mimetype="application/json",
        headers={"Cache-Control": "public, max-age=3600", "Access-Control-Allow-Origin": "*"},
    )


@bp.route(status.LIST_PATH)
def status_list():
    """The signed revocation list that every credential's credentialStatus points to: the same
    document whoever asks, so fetching it reveals nothing about the credential being checked."""
    doc = certificates.status_list(
        db, key=_issuer_key(), base_url=base_url(), cache_dir=current_app.config["CACHE_DIR"]
    )
    body = json.dumps(doc, indent=2)
    # Caches may keep it 5 minutes (how soon a revocation shows), never past its validUntil.
    until = status.valid_until(doc)
    left = int((until - datetime.now(UTC)).total_seconds()) if until else 0
    response = Response(
        body,
        mimetype="application/vc+ld+json",
        headers={
            "Cache-Control": f"public, max-age={max(0, min(STATUS_MAX_AGE, left))}",
            "Access-Control-Allow-Origin": "*",
        },
    )
    response.set_etag(hashlib.sha256(body.encode()).hexdigest()[:32])
    return response.make_conditional(request)


@bp.route("/verify", methods=["GET"])
@limiter.limit(_verify_limit)
def verify():
    """Look up a code typed in a form (GET, so the result has a shareable address)."""
    raw = request.args.get("code")
    if raw is None:
        return _for_visitors(
            "verify-form", lambda: render_template("certificates/verify.html", searched=False, cert=None, code="")
        )
    if not raw.strip():
        # The page's own error summary, not the browser's bubble (the form has novalidate).
        return render_template(
            "certificates/verify.html",
            searched=False,
            cert=None,
            code="",
            error=_("Enter the verification code printed on the certificate."),
        ), 400
    cert = certificates.find(db, raw)
    if cert is not None:
        return redirect(url_for("certificates.verified", code=cert.code))
    return render_template("certificates/verify.html", searched=True, cert=None, code=raw[:64]), 404


@bp.route("/verify/<code>")
@limiter.limit(_verify_limit)
def verified(code: str):
    state = _page_state(code)
    if state is None:
        return render_template("certificates/verify.html", searched=True, cert=None, code=code[:64]), 404

    def render() -> str:
        cert = certificates.find(db, code)
        return render_template(
            "certificates/verify.html", searched=True, cert=cert, code=code[:64], **_certificate_words(cert)
        )

    return _for_visitors(f"verify:{state}", render)


def _page_state(code: str) -> str | None:
    """certificates.page_state for the code, reused for at most PUBLICATION_CHECK_SECONDS by this
    worker (as the publication version is), so a repeat view within that time runs no query:
    revoking shows at once on the worker that revoked (revoke() forgets it), on the others
    within that many seconds. Unknown codes are not remembered: guessing fills no cache."""
    seconds = current_app.config["PUBLICATION_CHECK_SECONDS"]
    key = f"verify-state:{code}"
    state = cache.get(key) if seconds > 0 else None
    if state is None:
        state = certificates.page_state(db, code)
        if state is not None and seconds > 0:
            # Whole seconds (cachelib); never 0, which would mean "for ever".
            cache.set(key, state, timeout=max(1, round(seconds)))
    return state


def _for_visitors(what: str, render) -> str:
    """`render()`'s page, which is the same for every visitor: from the app cache for a signed-out
    visitor with an empty session (lms.visitor_pages, keyed by `what` too). The response and its
    headers are the same as a fresh render's; the rate limit, applied around the view, still
    counts every request."""
    return visitor_page(render, what)[0]
