"""The e-mails accounts send: a reset link asked for on the "forgot password" page, and the notices
registration sends (a welcome, or "someone tried to register with your address").

Neither page may tell a visitor whether an address has an account (OWASP ASVS 2.5.x, 3.x; the
issue's "account enumeration" finding). So each function does the same work for an address with an
account and one without: it looks the address up, signs a token, writes the message in the
recipient's language, and only then decides whether to hand it to the background sender. The
request itself writes nothing in either case (the audit event is written by the sending thread),
so the answers match in words, status and timing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from lms.db import after_commit
from lms.models import User
from lms.services import accounts, audit, mail


@dataclass(frozen=True)
class Site:
    """What the messages name: the site, and how to build its public links (from the configured
    base URL, never from a request's Host header)."""

    name: str
    secret_key: str
    #: token -> the full address of the reset page for that token
    reset_link: Callable[[str], str]
    #: the full address of the sign-in page
    sign_in_link: str


def _audit_after(session: Session, user: User, address: str, what: str) -> Callable[[bool], None]:
    email, bind = user.email, session.get_bind()

    def after(sent: bool) -> None:
        with Session(bind) as own:
            audit.record_apart(
                own,
                "reset_link_made",
                email=email,
                address=address,
                detail=what if sent else what + " (the e-mail could not be sent)",
            )

    return after


def _reset_text(site: Site, link: str) -> tuple[str, str]:
    subject = _("Reset your password for %(site)s", site=site.name)
    text = "\n\n".join(
        [
            _("Hello,"),
            _(
                "Someone, probably you, asked to reset the password of the %(site)s account that uses this "
                "email address. To choose a new password, open this link:",
                site=site.name,
            ),
            link,
            _("The link works once, for one hour. Setting a new password signs your account out on every device."),
            _(
                "If you did not ask for this, you can ignore this email: your password stays as it is. "
                "Nobody can use the link unless they can read your email."
            ),
        ]
    )
    return subject, text + "\n"


def send_reset_link(
    session: Session, email: str, site: Site, settings: mail.MailSettings, *, language: str, address: str = ""
) -> None:
    """E-mail a reset link (signed, single use, one hour: accounts.reset_token) to the account that
    uses `email`, if there is one; otherwise do the same work and send nothing."""
    user = accounts.find_user(session, email)
    # A stand-in that is never saved: its token is signed and its message written, then dropped.
    target = user or User(id=0, email=accounts.normalize_email(email), password_hash="")
    with force_locale(language):
        subject, text = _reset_text(site, site.reset_link(accounts.reset_token(target, site.secret_key)))
        message = mail.compose(settings, target.email, subject, text, language=language)
    if user is not None:
        mail.send_later(settings, message, after=_audit_after(session, user, address, "sent by e-mail"))


def _welcome_text(site: Site, name: str) -> tuple[str, str]:
    subject = _("Your %(site)s account is ready", site=site.name)
    text = "\n\n".join(
        [
            _("Hello %(name)s,", name=name),
            _(
                "Your %(site)s account is ready. Sign in with this email address and the password you chose:",
                site=site.name,
            ),
            site.sign_in_link,
            _(
                "If you did not create this account, someone else typed your email address. Tell an admin of "
                "the site, or reply to this email."
            ),
        ]
    )
    return subject, text + "\n"


def _taken_text(site: Site, link: str) -> tuple[str, str]:
    subject = _("Someone tried to create a %(site)s account with your email address", site=site.name)
    text = "\n\n".join(
        [
            _("Hello,"),
            _(
                "Someone, perhaps you, tried to create a new %(site)s account with this email address. It "
                "already has an account, so nothing was changed.",
                site=site.name,
            ),
            _(
                "If it was you and you do not remember your password, choose a new one with this link (it "
                "works once, for one hour):"
            ),
            link,
            _("If it was not you, you can ignore this email: your account and your password stay as they are."),
        ]
    )
    return subject, text + "\n"


def tell_about_registration(
    session: Session,
    email: str,
    new_user: User | None,
    site: Site,
    settings: mail.MailSettings,
    *,
    language: str,
    address: str = "",
) -> None:
    """After a registration (accounts.register): welcome a new account, or tell the owner of an
    address that already had one, with a reset link. Both write and queue one message."""
    with force_locale(language):
        if new_user is not None:
            subject, text = _welcome_text(site, new_user.name)
            message = mail.compose(settings, new_user.email, subject, text, language=language)
            # Only once the account is saved: a registration rolled back later welcomes nobody.
            after_commit(session, lambda: mail.send_later(settings, message))
            return
        owner = accounts.find_user(session, email)
        if owner is None:  # registered and gone in between: nothing to tell
            return
        subject, text = _taken_text(site, site.reset_link(accounts.reset_token(owner, site.secret_key)))
        message = mail.compose(settings, owner.email, subject, text, language=language)
    mail.send_later(
        settings, message, after=_audit_after(session, owner, address, "sent by e-mail after a registration attempt")
    )
