"""The inspection pages through the test client: the inspector's form (messages beside the
fields with 422, a form sent twice stored once, photos checked by their content and attached
once, a larger body than MAX_CONTENT_LENGTH for the photos only), the list with its filters
and voids, the photos served to readers only, and scope (an inspector of one street can
neither read nor write another's: 404 and 403)."""

import datetime as dt
import io
import re

import pytest
from sqlalchemy import func, select

from tests import factories
from wastesort.accounts.models import Role
from wastesort.inspections.models import Inspection, InspectionPhoto
from wastesort.inspections.tally import DailyInspectionTally
from wastesort.timeutil import local_now

from .conftest import csrf_token

EN = {"Accept-Language": "en"}
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 4
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200
KEY = re.compile(r'name="idempotency_key" type="hidden" value="([0-9a-f]+)"|'
                 r'type="hidden" name="idempotency_key" value="([0-9a-f]+)"|'
                 r'id="idempotency_key" name="idempotency_key" type="hidden" value="([0-9a-f]+)"')


@pytest.fixture
def inspector_b1(city, db):
    """An inspector of street b1 beside the city's inspector of a1."""
    user = factories.make_user("inspector_b1", Role.INSPECTOR,
                               township_id=city.townships["b1"].id)
    db.session.commit()
    city.users["inspector_b1"] = user
    return user


@pytest.fixture
def as_user(browser, city):
    """``as_user("inspector")``: the test's browser logged in as that user, whoever was
    logged in before logged out first (the tests share one app context, so the user a request
    loaded stays known to the next request of any client until a log-out changes it)."""
    current = []

    def _as(username):
        if current:
            browser.client.post("/logout", data={"csrf_token": csrf_token(browser.get("/").text)})
        browser.login(username)
        current[:] = [username]
        return browser

    return _as


def minute(hours_ago: float = 1) -> str:
    return (local_now() - dt.timedelta(hours=hours_ago)).strftime("%Y-%m-%dT%H:%M")


def form_values(city, where="a1c1", **changes) -> dict:
    values = {"community_id": str(city.communities[where].id), "inspected_at": minute(),
              "households_seen": "40", "households_sorted": "30", "items_inspected": "20",
              "items_correct": "15", "contaminated_kitchen": "3", "contaminated_residual": "2",
              "contaminated_recyclable": "", "contaminated_hazardous": "",
              "recycling_point_id": "", "bin_serial": "", "notes": "桶边有散落垃圾"}
    return {**values, **changes}


def open_form(browser) -> tuple[str, str]:
    """The form page's CSRF token and the key it was given."""
    page = browser.get("/inspections/new", headers=EN)
    assert page.status_code == 200, page.status_code
    match = KEY.search(page.text)
    assert match, "the form has no idempotency key"
    return csrf_token(page.text), next(g for g in match.groups() if g)


def send(browser, token, key, values, photos=(), **kwargs):
    data = {"csrf_token": token, "idempotency_key": key, **values}
    if photos:
        data["photos"] = [(io.BytesIO(content), name) for name, content in photos]
    return browser.client.post("/inspections/new", data=data, headers=EN,
                               content_type="multipart/form-data", **kwargs)


def stored(db) -> list[Inspection]:
    db.session.rollback()
    return db.session.scalars(select(Inspection).order_by(Inspection.id)).all()


def tally_seen(db) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.coalesce(func.sum(
        DailyInspectionTally.households_seen), 0)))


# --- the form ------------------------------------------------------------------------------

def test_an_inspector_lands_on_the_form_with_the_communities_of_their_street(browser, city):
    assert browser.login("inspector").headers["Location"].endswith("/inspections/new")
    page = browser.get("/inspections/new", headers=EN).text
    assert 'accept="image/*"' in page and 'capture="environment"' in page
    assert 'enctype="multipart/form-data"' in page
    options = re.findall(r'<option value="(\d+)"', page)
    a1 = {str(city.communities[k].id) for k in ("a1c1", "a1c2")}
    points = {str(city.points["a1"].id)}
    assert set(options) == a1 | points  # its street's communities and points, no other
    shown = re.search(r'id="inspected_at"[^>]*type="datetime-local" value="([^"]+)"', page)
    now = dt.datetime.strptime(shown.group(1), "%Y-%m-%dT%H:%M")  # now, in the city
    assert abs(local_now().replace(tzinfo=None) - now) < dt.timedelta(minutes=2)
    assert "No inspection saved today yet." in page


