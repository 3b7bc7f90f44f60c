from __future__ import annotations

from sqlalchemy import Integer
from sqlalchemy.orm import Mapped, mapped_column

from lms.db import Base


class PublicationVersion(Base):
    """One row (id 1) whose number grows with every change to what visitors can read: courses,
    units, media, caption tracks, quizzes, questions and choices (lms.services.publication bumps it
    in the transaction of the change). Pages cached for visitors are keyed by it, so every app
    server and worker sees a change at once, with one cheap query per page."""

    __tablename__ = "publication_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Grows by one in every transaction that changes public content.
    version: Mapped[int] = mapped_column(Integer, default=1)
