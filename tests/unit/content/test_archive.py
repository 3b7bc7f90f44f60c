"""Course zips are checked before anything is written outside a fresh folder (lms.content.archive)."""

from __future__ import annotations

import contextlib
import io
import os
import zipfile

import pytest

from lms.content.archive import ArchiveError, ArchiveTooLarge, Limits, extract, read_course_archive
from tests.factories import COURSE_YAML, UNIT, make_zip, tiny


@pytest.mark.parametrize(
    "name, words",
    [
        ("tiny/../../evil.txt", "outside the course folder"),
        ("/etc/evil.txt", "absolute path"),
        ("C:/evil.txt", "drive letter"),
        ("tiny\\..\\evil.txt", "not \\"),
    ],
)
def test_dangerous_names_are_refused(tmp_path, name, words):
    """../, absolute paths, drive letters and backslashes are refused, naming the entry; nothing is written."""
    with pytest.raises(ArchiveError) as err:
        extract(make_zip(tiny(**{name: "x"})), tmp_path / "out")
    assert words in err.value.message and name in err.value.message
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").rglob("*.txt"))
    assert not (tmp_path / "evil.txt").exists()


def test_symlinks_are_refused(tmp_path):
    """An entry whose mode says symbolic link is refused by name."""
    with pytest.raises(ArchiveError, match="symbolic link") as err:
        extract(make_zip(tiny(), symlink="tiny/media/link.webm"), tmp_path)
    assert "tiny/media/link.webm" in err.value.message


def test_too_many_files_are_refused(tmp_path):
    """More entries than the limit: refused before extraction."""
    entries = tiny(**{f"tiny/extra/{i}.txt": "x" for i in range(20)})
    with pytest.raises(ArchiveError, match="too many files"):
        extract(make_zip(entries), tmp_path, Limits(max_files=10))
    assert not any(tmp_path.rglob("*.txt"))


def test_zip_bomb_by_ratio_is_refused(tmp_path):
    """An entry that inflates far beyond its compressed size is stopped while reading (413)."""
    bomb = tiny(**{"tiny/media/bomb.webm": b"\0" * (5 * 1024 * 1024)})
    with pytest.raises(ArchiveTooLarge, match="zip bombs") as err:
        extract(make_zip(bomb), tmp_path, Limits(ratio_floor=64 * 1024))
    assert err.value.status == 413 and "tiny/media/bomb.webm" in err.value.message


def test_total_size_limit_is_counted_while_reading(tmp_path):
    """The uncompressed total is counted from the bytes read, not the headers: over the cap, refused."""
    entries = tiny(**{f"tiny/media/{i}.bin": os.urandom(40_000) for i in range(5)})
    with pytest.raises(ArchiveTooLarge, match="more than"):
        extract(make_zip(entries), tmp_path, Limits(max_bytes=100_000))


def _patch_sizes(data: bytes, name: str, size: int) -> bytes:
    """Rewrite the uncompressed size of one entry in both its local and central headers."""
    patched = bytearray(data)
    encoded = name.encode()
    for sig, size_at, name_at in ((b"PK\x03\x04", 22, 30), (b"PK\x01\x02", 24, 46)):
        at = patched.find(sig)
        while at >= 0:
            if patched[at + name_at : at + name_at + len(encoded)] == encoded:
                patched[at + size_at : at + size_at + 4] = size.to_bytes(4, "little")
            at = patched.find(sig, at + 4)
    return bytes(patched)


def test_header_sizes_are_not_trusted(tmp_path):
    """Headers claiming a 2 GB entry, or a 10-byte one, change nothing: the bytes read are what is counted."""
    data = make_zip(tiny(**{"tiny/media/big.bin": b"A" * 3_000_000})).getvalue()
    limits = Limits(max_bytes=1_000_000, ratio_floor=1024)
    with pytest.raises(ArchiveTooLarge):
        extract(io.BytesIO(_patch_sizes(data, "tiny/media/big.bin", 2_000_000_000)), tmp_path / "a", limits)
    with contextlib.suppress(ArchiveError):
        extract(io.BytesIO(_patch_sizes(data, "tiny/media/big.bin", 10)), tmp_path / "b", limits)
    written = [p.stat().st_size for p in (tmp_path / "b").rglob("*") if p.is_file()]
    assert sum(written) <= limits.max_bytes


