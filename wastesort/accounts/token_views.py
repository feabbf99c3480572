"""The API tokens page (administrators): every token with its owner and dates, a form that
issues one for a user, and a button that revokes one. The rules are accounts/tokens.py's.

The plain token is shown once, in the answer to the POST that issued it (as the API does):
never through a redirect, whose session cookie would carry it; only its hash is stored.
"""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload

from ..errors_domain import Conflict, RuleViolation
from ..extensions import db
from ..pages import keyset_paginate, login_required_for, show_rule_errors
from ..timeutil import utcnow
from .forms import TokenForm
from .models import ApiToken, Role
from .scope import require_roles
from .tokens import create_token_for_username, revoke_token, tokens_query

bp = Blueprint("token_pages", __name__, url_prefix="/tokens")
login_required_for(bp)

MAX_OWNER_LENGTH = 40


@bp.before_request
def _administrators_only():
    require_roles(current_user, Role.ADMIN)


@bp.route("/", methods=["GET", "POST"])
def index():
    """Tokens, newest first (``owner``: part of the owner's username), and the form that
    issues one (on success: the token, on this answer only)."""
    owner = request.args.get("owner", "").strip()[:MAX_OWNER_LENGTH]
    if not owner.isprintable():
        owner = ""
    form = TokenForm(data={"username": owner} if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            token, plain = create_token_for_username(current_user, form.username.data,
                                                     form.name.data)
        except RuleViolation as exc:
            db.session.rollback()
            show_rule_errors(form, exc.errors)
        else:
            return render_template("accounts/token_issued.html", token=token, plain=plain), 201
    page = keyset_paginate(tokens_query(current_user, owner=owner or None)
                           .options(joinedload(ApiToken.user)), ApiToken.id, descending=True)
    return render_template("accounts/tokens.html", form=form, page=page, owner=owner,
                           now=utcnow()), 422 if form.errors else 200


@bp.post("/<int:token_id>/revoke")
def revoke(token_id: int):
    """Revoke a token: from now on it answers 401. A second click finds it revoked already."""
    try:
        token = revoke_token(current_user, token_id)
    except Conflict:
        db.session.rollback()
        flash(_("This token is already revoked."), "info")
    else:
        flash(_("Token %(prefix)s… of %(name)s revoked.", prefix=token.prefix,
                name=token.user.username), "success")
    return redirect(url_for(".index", **({"owner": request.args["owner"]}
                                         if request.args.get("owner") else {})))
