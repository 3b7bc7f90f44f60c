"""How a learner likes the video player: speed, captions and their styling, audio description,
the transcript, and which rendition of a video to fetch. One row per user; a user without a row
gets the defaults (lms.services.preferences.DEFAULTS)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from lms.db import Base
from lms.models._types import UTCDateTime, utcnow

SPEEDS = (0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0)
CAPTION_SIZES = (100, 150, 200)
CAPTION_COLOURS = ("white-on-black", "black-on-white", "yellow-on-black")
CAPTION_OPACITIES = (100, 75, 50)
DESCRIPTION_VOICES = ("screen-reader", "speech")
RENDITIONS = ("video", "small", "audio", "transcript")


class PlayerPreference(Base):
    __tablename__ = "player_preferences"
    __table_args__ = (
        CheckConstraint("speed >= 0.5 AND speed <= 2", name="speed"),
        CheckConstraint("caption_size IN (100, 150, 200)", name="caption_size"),
        CheckConstraint(
            "caption_colours IN ('white-on-black', 'black-on-white', 'yellow-on-black')", name="caption_colours"
        ),
        CheckConstraint("caption_opacity IN (100, 75, 50)", name="caption_opacity"),
        CheckConstraint("description_voice IN ('screen-reader', 'speech')", name="description_voice"),
        CheckConstraint("rendition IN ('video', 'small', 'audio', 'transcript')", name="rendition"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    #: Playback rate, 0.5 to 2 (HTMLMediaElement.playbackRate).
    speed: Mapped[float] = mapped_column(Float, default=1.0)
    #: BCP 47 tag of the captions shown first (the <track default>); "" = the course's own language.
    caption_language: Mapped[str] = mapped_column(String(35), default="")
    #: A second caption language shown above the first, and beside it in the transcript; "" = none.
    second_language: Mapped[str] = mapped_column(String(35), default="")
    #: Caption text size, percent of the player's default.
    caption_size: Mapped[int] = mapped_column(Integer, default=100)
    #: Text and background colours of captions, as "<text>-on-<background>".
    caption_colours: Mapped[str] = mapped_column(String(20), default="white-on-black")
    #: Opacity of the caption background, percent.
    caption_opacity: Mapped[int] = mapped_column(Integer, default=100)
    #: Voice the descriptions track (and play the described version of a video when there is one).
    descriptions: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Who reads descriptions: the learner's own screen reader (an aria-live region) or the browser's
    #: speech synthesis.
    description_voice: Mapped[str] = mapped_column(String(16), default="screen-reader")
    #: Pause the video while a description is read (extended description).
    extended_descriptions: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Scroll the transcript to keep the current cue in view while the video plays.
    autoscroll: Mapped[bool] = mapped_column(Boolean, default=True)
    #: Which file to fetch: the video, a small (240p) video, audio only, or none (transcript only).
    rendition: Mapped[str] = mapped_column(String(16), default="video")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