def test_a_form_is_stored_with_its_photos_and_listed_today(as_user, city, db):
    browser = as_user("inspector")
    token, key = open_form(browser)
    response = send(browser, token, key, form_values(city), photos=[("a.jpg", JPEG),
                                                                    ("b.png", PNG)])
    assert response.status_code == 302, response.text
    assert response.headers["Location"].endswith("/inspections/new")
    (row,) = stored(db)
    assert (row.community_id, row.households_seen, row.households_sorted, row.items_inspected,
            row.items_correct, row.contaminated_kitchen, row.contaminated_residual,
            row.contaminated_recyclable, row.notes) == (
        city.communities["a1c1"].id, 40, 30, 20, 15, 3, 2, 0, "桶边有散落垃圾")
    assert row.idempotency_key == key and row.inspector_id == city.users["inspector"].id
    assert [p.content_type for p in row.photos] == ["image/jpeg", "image/png"]
    assert tally_seen(db) == 40
    page = browser.get("/inspections/new", headers=EN).text
    assert "Saved: the inspection of a1社区1 at" in page
    assert "2 photos attached." in page
    assert "Participation 75.0 % (30 of 40 households)" in page
    assert "Accuracy 75.0 % (15 of 20 bags or bins)" in page
    assert "Kitchen waste (green bin): 3 · Residual waste (grey bin): 2" in page
    photo_url = f"/inspections/{row.id}/photos/{row.photos[0].id}"
    assert f'src="{photo_url}"' in page
    served = browser.get(photo_url)
    assert served.status_code == 200 and served.data == JPEG
    served.close()
    assert served.headers["Content-Type"] == "image/jpeg"
    assert served.headers["X-Content-Type-Options"] == "nosniff"


def test_the_same_form_sent_twice_is_one_inspection_and_its_photos_once(as_user, city, db):
    browser = as_user("inspector")
    token, key = open_form(browser)
    values = form_values(city)
    first = send(browser, token, key, values, photos=[("a.jpg", JPEG)])
    again = send(browser, token, key, values, photos=[("a.jpg", JPEG)])  # the answer was lost
    assert first.status_code == again.status_code == 302
    (row,) = stored(db)
    assert len(row.photos) == 1
    assert tally_seen(db) == 40
    page = browser.get("/inspections/new", headers=EN).text
    assert "Already saved (the form was sent twice), counted once: the inspection of a1社区1" \
        in page
    assert page.count('class="posting inspection') == 1
    # the same key with other figures (back, changed, sent): a 409 with a new key to save
    changed = send(browser, token, key, form_values(city, households_seen="41"))
    assert changed.status_code == 409
    assert "This form was saved before with other figures" in changed.text
    new_key = next(g for g in KEY.search(changed.text).groups() if g)
    assert new_key != key
    assert send(browser, token, new_key, form_values(city, households_seen="41")
                ).status_code == 302
    assert len(stored(db)) == 2 and tally_seen(db) == 81


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"households_sorted": "41"}, "households_sorted",
     "More households sorted than were seen (40)."),
    ({"items_correct": "21"}, "items_correct",
     "More bags or bins sorted correctly than were inspected (20)."),
    ({"contaminated_kitchen": "6"}, "contaminated_kitchen",
     "The contaminated bags and bins add up to 8, but only 5 were not sorted correctly."),
    ({"households_seen": ""}, "households_seen", "Enter a whole number from 0 to 100,000."),
    ({"households_seen": "-1"}, "households_seen", "Enter a whole number from 0 to 100,000."),
    ({"items_inspected": "many"}, "items_inspected", "Not a valid integer value."),
    ({"community_id": ""}, "community_id", "Choose the community inspected."),
    ({"inspected_at": ""}, "inspected_at", "Enter the date and time of the inspection."),
    ({"inspected_at": "yesterday"}, "inspected_at", "Not a valid datetime value."),
    ({"inspected_at": -2.0}, "inspected_at", "The time is in the future."),  # hours ago
    ({"inspected_at": 24 * 9.0}, "inspected_at",
     "Inspections may be posted at most 7 days late; ask an administrator for older ones."),
    ({"bin_serial": "NOPE"}, "bin_serial",
     "No bin of this community has the serial number NOPE."),
    ({"bin_serial": "S2kit"}, "bin_serial",  # a bin of a1's other community
     "No bin of this community has the serial number S2kit."),
    ({"notes": "x" * 501}, "notes", "At most 500 characters."),
])
def test_messages_beside_the_fields_and_nothing_stored(as_user, city, db, changes, field,
                                                      message):
    browser = as_user("inspector")
    token, key = open_form(browser)
    changes = {k: minute(v) if isinstance(v, float) else v for k, v in changes.items()}
    response = send(browser, token, key, form_values(city, **changes))
    assert response.status_code == 422
    errors = re.search(rf'<ul class="errors" id="{field}-errors">(.*?)</ul>', response.text,
                       re.S)
    assert errors, f"no message beside {field}"
    assert message in errors.group(1)
    assert f'aria-describedby="{field}-errors"' in response.text
    assert stored(db) == []
    assert f'value="{key}"' in response.text  # corrected and sent, it is still this form


