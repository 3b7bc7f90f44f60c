"""lms.services.result_files.kept_file: written once per stamp, never half, older stamps removed."""

from __future__ import annotations

import pytest

from lms.services import result_files
from lms.services.result_files import kept_file


@pytest.fixture(autouse=True)
def _no_grace(monkeypatch):
    """Older files go as soon as a newer one is written (SENDING_SECONDS is tested on its own)."""
    monkeypatch.setattr(result_files, "SENDING_SECONDS", -1)


def test_a_file_is_written_once_for_a_stamp_and_again_for_another(tmp_path):
    made = []

    def lines():
        made.append(1)
        yield "a,b\r\n"
        yield "1,2\r\n"

    assert kept_file(tmp_path, "learners-1", (1, (3, 4)), lines).read_bytes() == b"a,b\r\n1,2\r\n"
    assert kept_file(tmp_path, "learners-1", (1, (3, 4)), lines).read_bytes() == b"a,b\r\n1,2\r\n"
    assert len(made) == 1
    assert kept_file(tmp_path, "learners-1", (2, (3, 4)), lambda: ["new\r\n"]).read_bytes() == b"new\r\n"
    assert len(list(tmp_path.glob("learners-1-*.csv"))) == 1


def test_a_file_found_lately_is_left_for_its_sender_when_a_newer_one_is_written(tmp_path, monkeypatch):
    monkeypatch.setattr(result_files, "SENDING_SECONDS", 60)
    found = kept_file(tmp_path, "learners-1", 1, lambda: ["old\r\n"])
    kept_file(tmp_path, "learners-1", 2, lambda: ["new\r\n"])
    assert found.read_bytes() == b"old\r\n"


def test_a_write_that_fails_leaves_no_half_file_and_keeps_the_last_whole_one(tmp_path):
    kept_file(tmp_path, "learners-1", 1, lambda: ["whole\r\n"])

    def broken():
        yield "half"
        raise RuntimeError("the database went away")

    with pytest.raises(RuntimeError):
        kept_file(tmp_path, "learners-1", 2, broken)
    assert [p.read_bytes() for p in tmp_path.iterdir()] == [b"whole\r\n"]


def test_other_courses_files_are_left_alone(tmp_path):
    kept_file(tmp_path, "learners-1", 1, lambda: ["one\r\n"])
    kept_file(tmp_path, "learners-12", 1, lambda: ["twelve\r\n"])
    kept_file(tmp_path, "learners-1", 2, lambda: ["one again\r\n"])
    assert len(list(tmp_path.glob("learners-12-*.csv"))) == 1
