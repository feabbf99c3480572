"""The phone posting screen of point staff (/post): four boxes posted as one all-or-nothing
batch, a resend of the same form counted once, near duplicates confirmed before storing, the
day's totals beside the form, and only their own point."""

import datetime as dt
import re

import pytest
from sqlalchemy import func, select, update

from wastesort import create_app
from wastesort.accounts.models import Role
from wastesort.collections import quick
from wastesort.collections.models import Collection
from wastesort.collections.tonnage import DailyTonnage
from wastesort.config import ConfigError
from wastesort.enums import WasteCategory
from wastesort.points.models import RecyclingPoint
from wastesort.timeutil import local_today, utcnow

from ..conftest import app_config
from ..factories import add_collection, make_user
from .conftest import csrf_token

EN = {"Accept-Language": "en"}
ZH = {"Accept-Language": "zh-CN"}


def the_form(html: str) -> dict:
    """What the page's posting form sends as it stands: the token, the date, the four keys and
    any confirmation of a near duplicate."""
    form = re.search(r'<form method="post" action="/post".*?</form>', html, re.S).group(0)
    fields = dict(re.findall(r'name="((?:key|confirm)_[a-z]+)" type="hidden" value="([^"]*)"',
                             form))
    fields.update(re.findall(r'type="hidden" name="((?:key|confirm)_[a-z]+)" value="([^"]*)"',
                             form))
    day = re.search(r'name="collected_on" type="date" value="([^"]*)"', form)
    return {"csrf_token": csrf_token(html), "collected_on": day.group(1) if day else "",
            **fields}


def send(browser, weights: dict, form: dict | None = None, **extra):
    """Fill the boxes of the form (the page's current form unless given) and send it."""
    form = form or the_form(browser.get("/post", headers=EN).text)
    data = {**form, **{f"weight_{c}": str(kg) for c, kg in weights.items()}, **extra}
    return browser.client.post("/post", data=data, headers=EN), data


def stored(db):
    db.session.expire_all()
    return sorted((c.category.value, c.weight_kg, c.recycling_point_id)
                  for c in db.session.scalars(select(Collection)))


def flashes(html: str) -> list[str]:
    return re.findall(r'<p class="flash flash-\w+" role="status">([^<]*)</p>', html)


def box_errors(html: str, category: str) -> str:
    match = re.search(rf'<ul class="errors" id="weight_{category}-errors">(.*?)</ul>', html, re.S)
    return match.group(1) if match else ""


def test_four_boxes_a_date_of_today_and_a_key_each(login, city):
    browser = login("staff")
    html = browser.get("/post", headers=EN).text
    form = the_form(html)
    assert form["collected_on"] == local_today().isoformat()
    keys = [form[f"key_{c.value}"] for c in WasteCategory]
    assert len(set(keys)) == 4 and all(len(k) == 32 for k in keys)
    for label in ("Recyclable (blue bin)", "Hazardous (red bin)", "Kitchen waste (green bin)",
                  "Residual waste (grey bin)"):
        assert label in html
    assert html.count('inputmode="numeric"') == 4
    assert "<script>" not in html and 'style="' not in html
    zh = browser.get("/post", headers=ZH).text
    for label in ("可回收物", "有害垃圾", "厨余垃圾", "其他垃圾"):
        assert label in zh


def test_the_filled_boxes_are_stored_together_and_the_totals_follow(login, city, db):
    browser = login("staff")
    response, _ = send(browser, {"recyclable": 300, "kitchen": 120, "residual": 80})
    assert response.status_code == 302 and response.location.endswith("/post")
    point = city.points["a1"].id
    assert stored(db) == [("kitchen", 120, point), ("recyclable", 300, point),
                          ("residual", 80, point)]
    page = browser.get("/post", headers=EN).text
    [message] = flashes(page)
    assert message.startswith("Saved for ")
    assert message.endswith(": 300 kg of Recyclable (blue bin), 120 kg of Kitchen waste "
                            "(green bin), and 80 kg of Residual waste (grey bin).")
    totals = re.search(r'<table class="day-totals">.*?</table>', page, re.S).group(0)
    assert re.findall(r'<td class="num">([^<]*)</td>', totals) == [
        "300 kg", "0 kg", "120 kg", "80 kg", "500 kg"]
    assert page.count('name="next" value="/post"') == 3  # a void button for each posting
    keys_after = the_form(page)
    assert not {keys_after[f"key_{c.value}"] for c in WasteCategory} & {
        c.idempotency_key for c in db.session.scalars(select(Collection))}  # new keys