def test_a_point_of_another_community_and_both_a_point_and_a_bin(as_user, city, db):
    browser = as_user("inspector")
    token, key = open_form(browser)
    point = str(city.points["a1"].id)  # a point of a1c1
    other = send(browser, token, key, form_values(city, "a1c2", recycling_point_id=point))
    assert other.status_code == 422
    assert "This recycling point is not in the community inspected." in other.text
    both = send(browser, token, key, form_values(city, recycling_point_id=point,
                                                 bin_serial="S0kit"))
    assert both.status_code == 422
    assert re.search(r'id="bin_serial-errors"><li>Give a recycling point or a bin, not both.',
                     both.text)
    at_bin = send(browser, token, key, form_values(city, bin_serial="S0kit"))
    assert at_bin.status_code == 302
    (row,) = stored(db)
    assert row.sorting_bin.serial == "S0kit" and row.recycling_point_id is None


@pytest.mark.parametrize(("photo", "message"), [
    (("page.jpg", b"<html><script>alert(1)</script></html>"),
     "page.jpg: Send a JPEG, PNG or WebP picture."),
    (("empty.jpg", b""), "empty.jpg: The photo is empty."),
])
def test_photos_are_judged_by_their_content(as_user, city, db, photo, message):
    browser = as_user("inspector")
    token, key = open_form(browser)
    response = send(browser, token, key, form_values(city), photos=[photo])
    assert response.status_code == 422
    assert message in response.text and "Choose the photos again" in response.text
    assert stored(db) == [] and db.session.scalar(
        select(func.count()).select_from(InspectionPhoto)) == 0


def test_too_many_and_too_large_photos(as_user, app, city, db):
    browser = as_user("inspector")
    token, key = open_form(browser)
    seven = [(f"{n}.png", PNG + bytes([n])) for n in range(7)]
    response = send(browser, token, key, form_values(city), photos=seven)
    assert response.status_code == 422
    assert "An inspection has at most 6 photos." in response.text
    app.config["PHOTO_MAX_BYTES"] = 1000
    large = send(browser, token, key, form_values(city), photos=[("big.jpg", JPEG * 2)])
    assert large.status_code == 422 and "big.jpg: A photo may be at most 0.001 MB." in large.text
    assert stored(db) == []


def test_the_form_takes_photos_beyond_the_request_limit_and_nobody_else_does(
        as_user, app, city, db):
    """MAX_CONTENT_LENGTH (here 64 KiB) is raised for the form of a poster only, before the
    CSRF check reads the body."""
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024
    browser = as_user("inspector")
    token, key = open_form(browser)
    photo = JPEG + b"\x00" * 200_000  # 200 kB: over the request limit, under PHOTO_MAX_BYTES
    response = send(browser, token, key, form_values(city), photos=[("big.jpg", photo)])
    assert response.status_code == 302, response.status_code
    assert stored(db)[0].photos[0].size_bytes == len(photo)
    # the same body on another page, or from someone who posts no inspections, is too large
    assert browser.client.post("/collections/", data={"x": "y" * 100_000}).status_code == 413
    staff = as_user("staff")
    assert staff.client.post("/inspections/new", data={"photos": (io.BytesIO(photo), "a.jpg")},
                             content_type="multipart/form-data").status_code == 413


