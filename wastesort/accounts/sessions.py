"""Browser sessions that end: at logout, at a password, role or scope change, after
``SESSION_IDLE_MINUTES`` without a request and ``SESSION_ABSOLUTE_HOURS`` after the login.

Flask's session is a signed cookie, valid until it expires: a copy taken before logout would
work on. So the cookie names a row of ``login_sessions`` (by a random id whose SHA-256 is
stored), and the user is loaded only through a live row. ``last_seen_at`` is written at most
once a minute, so a busy page does not turn every read into a write.
"""

import datetime as dt
import hashlib
import secrets

from flask import current_app, session
from sqlalchemy import delete, func, or_, select, update

from ..extensions import db
from ..timeutil import utcnow
from .models import LoginSession, User

SESSION_KEY = "_sid"  # in the signed cookie, beside Flask-Login's "_user_id"
LAST_SEEN_RESOLUTION = dt.timedelta(minutes=1)
KEPT_AFTER_END = dt.timedelta(days=7)  # ended rows kept this long (to tell what happened)


def _hash(sid: str) -> str:
    return hashlib.sha256(sid.encode()).hexdigest()


def _lifetimes() -> tuple[dt.timedelta, dt.timedelta]:
    cfg = current_app.config
    return (dt.timedelta(minutes=cfg["SESSION_IDLE_MINUTES"]),
            dt.timedelta(hours=cfg["SESSION_ABSOLUTE_HOURS"]))


def begin(user: User) -> str:
    """A new session for ``user``: returns the id the cookie carries. Commits. Also removes
    the user's sessions that ended or expired more than a while ago."""
    idle, absolute = _lifetimes()
    now = utcnow()
    db.session.execute(delete(LoginSession).where(
        LoginSession.user_id == user.id,
        or_(LoginSession.ended_at < now - KEPT_AFTER_END,
            LoginSession.last_seen_at < now - idle - KEPT_AFTER_END,
            LoginSession.created_at < now - absolute - KEPT_AFTER_END)))
    sid = secrets.token_urlsafe(32)
    db.session.add(LoginSession(user_id=user.id, sid_hash=_hash(sid), created_at=now,
                                last_seen_at=now))
    db.session.commit()
    return sid


def user_of(user_id: str, sid: str | None) -> User | None:
    """The active user of a live session, or None (the session then counts as logged out)."""
    if not sid or not user_id.isdigit() or len(sid) > 100:
        return None
    row = db.session.execute(
        select(User, LoginSession).join(LoginSession, LoginSession.user_id == User.id)
        .where(LoginSession.sid_hash == _hash(sid), LoginSession.ended_at.is_(None),
               User.id == int(user_id))).first()
    if row is None or not row.User.active:
        return None
    idle, absolute = _lifetimes()
    now = utcnow()
    login = row.LoginSession
    if now - login.created_at >= absolute or now - login.last_seen_at >= idle:
        login.ended_at = now
        db.session.commit()
        return None
    if now - login.last_seen_at >= LAST_SEEN_RESOLUTION:
        login.last_seen_at = now
        db.session.commit()
    return row.User


def end_current() -> None:
    """End the session of this request (logout). Commits."""
    sid = session.get(SESSION_KEY)
    if sid:
        db.session.execute(update(LoginSession)
                           .where(LoginSession.sid_hash == _hash(sid),
                                  LoginSession.ended_at.is_(None))
                           .values(ended_at=utcnow()))
        db.session.commit()


def end_all_of(user_id: int, *, except_current: bool = False) -> None:
    """End every session of a user (a password, role or scope change, a deactivation); the
    caller commits. ``except_current`` keeps this request's own session (a user who changed
    their own password stays logged in here, and only here)."""
    stmt = (update(LoginSession)
            .where(LoginSession.user_id == user_id, LoginSession.ended_at.is_(None)))
    sid = session.get(SESSION_KEY) if except_current else None
    if sid:
        stmt = stmt.where(LoginSession.sid_hash != _hash(sid))
    db.session.execute(stmt.values(ended_at=utcnow()), execution_options={
        "synchronize_session": False})


def last_logins(user_ids) -> dict[int, dt.datetime]:
    """{user id: when they last logged in} for those of ``user_ids`` with a session still kept
    (ended ones are removed a week after they end, see :func:`begin`): one query for a page."""
    ids = sorted(set(user_ids))
    if not ids:
        return {}
    rows = db.session.execute(select(LoginSession.user_id, func.max(LoginSession.created_at))
                              .where(LoginSession.user_id.in_(ids))
                              .group_by(LoginSession.user_id))
    return dict(rows.all())
