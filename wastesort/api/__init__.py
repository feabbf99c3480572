"""The JSON API under /api/v1 (flask-smorest, OpenAPI 3)."""


def init_api(app):
    """Bind the API and its blueprints to ``app``."""
