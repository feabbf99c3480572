"""The ranking page (/rankings/): the small city of tests/ranking_data.py, as a manager and as
a street administrator; bad input shown beside the form, never a 500."""

import datetime as dt

import pytest

from tests.ranking_data import build_ranked_city

NOW = dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC)


@pytest.fixture
def ranked(city, time_machine):
    time_machine.move_to(NOW, tick=False)
    return build_ranked_city(city)


def test_manager_sees_the_lists_and_the_table(login, ranked):
    page = login("manager").get("/rankings/?by=composite", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    html = page.text
    red = html[html.index('id="red-list"'):html.index('id="black-list"')]
    assert "新山村街道" in red and "解放碑街道" in red and "八桥镇" not in red
    table = html[html.index('id="ranking-table"'):]
    assert table.index("新山村街道") < table.index("解放碑街道") < table.index("八桥镇")
    assert "62.18" in table and "▲1" in table and "▼1" in table
    assert "October 1, 2026" in html or "Oct 1, 2026" in html


def test_communities_of_a_town(login, ranked):
    a1 = ranked.townships["a1"]
    page = login("manager").get(f"/rankings/?level=community&township_id={a1.id}")
    assert page.status_code == 200
    table = page.text[page.text.index('id="ranking-table"'):]
    assert "a1社区1" in table and "a1社区2" in table and "八桥镇" not in table


def test_street_administrator_sees_its_own_place(login, ranked):
    browser = login("street")
    page = browser.get("/rankings/")
    assert page.status_code == 200
    assert "解放碑街道" in page.text and "新山村街道" not in page.text
    assert 'id="red-list"' not in page.text
    other = browser.get(f"/rankings/?level=community&township_id="
                                f"{ranked.townships['b1'].id}")
    assert other.status_code == 404


def test_bad_input_beside_the_form(login, ranked):
    browser = login("manager")
    page = browser.get("/rankings/?day=soon&by=size", headers={"Accept-Language": "en"})
    assert page.status_code == 422
    assert "Enter a date as YYYY-MM-DD" in page.text
    page = browser.get("/rankings/?by=size", headers={"Accept-Language": "en"})
    assert page.status_code == 422 and "Choose one of" in page.text


def test_point_staff_cannot_open_it(login, ranked):
    assert login("staff").get("/rankings/").status_code == 403
