"""The JSON API under /api/v1 (flask-smorest, OpenAPI 3 at /api/v1/openapi.json, Swagger UI at
/api/v1/docs with its assets served from the flask-swagger-ui package: no CDN, and no
third-party validator: Swagger UI would send the document's URL to validator.swagger.io)."""

from pathlib import Path

import flask_swagger_ui
from apispec import BasePlugin
from apispec.ext.marshmallow.common import resolve_schema_cls
from flask import Blueprint, Flask, send_from_directory

from .fields import PatchSchema

SWAGGER_UI_DIST = Path(flask_swagger_ui.__file__).resolve().parent / "dist"
ASSETS_URL = "/api/v1/docs/assets/"

swagger_assets = Blueprint("swagger_assets", __name__)


@swagger_assets.get(ASSETS_URL + "<path:filename>")
def swagger_asset(filename):
    """Swagger UI's scripts and styles, bundled by flask-swagger-ui."""
    return send_from_directory(SWAGGER_UI_DIST, filename, max_age=86400)


class ContractPlugin(BasePlugin):
    """What the document says beyond marshmallow's fields: a PATCH body has at least one
    property (:class:`~wastesort.api.fields.PatchSchema`)."""

    def schema_helper(self, name, definition, **kwargs):
        schema = kwargs.get("schema")
        if schema is not None and issubclass(resolve_schema_cls(schema), PatchSchema):
            return {"minProperties": 1}
        return None


def _configured_maximum(app: Flask):
    """An apispec attribute function: a field whose maximum is a setting
    (:func:`~wastesort.api.fields.max_from_setting`) documents this app's value."""

    def configured_maximum(_converter, field, **_kwargs) -> dict:
        setting = field.metadata.get("x-maximum-setting")
        return {"maximum": app.config[setting]} if setting else {}

    return configured_maximum


def init_api(app: Flask) -> None:
    """Bind the API and its blueprints to ``app``."""
    from ..accounts.api import blp as accounts_blp
    from ..areas.api import blp as areas_blp
    from ..bins.api import blp as bins_blp
    from ..bintasks.api import blp as bin_tasks_blp
    from ..collections.api import blp as collections_blp
    from ..facilities.api import blp as facilities_blp
    from ..households.api import blp as households_blp
    from ..inspections.api import blp as inspections_blp
    from ..intake.api import blp as tickets_blp
    from ..intake.api import figures_blp as intake_blp
    from ..metrics.api import blp as figures_blp
    from ..metrics.inspection_api import blp as inspection_figures_blp
    from ..points.api import blp as points_blp
    from ..rankings.api import blp as rankings_blp
    from .core import api, spec_kwargs

    for key, value in {
        "API_TITLE": "wastesort",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
        "OPENAPI_SWAGGER_UI_PATH": "docs",
        "OPENAPI_SWAGGER_UI_URL": ASSETS_URL,
        "OPENAPI_SWAGGER_UI_CONFIG": {"validatorUrl": None},
    }.items():
        app.config.setdefault(key, value)
    api.init_app(app, spec_kwargs={**spec_kwargs(), "extra_plugins": [ContractPlugin()]})
    api.ma_plugin.converter.add_attribute_function(_configured_maximum(app))
    app.register_blueprint(swagger_assets)
    for blp in (areas_blp, households_blp, bins_blp, points_blp, facilities_blp,
                collections_blp, figures_blp, accounts_blp, inspections_blp, tickets_blp,
                intake_blp, inspection_figures_blp, rankings_blp, bin_tasks_blp):
        api.register_blueprint(blp)
