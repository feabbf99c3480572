"""Long lists page by key (issue 6): the household list and the collections page show one page
at a time, found from the last id of the page before, with no count of the whole list. Walking
the "next" links shows every row once, in order; the filters stay on; a bad page link is a 400,
never a 500."""

import datetime as dt
import re
from html import unescape

from sqlalchemy import select

from wastesort.collections.models import Collection
from wastesort.enums import WasteCategory
from wastesort.households.models import Household

from ..factories import add_collection, add_households

EN = {"Accept-Language": "en"}
HOUSEHOLD_CODE = re.compile(r">(H\d+-\d+)<")


def link(html: str, rel: str) -> str | None:
    match = re.search(rf'<a href="([^"]+)" rel="{rel}">', html)
    return unescape(match.group(1)) if match else None


def walk(browser, url: str, rows, *, rel: str = "next", limit: int = 20):
    """Follow the ``rel`` links from ``url``; the rows of each page, and the pages' URLs."""
    pages, urls = [], []
    while url and len(pages) < limit:
        response = browser.get(url, headers=EN)
        assert response.status_code == 200, (url, response.status_code)
        pages.append(rows(response.text))
        urls.append(url)
        url = link(response.text, rel)
    return pages, urls


def household_codes(html: str) -> list[str]:
    return HOUSEHOLD_CODE.findall(html)


def codes_by_id(db, **where) -> list[str]:
    stmt = select(Household.code).order_by(Household.id)
    for name, value in where.items():
        stmt = stmt.where(getattr(Household, name) == value)
    return list(db.session.scalars(stmt))


def test_next_links_show_every_household_once_in_order(login, city, db):
    add_households(city.communities["a1c1"], 70, 40)
    add_households(city.communities["b1c1"], 45, 45)
    browser = login("admin")
    pages, urls = walk(browser, "/households/", household_codes)
    assert [len(p) for p in pages] == [50, 50, 15]
    assert sum(pages, []) == codes_by_id(db)  # no row twice, none left out, by id
    first = browser.get("/households/", headers=EN).text
    assert link(first, "prev") is None and link(first, "first") is None
    assert "in all" not in first  # no total: that would count millions of rows
    last = browser.get(urls[-1], headers=EN).text
    assert link(last, "next") is None and link(last, "first") == "/households/"
    # and back again with the "previous" links, page by page
    back, _ = walk(browser, urls[-1], household_codes, rel="prev")
    assert back == pages[::-1]


def test_a_new_household_does_not_shift_the_next_page(login, city, db):
    add_households(city.communities["a1c1"], 60, 60)
    browser = login("admin")
    first = browser.get("/households/", headers=EN).text
    next_url = link(first, "next")
    db.session.add(Household(community=city.communities["a1c2"], code="LATE-1", members=2))
    db.session.commit()
    second = household_codes(browser.get(next_url, headers=EN).text)
    assert second == codes_by_id(db)[50:60]  # an offset would not be stable under inserts
    assert household_codes(first)[-1] not in second


def test_filters_stay_on_every_page(login, city, db):
    add_households(city.communities["a1c1"], 80, 20)  # 60 not yet covered in a1c1
    add_households(city.communities["a1c2"], 30, 0)  # 30 more in the same street
    add_households(city.communities["b1c1"], 30, 0)  # another street: filtered out
    township = city.townships["a1"].id
    browser = login("admin")
    pages, urls = walk(browser, f"/households/?covered=no&township_id={township}",
                       household_codes)
    assert all("covered=no" in u and f"township_id={township}" in u for u in urls)
    uncovered_a1 = [h.code for h in db.session.scalars(
        select(Household).where(Household.sorting_since.is_(None),
                                Household.community_id.in_([city.communities["a1c1"].id,
                                                            city.communities["a1c2"].id]))
        .order_by(Household.id))]
    assert [len(p) for p in pages] == [50, 40]
    assert sum(pages, []) == uncovered_a1
    # the filter by community (the picker's field) pages the same way
    community = city.communities["a1c1"].id
    pages, urls = walk(browser, f"/households/?community_id={community}", household_codes)
    assert all(f"community_id={community}" in u for u in urls[1:])
    assert sum(pages, []) == codes_by_id(db, community_id=community)
    # the export links carry the filters but not the page
    html = browser.get(urls[-1], headers=EN).text
    export = unescape(re.search(r'href="(/households/export\.csv[^"]*)"', html).group(1))
    assert f"community_id={community}" in export and "after" not in export


def test_street_admin_pages_through_own_township_only(login, city, db):
    add_households(city.communities["a1c1"], 55, 55)
    add_households(city.communities["b1c1"], 55, 55)
    pages, _ = walk(login("street"), "/households/", household_codes)
    own = codes_by_id(db, community_id=city.communities["a1c1"].id)
    assert sum(pages, []) == own and [len(p) for p in pages] == [50, 5]


def test_bad_page_links_are_refused_or_ignored_never_a_500(login, city, db):
    add_households(city.communities["a1c1"], 3, 3)
    browser = login("admin")
    html = {"Accept": "text/html", **EN}
    for url in ("/households/?after=abc", "/households/?after=-5", "/households/?before=1e3",
                "/households/?after=99999999999999999999999999", "/collections/?after=x",
                "/households/?before=2147483648", "/households/?after=%C2%B2",
                "/collections/?before=12%2C3"):
        response = browser.get(url, headers=html)
        assert response.status_code == 400, url
        assert "The page link is not valid; open the list again." in response.text
    for url in ("/households/?after=", "/households/?page=999999999", "/households/?page=x"):
        response = browser.get(url, headers=EN)
        assert response.status_code == 200, url
        assert len(household_codes(response.text)) == 3  # the first page
    past_the_end = browser.get("/households/?after=2147483647", headers=EN)
    assert past_the_end.status_code == 200
    assert "No households here." in past_the_end.text
    assert link(past_the_end.text, "first") == "/households/"


def collection_ids(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'action="/collections/(\d+)/void"', html)]


def test_collections_page_newest_first_twenty_at_a_time(login, city, db):
    day = dt.date.today() - dt.timedelta(days=1)
    for n in range(45):
        add_collection(city.points["a1" if n % 3 else "b1"], day, WasteCategory.KITCHEN,
                       100 + n)
    browser = login("admin")
    pages, urls = walk(browser, "/collections/", collection_ids)
    assert [len(p) for p in pages] == [20, 20, 5]
    every = list(db.session.scalars(select(Collection.id).order_by(Collection.id.desc())))
    assert sum(pages, []) == every
    back, _ = walk(browser, urls[-1], collection_ids, rel="prev")
    assert back == pages[::-1]
    # point staff page through their own point's postings only
    browser.submit("/logout", form_url="/collections/")
    staff_pages, _ = walk(login("staff"), "/collections/", collection_ids)
    own = list(db.session.scalars(select(Collection.id).where(
        Collection.recycling_point_id == city.points["a1"].id)
        .order_by(Collection.id.desc())))
    assert sum(staff_pages, []) == own and len(own) == 30
