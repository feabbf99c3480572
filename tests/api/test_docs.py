"""The OpenAPI document and Swagger UI, served with their own assets (no CDN), and the
shared Api that other features (reports) register their blueprints with."""

import re

from flask_smorest import Blueprint

from wastesort.api.auth import current_api_user
from wastesort.api.core import api as shared_api


def test_openapi_document(client):
    response = client.get("/api/v1/openapi.json")
    document = response.get_json()
    response.close()
    assert document["openapi"].startswith("3.")
    assert document["security"] == [{"bearerAuth": []}]
    for path in ("/api/v1/districts", "/api/v1/townships", "/api/v1/communities",
                 "/api/v1/households", "/api/v1/bins", "/api/v1/recycling-points",
                 "/api/v1/facilities", "/api/v1/collections", "/api/v1/collections/batch",
                 "/api/v1/collections/{collection_id}/void", "/api/v1/capacity/daily",
                 "/api/v1/coverage", "/api/v1/users", "/api/v1/tokens"):
        assert path in document["paths"], path
    weight = document["components"]["schemas"]["CollectionIn"]["properties"]["weight_kg"]
    assert weight["type"] == "integer"


def test_swagger_ui_uses_local_assets(client):
    page = client.get("/api/v1/docs", headers={"Accept": "text/html"})
    html = page.get_data(as_text=True)
    page.close()
    assert page.status_code == 200 and "/api/v1/openapi.json" in html
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources and all(s.startswith("/api/v1/docs/assets/") for s in sources), sources
    for source in sources:
        asset = client.get(source)
        assert asset.status_code == 200 and len(asset.get_data()) > 1000
        asset.close()


def test_blueprints_registered_through_the_shared_api_are_protected(app, client, city, tokens):
    """What the reports feature relies on: token auth, JSON errors, CSRF exemption."""
    extra = Blueprint("extra_for_test", __name__, url_prefix="/api/v1/extra")

    @extra.post("")
    def whoami():
        return {"username": current_api_user().username}

    shared_api.register_blueprint(extra)
    assert client.post("/api/v1/extra").status_code == 401
    response = client.post("/api/v1/extra", json={},
                           headers={"Authorization": f"Bearer {tokens['manager']}"})
    assert response.status_code == 200 and response.get_json() == {"username": "manager"}


def test_html_pages_keep_html_errors(client):
    page = client.get("/no-such-page", headers={"Accept": "text/html"})
    assert page.status_code == 404 and page.mimetype == "text/html"
    page.close()
