"""A quiz submission in one guarded UPDATE, graded from a worker's copy of the quiz's answer key.

The full path (lms.services.quizzes.submit, as the quiz view ran it for every post) loads the
course, its quiz, questions and choices, the enrolment and the attempt as ORM objects, then
flushes the attempt: eight statements and about 8 ms of a worker's CPU per post, which held quiz
submissions to a tenth of a static file's pace (bench/RESULTS.md). Here a post that can be
counted costs one UPDATE of the attempt and the learner's page-version bump (on PostgreSQL, one
statement for both, a round trip fewer):

- the quiz's questions and choices are kept per worker as read-only copies (`GradingKey`), under
  the course's slug, with the publication version (lms.services.publication) they were read at;
- the UPDATE closes the attempt only when every condition of the full path holds in the same
  statement: the attempt is this learner's, of this quiz, still open; the learner is enrolled; and
  the publication version is still the key's, so no trainer has changed the questions, the
  choices or the course since (a changed course is graded from a fresh copy: the key is dropped).

Anything else (no such course, a draft, no quiz, an answer missing or malformed, an attempt
already submitted, someone else's, a changed key) changes nothing here and returns None: the
caller takes the full path, which gives each case its own answer. A pass also goes on to the full
path's completion check (lms.services.progress.complete_if_done) in the same transaction.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Table, and_, bindparam, exists, func, inspect, select, update
from sqlalchemy.orm import Session

from lms.models import Attempt, Course, Enrollment, PublicationVersion, User
from lms.models._types import utcnow
from lms.services import page_versions, publication
from lms.services.courses import loaded_course
from lms.services.quizzes import AnswersInvalid, grade, read_answers

#: Courses whose keys a worker keeps, least recently used out first (a key is a few kilobytes).
KEYS_KEPT = 256

_ATTEMPTS: Table = Attempt.__table__  # type: ignore[assignment]  # a Table, typed as FromClause
#: Closes an open attempt when the full path would: the learner's, of this quiz, still open, the
#: learner enrolled, the questions unchanged since the key was read. Built once: making the
#: statement anew cost a submission more than running it.
_CLOSE_OPEN_ATTEMPT = (
    update(_ATTEMPTS)
    .where(
        _ATTEMPTS.c.id == bindparam("the_attempt_id"),
        _ATTEMPTS.c.user_id == bindparam("the_user_id"),
        _ATTEMPTS.c.quiz_id == bindparam("the_quiz_id"),
        _ATTEMPTS.c.submitted_at.is_(None),
        exists().where(
            and_(Enrollment.user_id == bindparam("the_user_id"), Enrollment.course_id == bindparam("the_course_id"))
        ),
        func.coalesce(
            select(PublicationVersion.version).where(PublicationVersion.id == publication.ROW_ID).scalar_subquery(),
            0,
        )
        == bindparam("the_version"),
    )
    .values(
        answers=bindparam("new_answers", type_=_ATTEMPTS.c.answers.type),
        score=bindparam("new_score", type_=_ATTEMPTS.c.score.type),
        passed=bindparam("new_passed", type_=_ATTEMPTS.c.passed.type),
        submitted_at=bindparam("new_submitted_at", type_=_ATTEMPTS.c.submitted_at.type),
    )
)


_USERS: Table = User.__table__  # type: ignore[assignment]
_CLOSED = _CLOSE_OPEN_ATTEMPT.returning(_ATTEMPTS.c.user_id).cte("closed")
#: PostgreSQL only (a data-modifying WITH, PostgreSQL docs 7.8.4; SQLite has none): the same UPDATE
#: and the learner's page-version bump in one statement, one round trip fewer per submission.
_CLOSE_AND_BUMP = (
    update(_USERS)
    .where(_USERS.c.id.in_(select(_CLOSED.c.user_id)))
    .values(page_version=_USERS.c.page_version + 1)
    .returning(_USERS.c.id, _USERS.c.page_version)
)


class _Copy(SimpleNamespace):
    """A read-only copy of a row's columns (and, for a question, its choices), shared by threads."""

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"a grading key's {type(self).__name__} is read-only")


