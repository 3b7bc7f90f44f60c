"""Issuing, finding and revoking certificates."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from datetime import UTC
from pathlib import Path

from flask_babel import get_locale
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lms.credentials import keys, status
from lms.credentials.codes import new_verification_code, normalize_code
from lms.credentials.issue import build_credential, sign_credential, verify_url
from lms.errors import NotFound
from lms.extensions import LOCALES
from lms.models import Certificate, Course, User
from lms.models._types import utcnow
from lms.services import roles


def issue(session: Session, user: User, course: Course) -> Certificate:
    """The learner's certificate for the course, issued on first call and reused after."""
    existing = for_course(session, user, course)
    if existing is not None:
        return existing
    for _attempt in range(5):
        cert = Certificate(
            code=new_verification_code(),
            user_id=user.id,
            course_id=course.id,
            learner_name=user.name,
            course_title=course.title,
            course_language=course.language,
            issued_at=utcnow(),
            status_index=free_status_index(session),
        )
        try:
            with session.begin_nested():
                session.add(cert)
                session.flush()
            return cert
        except IntegrityError:
            # Two requests raced to issue the same certificate: keep the one that won.
            won = for_course(session, user, course)
            if won is not None:
                return won
            # Otherwise another certificate took the same list place at the same moment: pick again.
    raise RuntimeError("could not find a free place in the revocation list")


def free_status_index(session: Session) -> int:
    """A random place in the revocation list that no certificate holds."""
    for _ in range(32):
        index = status.random_index()
        if session.scalar(select(Certificate.id).where(Certificate.status_index == index)) is None:
            return index
    # The list is nearly full: pick among the places that are left.
    taken = set(session.scalars(select(Certificate.status_index)))
    free = [i for i in range(status.LIST_SIZE) if i not in taken]
    if not free:
        raise RuntimeError("the revocation list is full")
    return free[status.random_index() % len(free)]


def revoked_indexes(session: Session) -> list[int]:
    return list(session.scalars(select(Certificate.status_index).where(Certificate.revoked_at.is_not(None))))


def status_list(session: Session, *, key, base_url: str, cache_dir: str | None = None, now=None) -> dict:
    """The signed revocation list (a ``BitstringStatusListCredential`` valid for
    :data:`lms.credentials.status.VALIDITY`).

    With ``cache_dir`` the signed document is kept in ``<cache_dir>/status-list/<revision>.json``,
    the revision being a digest of the revoked places, the address and the public key: it is signed
    again only when one of them changes (a revocation) or when less than half of its validity is
    left, so every worker serves the same bytes until then. Without ``cache_dir`` it is signed now.

    :param now: the current time (aware or naive UTC); tests pass it.
    :raises OSError: the cache folder cannot be written.
    """
    now = now or utcnow()
    revoked = sorted(revoked_indexes(session))
    if cache_dir is None:
        return status.signed_list_credential(base_url, revoked, now, key)
    revision = hashlib.sha256(json.dumps([base_url, keys.public_key_multibase(key), revoked]).encode()).hexdigest()[:32]
    folder = Path(cache_dir) / "status-list"
    path = folder / f"{revision}.json"
    aware_now = now if now.tzinfo else now.replace(tzinfo=UTC)
    try:
        cached = json.loads(path.read_text(encoding="utf-8"))
        until = status.valid_until(cached)
        if until is not None and until - aware_now > status.VALIDITY / 2:
            return cached
    except (OSError, ValueError):
        pass
    doc = status.signed_list_credential(base_url, revoked, now, key)
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".status.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(doc, handle)
    os.replace(tmp, path)
    for old in folder.glob("*.json"):  # earlier revisions are never served again
        if old != path:
            old.unlink(missing_ok=True)
    return doc


def for_course(session: Session, user: User, course: Course) -> Certificate | None:
    return session.scalars(
        select(Certificate).where(Certificate.user_id == user.id, Certificate.course_id == course.id)
    ).first()


def find(session: Session, raw_code: str) -> Certificate | None:
    """A certificate by its code as typed; None for unknown or malformed codes."""
    code = normalize_code(raw_code or "")
    if code is None:
        return None
    return session.scalars(select(Certificate).where(Certificate.code == code)).first()


def page_state(session: Session, raw_code: str) -> str | None:
    """A 32-hex-digit digest of everything a certificate's verification page shows of its row (code,
    snapshot, issue, revocation and its reason, course), read as plain columns with no ORM object;
    None for unknown or malformed codes. A cached verification page is keyed by it, so revoking
    or editing the certificate changes the key."""
    code = normalize_code(raw_code or "")
    if code is None:
        return None
    row = session.execute(
        select(
            Certificate.id,
            Certificate.code,
            Certificate.learner_name,
            Certificate.course_title,
            Certificate.course_language,
            Certificate.course_id,
            Certificate.issued_at,
            Certificate.revoked_at,
            Certificate.revoked_reason,
        ).where(Certificate.code == code)
    ).first()
    if row is None:
        return None
    return hashlib.sha256(json.dumps([str(v) for v in row], ensure_ascii=False).encode()).hexdigest()[:32]


