"""The household list's code search (issue 6): "code starts with", found in the code's unique
index on SQLite and PostgreSQL, every character literal, in the user's scope, paged by code."""

import re
from html import unescape

from sqlalchemy import text

from wastesort.extensions import db as _db
from wastesort.households.models import Household
from wastesort.households.service import households_query

from ..factories import add_households

EN = {"Accept-Language": "en"}
CODE_CELL = re.compile(r'<tr><td>(?:<a href="[^"]*">)?([^<]*)(?:</a>)?</td>')


def codes(html: str) -> list[str]:
    return [unescape(c) for c in CODE_CELL.findall(html)]


def add(community, *codes_: str) -> None:
    for code in codes_:
        _db.session.add(Household(community=community, code=code, members=1))
    _db.session.commit()


def search(browser, q: str) -> list[str]:
    response = browser.get("/households/", query_string={"q": q}, headers=EN)
    assert response.status_code == 200, (q, response.status_code)
    return codes(response.text)


def next_link(html: str) -> str | None:
    match = re.search(r'<a href="([^"]+)" rel="next">', html)
    return unescape(match.group(1)) if match else None


def test_codes_that_start_with_the_text_not_those_that_merely_contain_it(login, city):
    c = city.communities["a1c1"]
    add(c, "500103-2", "500103-10", "500103", "X500103-1", "1500103", "500104-1", "50010",
        "500103\U0001F600", "ab-1", "AB-2")
    browser = login("admin")
    # in code order (code point order on both databases), whatever the insertion order
    assert search(browser, "500103") == ["500103", "500103-10", "500103-2", "500103\U0001F600"]
    assert search(browser, "500103-1") == ["500103-10"]
    assert search(browser, "  500104  ") == ["500104-1"]  # trimmed, as codes are when saved
    assert search(browser, "00103") == []  # inside a code: not found any more
    assert search(browser, "AB") == ["AB-2"]  # case counts, as in the codes' unique index
    page = browser.get("/households/?q=500103", headers=EN).text
    assert "Code starts with" in page and 'value="500103"' in page
    zh = browser.get("/households/?q=500103", headers={"Accept-Language": "zh-CN"}).text
    assert "户编码开头为" in zh


def test_like_wildcards_and_backslashes_are_plain_characters(login, city):
    add(city.communities["a1c1"], "10%-1", "10X-1", "100-1", "A_1", "AB1", "A\\1", "A\\\\2",
        "A1")
    browser = login("admin")
    assert search(browser, "10%") == ["10%-1"]
    assert search(browser, "A_") == ["A_1"]
    assert search(browser, "A\\") == ["A\\1", "A\\\\2"]
    assert search(browser, "A\\\\") == ["A\\\\2"]
    assert search(browser, "%") == [] and search(browser, "_") == []
    # no code holds a control character: nothing found, and no database error (PostgreSQL
    # refuses NUL in text)
    assert search(browser, "A\x00") == [] and search(browser, "A\x01") == []


def test_street_administrator_finds_only_its_own_township(login, city):
    add(city.communities["a1c1"], "S-1", "S-2")
    add(city.communities["a1c2"], "S-3")
    add(city.communities["b1c1"], "S-4", "S-5")
    assert search(login("street"), "S-") == ["S-1", "S-2", "S-3"]


def test_search_pages_by_code_through_every_match_once(login, city):
    add_households(city.communities["a1c1"], 60, 30)  # H<id>-0 … H<id>-59
    add_households(city.communities["b1c1"], 60, 30)
    prefix = f"H{city.communities['a1c1'].id}-"
    browser = login("admin")
    url, pages = f"/households/?q={prefix}&covered=yes", []
    while url:
        html = browser.get(url, headers=EN).text
        pages.append(codes(html))
        url = next_link(html)
        assert url is None or ("q=H" in url and "covered=yes" in url)
    expected = sorted(f"{prefix}{n}" for n in range(30))
    assert pages == [expected]  # one page: the filters apply together
    url, pages = f"/households/?q={prefix}", []
    while url:
        html = browser.get(url, headers=EN).text
        pages.append(codes(html))
        url = next_link(html)
    assert [len(p) for p in pages] == [50, 10]
    assert sum(pages, []) == sorted(f"{prefix}{n}" for n in range(60))
    assert "after=" in next_link(browser.get(f"/households/?q={prefix}", headers=EN).text)
    too_long = browser.get(f"/households/?q={prefix}&after={'x' * 33}",
                           headers={"Accept": "text/html", **EN})
    assert too_long.status_code == 400


def test_export_holds_the_households_found(login, city):
    add(city.communities["a1c1"], "E-1", "E-2", "XE-3")
    csv = login("admin").get("/households/export.csv?q=E-").text
    assert "E-1" in csv and "E-2" in csv and "XE-3" not in csv


def test_the_search_is_a_range_of_the_code_index(app, city):
    """The plan, not just the rows: the unique index on code gives the matches already in
    order (no full scan, no sort), on SQLite and on PostgreSQL whatever its locale."""
    admin = city.users["admin"]
    stmt = households_query(admin, code_prefix="H1-").limit(51)
    sql = str(stmt.compile(_db.engine, compile_kwargs={"literal_binds": True}))
    with _db.engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            plan = " / ".join(row[3] for row in connection.exec_driver_sql(
                f"EXPLAIN QUERY PLAN {sql}"))
            assert "USING INDEX sqlite_autoindex_households_1 (code>? AND code<?)" in plan, plan
        else:
            # the table is small here: leave the planner only the plan a large one gets (a
            # plan it cannot make instead keeps its Seq Scan or Sort, at a penalty)
            for plan_kind in ("seqscan", "bitmapscan", "sort"):
                connection.execute(text(f"SET LOCAL enable_{plan_kind} = off"))
            plan = " / ".join(row[0] for row in connection.execute(text(f"EXPLAIN {sql}")))
            connection.rollback()
            assert "Index Scan using uq_households_code" in plan, plan
            assert re.search(r"Index Cond: \(+code\)::text >= 'H1-'", plan), plan
        assert "TEMP B-TREE" not in plan and "Sort" not in plan, plan
