"""Expected failures as exceptions, and the one place that turns any error into an accessible page."""

from __future__ import annotations

import logging

from flask import Flask, Response, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DataError
from werkzeug.exceptions import HTTPException, SecurityError

from lms.db import discard

log = logging.getLogger(__name__)


class LmsError(Exception):
    """A failure the user can understand; `status` is the HTTP status it deserves."""

    status = 400

    def __init__(self, message: str = ""):
        super().__init__(message)
        self.message = message


class NotFound(LmsError):
    status = 404


class NotAllowed(LmsError):
    status = 403


class NotEnrolled(NotAllowed):
    def __init__(self, course):
        super().__init__(
            _("You are not enrolled in “%(title)s”. Enrol from the course page to open its units.", title=course.title)
        )
        self.course = course


class Conflict(LmsError):
    status = 409


class EditConflict(Conflict):
    """Someone saved the thing being edited after this editor opened it (optimistic locking:
    the version the form carried is not the stored one). Nothing of this request was saved; the
    edit pages catch it and show both versions, the editor's own text kept in the form."""

    def __init__(self, message: str = ""):
        super().__init__(message or _("Someone else saved this after you opened it, so your changes were not saved."))


class FieldErrors(LmsError):
    """Input a person can correct, as {form field name: message}. Nothing was saved.

    A key names a field of the form that sent the input; "name-N-sub" names field `sub` of entry
    N of a list field (WTForms' own ids). `lms.forms.show_errors` puts each message on its field.
    """

    status = 422

    def __init__(self, errors: dict[str, str]):
        super().__init__(" ".join(errors.values()))
        self.errors = errors


class ContentError(LmsError):
    """A problem in a content file, named by path, line and field."""

    def __init__(self, path, message: str, line: int = 0, field: str = ""):
        where = str(path) + (f":{line}" if line else "")
        what = f" ({field})" if field else ""
        super().__init__(f"{where}{what}: {message}")
        self.path, self.line, self.field = path, line, field


_TITLES = {
    400: lambda: _("The request could not be understood"),
    403: lambda: _("You do not have access to this page"),
    404: lambda: _("Page not found"),
    405: lambda: _("That action is not allowed here"),
    409: lambda: _("That has already been done"),
    413: lambda: _("The file is too large"),
    429: lambda: _("Too many requests"),
    500: lambda: _("Something went wrong on our side"),
}


def _explain(status: int) -> str:
    return {
        400: _("Something in the request was missing or not valid. Go back, check the form and try again."),
        403: _(
            "Your account cannot open this page. If you think it should, sign in with another account or ask a trainer."
        ),
        404: _("There is nothing at this address. It may have moved, or the link may be mistyped."),
        405: _("This page cannot be used that way. Use the buttons and links on the site."),
        409: _("This was already done, so nothing changed."),
        413: _("The file you sent is larger than this site accepts. Send a smaller file."),
        429: _("You have made too many requests in a short time. Wait a minute and try again."),
        500: _("The error has been logged. Try again in a moment."),
    }.get(status, _("Something went wrong."))


#: Draining an over-limit body is bounded, so a huge one cannot keep a worker busy for long.
DRAIN_LIMIT = 1024 * 1024 * 1024


def drain_input(environ: dict, limit: int = DRAIN_LIMIT) -> int:
    """Read and discard the request body up to its Content-Length (and at most `limit` bytes)."""
    try:
        remaining = min(int(environ.get("CONTENT_LENGTH") or 0), limit)
    except ValueError:
        return 0
    stream = environ.get("wsgi.input")
    read = 0
    while stream is not None and remaining > 0:
        chunk = stream.read(min(64 * 1024, remaining))
        if not chunk:
            break
        read += len(chunk)
        remaining -= len(chunk)
    return read


def render_error(status: int, message: str | None = None):
    status = status if status in _TITLES else (400 if 400 <= status < 500 else 500)
    return (
        render_template(
            "errors/error.html", status=status, title=_TITLES[status](), message=message or _explain(status)
        ),
        status,
    )


def init_app(app: Flask) -> None:
    @app.errorhandler(LmsError)
    def _lms_error(err: LmsError):
        return render_error(err.status, err.message)

    @app.errorhandler(CSRFError)
    def _csrf_error(err: CSRFError):
        return render_error(
            400,
            _(
                "This form had expired or was sent from another site, so nothing was saved. Open the page again and resend it."
            ),
        )

    @app.errorhandler(SecurityError)
    def _untrusted_host(err: SecurityError):
        # A Host header outside TRUSTED_HOSTS: Flask builds no URL adapter for it, so the page
        # layout (full of links) cannot be drawn; a plain answer, naming nothing of the request.
        return Response(_("This site does not answer to that address.") + "\n", status=400, mimetype="text/plain")

    @app.errorhandler(HTTPException)
    def _http_error(err: HTTPException):
        if err.code == 413:
            # Refused before it was read: read (and drop) the rest of the body, so the browser
            # gets this page rather than "connection reset", then close the connection.
            drain_input(request.environ)
            limit = app.config.get("MAX_CONTENT_LENGTH") or 0
            body, status = render_error(
                413,
                _(
                    "The file is larger than the limit of %(mb)d MB, so nothing was saved. "
                    "Send a smaller file, or ask an admin to raise the limit.",
                    mb=limit // (1024 * 1024),
                ),
            )
            return Response(body, status=status, headers={"Connection": "close"}, mimetype="text/html")
        return render_error(err.code or 500, err.description if err.code == 429 else None)

    @app.errorhandler(DataError)
    def _refused_by_database(err: DataError):
        # The database refused a value the request carried (PostgreSQL: a NUL character in text,
        # a number out of its range): bad input, not a fault of ours. Forms that check their text
        # (names, titles) say so on the field before it gets here; this is the net under the rest.
        log.warning("Database refused a value on %s %s: %s", request.method, request.path, err.orig)
        # The failed flush leaves the session unusable, and the error page reads the signed-in
        # person (their language) through it: roll back first.
        discard()
        return render_error(400)

    @app.errorhandler(Exception)
    def _unexpected(err: Exception):
        log.exception("Unhandled error on %s %s", request.method, request.path)
        # A failed flush leaves the session unusable until rolled back, and the error page reads
        # the signed-in user through it: roll back first, or the error page itself fails.
        discard()
        return render_error(500)
