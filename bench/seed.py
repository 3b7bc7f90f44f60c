"""Seed a database at the size of a real network, fast (bulk inserts, no ORM objects per row).

Run: .venv/bin/python bench/seed.py --database-url sqlite:///bench/instance/bench.db
     .venv/bin/python bench/seed.py --database-url postgresql+psycopg2://postgres@127.0.0.1:5432/sala_bench
     (--scale 0.1 for a tenth of every count)

At --scale 1: the three real courses (imported from content/courses, with their videos and
quizzes) plus 97 generated ones of 10 units and a 10-question quiz each; 10,000 learners and 10
trainers; each learner enrolled in 10 courses with all 100 units done (1,000,000 unit-progress
rows), 2 submitted quiz attempts per enrolment (200,000) and 2 certificates (20,000). Every
learner's password is "bench password 1", trainers' too ("trainer-N@bench.example").
The schema is made by the app's own migrations.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import harness
import sqlalchemy as sa

ROOT = harness.ROOT
sys.path.insert(0, str(ROOT))

from lms import create_app, migrate  # noqa: E402
from lms.credentials.codes import new_verification_code  # noqa: E402
from lms.db import get_session  # noqa: E402
from lms.models import (  # noqa: E402
    Attempt,
    Certificate,
    Choice,
    Course,
    Enrollment,
    Question,
    Quiz,
    Unit,
    UnitProgress,
    User,
)
from lms.models._types import utcnow  # noqa: E402
from lms.services.course_import import import_all  # noqa: E402

PASSWORD = "bench password 1"
CHUNK = 20_000


def _bulk(conn, model, rows) -> int:
    """Insert rows (dicts) in chunks; returns how many."""
    n, batch = 0, []
    for row in rows:
        batch.append(row)
        if len(batch) >= CHUNK:
            conn.execute(sa.insert(model), batch)
            n, batch = n + len(batch), []
    if batch:
        conn.execute(sa.insert(model), batch)
        n += len(batch)
    return n


def seed(url: str, scale: float = 1.0, media_dir: Path | None = None) -> dict[str, int]:
    """Make the schema and fill it; returns {table: rows inserted}."""
    learners = int(10_000 * scale)
    courses_wanted = max(3, int(100 * scale))
    started = time.perf_counter()
    migrate.upgrade(url)
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(
            {
                "INSTANCE_PATH": tmp,
                "DATABASE_URL": url,
                "TESTING": True,
                "MEDIA_DIR": str(media_dir or Path(tmp) / "media"),
            }
        )
        with app.app_context():
            import_all(get_session(), ROOT / "content" / "courses", Path(app.config["MEDIA_DIR"]))
            get_session().commit()
            from werkzeug.security import generate_password_hash

            password_hash = generate_password_hash(PASSWORD, method=app.config["PASSWORD_HASH_METHOD"])
        engine = app.extensions["lms.engine"]
    counts: dict[str, int] = {}
    rng = random.Random(11)
    now = utcnow()
    with engine.begin() as conn:
        existing = conn.execute(sa.select(sa.func.count()).select_from(Course)).scalar_one()
        for c in range(existing, courses_wanted):
            cid = conn.execute(
                sa.insert(Course)
                .values(
                    slug=f"bench-course-{c:03d}",
                    title=f"Bench course {c:03d}",
                    summary="A generated course.",
                    estimated_minutes=60,
                    outcomes=["Know the generated things."],
                    status="published",
                )
                .returning(Course.id)
            ).scalar_one()
            conn.execute(
                sa.insert(Unit),
                [
                    {
                        "course_id": cid,
                        "position": u,
                        "slug": f"unit-{u}",
                        "title": f"Unit {u} of course {c}",
                        "summary": "A generated unit.",
                        "body_md": "Some text. " * 80,
                        "body_html": "<p>" + "Some text. " * 80 + "</p>",
                        "estimated_minutes": 6,
                        "status": "published",
                    }
                    for u in range(10)
                ],
            )
            qid = conn.execute(
                sa.insert(Quiz).values(course_id=cid, title="Check", pass_mark=70, max_attempts=3).returning(Quiz.id)
            ).scalar_one()
            for q in range(10):
                question = conn.execute(
                    sa.insert(Question)
                    .values(quiz_id=qid, position=q, type="single", prompt=f"Question {q}?", feedback="")
                    .returning(Question.id)
                ).scalar_one()
                conn.execute(
                    sa.insert(Choice),
                    [
                        {
                            "question_id": question,
                            "position": k,
                            "text": f"Answer {k}",
                            "correct": k == 0,
                            "feedback": "",
                        }
                        for k in range(4)
                    ],
                )
        course_ids = conn.execute(sa.select(Course.id).order_by(Course.id)).scalars().all()
        units = {cid: [] for cid in course_ids}
        for uid, cid in conn.execute(sa.select(Unit.id, Unit.course_id).where(Unit.status == "published")):
            units[cid].append(uid)
        quizzes = dict(conn.execute(sa.select(Quiz.course_id, Quiz.id)).all())
        titles = dict(conn.execute(sa.select(Course.id, Course.title)).all())

        counts["users"] = _bulk(
            conn,
            User,
            (
                {
                    "email": f"learner-{i}@bench.example",
                    "name": f"Learner {i}",
                    "password_hash": password_hash,
                    "role": "learner",
                    "created_at": now,
                }
                for i in range(learners)
            ),
        )
        counts["users"] += _bulk(
            conn,
            User,
            (
                {
                    "email": f"trainer-{i}@bench.example",
                    "name": f"Trainer {i}",
                    "password_hash": password_hash,
                    "role": "trainer",
                    "created_at": now,
                }
                for i in range(10)
            ),
        )
        user_ids = (
            conn.execute(sa.select(User.id).where(User.email.like("learner-%@bench.example")).order_by(User.id))
            .scalars()
            .all()
        )
        trainer_ids = (
            conn.execute(sa.select(User.id).where(User.email.like("trainer-%@bench.example")).order_by(User.id))
            .scalars()
            .all()
        )
        conn.execute(
            sa.insert(Course.__table__.metadata.tables["course_trainers"]),
            [{"course_id": cid, "user_id": trainer_ids[i % len(trainer_ids)]} for i, cid in enumerate(course_ids)],
        )
        # Learner i takes 10 consecutive courses starting at i mod the number of courses; the first
        # course (a real one, with videos) is among everyone's, so its pages see every learner.
        others = min(9, len(course_ids) - 1)
        taken = {
            uid: [course_ids[0]] + [course_ids[1 + (i + k) % (len(course_ids) - 1)] for k in range(others)]
            for i, uid in enumerate(user_ids)
        }
        counts["enrollments"] = _bulk(
            conn,
            Enrollment,
            (
                {"user_id": uid, "course_id": cid, "enrolled_at": now - timedelta(days=30)}
                for uid, cids in taken.items()
                for cid in cids
            ),
        )
        counts["unit_progress"] = _bulk(
            conn,
            UnitProgress,
            (
                {"user_id": uid, "unit_id": unit, "video_position": 0.0, "completed_at": now}
                for uid, cids in taken.items()
                for cid in cids
                for unit in units[cid]
            ),
        )
        counts["attempts"] = _bulk(
            conn,
            Attempt,
            (
                {
                    "quiz_id": quizzes[cid],
                    "user_id": uid,
                    "started_at": now - timedelta(days=1, minutes=n),
                    "submitted_at": now - timedelta(days=1),
                    "score": 50.0 + 50 * n,
                    "passed": n == 1,
                    "answers": {},
                }
                for uid, cids in taken.items()
                for cid in cids
                if cid in quizzes
                for n in range(2)
            ),
        )
        indexes = rng.sample(range(1, 16 * 131072), len(user_ids) * 2)
        counts["certificates"] = _bulk(
            conn,
            Certificate,
            (
                {
                    "code": new_verification_code(),
                    "user_id": uid,
                    "course_id": cid,
                    "learner_name": f"Learner {i}",
                    "course_title": titles[cid],
                    "issued_at": now,
                    "revoked_reason": "",
                    "status_index": indexes[2 * i + k],
                }
                for i, (uid, cids) in enumerate(taken.items())
                for k, cid in enumerate(cids[:2])
            ),
        )
    engine.dispose()
    counts["seconds"] = round(time.perf_counter() - started)
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--media-dir", type=Path, default=None)
    parser.add_argument("--recreate", action="store_true", help="empty the database first (drops it!)")
    args = parser.parse_args()
    if args.recreate:
        try:
            harness.recreate_database(args.database_url)
        except sa.exc.OperationalError as err:
            sys.exit(f"Cannot reach {args.database_url}: {err.orig}")
    print(seed(args.database_url, args.scale, args.media_dir))


if __name__ == "__main__":
    main()
