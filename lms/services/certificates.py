"""Issuing, finding and revoking certificates."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lms.certificates.codes import new_verification_code, normalize_code
from lms.errors import NotFound
from lms.models import Certificate, Course, User
from lms.models._types import utcnow


def issue(session: Session, user: User, course: Course) -> Certificate:
    """The learner's certificate for the course, issued on first call and reused after."""
    existing = for_course(session, user, course)
    if existing is not None:
        return existing
    cert = Certificate(
        code=new_verification_code(),
        user_id=user.id,
        course_id=course.id,
        learner_name=user.name,
        course_title=course.title,
        course_language=course.language,
        issued_at=utcnow(),
    )
    session.add(cert)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        # Two requests raced to issue the same certificate: keep the one that won.
        return session.scalars(
            select(Certificate).where(Certificate.user_id == user.id, Certificate.course_id == course.id)
        ).one()
    return cert


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


def get_own(session: Session, user: User, raw_code: str) -> Certificate:
    """The user's own certificate; NotFound for others' so codes cannot be confirmed this way."""
    cert = find(session, raw_code)
    if cert is None or (cert.user_id != user.id and not user.is_trainer):
        raise NotFound()
    return cert


def of_user(session: Session, user: User) -> list[Certificate]:
    return list(
        session.scalars(select(Certificate).where(Certificate.user_id == user.id).order_by(Certificate.issued_at.desc()))
    )


def revoke(session: Session, cert: Certificate, reason: str) -> None:
    if cert.revoked_at is None:
        cert.revoked_at = utcnow()
    cert.revoked_reason = reason.strip()
    session.flush()