def test_a_community_of_another_street_is_forbidden(as_user, city, db, inspector_b1):
    browser = as_user("inspector")
    token, key = open_form(browser)
    response = send(browser, token, key, form_values(city, "b1c1"))
    assert response.status_code == 403
    bad = send(browser, token, key, form_values(city, "b1c1", households_sorted="99"))
    assert bad.status_code == 403  # outside is said first, whatever else is wrong
    assert stored(db) == []


@pytest.mark.parametrize("role", ["manager", "staff", "operator"])
def test_who_posts_no_inspections_gets_no_form(as_user, city, role):
    assert as_user(role).get("/inspections/new").status_code == 403


def test_an_administrator_picks_any_community_and_a_street_administrator_posts_in_theirs(
        as_user, city, db):
    admin = as_user("admin")
    page = admin.get("/inspections/new", headers=EN).text
    assert 'data-picker="/pick/communities"' in page  # a picker, not every community
    token, key = open_form(admin)
    assert send(admin, token, key, form_values(city, "b1c2")).status_code == 302
    street = as_user("street")
    token, key = open_form(street)
    assert send(street, token, key, form_values(city, "a1c2")).status_code == 302
    assert send(street, token, key + "x", form_values(city, "b1c2")).status_code == 403
    assert [r.community_id for r in stored(db)] == [city.communities["b1c2"].id,
                                                     city.communities["a1c2"].id]


# --- the list, voids and photos ------------------------------------------------------------

def post(browser, city, where="a1c1", photos=(), **changes) -> Inspection:
    token, key = open_form(browser)
    response = send(browser, token, key, form_values(city, where, **changes), photos=photos)
    assert response.status_code == 302, response.text
    return Inspection.query.filter_by(idempotency_key=key).one()


def test_the_list_by_scope_community_and_days(as_user, city, db, inspector_b1):
    ours = post(as_user("inspector"), city, "a1c1")
    theirs = post(as_user("inspector_b1"), city, "b1c1", households_seen="50")
    old = post(as_user("admin"), city, "a1c2", inspected_at=minute(24 * 20))
    inspector = as_user("inspector")
    page = inspector.get("/inspections/", headers=EN).text
    assert f'id="inspection-{ours.id}"' in page and f'id="inspection-{old.id}"' in page
    assert f'id="inspection-{theirs.id}"' not in page
    options = set(re.findall(r'<option value="(\d+)"', page))
    assert options == {str(city.communities[k].id) for k in ("a1c1", "a1c2")}
    one = inspector.get(f"/inspections/?community_id={city.communities['a1c2'].id}",
                        headers=EN).text
    assert f'id="inspection-{old.id}"' in one and f'id="inspection-{ours.id}"' not in one
    today = local_now().date()
    recent = inspector.get(f"/inspections/?from={today - dt.timedelta(days=3)}&to={today}",
                           headers=EN).text
    assert f'id="inspection-{ours.id}"' in recent and f'id="inspection-{old.id}"' not in recent
    reversed_days = inspector.get(f"/inspections/?from={today}&to={today - dt.timedelta(1)}",
                                  headers=EN)
    assert reversed_days.status_code == 422
    assert "The last day is before the first." in reversed_days.text
    elsewhere = inspector.get(f"/inspections/?community_id={city.communities['b1c1'].id}",
                              headers=EN).text
    assert "No inspections match these filters." in elsewhere
    manager = as_user("manager").get("/inspections/", headers=EN).text
    assert all(f'id="inspection-{r.id}"' in manager for r in (ours, theirs, old))
    assert 'data-picker="/pick/communities"' in manager
    assert "Void…" not in manager  # managers read, and void nothing
    assert as_user("staff").get("/inspections/").status_code == 403


def test_keyset_pages_of_the_list(as_user, city, db):
    browser = as_user("inspector")
    token, _key = open_form(browser)
    for n in range(23):
        assert send(browser, token, f"k{n:02d}", form_values(city, households_seen=str(40 + n))
                    ).status_code == 302
    first = browser.get("/inspections/", headers=EN).text
    assert first.count('class="posting inspection') == 20
    after = re.search(r'href="(/inspections/\?after=\d+)" rel="next"', first).group(1)
    second = browser.get(after.replace("&amp;", "&"), headers=EN).text
    assert second.count('class="posting inspection') == 3