def test_one_bad_box_stores_none_and_says_so_beside_it(login, city, db):
    browser = login("staff")
    response, sent = send(browser, {"recyclable": 300, "kitchen": 999999})
    assert response.status_code == 422
    html = response.text
    assert "The weight must be from 1 to 50,000 kg for one record." in box_errors(html, "kitchen")
    assert box_errors(html, "recyclable") == ""
    assert 'value="300"' in html and 'value="999999"' in html  # the values stay
    again = the_form(html)
    assert all(again[f"key_{c.value}"] == sent[f"key_{c.value}"] for c in WasteCategory)
    assert stored(db) == []


def test_a_box_that_is_not_a_number_is_a_message_not_a_500(login, city, db):
    response, _ = send(login("staff"), {"recyclable": 300, "kitchen": "12.5kg"})
    assert response.status_code == 422
    assert "Not a valid integer value." in box_errors(response.text, "kitchen")
    assert 'value="12.5kg"' in response.text
    assert stored(db) == []


def test_all_boxes_empty_is_a_message(login, city, db):
    response, _ = send(login("staff"), {})
    assert response.status_code == 422
    assert "Enter the weight of at least one category." in response.text
    assert stored(db) == []


@pytest.mark.parametrize(("days", "message"), [
    (-1, "The date is in the future"),
    (8, "Postings may go back at most 7 days"),
])
def test_the_date_is_checked_beside_it(login, city, db, days, message):
    browser = login("staff")
    form = the_form(browser.get("/post").text)
    form["collected_on"] = (local_today() - dt.timedelta(days=days)).isoformat()
    response, _ = send(browser, {"kitchen": 10}, form)
    assert response.status_code == 422
    errors = re.search(r'<ul class="errors" id="collected_on-errors">(.*?)</ul>', response.text,
                       re.S).group(1)
    assert message in errors and errors.count("<li>") == 1
    assert stored(db) == []


def test_yesterday_within_the_window_is_posted_for_yesterday(login, city, db):
    browser = login("staff")
    form = the_form(browser.get("/post").text)
    yesterday = local_today() - dt.timedelta(days=1)
    form["collected_on"] = yesterday.isoformat()
    response, _ = send(browser, {"hazardous": 3}, form)
    assert response.status_code == 302
    assert db.session.scalar(select(Collection.collected_on)) == yesterday
    page = browser.get("/post", headers=EN).text
    assert "Nothing posted for today yet." in page  # today's totals do not count it


def test_the_same_form_sent_again_counts_once(login, city, db):
    """The answer to the first send was lost; the phone sends the same form again."""
    browser = login("staff")
    first, sent = send(browser, {"recyclable": 300, "kitchen": 120})
    assert first.status_code == 302
    browser.get("/post")  # the flash of the first send, read (and lost on the way)
    again = browser.client.post("/post", data=sent, headers=EN, follow_redirects=True)
    assert again.status_code == 200
    assert flashes(again.text) == ["Already saved (the form was sent twice), counted once: "
                                   "300 kg of Recyclable (blue bin) and 120 kg of Kitchen "
                                   "waste (green bin)."]
    assert len(stored(db)) == 2
    kg = db.session.scalar(select(func.sum(DailyTonnage.weight_kg)))
    assert kg == 420
    assert quick.day_totals_kg(city.points["a1"].id, local_today())[WasteCategory.KITCHEN] == 120


def test_a_resend_is_answered_even_after_the_point_was_deactivated(login, city, db):
    browser = login("staff")
    first, sent = send(browser, {"kitchen": 120})
    assert first.status_code == 302
    db.session.execute(update(RecyclingPoint).where(RecyclingPoint.id == city.points["a1"].id)
                       .values(active=False))
    db.session.commit()
    again = browser.client.post("/post", data=sent, headers=EN)
    assert again.status_code == 302
    assert len(stored(db)) == 1
    fresh, _ = send(browser, {"kitchen": 130})
    assert fresh.status_code == 422
    assert "This recycling point is not active." in fresh.text


def test_a_key_sent_again_with_another_weight_gets_a_new_key(login, city, db):
    browser = login("staff")
    first, sent = send(browser, {"kitchen": 120})
    assert first.status_code == 302
    changed = {**sent, "weight_kitchen": "125", "weight_residual": "40"}
    response = browser.client.post("/post", data=changed, headers=EN)
    assert response.status_code == 422
    assert "This box was saved already from this form: 120 kg on" in \
        box_errors(response.text, "kitchen")
    form = the_form(response.text)
    assert form["key_kitchen"] != sent["key_kitchen"]
    assert form["key_residual"] == sent["key_residual"]
    assert len(stored(db)) == 1  # the residual box waited too: all or nothing
    done, _ = send(browser, {"kitchen": 125, "residual": 40}, form)
    assert done.status_code == 302
    assert [w for _c, w, _p in stored(db)] == [120, 125, 40]


