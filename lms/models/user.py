from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from flask import current_app, has_app_context
from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from lms.db import Base
from lms.models._types import UTCDateTime, utcnow

ROLES = ("learner", "trainer", "admin")


def _hash_method() -> str:
    """Werkzeug's password hash method: its scrypt default, unless the config names another (the
    test suite names a cheap one, so thousands of sign-ins do not each cost a quarter second)."""
    return current_app.config.get("PASSWORD_HASH_METHOD", "scrypt") if has_app_context() else "scrypt"


class User(UserMixin, Base):
    __tablename__ = "users"
    __table_args__ = (CheckConstraint("role IN ('learner', 'trainer', 'admin')", name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Stored lower-cased and trimmed, so sign-in is case-insensitive.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    #: The name printed on certificates, exactly as the learner typed it.
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default="learner")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: The interface language the person chose (one of lms.extensions.LOCALES); None until they
    #: choose, and then the browser's cookie or Accept-Language decides.
    locale: Mapped[str | None] = mapped_column(String(8), nullable=True)
    #: Grows in the transaction of every change to this person's rows (lms.services.page_versions),
    #: so their cached pages (lms.personal_pages) are keyed by it and never shown stale.
    page_version: Mapped[int] = mapped_column(default=0, server_default="0")

    #: The secret of the sign-in this object was loaded for (not stored here: its hash is in
    #: login_sessions). Flask-Login keeps get_id() in the session and the remember-me cookie.
    if TYPE_CHECKING:
        login_token: str | None
    else:
        login_token = None  # a plain attribute, not a column: SQLAlchemy must not see an annotation

    def get_id(self) -> str:
        """Flask-Login's alternative id: "<user id>.<sign-in token>", so that ending the sign-in
        (its login_sessions row) ends every copy of its session and remember-me cookies."""
        return f"{self.id}.{self.login_token}" if self.login_token else ""

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, method=_hash_method())

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_trainer(self) -> bool:
        return self.role in ("trainer", "admin")

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


class LoginSession(Base):
    """One sign-in: a browser holds its token (in the signed session cookie and, when it chose to
    stay signed in, the remember-me cookie); the sign-in ends when this row is deleted."""

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: SHA-256 (hex) of the random token the browser holds; the token itself is never stored.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: Whether the person chose "keep me signed in" (a remember-me cookie exists for it).
    remember: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: After this the token is refused, whatever cookie carries it.
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
