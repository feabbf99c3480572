"""One error handler for the whole app: JSON for the API and for clients that ask for JSON,
an HTML page for browsers. Never a traceback for the user."""

from flask import Flask, current_app, jsonify, render_template, request
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import HTTPException, InternalServerError, ServiceUnavailable

from .extensions import db


def wants_json() -> bool:
    if request.path.startswith("/api/") or request.path == "/healthz":
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def error_response(error: HTTPException):
    """Render ``error`` as JSON or HTML, keeping its headers (405 keeps ``Allow``)."""
    code = error.code or 500
    if wants_json():
        body = {"code": code, "status": error.name, "message": error.description}
        messages = (getattr(error, "data", None) or {}).get("messages")
        if messages:
            body["errors"] = messages
        response = jsonify(body)
    else:
        response = current_app.make_response(render_template("error.html", error=error))
    response.status_code = code
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


def init_errors(app: Flask) -> None:
    app.register_error_handler(HTTPException, error_response)

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(InternalServerError())

    @app.errorhandler(DBAPIError)
    def database_error(error: DBAPIError):
        """The database went away mid-request (a restart): the pool has been invalidated, so a
        retry connects afresh; an idempotent posting may be sent again as it is."""
        if not error.connection_invalidated:
            return unexpected(error)
        db.session.rollback()  # the session's transaction died with the connection
        app.logger.warning("database connection lost on %s %s: %s", request.method,
                           request.path, error.orig)
        return error_response(ServiceUnavailable(
            "The database is unavailable for a moment; try again.", retry_after=5))
