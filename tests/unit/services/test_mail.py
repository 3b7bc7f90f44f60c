"""Mail settings from the configuration, and the messages Sala composes."""

from __future__ import annotations

from lms.services.mail import MailSettings, compose, send
from tests.helpers import SmtpSink


def test_mail_is_off_without_host_and_sender():
    """No MAIL_HOST or no MAIL_FROM means no mail settings (the site asks admins for reset links)."""
    assert MailSettings.from_config({}) is None
    assert MailSettings.from_config({"MAIL_HOST": "smtp.example.org"}) is None
    assert MailSettings.from_config({"MAIL_FROM": "a@example.org"}) is None


def test_settings_read_from_config():
    """Host, port, sender, sign-in and TLS choices come from the LMS_MAIL_* settings."""
    settings = MailSettings.from_config(
        {
            "MAIL_HOST": "smtp.example.org",
            "MAIL_PORT": 465,
            "MAIL_FROM": "Sala <s@example.org>",
            "MAIL_SSL": True,
            "MAIL_USER": "sala",
            "MAIL_PASSWORD": "pw",
            "MAIL_TIMEOUT": 3,
        }
    )
    assert settings == MailSettings("smtp.example.org", 465, "Sala <s@example.org>", "sala", "pw", True, True, 3.0)


def test_compose_writes_utf8_plain_text_with_headers():
    """A Khmer subject and body survive, with From, To, Date, Message-ID and Auto-Submitted set."""
    settings = MailSettings("h", 25, "Sala <no-reply@sala.example.org>")
    message = compose(settings, "sok@example.org", "ពាក្យសម្ងាត់", "សួស្តី\nhttps://x/y\n", language="km")
    assert message["Subject"] == "ពាក្យសម្ងាត់" and message["To"] == "sok@example.org"
    assert message["Message-ID"].endswith("@sala.example.org>") and message["Date"]
    assert message["Auto-Submitted"] == "auto-generated" and message["Content-Language"] == "km"
    assert message.get_content_type() == "text/plain" and message.get_content() == "សួស្តី\nhttps://x/y\n"


def test_send_delivers_to_a_real_smtp_server():
    """send() hands the message to an SMTP server, which receives it intact."""
    with SmtpSink() as sink:
        settings = MailSettings("127.0.0.1", sink.port, "no-reply@sala.example.org", starttls=False, timeout=5)
        send(settings, compose(settings, "dara@example.org", "Hello", "ជំរាបសួរ\n"))
        (recipients, message), *_ = sink.messages
    assert recipients == ["dara@example.org"] and message.get_content().splitlines() == ["ជំរាបសួរ"]
