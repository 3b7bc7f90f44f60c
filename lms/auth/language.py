"""Choosing the interface language: the switch in every page's header and the account page.

Two ways in, because two kinds of page carry the switch:

* Visitors' pages are public and cached (lms/catalog/views.py): they carry no form and no CSRF
  token, so their switch is a plain link, `GET /language/<code>?next=<path>`. It only sets the
  `lang` cookie of this browser, a preference of the same weight as Accept-Language; it never
  touches an account, so a link from another site can at worst change the language this browser
  shows.
* Signed-in pages already carry a CSRF token: their switch is `POST /language` (a button per
  language), which saves the choice on the account as well as in the cookie, so it follows the
  person to every device. The account page's language field posts to the same place.

`next` is kept only when it is a path on this site (lms.auth.session.safe_next): never an open
redirect.
"""

from __future__ import annotations

from flask import redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms.auth.session import safe_next
from lms.auth.views import bp
from lms.db import session as db
from lms.errors import FieldErrors, LmsError, NotFound
from lms.extensions import LOCALE_COOKIE, LOCALE_COOKIE_MAX_AGE, LOCALES
from lms.services import accounts


def _back_with_cookie(code: str):
    response = redirect(safe_next(request.values.get("next")) or url_for("catalog.index"), code=303)
    response.set_cookie(
        LOCALE_COOKIE,
        code,
        max_age=LOCALE_COOKIE_MAX_AGE,
        samesite="Lax",
        secure=request.is_secure,
        httponly=True,
    )
    return response


@bp.route("/language/<code>")
def choose_language(code: str):
    """A visitor's switch: remember `code` in this browser's cookie and go back to `next`."""
    if code not in LOCALES:
        raise NotFound(_("Sala is not available in that language. Choose English or Khmer."))
    return _back_with_cookie(code)


@bp.route("/language", methods=["POST"])
def save_language():
    """The signed-in switch and the account page's field: save the `locale` sent on the account
    (when signed in) and in the cookie, then go back to `next`."""
    code = request.form.get("locale", "")
    if current_user.is_authenticated:
        try:
            accounts.set_locale(db, current_user, code)
        except FieldErrors as err:
            raise LmsError(err.errors["locale"]) from None
    elif code not in LOCALES:
        raise LmsError(_("Choose one of the languages offered."))
    return _back_with_cookie(code)
