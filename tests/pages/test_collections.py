"""The collection form of point staff: defaults, validation beside the fields, a double
submit counted once, voiding with a reason, and scope."""

import datetime as dt

from sqlalchemy import func, select

from wastesort.collections.models import Collection
from wastesort.enums import WasteCategory
from wastesort.timeutil import local_today

from ..factories import add_collection
from .conftest import csrf_token

EN = {"Accept-Language": "en"}


def count(db):
    return db.session.scalar(select(func.count()).select_from(Collection))


def form_fields(html):
    import re

    return dict(re.findall(r'name="([a-z_]+)" type="hidden" value="([^"]*)"', html))


def test_form_defaults_to_own_point_and_today(login, city):
    html = login("staff").get("/collections/", headers=EN).text
    assert city.points["a1"].name in html
    assert f'value="{local_today().isoformat()}"' in html
    assert f'name="recycling_point_id" value="{city.points["a1"].id}"' in html
    assert 'inputmode="numeric"' in html


def test_post_a_collection_and_see_it_listed(login, city, db):
    browser = login("staff")
    page = browser.get("/collections/")
    hidden = form_fields(page.text)
    data = {"csrf_token": csrf_token(page.text), "idempotency_key": hidden["idempotency_key"],
            "recycling_point_id": str(city.points["a1"].id),
            "collected_on": local_today().isoformat(), "category": "kitchen", "weight_kg": "350"}
    response = browser.client.post("/collections/", data=data, headers=EN)
    assert response.status_code == 302
    again = browser.client.post("/collections/", data=data, headers=EN)  # a double tap
    assert again.status_code == 302
    assert count(db) == 1
    listed = browser.get("/collections/", headers=EN).text
    assert "350 kg" in listed and "Kitchen waste (green bin)" in listed
    assert "Already saved (the form was sent twice): counted once." in listed


def test_invalid_input_is_shown_beside_each_field(login, city, db):
    browser = login("staff")
    future = (local_today() + dt.timedelta(days=2)).isoformat()
    response = browser.submit("/collections/", {
        "recycling_point_id": str(city.points["a1"].id), "collected_on": future,
        "category": "kitchen", "weight_kg": "999999"}, headers=EN)
    assert response.status_code == 422
    html = response.text
    assert 'id="weight_kg-errors"' in html
    assert "The weight must be from 1 to 50,000 kg for one record." in html
    assert 'id="collected_on-errors"' in html and "The date is in the future" in html
    assert count(db) == 0


def test_not_a_number_is_a_message_not_a_500(login, city, db):
    response = login("staff").submit("/collections/", {
        "recycling_point_id": str(city.points["a1"].id),
        "collected_on": local_today().isoformat(), "category": "glass", "weight_kg": "12.5kg"},
        headers=EN)
    assert response.status_code == 422
    assert 'id="weight_kg-errors"' in response.text
    assert 'id="category-errors"' in response.text
    assert count(db) == 0


def test_staff_cannot_post_for_another_point(login, city, db):
    response = login("staff").submit("/collections/", {
        "recycling_point_id": str(city.points["b1"].id),
        "collected_on": local_today().isoformat(), "category": "kitchen", "weight_kg": "10"},
        headers=EN)
    assert response.status_code == 422
    assert "You may post collections for your own point only." in response.text
    assert count(db) == 0


def test_void_with_a_reason(login, city, db):
    row = add_collection(city.points["a1"], local_today(), WasteCategory.KITCHEN, 70)
    browser = login("staff")
    empty = browser.submit(f"/collections/{row.id}/void", {"reason": ""},
                           form_url="/collections/", headers=EN)
    assert empty.status_code == 302
    db.session.refresh(row)
    assert not row.voided
    done = browser.submit(f"/collections/{row.id}/void", {"reason": "weighed twice"},
                          form_url="/collections/", headers=EN)
    assert done.status_code == 302
    db.session.refresh(row)
    assert row.voided and row.void_reason == "weighed twice"
    assert "weighed twice" not in browser.get("/collections/", headers=EN).text  # left out
    voided = browser.get("/collections/?voided=yes", headers=EN).text
    assert "Voided by staff at" in voided and ": weighed twice" in voided


def test_void_outside_scope_is_not_found(login, city, db):
    other = add_collection(city.points["b1"], local_today(), WasteCategory.KITCHEN, 70)
    response = login("staff").submit(f"/collections/{other.id}/void", {"reason": "x"},
                                     form_url="/collections/",
                                     headers={"Accept": "text/html"})
    assert response.status_code == 404
    db.session.refresh(other)
    assert not other.voided


def test_street_admin_reads_own_township_postings_without_a_form(login, city):
    add_collection(city.points["a1"], local_today(), WasteCategory.KITCHEN, 4321)
    add_collection(city.points["b1"], local_today(), WasteCategory.KITCHEN, 8765)
    html = login("street").get("/collections/", headers=EN).text
    assert "4,321 kg" in html and "8,765 kg" not in html
    assert 'name="weight_kg"' not in html
