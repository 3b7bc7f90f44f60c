from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, Boolean, CheckConstraint, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.db import Base
from lms.models._types import UTCDateTime, utcnow

if TYPE_CHECKING:  # only for annotations: the models refer to each other
    from lms.models.course import Course
    from lms.models.user import User


class Quiz(Base):
    __tablename__ = "quizzes"
    __table_args__ = (CheckConstraint("pass_mark BETWEEN 0 AND 100", name="pass_mark"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    #: Percent of the marks needed to pass.
    pass_mark: Mapped[int] = mapped_column(Integer, default=70)
    #: Submitted attempts allowed; 0 means unlimited.
    max_attempts: Mapped[int] = mapped_column(Integer, default=3)

    course: Mapped[Course] = relationship(back_populates="quiz")  # noqa: F821
    questions: Mapped[list[Question]] = relationship(
        back_populates="quiz", order_by="Question.position", cascade="all, delete-orphan"
    )


class Question(Base):
    __tablename__ = "questions"
    __table_args__ = (CheckConstraint("type IN ('single', 'multiple', 'true_false', 'short_text')", name="type"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quizzes.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(String(16))
    #: Optional short name (GIFT's ::title::), shown to trainers only.
    title: Mapped[str] = mapped_column(String(200), default="")
    prompt: Mapped[str] = mapped_column(Text)
    #: General feedback, shown after answering whatever the answer.
    feedback: Mapped[str] = mapped_column(Text, default="")
    #: Optimistic lock: SQLAlchemy adds 1 at every UPDATE of the row and refuses one made from an
    #: older copy (StaleDataError), so two people editing at once never silently overwrite each other.
    version: Mapped[int] = mapped_column(Integer, nullable=False, server_default="1")

    __mapper_args__ = {"version_id_col": version}

    quiz: Mapped[Quiz] = relationship(back_populates="questions")
    choices: Mapped[list[Choice]] = relationship(
        back_populates="question", order_by="Choice.position", cascade="all, delete-orphan"
    )


class Choice(Base):
    """A choice of a choice question, or an accepted answer of a short-text question."""

    __tablename__ = "choices"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    correct: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Moodle-style weight in percent for multiple-answer questions; None = exact-set marking.
    weight: Mapped[float | None] = mapped_column(Float, nullable=True)
    feedback: Mapped[str] = mapped_column(Text, default="")

    question: Mapped[Question] = relationship(back_populates="choices")


class Attempt(Base):
    """One try at a quiz. Created when the learner opens the quiz, counted once submitted."""

    __tablename__ = "attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quizzes.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    #: Percent, 0–100, set on submission.
    score: Mapped[float | None] = mapped_column(Float, nullable=True)
    passed: Mapped[bool] = mapped_column(Boolean, default=False)
    #: {question_id: {"answer": [...], "score": 0..1, "correct": bool}} as graded. Plain JSON, so
    #: re-importing a quiz never breaks an old attempt.
    answers: Mapped[dict] = mapped_column(JSON, default=dict)

    quiz: Mapped[Quiz] = relationship()
    user: Mapped[User] = relationship()  # noqa: F821
