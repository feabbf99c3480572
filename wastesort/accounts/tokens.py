"""API bearer tokens: issued by ``wastesort create-token`` or by an administrator, stored only
as a SHA-256 hash (the plain token is shown once), revocable, valid for
``API_TOKEN_LIFETIME_DAYS``, with a last-used time.

``last_used_at`` is written at most once a minute per token, so a busy kiosk does not turn
every read into a write.
"""

import datetime as dt
import hashlib
import secrets

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.util import identity_key

from ..errors_domain import Conflict, NotFound, RuleViolation
from ..extensions import db
from ..rules import check_text, get_by_id, valid_id
from ..timeutil import utcnow
from .models import ApiToken, Role, User
from .scope import require_roles

TOKEN_PREFIX = "ws_"
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)
MAX_TOKEN_LENGTH = 200


def hash_token(plain: str) -> str:
    return hashlib.sha256(plain.encode()).hexdigest()


def issue_token(owner: User, name: str = "") -> tuple[ApiToken, str]:
    """Make a token for ``owner``; returns (row, plain token). Commits."""
    errors: dict = {}
    data = {"name": name or ""}
    check_text(errors, data, "name", 80, required=False)
    if errors:
        raise RuleViolation(errors)
    if not owner.active:
        raise RuleViolation({"user_id": [_l("This user is inactive.")]})
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = utcnow()
    lifetime = dt.timedelta(days=current_app.config["API_TOKEN_LIFETIME_DAYS"])
    token = ApiToken(user_id=owner.id, name=data["name"], token_hash=hash_token(plain),
                     prefix=plain[:11], created_at=now, expires_at=now + lifetime)
    db.session.add(token)
    db.session.commit()
    return token, plain


# One query, built once: every API request runs it. Only the columns the checks and the scopes
# read; the owner is then made a session object without a second query (see _owner).
_TOKEN_OWNER = (select(User.id, User.username, User.role, User.township_id,
                       User.recycling_point_id, User.email, User.locale, User.active,
                       ApiToken.id.label("token_id"), ApiToken.last_used_at)
                .join(ApiToken, ApiToken.user_id == User.id)
                .where(ApiToken.token_hash == bindparam("token_hash"),
                       ApiToken.revoked_at.is_(None),
                       ApiToken.expires_at > bindparam("now", type_=ApiToken.expires_at.type)))
_OWNER_COLUMNS = ("id", "username", "role", "township_id", "recycling_point_id", "email",
                  "locale", "active")


def user_for_token(plain: str | None) -> User | None:
    """The active user a valid, unrevoked, unexpired token belongs to, or None; notes the
    use."""
    if not plain or len(plain) > MAX_TOKEN_LENGTH:
        return None
    now = utcnow()
    row = db.session.connection().execute(_TOKEN_OWNER,
                                          {"token_hash": hash_token(plain), "now": now}).first()
    if row is None or not row.active:
        return None
    if row.last_used_at is None or now - row.last_used_at >= LAST_USED_RESOLUTION:
        db.session.execute(update(ApiToken).where(ApiToken.id == row.token_id)
                           .values(last_used_at=now))
        db.session.commit()
    return _owner(row)


def _owner(row) -> User:
    """The token's owner as a session object, built from the row already read (an ORM query
    would cost a quarter of a collection posting); other columns load if ever touched."""
    user = db.session.identity_map.get(identity_key(User, row.id))
    if user is None:
        user = User(**{name: getattr(row, name) for name in _OWNER_COLUMNS})
        make_transient_to_detached(user)
        db.session.add(user)
    return user


def tokens_query(user: User, *, user_id: int | None = None, owner: str | None = None):
    """A SELECT of tokens: an administrator's choice of anyone's, everyone else their own.
    ``owner`` is part of the owner's username, in any case."""
    stmt = select(ApiToken)
    if user.role is not Role.ADMIN:
        stmt = stmt.where(ApiToken.user_id == user.id)
    if user_id is not None:
        stmt = stmt.where(ApiToken.user_id == user_id)
    if owner:
        stmt = stmt.where(ApiToken.user_id.in_(
            select(User.id).where(User.username.icontains(owner, autoescape=True))))
    return stmt.order_by(ApiToken.id)


def get_token(user: User, token_id: int) -> ApiToken:
    token = db.session.scalar(tokens_query(user).where(ApiToken.id == token_id)) \
        if valid_id(token_id) else None
    if token is None:
        raise NotFound(_l("No such token."))
    return token


def create_token_for(admin: User, user_id: int, name: str = "") -> tuple[ApiToken, str]:
    """An administrator issues a token for any active user (403 for other roles)."""
    require_roles(admin, Role.ADMIN)
    owner = get_by_id(User, user_id)
    if owner is None:
        raise RuleViolation({"user_id": [_l("No such user.")]})
    return issue_token(owner, name)


def create_token_for_username(admin: User, username: str, name: str) -> tuple[ApiToken, str]:
    """As :func:`create_token_for`, the owner named by username (the tokens page); a label is
    required, as over the API. Messages by field: ``username``, ``name``."""
    require_roles(admin, Role.ADMIN)
    errors: dict = {}
    data = {"username": username or "", "name": name or ""}
    check_text(errors, data, "username", 40, required=True)
    check_text(errors, data, "name", 80, required=True)
    owner = None
    if "username" not in errors:
        owner = db.session.scalar(select(User).where(User.username == data["username"]))
        if owner is None:
            errors["username"] = [_l("No such user.")]
    if errors:
        raise RuleViolation(errors)
    try:
        return issue_token(owner, data["name"])
    except RuleViolation as exc:  # an inactive owner: said beside the username here
        raise RuleViolation({"username" if k == "user_id" else k: v
                             for k, v in exc.errors.items()}) from None


def revoke_token(user: User, token_id: int) -> ApiToken:
    """Revoke a token (one's own, or any for an administrator); it answers 401 from now on."""
    token = get_token(user, token_id)
    if token.revoked_at is not None:
        raise Conflict(_l("This token is already revoked."))
    token.revoked_at = utcnow()
    db.session.commit()
    return token


@click.command("create-token")
@click.argument("username")
@click.option("--name", default="", help="A label to tell tokens apart, e.g. the kiosk.")
@with_appcontext
def create_token_command(username, name):
    """Issue an API token for USERNAME and print it (only its hash is stored)."""
    owner = db.session.scalar(select(User).where(User.username == username))
    if owner is None:
        raise click.ClickException(f"No user {username!r}.")
    try:
        token, plain = issue_token(owner, name)
    except RuleViolation as exc:
        db.session.rollback()
        raise click.ClickException(exc.one_line()) from None
    click.echo(plain)
    click.echo(f"Token {token.id} ({token.prefix}…) for {owner.role.value} {owner.username!r}, "
               f"valid until {token.expires_at:%Y-%m-%d %H:%M} UTC; it is shown only now.",
               err=True)
