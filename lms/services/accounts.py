"""Registering and authenticating people."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.errors import Conflict, LmsError
from lms.models import User
from lms.models.user import ROLES


def normalize_email(email: str) -> str:
    return (email or "").strip().lower()


def find_user(session: Session, email: str) -> User | None:
    return session.scalars(select(User).where(User.email == normalize_email(email))).first()


def register(session: Session, *, name: str, email: str, password: str, role: str = "learner") -> User:
    """Create an account; raises Conflict when the email is taken."""
    if role not in ROLES:
        raise LmsError(_("Unknown role “%(role)s”. Choose learner, trainer or admin.", role=role))
    if find_user(session, email) is not None:
        raise Conflict(_("An account with this email address already exists. Sign in instead, or use another address."))
    user = User(name=name.strip(), email=normalize_email(email), role=role)
    user.set_password(password)
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The user, or None; callers show one message either way, so accounts cannot be probed."""
    user = find_user(session, email)
    if user is None:
        # Hash anyway so a missing account takes as long to refuse as a wrong password.
        User(password_hash="").set_password(password)
        return None
    return user if user.check_password(password) else None
