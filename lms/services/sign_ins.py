"""Sign-ins that end: one login_sessions row per sign-in, named by a random token.

The browser holds the token inside Flask-Login's alternative id ("<user id>.<token>", in the
signed session cookie and the remember-me cookie); the server keeps only its SHA-256. Deleting the
row ends every copy of both cookies: at sign-out (that sign-in), at "sign out everywhere" and at a
password change or reset (all of the user's). A new token is made at each sign-in, so remember-me
cookies rotate. OWASP ASVS 3.3 (session termination), 3.5 (token-based sessions).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import bindparam, delete, inspect, select
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.util import identity_key

from lms.models import LoginSession, User
from lms.models._types import utcnow
from lms.services.page_versions import VERSIONS

if TYPE_CHECKING:
    from lms.sign_in_cache import SignInCache

#: How long a sign-in lasts with "keep me signed in" (the remember-me cookie's life too).
REMEMBER_FOR = timedelta(days=30)
#: How long a sign-in lasts without it (the browser also forgets the cookie when it closes).
SESSION_FOR = timedelta(hours=24)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start(session: Session, user: User, *, remember: bool = False) -> str:
    """Record a new sign-in for user and return its token (also set as user.login_token)."""
    now = utcnow()
    session.execute(delete(LoginSession).where(LoginSession.user_id == user.id, LoginSession.expires_at < now))
    token = secrets.token_urlsafe(32)
    session.add(
        LoginSession(
            user_id=user.id,
            token_hash=_hash(token),
            remember=remember,
            created_at=now,
            expires_at=now + (REMEMBER_FOR if remember else SESSION_FOR),
        )
    )
    session.flush()
    user.login_token = token
    return token


#: Built once: this runs on every signed-in request, and a statement made anew each time costs
#: SQLAlchemy a fresh cache key (about a third of a cached page's time). The expiry comes along
#: for lms.sign_in_cache, which checks it itself while it keeps the row.
_LIVE_SIGN_IN = (
    select(User, LoginSession.expires_at)
    .join(LoginSession, LoginSession.user_id == User.id)
    .where(
        User.id == bindparam("user_id"),
        LoginSession.token_hash == bindparam("token_hash"),
        LoginSession.expires_at > bindparam("now"),
    )
)
_COLUMNS = tuple(attr.key for attr in inspect(User).column_attrs)


def load(session: Session, alternative_id: str, kept: SignInCache | None = None, newer_than: int = -1) -> User | None:
    """The user of a live sign-in named by "<user id>.<token>"; None for anything else.

    :param kept: this worker's lms.sign_in_cache.SignInCache (PostgreSQL), which answers without a
        query when it holds that sign-in, and keeps what the query returns otherwise. A kept
        user is put into `session` as loaded (SQLAlchemy ``Session.merge(load=False)``, the
        documented way to bring cached objects in): reading it emits no SQL, changing it an
        UPDATE as usual.
    :param newer_than: the page version the browser itself last wrote (lms.auth.session); a kept
        copy older than that is not used.
    :returns: a User in `session`. When the session already holds or has written that person,
        its own object, read past the cache and not kept (its values may not be committed).
    """
    user_id, _dot, token = (alternative_id or "").partition(".")
    if not (user_id.isascii() and user_id.isdigit() and 0 < len(user_id) < 10 and token):
        return None
    token_hash, now = _hash(token), utcnow()
    # A person this session already holds or has written stays as the session has them: a kept
    # copy merged over its object would undo unsaved changes (or show values from before its own
    # write), and what the query below returns may be this transaction's uncommitted values, not
    # yet anyone else's to keep. The query still proves the sign-in live.
    uid = int(user_id)
    if session.identity_map.get(identity_key(User, uid)) is not None or uid in session.info.get(VERSIONS, ()):
        kept = None
    if kept is not None:
        columns = kept.get(uid, token_hash, now, newer_than)
        if columns is not None:
            copy = User(**columns)
            make_transient_to_detached(copy)
            user = session.merge(copy, load=False)
            user.login_token = token
            return user
        ticket = kept.ticket(session)
    row = session.execute(_LIVE_SIGN_IN, {"user_id": uid, "token_hash": token_hash, "now": now}).first()
    if row is None:
        return None
    user, expires_at = row
    if kept is not None:
        kept.keep(ticket, user.id, token_hash, expires_at, {key: getattr(user, key) for key in _COLUMNS})
    user.login_token = token
    return user


def end(session: Session, user: User) -> None:
    """End the sign-in user was loaded for (this browser's)."""
    if user.login_token:
        session.execute(
            delete(LoginSession).where(
                LoginSession.user_id == user.id, LoginSession.token_hash == _hash(user.login_token)
            )
        )
        session.flush()


def end_all(session: Session, user: User) -> int:
    """End every sign-in of user, on every device; returns how many there were."""
    result = session.execute(delete(LoginSession).where(LoginSession.user_id == user.id))
    session.flush()
    return getattr(result, "rowcount", 0) or 0  # a DELETE's CursorResult counts its rows