@pytest.mark.parametrize(
    "entries, words",
    [
        ({"tiny/units/01-one.md": UNIT}, "tiny/course.yaml is missing"),
        ({"course.yaml": COURSE_YAML, "units/01-one.md": UNIT}, "Zip the course folder itself"),
        ({"a/course.yaml": COURSE_YAML, "b/course.yaml": COURSE_YAML}, "exactly one course folder"),
        ({"វគ្គ/course.yaml": COURSE_YAML}, "Latin letters"),
    ],
)
def test_missing_course_file_or_wrong_layout_is_refused(tmp_path, entries, words):
    """No course.yaml, course.yaml at the top, two folders or a bad folder name: a clear message."""
    with pytest.raises(ArchiveError, match=words):
        extract(make_zip(entries), tmp_path)


def test_not_a_zip_is_refused(tmp_path):
    """Random bytes are not a zip."""
    with pytest.raises(ArchiveError, match="not a zip archive"):
        extract(io.BytesIO(b"hello, not a zip" * 10), tmp_path)


def test_duplicate_entries_are_refused(tmp_path):
    """The same name twice (the second would silently replace the first) is refused."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in tiny().items():
            archive.writestr(name, data)
        with pytest.warns(UserWarning):
            archive.writestr("tiny/course.yaml", "title: Other\n")
    with pytest.raises(ArchiveError, match="twice"):
        extract(io.BytesIO(out.getvalue()), tmp_path)


def test_macos_junk_is_skipped(tmp_path):
    """__MACOSX/ and .DS_Store entries are ignored rather than refused."""
    folder = extract(make_zip(tiny(**{"__MACOSX/tiny/._course.yaml": "x", "tiny/.DS_Store": "x"})), tmp_path)
    assert folder.name == "tiny" and not (folder / ".DS_Store").exists()


def test_encrypted_or_unreadable_members_are_refused_by_name(tmp_path):
    """A member flagged as encrypted, or compressed with a method zipfile cannot read, is refused before reading."""
    import io
    import zipfile

    from lms.content.archive import ArchiveError, extract

    for patch in ("encrypted", "method"):
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as zf:
            zf.writestr("c/course.yaml", "title: T\n")
        data = bytearray(buf.getvalue())
        # Patch both the local header and the central directory entry of the only member.
        for sig, flag_at, method_at in ((b"PK\x03\x04", 6, 8), (b"PK\x01\x02", 8, 10)):
            at = data.index(sig)
            if patch == "encrypted":
                data[at + flag_at] |= 0x1
            else:
                data[at + method_at : at + method_at + 2] = (99).to_bytes(2, "little")
        with pytest.raises(ArchiveError) as err:
            extract(io.BytesIO(bytes(data)), tmp_path / patch)
        assert "course.yaml" in str(err.value)


def test_read_course_archive_yields_the_course_and_removes_its_folder():
    """The loaded course's files exist inside the block, and the temporary folder is gone after it."""
    with read_course_archive(make_zip(tiny())) as data:
        assert data.slug == "tiny" and [u.title for u in data.units] == ["One"]
        folder = data.path
        assert (folder / "course.yaml").is_file()
    assert not folder.exists()


def test_errors_inside_the_block_name_the_file_in_the_zip():
    """A ContentError raised while the course is used comes out as an ArchiveError naming the zip entry."""
    from lms.errors import ContentError

    with pytest.raises(ArchiveError) as err, read_course_archive(make_zip(tiny())) as data:
        raise ContentError(data.units[0].path, "something is wrong", line=3)
    assert err.value.message == "tiny/units/01-one.md:3: something is wrong"
    assert err.value.name == "tiny/units/01-one.md" and err.value.line == 3
