"""Who may do what: roles, course ownership and trainer assignment."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import bindparam, func, or_, select
from sqlalchemy.orm import Session, selectinload

from lms.errors import LmsError, NotAllowed, NotFound
from lms.models import Course, Unit, User
from lms.models.course import course_trainers
from lms.models.user import ROLES
from lms.services import audit, page_versions


class LastAdmin(LmsError):
    """Changing this role would leave the site without an admin."""

    status = 422


def _signed_in(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False)


def can_edit(user, course: Course) -> bool:
    """Admins edit every course; a trainer edits the courses they own or were assigned to."""
    if not _signed_in(user) or not getattr(user, "is_trainer", False):
        return False
    if user.is_admin:
        return True
    return course.owner_id == user.id or any(t.id == user.id for t in course.trainers)


#: Built once (statements are reused with new values, as lms.services.sign_ins does): a course's
#: slug by id, and the same when the user owns it or is assigned to it.
_COURSE_SLUG = select(Course.slug).where(Course.id == bindparam("course_id"))
_EDITABLE_SLUG = _COURSE_SLUG.where(
    or_(
        Course.owner_id == bindparam("user_id"),
        Course.id.in_(select(course_trainers.c.course_id).where(course_trainers.c.user_id == bindparam("user_id"))),
    )
)


def editable_slug(session: Session, user, course_id: int) -> str | None:
    """The slug of course `course_id` when `user` may edit it (can_edit's rule), else None (also
    when there is no such course): one query of one column, without loading the course or its
    trainers, for pages that check access on every view however they are kept (the results page
    and the learners CSV). Callers that refuse call require_edit for its message."""
    if not _signed_in(user) or not getattr(user, "is_trainer", False):
        return None
    if user.is_admin:
        return session.scalar(_COURSE_SLUG, {"course_id": course_id})
    return session.scalar(_EDITABLE_SLUG, {"course_id": course_id, "user_id": user.id})


def require_trainer(user) -> None:
    if not _signed_in(user) or not getattr(user, "is_trainer", False):
        raise NotAllowed(_("Only trainers and admins can write courses. Ask an admin if you need a trainer account."))


def require_admin(user) -> None:
    if not _signed_in(user) or not getattr(user, "is_admin", False):
        raise NotAllowed(_("Only admins can open this page."))


def require_edit(user, course: Course) -> None:
    if not can_edit(user, course):
        raise NotAllowed(
            _("You cannot edit “%(title)s”. Its owner or an admin can add you as a trainer.", title=course.title)
        )


def editable_courses(session: Session, user) -> list[Course]:
    """The courses the user may edit, with what the author dashboard shows, in a fixed number of queries."""
    if not _signed_in(user) or not user.is_trainer:
        return []
    query = (
        select(Course)
        .options(
            selectinload(Course.units).selectinload(Unit.video),
            selectinload(Course.units).selectinload(Unit.caption_tracks),
            selectinload(Course.trainers),
            selectinload(Course.owner),
        )
        .order_by(Course.title)
    )
    if not user.is_admin:
        assigned = select(course_trainers.c.course_id).where(course_trainers.c.user_id == user.id)
        query = query.where((Course.owner_id == user.id) | Course.id.in_(assigned))
    return list(session.scalars(query))


def all_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.name, User.email)))


def admin_count(session: Session) -> int:
    return session.scalar(select(func.count(User.id)).where(User.role == "admin")) or 0


def set_role(session: Session, actor: User, user_id: int, role: str) -> User:
    """Change a user's role; refuses to remove the last admin (so nobody locks the site out)."""
    require_admin(actor)
    if role not in ROLES:
        raise LmsError(_("Choose learner, trainer or admin."))
    user = session.get(User, user_id)
    if user is None:
        raise NotFound()
    if user.role == "admin" and role != "admin" and admin_count(session) <= 1:
        raise LastAdmin(
            _("%(name)s is the only admin. Make someone else an admin first, so the site keeps one.", name=user.name)
        )
    if user.role != role:
        audit.record(session, "role_changed", actor=actor, email=user.email, detail=f"{user.role} → {role}")
    user.role = role
    session.flush()
    return user


def trainer_candidates(session: Session, course: Course) -> list[User]:
    """Trainers (and admins) who could be assigned to the course and are not yet."""
    taken = {t.id for t in course.trainers} | ({course.owner_id} if course.owner_id else set())
    users = session.scalars(select(User).where(User.role.in_(("trainer", "admin"))).order_by(User.name))
    return [u for u in users if u.id not in taken]


def assign_trainer(session: Session, actor: User, course: Course, user_id: int) -> User:
    """Let another trainer edit the course. Admins only."""
    require_admin(actor)
    user = session.get(User, user_id)
    if user is None or not user.is_trainer:
        raise LmsError(_("Choose a trainer from the list."))
    if all(t.id != user.id for t in course.trainers) and user.id != course.owner_id:
        course.trainers.append(user)
        # A row of theirs (course_trainers), which the ORM's flush events do not see: their pages
        # and what they may open change (lms.dashboard.views keeps access by page version).
        page_versions.bump_people(session, {user.id})
    session.flush()
    return user


def unassign_trainer(session: Session, actor: User, course: Course, user_id: int) -> User:
    require_admin(actor)
    user = next((t for t in course.trainers if t.id == user_id), None)
    if user is None:
        raise NotFound()
    course.trainers.remove(user)
    page_versions.bump_people(session, {user.id})  # as in assign_trainer: refused from their next view
    session.flush()
    return user
