"""Alembic migrations build exactly the schema the models describe."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from lms import migrate
from lms.db import Base, make_engine
import lms.models  # noqa: F401


def test_migrations_match_models(tmp_path):
    """Upgrading an empty database to head leaves no difference from the models."""
    url = f"sqlite:///{tmp_path / 'm.db'}"
    migrate.upgrade(url)
    engine = make_engine(url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    engine.dispose()
    assert diff == []
