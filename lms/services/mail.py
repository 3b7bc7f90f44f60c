"""Sending e-mail by SMTP: the settings, one message, and sending it off the request's path.

Built on the standard library: `email.message.EmailMessage` (RFC 5322 headers, MIME, UTF-8 bodies
for Khmer) and `smtplib` (SMTP, STARTTLS per RFC 3207, implicit TLS per RFC 8314, AUTH). Messages
go out on a small pool of background threads, so a page that sends mail answers as fast as one
that does not (a reset request for an unknown address must not be told apart by its timing), and a
slow or unreachable mail server never holds a request. A message that cannot be delivered is
logged on the "lms.mail" logger; nobody waits for it.
"""

from __future__ import annotations

import logging
import ssl
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from email.message import EmailMessage

log = logging.getLogger("lms.mail")


@dataclass(frozen=True)
class MailSettings:
    """Where and how to send: LMS_MAIL_HOST, _PORT, _FROM, _USER, _PASSWORD, _STARTTLS, _SSL, _TIMEOUT."""

    host: str
    port: int
    sender: str
    user: str | None = None
    password: str | None = None
    starttls: bool = True
    ssl: bool = False
    timeout: float = 15

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> MailSettings | None:
        """The settings in an app's config, or None when mail is not configured (no host or sender)."""
        if not (config.get("MAIL_HOST") and config.get("MAIL_FROM")):
            return None
        return cls(
            host=str(config["MAIL_HOST"]),
            port=int(config.get("MAIL_PORT") or (465 if config.get("MAIL_SSL") else 587)),
            sender=str(config["MAIL_FROM"]),
            user=config.get("MAIL_USER") or None,
            password=config.get("MAIL_PASSWORD") or None,
            starttls=bool(config.get("MAIL_STARTTLS", True)),
            ssl=bool(config.get("MAIL_SSL", False)),
            timeout=float(config.get("MAIL_TIMEOUT") or 15),
        )


def compose(settings: MailSettings, to: str, subject: str, text: str, *, language: str = "en") -> EmailMessage:
    """A plain-text message (UTF-8) from the configured sender to one address.

    Plain text only: it reads the same on every phone and in every screen reader, and a link in it
    is plain to see before anyone follows it.
    """
    # The email package and smtplib load when the first message is made, not in every worker at
    # start (1 MiB a worker; most never send mail).
    from email.message import EmailMessage
    from email.utils import formatdate, make_msgid, parseaddr

    message = EmailMessage()
    message["From"] = settings.sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    domain = parseaddr(settings.sender)[1].rpartition("@")[2] or None
    message["Message-ID"] = make_msgid(domain=domain)
    # Tells auto-responders not to answer (RFC 3834).
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(text, charset="utf-8")
    # After set_content, which replaces every Content-* header (RFC 3282).
    message["Content-Language"] = language
    return message


def send(settings: MailSettings, message: EmailMessage) -> None:
    """Deliver one message now. Raises smtplib.SMTPException or OSError when the server refuses it
    or cannot be reached."""
    import smtplib

    context = ssl.create_default_context()
    smtp: smtplib.SMTP
    if settings.ssl:
        smtp = smtplib.SMTP_SSL(settings.host, settings.port, timeout=settings.timeout, context=context)
    else:
        smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
    with smtp:
        if settings.starttls and not settings.ssl:
            smtp.starttls(context=context)
        if settings.user:
            smtp.login(settings.user, settings.password or "")
        smtp.send_message(message)


_lock = threading.Lock()
_pool: ThreadPoolExecutor | None = None
_pending: set[Future] = set()


def _deliver(settings: MailSettings, message: EmailMessage, after: Callable[[bool], None] | None) -> None:
    import smtplib

    sent = False
    try:
        send(settings, message)
        sent = True
    except (smtplib.SMTPException, OSError):
        # The address is the one fact worth logging; the body holds a live reset link.
        log.exception("could not send the message %r to %s", message["Subject"], message["To"])
    if after is not None:
        try:
            after(sent)
        except Exception:
            log.exception("after sending %r to %s", message["Subject"], message["To"])


def send_later(settings: MailSettings, message: EmailMessage, after: Callable[[bool], None] | None = None) -> None:
    """Queue a message for a background thread, and return at once. `after(sent)` runs on that
    thread once the server has taken the message (True) or it could not be sent (False)."""
    global _pool
    with _lock:
        if _pool is None:
            # Created on first use, so each gunicorn worker (forked) gets threads of its own.
            _pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="lms-mail")
        future = _pool.submit(_deliver, settings, message, after)
        _pending.add(future)
    future.add_done_callback(_pending.discard)


def wait_idle(timeout: float = 10) -> bool:
    """Wait until every queued message has been handed to the server (or failed); True if all did
    within timeout seconds. For tests and for the CLI before it exits."""
    with _lock:
        pending = list(_pending)
    done, not_done = wait(pending, timeout=timeout)
    return not not_done