def test_a_near_duplicate_is_stored_only_once_confirmed(login, city, db):
    """Back, and the same figures sent again from a fresh page (fresh keys)."""
    browser = login("staff")
    first, _ = send(browser, {"kitchen": 120})
    assert first.status_code == 302
    response, sent = send(browser, {"kitchen": 120, "residual": 80})
    assert response.status_code == 409
    html = response.text
    warning = re.search(r'id="weight_kitchen-near"[^>]*>([^<]*)', html).group(1)
    assert "The same weight was posted for this category at" in warning
    assert "less than 10 minutes ago" in warning
    assert 'id="weight_residual-near"' not in html
    assert 'name="post_anyway" value="1"' in html
    assert len(stored(db)) == 1  # the residual box waited too
    form = the_form(html)
    assert form["confirm_kitchen"] == "120"
    assert form["key_kitchen"] == sent["key_kitchen"]
    plain_save, _ = send(browser, {"kitchen": 120, "residual": 80}, form)
    assert plain_save.status_code == 409  # Save is not the confirmation
    confirmed, _ = send(browser, {"kitchen": 120, "residual": 80}, form, post_anyway="1")
    assert confirmed.status_code == 302
    assert [w for c, w, _p in stored(db) if c == "kitchen"] == [120, 120]
    assert quick.day_totals_kg(city.points["a1"].id, local_today()) == {
        WasteCategory.RECYCLABLE: 0, WasteCategory.HAZARDOUS: 0, WasteCategory.KITCHEN: 240,
        WasteCategory.RESIDUAL: 80}


def test_a_confirmation_holds_for_the_weight_confirmed_only(login, city, db):
    browser = login("staff")
    add_collection(city.points["a1"], local_today(), WasteCategory.KITCHEN, 120)
    add_collection(city.points["a1"], local_today(), WasteCategory.KITCHEN, 130, key="k130")
    response, _ = send(browser, {"kitchen": 120})
    assert response.status_code == 409
    form = the_form(response.text)
    changed, _ = send(browser, {"kitchen": 130}, form, post_anyway="1")
    assert changed.status_code == 409  # 130 kg repeats a posting too, and was not confirmed
    assert the_form(changed.text)["confirm_kitchen"] == "130"


def test_near_duplicates_of_anyone_at_the_point_within_the_minutes(login, city, db):
    colleague = make_user("colleague", Role.POINT_STAFF, recycling_point_id=city.points["a1"].id)
    db.session.commit()
    today = local_today()
    add_collection(city.points["b1"], today, WasteCategory.RECYCLABLE, 300)  # another point
    old = add_collection(city.points["a1"], today, WasteCategory.HAZARDOUS, 5, key="old")
    db.session.execute(update(Collection).where(Collection.id == old.id)
                       .values(posted_at=utcnow() - dt.timedelta(minutes=11)))
    add_collection(city.points["a1"], today, WasteCategory.RESIDUAL, 80, key="void",
                   voided=True)
    row = add_collection(city.points["a1"], today, WasteCategory.KITCHEN, 120, key="theirs")
    db.session.execute(update(Collection).where(Collection.id == row.id)
                       .values(posted_by_id=colleague.id))
    db.session.commit()
    response, _ = send(login("staff"), {"recyclable": 300, "hazardous": 5, "kitchen": 120,
                                        "residual": 80})
    assert response.status_code == 409
    warned = re.findall(r'id="weight_([a-z]+)-near"', response.text)
    assert warned == ["kitchen"]  # the colleague's; not another point's, an old or a void one


def test_the_same_weight_on_another_day_is_no_near_duplicate(login, city, db):
    yesterday = local_today() - dt.timedelta(days=1)
    add_collection(city.points["a1"], yesterday, WasteCategory.KITCHEN, 120)
    response, _ = send(login("staff"), {"kitchen": 120})
    assert response.status_code == 302


@pytest.mark.config(NEAR_DUPLICATE_MINUTES=0)
def test_no_near_duplicate_check_with_zero_minutes(login, city, db):
    add_collection(city.points["a1"], local_today(), WasteCategory.KITCHEN, 120)
    response, _ = send(login("staff"), {"kitchen": 120})
    assert response.status_code == 302