def test_voids_by_who_may(as_user, city, db, inspector_b1):
    mine = post(as_user("inspector"), city, "a1c1")
    street_admins = post(as_user("street"), city, "a1c2", households_seen="10",
                         households_sorted="5")
    theirs = post(as_user("inspector_b1"), city, "b1c1", households_seen="50")
    assert tally_seen(db) == 100
    inspector = as_user("inspector")
    listed = inspector.get("/inspections/", headers=EN).text
    assert f'action="/inspections/{mine.id}/void"' in listed
    assert f'action="/inspections/{street_admins.id}/void"' not in listed  # not theirs
    token = csrf_token(listed)

    def void(browser, row, reason="counted twice", next_="/inspections/new"):
        return browser.client.post(f"/inspections/{row.id}/void", headers=EN, data={
            "csrf_token": token, "reason": reason, "next": next_})

    assert void(inspector, theirs).status_code == 404  # another street's: not found
    assert void(inspector, street_admins).status_code == 403  # readable, not theirs to void
    assert void(inspector, mine, reason="").status_code == 302
    assert "Give a reason of 1 to 200 characters." in inspector.get("/inspections/new",
                                                                    headers=EN).text
    assert tally_seen(db) == 100
    done = void(inspector, mine)
    assert done.status_code == 302 and done.headers["Location"].endswith("/inspections/new")
    page = inspector.get("/inspections/new", headers=EN).text
    assert "Inspection voided: its figures are taken out of every total." in page
    assert "Voided by inspector at" in page and "counted twice" in page
    assert tally_seen(db) == 60
    assert void(inspector, mine).status_code == 302
    assert "This inspection is already void." in inspector.get("/inspections/", headers=EN).text
    assert tally_seen(db) == 60
    street = as_user("street")
    token = csrf_token(street.get("/inspections/").text)
    assert void(street, street_admins, next_="https://evil.example/").headers[
        "Location"].endswith("/inspections/")
    assert tally_seen(db) == 50
    manager = as_user("manager")
    token = csrf_token(manager.get("/inspections/").text)
    assert void(manager, theirs).status_code == 403
    assert tally_seen(db) == 50


def test_photos_only_for_readers_of_the_community(as_user, city, db, inspector_b1):
    row = post(as_user("inspector"), city, photos=[("a.jpg", JPEG)])
    url = f"/inspections/{row.id}/photos/{row.photos[0].id}"
    for who in ("inspector", "street", "manager", "admin"):
        response = as_user(who).get(url)
        response.close()
        assert response.status_code == 200, who
    for who in ("inspector_b1", "staff", "operator"):
        assert as_user(who).get(url).status_code == 404, who
    other = post(as_user("inspector"), city, photos=[("b.png", PNG)])
    mixed = f"/inspections/{row.id}/photos/{other.photos[0].id}"
    assert as_user("inspector").get(mixed).status_code == 404  # a photo of another inspection
    browser = as_user("inspector")
    browser.client.post("/logout", data={"csrf_token": csrf_token(browser.get("/").text)})
    logged_out = browser.get(url)
    assert logged_out.status_code == 302 and "/login" in logged_out.headers["Location"]


def test_a_form_sent_back_speaks_chinese(as_user, city):
    """Messages of the service, of the form's own parsing and of the photo checks, in Chinese
    with Chinese punctuation (the language crawl's rules)."""
    from .test_language_crawl import _foreign, _Text

    browser = as_user("inspector")
    token, key = open_form(browser)
    data = {"csrf_token": token, "idempotency_key": key,
            **form_values(city, households_sorted="41", items_inspected="many",
                          inspected_at="", bin_serial="NOPE"),
            "photos": [(io.BytesIO(b"not a picture"), "x.jpg")]}
    response = browser.client.post("/inspections/new", data=data,
                                   content_type="multipart/form-data",
                                   headers={"Accept-Language": "zh-CN"})
    assert response.status_code == 422
    assert "正确分类的户数多于看到的投放户数" in response.text
    assert "请重新选择照片" in response.text
    parser = _Text()
    parser.feed(response.text.replace("x.jpg", "").replace("NOPE", ""))  # what was typed
    assert not _foreign({"form": " ".join(parser.parts)}, "zh-CN")
