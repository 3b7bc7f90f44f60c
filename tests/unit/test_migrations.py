"""Alembic migrations build exactly the schema the models describe."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

import lms.models  # noqa: F401
from lms import migrate
from lms.db import Base, make_engine


def test_migrations_match_models(database):
    """Upgrading an empty database to head leaves no difference from the models."""
    url = database(None)
    migrate.upgrade(url)
    engine = make_engine(url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    engine.dispose()
    assert diff == []


def test_certificates_issued_before_the_status_list_get_random_distinct_places(database):
    """Upgrading a site that already issued certificates gives each one its own place in the
    revocation list, chosen at random (not its id), and keeps everything else."""
    from sqlalchemy import text

    url = database(None)
    migrate.upgrade(url, "6bf65f692e2a")
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO users (id, email, name, password_hash, role, created_at) "
                "VALUES (1, 'a@example.org', 'A', 'x', 'learner', '2026-01-01 00:00:00')"
            )
        )
        for n in range(1, 21):
            conn.execute(
                text(
                    "INSERT INTO courses (id, slug, title, summary, language, trainer_name, outcomes, "
                    "estimated_minutes, credits, status, created_at, updated_at) VALUES "
                    "(:n, :slug, 'T', '', 'en', '', '[]', 0, '', 'published', "
                    "'2026-01-01 00:00:00', '2026-01-01 00:00:00')"
                ),
                {"n": n, "slug": f"c{n}"},
            )
            conn.execute(
                text(
                    "INSERT INTO certificates (id, code, user_id, course_id, learner_name, course_title, "
                    "course_language, issued_at, revoked_reason) VALUES "
                    "(:n, :code, 1, :n, 'A', 'T', 'en', '2026-01-01 00:00:00', '')"
                ),
                {"n": n, "code": f"CODE{n}"},
            )
    engine.dispose()
    migrate.upgrade(url)
    engine = make_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT id, code, status_index FROM certificates ORDER BY id")).all()
    engine.dispose()
    places = [r.status_index for r in rows]
    assert len(rows) == 20 and [r.code for r in rows] == [f"CODE{n}" for n in range(1, 21)]
    assert len(set(places)) == 20 and all(0 <= p < 131_072 for p in places)
    assert places != sorted(places)  # 1 chance in 20! of failing