def _copy(row: Any, **more: Any) -> _Copy:
    columns = {attr.key: getattr(row, attr.key) for attr in inspect(row).mapper.column_attrs}
    return _Copy(**columns, **more)


@dataclass(frozen=True)
class GradingKey:
    """What grading a course's quiz needs: ids, the pass mark (percent) and read-only copies of
    the questions with their choices (the attributes lms.questions' types read), as they were at
    publication version `version`."""

    course_id: int
    quiz_id: int
    pass_mark: float
    questions: tuple[_Copy, ...]
    version: int


class GradingKeys:
    """One worker's grading keys by course slug, shared by its threads (a lock around an LRU map,
    cachetools, MIT)."""

    def __init__(self, size: int = KEYS_KEPT) -> None:
        from cachetools import LRUCache

        self._keys: LRUCache[str, GradingKey] = LRUCache(maxsize=size)
        self._lock = threading.Lock()

    def get(self, session: Session, slug: str) -> GradingKey | None:
        """The key of the published course `slug`, read in `session` when not kept; None when
        there is no such published course, or it has no quiz or no question."""
        with self._lock:
            key = self._keys.get(slug)
        if key is not None:
            return key
        # The version first: read after the course, a change committed in between would label old
        # questions with the new number (on PostgreSQL each statement sees its own snapshot).
        version = publication.current(session)
        course = loaded_course(session, Course.slug == slug, units=False)
        if course is None or not course.is_published or course.quiz is None or not course.quiz.questions:
            return None
        key = GradingKey(
            course_id=course.id,
            quiz_id=course.quiz.id,
            pass_mark=course.quiz.pass_mark,
            questions=tuple(_copy(q, choices=tuple(_copy(c) for c in q.choices)) for q in course.quiz.questions),
            version=version,
        )
        with self._lock:
            self._keys[slug] = key
        return key

    def forget(self, slug: str) -> None:
        with self._lock:
            self._keys.pop(slug, None)


@dataclass(frozen=True)
class Counted:
    """A submission counted by `submit`: the attempt's score (percent, 0-100) and whether it passed."""

    attempt_id: int
    score: float
    passed: bool


def submit(
    session: Session, keys: GradingKeys, user_id: int, slug: str, attempt_id: int, form: dict[str, list[str]]
) -> Counted | None:
    """Grade `form` (values named q-<question id>) with the kept key of course `slug` and close
    learner `user_id`'s open attempt `attempt_id` with it, in one UPDATE in the session's
    transaction, and bump the learner's page version (lms.services.page_versions): after it, or on
    PostgreSQL in the same statement. None, having written nothing, when the full path
    (lms.services.quizzes.submit) must answer instead."""
    key = keys.get(session, slug)
    if key is None:
        return None
    try:
        answers = read_answers(key.questions, form)
    except AnswersInvalid:
        return None
    graded, score = grade(key.questions, answers)
    passed = score >= key.pass_mark
    connection = session.connection()
    values = {
        "the_attempt_id": attempt_id,
        "the_user_id": user_id,
        "the_quiz_id": key.quiz_id,
        "the_course_id": key.course_id,
        "the_version": key.version,
        "new_answers": graded,
        "new_score": score,
        "new_passed": passed,
        "new_submitted_at": utcnow(),
    }
    if connection.dialect.name == "postgresql":
        bumped = connection.execute(_CLOSE_AND_BUMP, values).all()
        closed = len(bumped) == 1
    else:
        bumped = None
        closed = connection.execute(_CLOSE_OPEN_ATTEMPT, values).rowcount == 1
    if not closed:
        # Most often a double post; when the course changed, the next post reads a fresh key.
        keys.forget(slug)
        return None
    if bumped is None:
        page_versions.bump_people_now(session, {user_id})
    else:
        page_versions.note_bumped(session, bumped)
    return Counted(attempt_id, score, passed)
