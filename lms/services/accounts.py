"""Registering people, checking passwords, changing and resetting them.

Password rules (OWASP ASVS 2.1): 10 to 128 characters, any characters, not on the list of common
passwords shipped in common_passwords.txt (Django's list, BSD-3-Clause, see its header), and not
the account's own e-mail address. Reset links are signed with itsdangerous (which Flask ships),
expire after RESET_MAX_AGE seconds and work once: they carry a fingerprint of the password hash
they were made for, so setting a password (by the link or otherwise) spends every link made before.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.errors import FieldErrors, LmsError, NotFound
from lms.extensions import LOCALES
from lms.models import User
from lms.models.user import ROLES
from lms.services import audit, roles, sign_ins
from lms.text import clean_name

PASSWORD_MIN, PASSWORD_MAX = 10, 128
#: How long a reset link works, in seconds.
RESET_MAX_AGE = 3600
_RESET_SALT = "sala.password-reset"


def normalize_email(email: str) -> str:
    return (email or "").strip().lower()


def find_user(session: Session, email: str) -> User | None:
    return session.scalars(select(User).where(User.email == normalize_email(email))).first()


@cache
def common_passwords() -> frozenset[str]:
    """The shipped list of common passwords (lower-cased; lines starting with # are its header)."""
    text = (Path(__file__).with_name("common_passwords.txt")).read_text(encoding="utf-8")
    return frozenset(line for line in text.splitlines() if line and not line.startswith("#"))


def password_problem(password: str, *, email: str = "") -> str | None:
    """Why a new password cannot be used, as a sentence for the person; None when it can."""
    if len(password) < PASSWORD_MIN:
        return _("Use at least %(n)d characters.", n=PASSWORD_MIN)
    if len(password) > PASSWORD_MAX:
        return _("Use at most %(n)d characters.", n=PASSWORD_MAX)
    if password.strip().lower() in common_passwords() or (email and password.strip().lower() == normalize_email(email)):
        return _(
            "This password is one of the most common and easy to guess. Choose another: "
            "a few unrelated words make a strong password."
        )
    return None


def _hash_anyway(password: str) -> None:
    """Spend the time of a password hash, so a refusal takes as long as the work it stands for."""
    User(password_hash="").set_password(password)


def register(session: Session, *, name: str, email: str, password: str, role: str = "learner") -> User | None:
    """Create an account, or do nothing when the address already has one.

    Returns the new user, or None for a taken address: callers answer both the same way, so the
    form cannot tell anyone whether an address has an account (the same work is done either way).
    Raises FieldErrors for a name or password that cannot be used, LmsError for an unknown role.
    """
    if role not in ROLES:
        raise LmsError(_("Unknown role “%(role)s”. Choose learner, trainer or admin.", role=role))
    errors = {}
    cleaned, problem = clean_name(name)
    if problem:
        errors["name"] = problem
    if problem := password_problem(password, email=email):
        errors["password"] = problem
    if errors:
        raise FieldErrors(errors)
    if find_user(session, email) is not None:
        _hash_anyway(password)
        return None
    user = User(name=cleaned, email=normalize_email(email), role=role)
    user.set_password(password)
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The user, or None; callers show one message either way, so accounts cannot be probed."""
    user = find_user(session, email)
    if user is None:
        # Hash anyway so a missing account takes as long to refuse as a wrong password.
        _hash_anyway(password)
        return None
    return user if user.check_password(password) else None


def update_name(session: Session, user: User, name: str) -> None:
    """Set the name printed on future certificates; FieldErrors({"name": ...}) when it cannot be used."""
    cleaned, problem = clean_name(name)
    if problem:
        raise FieldErrors({"name": problem})
    user.name = cleaned
    session.flush()


def set_locale(session: Session, user: User, locale: str) -> None:
    """Save the interface language the person chose (a code in lms.extensions.LOCALES); FieldErrors
    ({"locale": ...}) for any other code."""
    if locale not in LOCALES:
        raise FieldErrors({"locale": _("Choose one of the languages offered.")})
    user.locale = locale
    session.flush()


def set_password(session: Session, user: User, new_password: str, *, field: str = "password") -> None:
    """Give the account a new password and end all of its sign-ins (every device, every remember-me
    cookie, every reset link made before). FieldErrors({field: ...}) when the password cannot be used."""
    if problem := password_problem(new_password, email=user.email):
        raise FieldErrors({field: problem})
    user.set_password(new_password)
    sign_ins.end_all(session, user)
    session.flush()


def change_password(session: Session, user: User, current: str, new_password: str) -> None:
    """Change a password, knowing the current one (FieldErrors on "current" or "password")."""
    if not user.check_password(current):
        raise FieldErrors({"current": _("That is not your current password.")})
    set_password(session, user, new_password)


def _fingerprint(user: User) -> str:
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def reset_token(user: User, secret_key: str) -> str:
    """A signed token that lets its holder set the user's password once, within RESET_MAX_AGE."""
    return URLSafeTimedSerializer(secret_key, salt=_RESET_SALT).dumps({"u": user.id, "p": _fingerprint(user)})


def user_for_reset(session: Session, token: str, secret_key: str, *, max_age: int = RESET_MAX_AGE) -> User | None:
    """The user a reset token was made for, or None when it is forged, expired or already spent."""
    try:
        data = URLSafeTimedSerializer(secret_key, salt=_RESET_SALT).loads(token, max_age=max_age)
    except (SignatureExpired, BadSignature):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int) or not 0 < data["u"] < 2**31:
        return None
    user = session.get(User, data["u"])
    return user if user is not None and data.get("p") == _fingerprint(user) else None


def reset_token_by_admin(
    session: Session, admin: User, user_id: int, secret_key: str, *, address: str = ""
) -> tuple[User, str]:
    """An admin makes a reset link for someone who cannot receive e-mail from the site (audit-logged).

    Returns (the account, its token). Raises NotAllowed when `admin` is not an admin, NotFound for
    an unknown account.
    """
    roles.require_admin(admin)
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(_("There is no such account."))
    audit.record(
        session,
        "reset_link_made",
        actor=admin,
        email=user.email,
        address=address,
        detail=f"by {admin.email} on the people page",
    )
    return user, reset_token(user, secret_key)
