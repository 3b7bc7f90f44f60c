"""Optimistic locking in the services: a save from a stale copy raises EditConflict, never overwrites."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from lms.errors import EditConflict
from lms.models import Unit
from lms.services import units
from lms.services.units import UnitFields


def _sessions(app):
    make = app.extensions["lms.sessionmaker"]
    return make(), make()


def test_save_racing_a_committed_save_raises_edit_conflict(app):
    """Both read version N; the one that writes second finds no row at N (StaleDataError) and is refused."""
    with app.app_context():
        first, second = _sessions(app)
        unit_id = first.scalars(select(Unit.id)).first()
        mine, theirs = first.get(Unit, unit_id), second.get(Unit, unit_id)
        opened = mine.version
        assert theirs.version == opened
        units.update_unit(second, theirs, UnitFields(title="Theirs", body_md="Saved first."), version=opened)
        second.commit()
        # `mine` was read before that commit and still says `opened`: the version check passes,
        # and the UPDATE ... WHERE version = opened must then match no row.
        with pytest.raises(EditConflict):
            units.update_unit(first, mine, UnitFields(title="Mine", body_md="Saved second."), version=opened)
        first.rollback()
        stored = first.get(Unit, unit_id)
        assert (stored.title, stored.body_md, stored.version) == ("Theirs", "Saved first.", opened + 1)
        first.close()
        second.close()


def test_save_with_an_older_version_raises_before_changing_anything(app):
    """A form opened at an older version is refused at once; the unit is untouched."""
    with app.app_context():
        session, _ = _sessions(app)
        unit = session.scalars(select(Unit)).first()
        title = unit.title
        with pytest.raises(EditConflict):
            units.update_unit(session, unit, UnitFields(title="Late"), version=unit.version - 1)
        assert unit.title == title
        session.close()


def test_every_save_moves_the_version_on(app):
    """Saving the same values again still counts as a save: the version goes up by one."""
    with app.app_context():
        session, _ = _sessions(app)
        unit = session.scalars(select(Unit)).first()
        before = unit.version
        fields = UnitFields(title=unit.title, summary=unit.summary, body_md=unit.body_md, slug=unit.slug)
        units.update_unit(session, unit, fields, version=before)
        session.commit()
        assert unit.version == before + 1
        session.close()
