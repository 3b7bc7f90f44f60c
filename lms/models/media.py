from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, CheckConstraint, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.db import Base
from lms.models._types import UTCDateTime, utcnow

if TYPE_CHECKING:  # only for annotations: the models refer to each other
    from lms.models.course import Unit

CAPTION_KINDS = ("captions", "subtitles", "descriptions", "chapters")


class Video(Base):
    __tablename__ = "videos"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), unique=True)
    #: File name inside MEDIA_DIR: "<sha256>.<ext>", so equal files are stored once.
    filename: Mapped[str] = mapped_column(String(100))
    mime_type: Mapped[str] = mapped_column(String(50))
    size_bytes: Mapped[int] = mapped_column(Integer)
    #: Seconds, measured at import or upload; None when it could not be measured.
    duration: Mapped[float | None] = mapped_column(Float, nullable=True)
    #: A short text description of what the video shows, for those who cannot see it.
    description: Mapped[str] = mapped_column(Text, default="")
    #: The still image shown before playing ("<sha256>.<ext>" in MEDIA_DIR, like the video), or None.
    poster_filename: Mapped[str | None] = mapped_column(String(100), nullable=True)
    poster_mime: Mapped[str | None] = mapped_column(String(50), nullable=True)
    #: What the poster shows. The <video poster> attribute has no text alternative, so the pages
    #: show this text next to the player; required whenever there is a poster.
    poster_alt: Mapped[str] = mapped_column(Text, default="", server_default="")
    #: The same video with audio description spoken in it ("<sha256>.<ext>" in MEDIA_DIR), played
    #: instead of the plain one for learners who turn descriptions on; None when there is none.
    described_filename: Mapped[str | None] = mapped_column(String(100), nullable=True)
    described_mime: Mapped[str | None] = mapped_column(String(50), nullable=True)
    described_size_bytes: Mapped[int | None] = mapped_column(Integer, nullable=True)

    unit: Mapped[Unit] = relationship(back_populates="video")  # noqa: F821
    renditions: Mapped[list[Rendition]] = relationship(
        back_populates="video", cascade="all, delete-orphan", order_by="Rendition.kind"
    )


RENDITION_KINDS = ("audio", "small")
RENDITION_STATUSES = ("queued", "running", "ready", "failed")


class Rendition(Base):
    """A smaller version of a unit's video for learners on paid connections, made by a background
    job: "audio" (Opus, about 32 kbit/s) or "small" (240p). One per kind per video."""

    __tablename__ = "renditions"
    __table_args__ = (
        UniqueConstraint("video_id", "kind", name="uq_renditions_video_id_kind"),
        CheckConstraint("kind IN ('audio', 'small')", name="kind"),
        CheckConstraint("status IN ('queued', 'running', 'ready', 'failed')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    video_id: Mapped[int] = mapped_column(ForeignKey("videos.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(10), default="queued")
    #: Share of the job done, 0-100, while it runs.
    progress: Mapped[int] = mapped_column(Integer, default=0)
    #: The video file this is made from ("<sha256>.<ext>"): a new upload makes this row stale.
    source_filename: Mapped[str] = mapped_column(String(100))
    #: The result in MEDIA_DIR ("<sha256>.webm") once ready.
    filename: Mapped[str | None] = mapped_column(String(100), nullable=True)
    mime_type: Mapped[str | None] = mapped_column(String(50), nullable=True)
    size_bytes: Mapped[int | None] = mapped_column(Integer, nullable=True)
    #: Why the job failed, for the log and the admin (learners and trainers see a plain message).
    error: Mapped[str] = mapped_column(Text, default="", server_default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    video: Mapped[Video] = relationship(back_populates="renditions")


class CaptionTrack(Base):
    __tablename__ = "caption_tracks"
    __table_args__ = (
        UniqueConstraint("unit_id", "language", "kind", name="uq_caption_tracks_unit_id_language_kind"),
        CheckConstraint("kind IN ('captions', 'subtitles', 'descriptions', 'chapters')", name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), index=True)
    #: BCP 47 tag of the track's text.
    language: Mapped[str] = mapped_column(String(35))
    kind: Mapped[str] = mapped_column(String(16), default="captions")
    #: The label players show in their caption menu, e.g. "English".
    label: Mapped[str] = mapped_column(String(100))
    #: Normalized WebVTT, as browsers will read it.
    vtt: Mapped[str] = mapped_column(Text)
    cue_count: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    #: Optimistic lock: SQLAlchemy adds 1 at every UPDATE of the row and refuses one made from an
    #: older copy (StaleDataError), so two people editing at once never silently overwrite each other.
    version: Mapped[int] = mapped_column(Integer, nullable=False, server_default="1")

    __mapper_args__ = {"version_id_col": version}

    unit: Mapped[Unit] = relationship(back_populates="caption_tracks")  # noqa: F821


class PendingCaption(Base):
    """A caption upload that passed validation and waits for the trainer to press "Use these
    captions". Nothing a learner sees changes until then; stale rows can be deleted at any time."""

    __tablename__ = "pending_captions"
    __table_args__ = (CheckConstraint("kind IN ('captions', 'subtitles', 'descriptions', 'chapters')", name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Random, unguessable: the key in the report page's address.
    token: Mapped[str] = mapped_column(String(64), unique=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    language: Mapped[str] = mapped_column(String(35))
    kind: Mapped[str] = mapped_column(String(16), default="captions")
    #: The uploaded file's name, for display only; never used to store anything.
    original_name: Mapped[str] = mapped_column(String(255), default="")
    #: The captions as normalized WebVTT, ready to go live.
    vtt: Mapped[str] = mapped_column(Text)
    cue_count: Mapped[int] = mapped_column(Integer, default=0)
    #: The validation and quality report as shown to the trainer (problems and figures), as JSON.
    report: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    unit: Mapped[Unit] = relationship()  # noqa: F821
