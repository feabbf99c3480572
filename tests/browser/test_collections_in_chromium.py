"""A street administrator corrects their street's postings in Chromium, on a phone: the void
link, reason and button are touch targets of at least 44 px, the voided posting then says who
voided it and why, and a void of another street's posting (the form pointed at it by hand) is
refused with nothing changed."""

import re

import pytest
from sqlalchemy import func, select

from wastesort.collections.models import Collection
from wastesort.collections.tonnage import DailyTonnage
from wastesort.enums import WasteCategory
from wastesort.timeutil import local_today

from ..factories import add_collection
from .conftest import log_in

pytestmark = pytest.mark.browser

TOUCH_PX = 44


def _tonnage_kg(db, township_id) -> int:
    db.session.rollback()
    return int(db.session.scalar(select(func.coalesce(func.sum(DailyTonnage.weight_kg), 0))
                                 .where(DailyTonnage.township_id == township_id)))


def _tall_enough(locator) -> None:
    box = locator.bounding_box()
    assert box is not None and box["height"] >= TOUCH_PX, box


def test_street_admin_voids_a_posting_of_their_street_with_a_reason(live_server, open_page,
                                                                     city, db):
    row = add_collection(city.points["a1"], local_today(), WasteCategory.RESIDUAL, 2_345)
    township = city.townships["a1"].id
    before = _tonnage_kg(db, township)
    page = open_page(phone=True)
    log_in(page, live_server, "street")
    page.goto(f"{live_server}/collections/")
    posting = page.locator(f"#posting-{row.id}")
    assert "2,345 kg" in posting.inner_text()
    summary = posting.locator("summary")
    _tall_enough(summary)
    summary.tap()
    _tall_enough(posting.locator("input[name=reason]"))
    _tall_enough(posting.locator("button[type=submit]"))
    posting.locator("input[name=reason]").fill("weighed at the wrong point")
    posting.locator("button[type=submit]").tap()
    page.wait_for_load_state("domcontentloaded")
    assert "Posting voided" in page.locator(".flash").inner_text()
    assert page.locator(f"#posting-{row.id}").count() == 0  # void postings are left out
    page.select_option("#filter-voided", "yes")
    page.locator(".collection-filters button[type=submit]").click()
    page.wait_for_load_state("domcontentloaded")
    note = page.locator(f"#posting-{row.id} .void-note").inner_text()
    assert re.fullmatch(r"Voided by street at .+: weighed at the wrong point", note), note
    db.session.refresh(row)
    assert row.voided and row.voided_by_id == city.users["street"].id
    assert _tonnage_kg(db, township) == before - 2_345


def test_a_void_pointed_at_another_street_is_refused(live_server, open_page, city, db):
    mine = add_collection(city.points["a1"], local_today(), WasteCategory.KITCHEN, 70)
    other = add_collection(city.points["b1"], local_today(), WasteCategory.KITCHEN, 80,
                           key="other-street")
    before = _tonnage_kg(db, city.townships["b1"].id)
    page = open_page()
    log_in(page, live_server, "street")
    page.goto(f"{live_server}/collections/")
    assert page.locator(f"#posting-{other.id}").count() == 0  # not listed
    form = page.locator(f"#posting-{mine.id} form.void-form")
    # the form as a user could rewrite it: the same token, another street's posting
    form.evaluate("(f, url) => { f.action = url; }",
                  f"{live_server}/collections/{other.id}/void")
    page.locator(f"#posting-{mine.id} summary").click()
    form.locator("input[name=reason]").fill("not mine")
    with page.expect_response(f"**/collections/{other.id}/void") as answer:
        form.locator("button[type=submit]").click()
    assert answer.value.status == 404
    db.session.rollback()
    assert db.session.get(Collection, other.id).voided is False
    assert db.session.get(Collection, mine.id).voided is False
    assert _tonnage_kg(db, city.townships["b1"].id) == before
