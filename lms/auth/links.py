"""What the account e-mails need from the app: mail settings, the site's name and its public links.

The links start with lms.config.public_base_url (LMS_BASE_URL, or the trusted proxy's checked
host), never with the Host header of the request that asked for the e-mail: otherwise anyone could
have a victim's reset link point at a site of their own.
"""

from __future__ import annotations

from flask import current_app, url_for
from flask_babel import get_locale

from lms.config import public_base_url
from lms.services.account_mail import Site
from lms.services.mail import MailSettings


def mail_settings() -> MailSettings | None:
    return MailSettings.from_config(current_app.config)


def reset_link(token: str) -> str:
    return public_base_url() + url_for("auth.reset_password", token=token)


def mail_site() -> Site:
    return Site(
        name=current_app.config["ISSUER_NAME"],
        secret_key=current_app.config["SECRET_KEY"],
        reset_link=reset_link,
        sign_in_link=public_base_url() + url_for("auth.login"),
    )


def language() -> str:
    """The language of this request's pages, for the e-mail it sends."""
    return str(get_locale() or "en")
