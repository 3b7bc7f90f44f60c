"""Response headers that protect people's data: Secure cookies and HSTS over HTTPS, a
Permissions-Policy, and `Cache-Control: private, no-store` on personal and draft data.

OWASP ASVS 3.4 (cookie attributes), 14.4 (HTTP security headers), 8.2 (client-side data).
Pages for visitors and their public caching are templating's and the server's business; this
module only makes personal answers uncachable, whatever the view said.
"""

from __future__ import annotations

from flask import Flask, Response, request
from flask.sessions import SecureCookieSessionInterface

#: Blueprints whose every answer is personal or draft data: Teach (drafts, exports, GIFT), results
#: (learner CSVs), admin (accounts), and the account pages.
PRIVATE_BLUEPRINTS = frozenset({"author", "quizauthor", "dashboard", "admin", "auth"})
#: Single endpoints elsewhere that answer with one person's data, or a unit that may be a draft.
PRIVATE_ENDPOINTS = frozenset(
    {
        "certificates.mine",
        "certificates.show",
        "certificates.pdf",
        "certificates.credential",
        "learn.transcript",
        "quiz.result",
        "catalog.mine",
    }
)
#: Browser features Sala never uses; fullscreen stays for its own video player.
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), display-capture=(), geolocation=(), gyroscope=(), "
    "magnetometer=(), microphone=(), midi=(), payment=(), usb=(), fullscreen=(self)"
)


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, with the Secure flag whenever the request came over HTTPS
    (directly, or through a trusted proxy that ProxyFix believed)."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or request.is_secure


def init_app(app: Flask) -> None:
    """Install the session interface and the header hook. Call before Flask-Login's init_app:
    after-request hooks run in reverse order, so this one then sees its remember-me cookie."""
    app.session_interface = SessionInterface()
    app.config.setdefault("HSTS_MAX_AGE", 31536000)

    @app.after_request
    def _protect(response: Response) -> Response:
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        if request.blueprint in PRIVATE_BLUEPRINTS or request.endpoint in PRIVATE_ENDPOINTS:
            response.headers["Cache-Control"] = "private, no-store"
            response.headers.pop("Expires", None)
        if request.is_secure:
            if app.config["HSTS_MAX_AGE"]:
                response.headers.setdefault("Strict-Transport-Security", f"max-age={int(app.config['HSTS_MAX_AGE'])}")
            cookies = response.headers.getlist("Set-Cookie")
            if any("; secure" not in c.lower() for c in cookies):
                response.headers.setlist(
                    "Set-Cookie", [c if "; secure" in c.lower() else c + "; Secure" for c in cookies]
                )
        return response
