from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.db import Base
from lms.models._types import UTCDateTime, utcnow

if TYPE_CHECKING:  # only for annotations: the models refer to each other
    from lms.models.course import Course
    from lms.models.user import User


class Certificate(Base):
    __tablename__ = "certificates"
    __table_args__ = (UniqueConstraint("user_id", "course_id", name="uq_certificates_user_id_course_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Public verification code: at least 80 random bits, never derived from the id.
    code: Mapped[str] = mapped_column(String(40), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    #: Name and title as they were on the day of issue: a certificate does not change later.
    learner_name: Mapped[str] = mapped_column(String(200))
    course_title: Mapped[str] = mapped_column(String(200))
    course_language: Mapped[str] = mapped_column(String(35), default="en")
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revoked_reason: Mapped[str] = mapped_column(Text, default="")
    #: Random place in the published revocation list (lms.credentials.status), not the id, so
    #: the list tells nothing of how many certificates there are or when each was issued.
    status_index: Mapped[int] = mapped_column(Integer, unique=True)

    user: Mapped[User] = relationship()  # noqa: F821
    course: Mapped[Course] = relationship()  # noqa: F821

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None
