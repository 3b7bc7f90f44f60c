from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from lms.db import Base
from lms.models._types import UTCDateTime, utcnow

#: What the audit log records; lms.services.audit.KINDS gives each its label.
AUDIT_KINDS = (
    "sign_in",
    "sign_in_failed",
    "signed_out_everywhere",
    "password_changed",
    "reset_link_made",
    "password_reset",
    "role_changed",
)


class AuditEvent(Base):
    """One security-relevant event, kept for admins to read (OWASP ASVS 7.1, 7.2)."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    #: One of AUDIT_KINDS.
    kind: Mapped[str] = mapped_column(String(32), index=True)
    #: Who did it, when signed in (kept as None when that account is deleted).
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: The account concerned, as an e-mail address; for a failed sign-in, the address as typed.
    email: Mapped[str] = mapped_column(String(254), default="", index=True)
    #: The client's address (the visitor's, behind a trusted proxy); empty for the CLI.
    address: Mapped[str] = mapped_column(String(64), default="")
    #: A short note, e.g. "learner → trainer".
    detail: Mapped[str] = mapped_column(String(200), default="")