def get_own(session: Session, user: User, raw_code: str) -> Certificate:
    """The user's own certificate, or one of a course the user may edit (its trainers and admins
    revoke); NotFound for anyone else's, so codes cannot be confirmed this way."""
    cert = find(session, raw_code)
    if cert is None or (cert.user_id != user.id and not roles.can_edit(user, cert.course)):
        raise NotFound()
    return cert


def of_user(session: Session, user: User) -> list[Certificate]:
    return list(
        session.scalars(
            select(Certificate).where(Certificate.user_id == user.id).order_by(Certificate.issued_at.desc())
        )
    )


def revoke(session: Session, cert: Certificate, reason: str) -> None:
    if cert.revoked_at is None:
        cert.revoked_at = utcnow()
    cert.revoked_reason = reason.strip()
    session.flush()


def wording_locale(cert: Certificate, interface: str) -> str:
    """The language a certificate's own words (and date) are printed in: its course's language when
    Sala's interface speaks it, so a Khmer course gives a Khmer certificate whatever language the
    person browses in; else `interface`, the request's interface language."""
    primary = (cert.course_language or "").split("-")[0].lower()
    return primary if primary in LOCALES else interface


def document_context(cert: Certificate, *, base_url: str, issuer_name: str, gettext=None, lang: str = "en") -> dict:
    """What the certificate document (PDF and page) shows, from the certificate's own snapshot;
    `lang` is the language of its words (see wording_locale), which `gettext` must speak."""
    from lms.credentials.qr import qr_svg

    url = verify_url(base_url, cert.code)
    return {
        "learner_name": cert.learner_name,
        "course_title": cert.course_title,
        "course_language": cert.course_language,
        "issued_on": cert.issued_at.date(),
        "issuer_name": issuer_name,
        "trainer": cert.course.trainer_name if cert.course else "",
        "code": cert.code,
        "verify_url": url,
        "qr_svg": qr_svg(url, "QR code linking to the verification page for this certificate"),
        # Part of what is printed, so of the PDF's cache key: revoking renders it again, marked.
        "revoked_on": cert.revoked_at.date() if cert.revoked_at else "",
        "revoked_reason": cert.revoked_reason if cert.revoked_at else "",
        "_": gettext,
        "lang": lang,
    }


def pdf_bytes(
    cert: Certificate, *, base_url: str, issuer_name: str, cache_dir: str, gettext=None, lang: str = "en"
) -> bytes:
    """The certificate as a tagged PDF/UA file, rendered once per template version and cached.

    The cache is kept in a folder named by a digest of everything the PDF prints (the snapshot, the
    issuer name and the public address in its link and QR code), so a PDF rendered for one address
    or issuer is never served for another.
    """
    from lms.credentials.pdf import get_certificate_pdf

    context = document_context(cert, base_url=base_url, issuer_name=issuer_name, gettext=gettext, lang=lang)
    return get_certificate_pdf(Path(cache_dir) / print_key(context, base_url), context, base_url)


def print_key(context: dict, base_url: str) -> str:
    """A 32-hex-digit digest of what a certificate document prints (the context's data fields, the
    label language and the base URL); callables and the QR drawing, made from verify_url, are left out."""
    printed = {k: str(v) for k, v in context.items() if not callable(v) and k != "qr_svg"}
    # The labels are printed in the language of the catalogue in use.
    printed["labels"] = str(get_locale() or "")
    printed["base_url"] = base_url
    return hashlib.sha256(json.dumps(printed, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:32]


def credential(cert: Certificate, *, key, base_url: str, issuer_name: str, course_url: str) -> dict:
    """The certificate as a signed Open Badges 3.0 credential. Signed with the issue time as
    `created`, so downloading it twice gives the same document."""
    unsigned = build_credential(
        code=cert.code,
        learner_name=cert.learner_name,
        course_title=cert.course_title,
        course_summary=(cert.course.summary if cert.course else "") or cert.course_title,
        course_url=course_url,
        issued_at=cert.issued_at,
        issuer_name=issuer_name,
        base_url=base_url,
        language=cert.course_language,
    )
    unsigned["credentialStatus"] = status.entry(base_url, cert.status_index)
    # OB 3.0's JSON Schema wants `proof` as an array.
    return sign_credential(unsigned, key, keys.key_id(base_url), cert.issued_at, proof_array=True)
