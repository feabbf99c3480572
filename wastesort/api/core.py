"""The one flask-smorest ``Api`` of the app, and what every API blueprint shares.

Every blueprint registered through :data:`api` (ours, and the reports' API) is exempt from
CSRF (the API authenticates with bearer tokens, not cookies), answers 401 without a valid
token, and 415 for a body that is not JSON. Errors go through the app's one handler
(:func:`wastesort.errors.error_response`), so HTML pages keep HTML errors and every error keeps
its headers (405 ``Allow``, 401 ``WWW-Authenticate``).
"""

import marshmallow as ma
from flask import current_app, request
from flask_babel import lazy_gettext as _l
from flask_smorest import Api
from flask_smorest import Blueprint as SmorestBlueprint
from sqlalchemy import func, select
from webargs import core
from webargs.flaskparser import FlaskParser, is_json_request
from werkzeug.exceptions import UnsupportedMediaType

from ..errors import error_response
from ..errors_domain import RuleViolation
from ..extensions import csrf, db
from .auth import authenticate
from .jsonbody import parse_json_body

MAX_PAGE = 100_000  # page x page size stays far inside any integer the databases handle


class ApiParser(FlaskParser):
    """Answers invalid input with 422 and messages by field, the same shape as the services'
    :class:`RuleViolation` (locations such as "json" or "query" folded away); a body that is
    not JSON, or nested too deeply to decode, with 400."""

    def _raw_load_json(self, req):
        if not is_json_request(req):
            return core.missing
        return parse_json_body(req.get_data(cache=True))

    def handle_error(self, error, req, schema, *, error_status_code, error_headers):
        messages = error.normalized_messages()
        flat: dict = {}
        for location_messages in messages.values():
            if isinstance(location_messages, dict):
                flat.update(location_messages)
            else:
                flat.setdefault("_schema", []).extend(location_messages)
        raise RuleViolation(flat)


class Blueprint(SmorestBlueprint):
    """A smorest blueprint whose arguments are parsed by :class:`ApiParser`."""

    ARGUMENTS_PARSER = ApiParser()

    def arguments(self, schema, *args, **kwargs):
        """Parse with one schema instance made now: given a class, webargs would build a new
        instance on every request (~0.15 ms each, a twentieth of a collection posting)."""
        return super().arguments(schema() if isinstance(schema, type) else schema,
                                 *args, **kwargs)


class WastesortApi(Api):
    def handle_http_exception(self, error):
        return error_response(error)

    def register_blueprint(self, blp, *, parameters=None, **options):
        """Register ``blp`` with token authentication and JSON-only bodies, CSRF-exempt."""
        csrf.exempt(blp)
        if not getattr(blp, "_wastesort_guarded", False):  # blueprints outlive one app (tests)
            blp.before_request(authenticate)
            blp.before_request(require_json_body)
            blp._wastesort_guarded = True
        super().register_blueprint(blp, parameters=parameters, **options)


def spec_kwargs() -> dict:
    """The document's security scheme, made afresh for each app: apispec merges the document
    into these options in place, so one dict shared by several apps (tests) kept the first
    app's document (its configured maximum weight) for all of them."""
    return {
        "components": {"securitySchemes": {
            "bearerAuth": {"type": "http", "scheme": "bearer",
                           "description": "A token from `wastesort create-token USERNAME` or "
                                          "`POST /api/v1/tokens`."}}},
        "security": [{"bearerAuth": []}],
    }


api = WastesortApi()


def require_json_body() -> None:
    if request.method in ("POST", "PUT", "PATCH") and (
            request.content_length or request.headers.get("Transfer-Encoding")) and \
            request.mimetype != "application/json":
        raise UnsupportedMediaType("Send the body as application/json.")


class PageArgs(ma.Schema):
    """``page`` from 1 and ``page_size`` up to the configured API_PAGE_SIZE_MAX."""

    page = ma.fields.Integer(load_default=1, validate=ma.validate.Range(1, MAX_PAGE))
    page_size = ma.fields.Integer(
        load_default=lambda: current_app.config["API_PAGE_SIZE_DEFAULT"],
        validate=ma.validate.Range(1, 500),
        metadata={"description": "Items per page, at most API_PAGE_SIZE_MAX (default 500)."})

    @ma.validates("page_size")
    def _within_configured_max(self, value, **_kwargs):
        limit = current_app.config["API_PAGE_SIZE_MAX"]
        if value > limit:
            raise ma.ValidationError([_l("At most %(n)s items per page.", n=limit)])


_page_schemas: dict = {}


def page_of(item_schema: type[ma.Schema]) -> type[ma.Schema]:
    """The schema of one page of ``item_schema`` items, with its position and totals."""
    name = item_schema.__name__.removesuffix("Schema") + "PageSchema"
    if name not in _page_schemas:
        _page_schemas[name] = type(name, (ma.Schema,), {
            "items": ma.fields.List(ma.fields.Nested(item_schema), required=True),
            "page": ma.fields.Integer(required=True),
            "page_size": ma.fields.Integer(required=True),
            "total_items": ma.fields.Integer(required=True),
            "total_pages": ma.fields.Integer(required=True),
        })
    return _page_schemas[name]


def paginate(stmt, args: dict, total: int | None = None) -> dict:
    """Run ``stmt`` (a SELECT with a stable ORDER BY) for one page, with the total count
    (counted here unless the caller knows it)."""
    page, size = args["page"], args["page_size"]
    if total is None:
        total = db.session.scalar(select(func.count())
                                  .select_from(stmt.order_by(None).subquery()))
    items = db.session.scalars(stmt.limit(size).offset((page - 1) * size)).all()
    return {"items": items, "page": page, "page_size": size, "total_items": total,
            "total_pages": (total + size - 1) // size}


def paged(query_function, args: dict, count_function=None) -> dict:
    """One page of ``query_function(caller, **filters)``, the filters being ``args`` without
    the page arguments; ``count_function(caller, **filters)`` may give the total cheaper than
    counting the rows (None: count them)."""
    from .auth import current_api_user

    filters = {k: v for k, v in args.items() if k not in ("page", "page_size")}
    caller = current_api_user()
    total = count_function(caller, **filters) if count_function else None
    return paginate(query_function(caller, **filters), args, total)
