"""The household exports start in the view, so what fails at their start is an error page,
not a "200 OK" cut short (issue 11: point staff downloading the CSV got a 500 from the scope
check inside the streamed response)."""

import pytest

from tests import factories


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_point_staff_get_a_403_before_the_export_starts(login, city, fmt):
    factories.add_households(city.communities["a1c1"], 3, 1)
    response = login("staff").get(f"/households/export.{fmt}",
                                  headers={"Accept": "text/html"})
    assert response.status_code == 403
    assert response.mimetype == "text/html"
    assert "Content-Disposition" not in response.headers


def test_the_csv_export_still_streams_every_row(login, city):
    factories.add_households(city.communities["a1c1"], 1_203, 1)
    response = login("admin").get("/households/export.csv")
    assert response.status_code == 200 and response.is_streamed
    lines = response.get_data(as_text=True).splitlines()
    assert len(lines) == 1 + 1_203
    response.close()


def test_a_database_fault_at_the_start_of_the_export_is_a_503(login, city, monkeypatch):
    from sqlalchemy.exc import OperationalError

    from wastesort.households import views

    def locked(*_args, **_kwargs):
        import sqlite3

        raise OperationalError("SELECT ...", {}, sqlite3.OperationalError("database is locked"))
        yield  # a generator, as the real one

    browser = login("admin")
    monkeypatch.setattr(views, "export_rows", locked)
    response = browser.get("/households/export.csv", headers={"Accept": "text/html"})
    assert response.status_code == 503 and response.headers["Retry-After"] == "1"
