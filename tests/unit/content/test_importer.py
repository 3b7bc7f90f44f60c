"""Importing content is idempotent and never touches learner progress."""
from pathlib import Path

from sqlalchemy import func, select

from lms.content.importer import import_all
from lms.models import Choice, Course, Enrollment, Question, Unit, UnitProgress, User

CONTENT = Path(__file__).resolve().parents[3] / "content" / "courses"


def test_second_import_updates_without_duplicates_or_touching_progress(app, db):
    """Running the import again keeps row counts, ids and a learner's progress."""
    course = db.scalars(select(Course)).first()
    user = User(email="l@example.org", name="L", password_hash="x")
    db.add(user)
    db.flush()
    db.add(Enrollment(user_id=user.id, course_id=course.id))
    db.add(UnitProgress(user_id=user.id, unit_id=course.units[0].id, video_position=12.0))
    db.commit()
    counts = [db.scalar(select(func.count(m.id))) for m in (Course, Unit, Question, Choice)]
    unit_ids = sorted(db.scalars(select(Unit.id)))
    import_all(db, CONTENT, Path(app.config["MEDIA_DIR"]))
    db.commit()
    assert [db.scalar(select(func.count(m.id))) for m in (Course, Unit, Question, Choice)] == counts
    assert sorted(db.scalars(select(Unit.id))) == unit_ids
    assert db.scalar(select(func.count(Enrollment.id))) == 1
    assert db.scalars(select(UnitProgress)).one().video_position == 12.0
