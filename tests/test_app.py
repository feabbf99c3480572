"""The application factory, configuration layers, health probe and error pages."""

import pytest

from wastesort import create_app
from wastesort.config import ConfigError


def test_healthz_ok(app, client):
    from wastesort.database import migration_heads

    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok", "write": "ok",
                                   "migration": ", ".join(migration_heads(app))}


def test_healthz_reports_unreachable_database(tmp_path):
    app = create_app({"SQLALCHEMY_DATABASE_URI":
                      "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1",
                      "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x"})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "unreachable"


@pytest.mark.parametrize(("settings", "named"), [
    ({"SQLALCHEMY_DATABASE_URI": "not a url"}, "SQLALCHEMY_DATABASE_URI"),
    ({"SQLALCHEMY_DATABASE_URI": "mysql+nodriver://x/y"}, "SQLALCHEMY_DATABASE_URI"),
    ({"TIMEZONE": "Mars/Olympus"}, "TIMEZONE"),
    ({"CAPACITY_WARNING_PERCENT": 150}, "CAPACITY_WARNING_PERCENT"),
    ({"DATABASE_PING_AFTER_IDLE_SECONDS": -1}, "DATABASE_PING_AFTER_IDLE_SECONDS"),
    ({"DATABASE_PING_AFTER_IDLE_SECONDS": "soon"}, "DATABASE_PING_AFTER_IDLE_SECONDS"),
])
def test_misconfiguration_names_the_setting(tmp_path, settings, named):
    with pytest.raises(ConfigError, match=named):
        create_app({"INSTANCE_PATH": str(tmp_path), **settings})


def test_config_file_layer_and_environment_layer(tmp_path, monkeypatch):
    extra = tmp_path / "site.py"
    extra.write_text("COLLECTION_MAX_WEIGHT_KG = 1234\nTIMEZONE = 'UTC'\n")
    monkeypatch.setenv("WASTESORT_CONFIG", str(extra))
    monkeypatch.setenv("WASTESORT_TIMEZONE", "Asia/Shanghai")
    app = create_app({"INSTANCE_PATH": str(tmp_path)})
    assert app.config["COLLECTION_MAX_WEIGHT_KG"] == 1234  # from the file
    assert app.config["TIMEZONE"] == "Asia/Shanghai"  # the environment wins over the file
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("wastesort.sqlite3")


def test_unreadable_config_file_is_one_line(tmp_path, monkeypatch):
    monkeypatch.setenv("WASTESORT_CONFIG", str(tmp_path / "missing.py"))
    with pytest.raises(ConfigError, match="WASTESORT_CONFIG: cannot read"):
        create_app({"INSTANCE_PATH": str(tmp_path)})


def test_html_404_for_browsers_json_for_api(client):
    page = client.get("/no-such-page", headers={"Accept": "text/html"})
    assert page.status_code == 404
    assert page.mimetype == "text/html"
    api = client.get("/api/v1/no-such-thing")
    assert api.status_code == 404
    assert api.get_json()["code"] == 404


def test_405_keeps_allow_header(client):
    response = client.post("/healthz")
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]


def test_home_page_shows_the_city_at_a_glance(client, city):
    from .factories import add_households

    add_households(city.communities["a1c1"], 10, covered=9)
    page = client.get("/", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "渝中区" in text and "Yuzhong" in text
    assert "90.0" in text  # coverage in per cent
    assert "500 t/" in text  # capacity of the small city's facilities



def test_page_helpers_import_no_feature():
    """pages.py is imported by every feature's views for its helpers, so it must import none
    of them back, not even inside a function (the blueprints are registered in create_app):
    no import circle."""
    import ast
    from pathlib import Path

    import wastesort.pages

    tree = ast.parse(Path(wastesort.pages.__file__).read_text())
    imported = {node.module for node in ast.walk(tree)
                if isinstance(node, ast.ImportFrom) and node.module}
    assert not {m for m in imported if m.endswith((".views", "picker"))}
