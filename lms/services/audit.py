"""The audit log: sign-ins, failed sign-ins, password changes and resets, role changes.

`record` adds an event to the caller's transaction (it is kept when the request succeeds).
`record_apart` writes at once in a transaction of its own, for events whose request answers with
an error and so rolls back (a failed sign-in answers 400). OWASP ASVS 7.1-7.2.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.models import AuditEvent, User
from lms.models.audit import AUDIT_KINDS

#: Each kind with the label admins read and filter by.
KINDS = {
    "sign_in": _l("Signed in"),
    "sign_in_failed": _l("Sign-in failed"),
    "signed_out_everywhere": _l("Signed out everywhere"),
    "password_changed": _l("Password changed"),
    "reset_link_made": _l("Password reset link made"),
    "password_reset": _l("Password reset with a link"),
    "role_changed": _l("Role changed"),
}
assert set(KINDS) == set(AUDIT_KINDS)
#: Most events one page lists.
PAGE_SIZE = 200


def _event(kind: str, actor: User | None, email: str, address: str, detail: str) -> AuditEvent:
    if kind not in KINDS:
        raise ValueError(f"unknown audit event kind {kind!r}")
    return AuditEvent(
        kind=kind,
        actor_id=actor.id if actor is not None else None,
        email=(email or "")[:254],
        address=(address or "")[:64],
        detail=(detail or "")[:200],
    )


def record(
    session: Session, kind: str, *, actor: User | None = None, email: str = "", address: str = "", detail: str = ""
) -> None:
    """Add an event to the current transaction."""
    session.add(_event(kind, actor, email, address, detail))
    session.flush()


def record_apart(
    session: Session, kind: str, *, actor: User | None = None, email: str = "", address: str = "", detail: str = ""
) -> None:
    """Write an event now, in a short transaction of its own on the same database, so that it is kept
    even though the caller's transaction will be rolled back."""
    with Session(session.get_bind()) as own, own.begin():
        own.add(_event(kind, actor, email, address, detail))


@dataclass
class Filter:
    """What an admin asked for: a kind (or all), part of an e-mail address, and a date range (inclusive)."""

    kind: str = ""
    email: str = ""
    since: datetime | None = None
    until: datetime | None = None


def events(session: Session, wanted: Filter, *, limit: int = PAGE_SIZE) -> list[AuditEvent]:
    """The newest events matching the filter, newest first."""
    query = select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit)
    if wanted.kind in KINDS:
        query = query.where(AuditEvent.kind == wanted.kind)
    if wanted.email.strip():
        pattern = "%" + wanted.email.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(AuditEvent.email.like(pattern, escape="\\"))
    if wanted.since is not None:
        query = query.where(AuditEvent.at >= wanted.since)
    if wanted.until is not None:
        query = query.where(AuditEvent.at < wanted.until)
    return list(session.scalars(query))