def test_near_duplicates_leave_out_this_forms_own_rows(app, city, db):
    """A resend whose first copy committed between the key check and this query is a replay."""
    staff = city.users["staff"]
    today = local_today()
    add_collection(city.points["a1"], today, WasteCategory.KITCHEN, 120, key="mine")
    db.session.execute(update(Collection).values(posted_by_id=staff.id))
    db.session.commit()
    point = city.points["a1"].id
    weights = {WasteCategory.KITCHEN: 120}
    assert quick.near_duplicates(point, today, weights, poster_id=staff.id,
                                 own_keys=["mine"]) == {}
    near = quick.near_duplicates(point, today, weights, poster_id=staff.id, own_keys=["other"])
    assert list(near) == [WasteCategory.KITCHEN]
    later = utcnow() + dt.timedelta(minutes=11)
    assert quick.near_duplicates(point, today, weights, poster_id=staff.id, own_keys=[],
                                 now=later) == {}


def test_day_totals_leave_out_void_records_other_points_and_days(app, city, db):
    today = local_today()
    add_collection(city.points["a1"], today, WasteCategory.KITCHEN, 120)
    add_collection(city.points["a1"], today, WasteCategory.KITCHEN, 30, key="b")
    add_collection(city.points["a1"], today, WasteCategory.KITCHEN, 999, key="v", voided=True)
    add_collection(city.points["a1"], today - dt.timedelta(days=1), WasteCategory.KITCHEN, 7)
    add_collection(city.points["b1"], today, WasteCategory.KITCHEN, 500)
    totals = quick.day_totals_kg(city.points["a1"].id, today)
    assert totals == {WasteCategory.RECYCLABLE: 0, WasteCategory.HAZARDOUS: 0,
                      WasteCategory.KITCHEN: 150, WasteCategory.RESIDUAL: 0}
    assert [row.weight_kg for row, _name in quick.day_postings(city.points["a1"].id, today)] \
        == [999, 30, 120]


def test_a_void_from_the_screen_takes_the_weight_out_of_the_totals(login, city, db):
    browser = login("staff")
    send(browser, {"kitchen": 120, "residual": 80})
    page = browser.get("/post", headers=EN).text
    kitchen = db.session.scalar(select(Collection.id).where(
        Collection.category == WasteCategory.KITCHEN))
    assert f'action="/collections/{kitchen}/void"' in page
    voided = browser.client.post(f"/collections/{kitchen}/void", data={
        "csrf_token": csrf_token(page), "reason": "weighed twice", "next": "/post"})
    assert voided.status_code == 302
    assert quick.day_totals_kg(city.points["a1"].id, local_today())[WasteCategory.KITCHEN] == 0
    after = browser.get("/post", headers=EN).text
    assert "Void: weighed twice" in after


def test_staff_post_for_their_own_point_only(login, city, db):
    """The point is the poster's own: a point sent along with the form is not read."""
    browser = login("staff")
    response, _ = send(browser, {"kitchen": 10}, recycling_point_id=str(city.points["b1"].id))
    assert response.status_code == 302
    assert stored(db) == [("kitchen", 10, city.points["a1"].id)]
    add_collection(city.points["b1"], local_today(), WasteCategory.HAZARDOUS, 77)
    page = browser.get("/post", headers=EN).text
    assert "77 kg" not in page  # another point's postings are not listed or counted


@pytest.mark.parametrize("role", ["admin", "manager", "street"])
def test_other_roles_are_told_the_page_is_for_point_staff(login, city, db, role):
    browser = login(role)
    response = browser.get("/post", headers={**EN, "Accept": "text/html"})
    assert response.status_code == 403
    assert "This page is for recycling-point staff" in response.text
    other_page = browser.get("/collections/", headers=EN).text
    assert 'href="/post"' not in other_page
    refused = browser.client.post("/post", data={"csrf_token": csrf_token(other_page),
                                                 "weight_kitchen": "10"}, headers=EN)
    assert refused.status_code == 403
    assert stored(db) == []


def test_point_staff_find_the_page_in_the_navigation(login, city):
    html = login("staff").get("/collections/", headers=EN).text
    nav = re.search(r'<nav class="main".*?</nav>', html, re.S).group(0)
    assert 'href="/post"' in nav and "Post collections" in nav


def test_the_near_duplicate_minutes_are_checked_at_start(tmp_path, migrated):
    for bad in (-1, 1441, "10", True):
        with pytest.raises(ConfigError, match="NEAR_DUPLICATE_MINUTES"):
            create_app(app_config(migrated, tmp_path, NEAR_DUPLICATE_MINUTES=bad))
