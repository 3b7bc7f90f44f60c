from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, CheckConstraint, Column, ForeignKey, Integer, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.db import Base
from lms.models._types import UTCDateTime, utcnow

if TYPE_CHECKING:  # only for annotations: the models refer to each other
    from lms.models.media import CaptionTrack, Video
    from lms.models.quiz import Quiz
    from lms.models.user import User


#: Trainers an admin assigned to a course besides its owner; they may edit it too.
course_trainers = Table(
    "course_trainers",
    Base.metadata,
    Column("course_id", ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Course(Base):
    __tablename__ = "courses"
    __table_args__ = (CheckConstraint("status IN ('draft', 'published')", name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    #: BCP 47 tag of the course's text, e.g. "en" or "km".
    language: Mapped[str] = mapped_column(String(35), default="en")
    #: Who the course is credited to (free text, shown to learners).
    trainer_name: Mapped[str] = mapped_column(String(200), default="")
    estimated_minutes: Mapped[int] = mapped_column(Integer, default=0)
    #: Learning outcomes as a list of strings.
    outcomes: Mapped[list] = mapped_column(JSON, default=list)
    credits: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="published")
    #: The trainer who created the course in the browser; None for imported courses (admins edit those).
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    #: Optimistic lock: SQLAlchemy adds 1 at every UPDATE of the row and refuses one made from an
    #: older copy (StaleDataError), so two people editing at once never silently overwrite each other.
    version: Mapped[int] = mapped_column(Integer, nullable=False, server_default="1")

    __mapper_args__ = {"version_id_col": version}

    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])  # noqa: F821
    trainers: Mapped[list[User]] = relationship(secondary=course_trainers, order_by="User.name")  # noqa: F821
    units: Mapped[list[Unit]] = relationship(
        back_populates="course", order_by="Unit.position", cascade="all, delete-orphan"
    )
    quiz: Mapped[Quiz | None] = relationship(  # noqa: F821
        back_populates="course", cascade="all, delete-orphan", uselist=False
    )

    @property
    def is_published(self) -> bool:
        return self.status == "published"

    def published_units(self) -> list[Unit]:
        return [u for u in self.units if u.status == "published"]


class Unit(Base):
    __tablename__ = "units"
    __table_args__ = (
        UniqueConstraint("course_id", "slug", name="uq_units_course_id_slug"),
        CheckConstraint("status IN ('draft', 'published')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    #: Order within the course, from 1.
    position: Mapped[int] = mapped_column(Integer)
    slug: Mapped[str] = mapped_column(String(80))
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    #: The reading text as written (Markdown).
    body_md: Mapped[str] = mapped_column(Text, default="")
    #: body_md rendered and sanitized once, at save time (lms.content.sanitize).
    body_html: Mapped[str] = mapped_column(Text, default="")
    estimated_minutes: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16), default="published")
    #: Why a trainer published this unit although the accessibility gate found gaps (missing
    #: captions, images without alt text); empty when the unit passed the gate.
    publish_override_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    #: Optimistic lock: SQLAlchemy adds 1 at every UPDATE of the row and refuses one made from an
    #: older copy (StaleDataError), so two people editing at once never silently overwrite each other.
    version: Mapped[int] = mapped_column(Integer, nullable=False, server_default="1")

    __mapper_args__ = {"version_id_col": version}

    course: Mapped[Course] = relationship(back_populates="units")
    video: Mapped[Video | None] = relationship(  # noqa: F821
        back_populates="unit", cascade="all, delete-orphan", uselist=False
    )
    caption_tracks: Mapped[list[CaptionTrack]] = relationship(  # noqa: F821
        back_populates="unit", cascade="all, delete-orphan", order_by="CaptionTrack.language"
    )
