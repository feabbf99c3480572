"""Bin problem pages: the phone's report form (a bin chosen among its community's or typed by
serial number, messages beside the fields, a resent form counted once, a photo), the task list
and a task's page with the street administrator's steps (the second of two told what became
of the task), another street's task not found, the districts' overdue list for managers, and
the street's block on "my street today"."""

import datetime as dt
import io
import re

import pytest
from sqlalchemy import func, select

from tests import factories
from wastesort.accounts.models import Role
from wastesort.bins.models import SortingBin
from wastesort.bintasks import reporting
from wastesort.bintasks.models import BinProblemReport, BinTask
from wastesort.extensions import db
from wastesort.timeutil import local_now

from .conftest import Browser, csrf_token

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 4
EN = {"Accept-Language": "en"}


@pytest.fixture
def inspector(city):
    user = factories.make_user("inspector", Role.INSPECTOR, township_id=city.townships["a1"].id)
    db.session.commit()
    return user


def serial(city, community: str, category: str = "kit") -> str:
    return f"S{list(city.communities).index(community)}{category}"


def bin_id(number: str) -> int:
    return db.session.scalar(select(SortingBin.id).where(SortingBin.serial == number))


def count(model) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(model))


def send_report(browser, data, form_url="/bin-tasks/report", **kwargs):
    page = browser.get(form_url, headers=EN)
    key = re.search(r'name="idempotency_key" type="hidden" value="([^"]+)"', page.text)
    fields = {"csrf_token": csrf_token(page.text), "idempotency_key": key.group(1), **data}
    return browser.client.post("/bin-tasks/report", data=fields, headers=EN, **kwargs), fields


def test_staff_choose_a_bin_of_their_community_and_report_it_full(login, city):
    browser = login("staff")
    form = browser.get("/bin-tasks/report", headers=EN)
    assert form.status_code == 200
    assert serial(city, "a1c1") in form.text and serial(city, "a1c2") not in form.text
    assert form.text.count('name="kind"') == 4 and 'enctype="multipart/form-data"' in form.text
    answer, _ = send_report(browser, {"sorting_bin_id": bin_id(serial(city, "a1c1")),
                                      "kind": "full", "note": "满了"})
    assert answer.status_code == 303
    task = db.session.scalar(select(BinTask))
    assert answer.headers["Location"].endswith(f"/bin-tasks/{task.id}")
    page = browser.get(f"/bin-tasks/{task.id}", headers=EN)
    assert f"Reported: bin {serial(city, 'a1c1')} is full." in page.text
    assert "满了" in page.text and "Acknowledge" not in page.text  # staff do not handle tasks


def test_a_second_report_joins_and_a_resent_form_counts_once(login, city, inspector, browser):
    first = login("staff")
    send_report(first, {"serial": serial(city, "a1c1"), "kind": "dirty"})
    first.client.post("/logout", data={"csrf_token": csrf_token(first.get("/").text)})
    second = Browser(first.client.application.test_client())
    second.login("inspector")
    answer, fields = send_report(second, {"serial": serial(city, "a1c1"), "kind": "dirty"})
    page = second.get(answer.headers["Location"], headers=EN)
    assert "was reported dirty already: your report joins the open task" in page.text
    again = second.client.post("/bin-tasks/report", data=fields, headers=EN)
    assert again.status_code == 303
    assert "This report was saved already." in second.get(again.headers["Location"],
                                                          headers=EN).text
    assert (count(BinTask), count(BinProblemReport)) == (1, 2)


def test_messages_beside_the_fields_and_nothing_stored(login, city, inspector):
    browser = login("inspector")
    answer, _ = send_report(browser, {"serial": "", "kind": ""})
    assert answer.status_code == 422
    assert "Give the bin: its serial number, or choose it." in answer.text
    assert "Choose one of:" in answer.text and 'aria-invalid="true"' in answer.text
    answer, _ = send_report(browser, {"serial": serial(city, "b1c1"), "kind": "full"})
    assert answer.status_code == 422
    assert "You may report the bins of your own town or street" in answer.text
    answer, _ = send_report(browser, {"serial": serial(city, "a1c1"), "kind": "full",
                                      "photo": (io.BytesIO(b"not a picture"), "bin.jpg")})
    assert answer.status_code == 422 and "Send a JPEG, PNG or WebP picture." in answer.text
    assert count(BinTask) == count(BinProblemReport) == 0


def test_a_photo_is_shown_on_the_task_page(login, city):
    browser = login("street")
    answer, _ = send_report(browser, {"serial": serial(city, "a1c2"), "kind": "damaged",
                                      "photo": (io.BytesIO(JPEG), "bin.jpg")})
    assert answer.status_code == 303
    page = browser.get(answer.headers["Location"], headers=EN)
    (src,) = re.findall(r'<img src="([^"]+/photo)"', page.text)
    shown = browser.get(src, buffered=True)
    assert shown.status_code == 200 and shown.data == JPEG and shown.mimetype == "image/jpeg"


def test_the_street_administrator_deals_with_tasks_most_overdue_first(login, city,
                                                                     time_machine):
    time_machine.move_to(local_now(), tick=False)
    staff = city.users["staff"]
    dirty = reporting.report_problem(staff, {"serial": serial(city, "a1c1"), "kind": "dirty"})
    time_machine.shift(dt.timedelta(hours=1))
    full = reporting.report_problem(staff, {"serial": serial(city, "a1c1", "res"),
                                            "kind": "full"})
    time_machine.shift(dt.timedelta(hours=5))
    browser = login("street")
    listing = browser.get("/bin-tasks/", headers=EN)
    ids = [int(i) for i in re.findall(r'data-task-id="(\d+)"', listing.text)]
    assert ids == [full.report.task_id, dirty.report.task_id]  # due 4 h after, then 24 h
    assert "overdue" in listing.text and "Acknowledge" in listing.text
    task_id = full.report.task_id
    done = browser.submit(f"/bin-tasks/{task_id}/acknowledge", {}, form_url="/bin-tasks/",
                          headers=EN)
    assert done.status_code == 303
    done = browser.submit(f"/bin-tasks/{task_id}/resolve", {"note": "已清运"},
                          form_url=f"/bin-tasks/{task_id}", headers=EN)
    assert done.status_code == 303
    assert "Task resolved." in browser.get(done.headers["Location"], headers=EN).text
    late = browser.submit(f"/bin-tasks/{task_id}/resolve", {},
                          form_url=f"/bin-tasks/{task_id}", headers=EN)
    assert late.status_code == 303
    assert "This task has been resolved already." in browser.get(late.headers["Location"],
                                                                 headers=EN).text
    refused = browser.submit(f"/bin-tasks/{dirty.report.task_id}/reject", {"reason": ""},
                             form_url=f"/bin-tasks/{dirty.report.task_id}", headers=EN)
    assert refused.status_code == 422
    assert "Give a reason of 1 to 200 characters." in refused.text


def test_another_streets_task_is_not_found(login, city, inspector):
    other = reporting.report_problem(city.users["admin"], {"serial": serial(city, "b1c1"),
                                                           "kind": "full"})
    mine = reporting.report_problem(city.users["staff"], {"serial": serial(city, "a1c1"),
                                                          "kind": "full"})
    browser = login("street")
    task_id = other.report.task_id
    assert browser.get(f"/bin-tasks/{task_id}").status_code == 404
    token = csrf_token(browser.get("/bin-tasks/").text)
    for step in ("acknowledge", "resolve", "reject"):
        answer = browser.client.post(f"/bin-tasks/{task_id}/{step}",
                                     data={"csrf_token": token, "reason": "x"})
        assert answer.status_code == 404
    db.session.rollback()
    assert db.session.get(BinTask, task_id).status.value == "open"
    browser.client.post("/logout", data={"csrf_token": token})
    browser.login("inspector")  # reads its street's task, but does not handle it
    assert browser.get(f"/bin-tasks/{mine.report.task_id}").status_code == 200
    answer = browser.client.post(f"/bin-tasks/{mine.report.task_id}/resolve",
                                 data={"csrf_token": csrf_token(browser.get("/").text)})
    assert answer.status_code == 403


def test_managers_see_the_districts_overdue_lists(login, city, time_machine):
    time_machine.move_to(local_now(), tick=False)
    late = reporting.report_problem(city.users["admin"], {"serial": serial(city, "b1c1"),
                                                          "kind": "full"})
    reporting.report_problem(city.users["admin"], {"serial": serial(city, "a1c1"),
                                                   "kind": "missing"})
    time_machine.shift(dt.timedelta(hours=5))
    browser = login("manager")
    page = browser.get("/bin-tasks/overdue", headers=EN)
    assert page.status_code == 200
    assert re.findall(r'data-task-id="(\d+)"', page.text) == [str(late.report.task_id)]
    district_a = browser.get(f"/bin-tasks/overdue?district_id={city.districts['a'].id}",
                             headers=EN)
    assert re.findall(r'data-task-id="(\d+)"', district_a.text) == []
    assert "No task is overdue." in district_a.text
    browser.client.post("/logout", data={"csrf_token": csrf_token(page.text)})
    browser.login("street")
    assert browser.get("/bin-tasks/overdue").status_code == 403


def test_my_street_today_shows_its_open_and_overdue_tasks(login, city, time_machine):
    time_machine.move_to(local_now(), tick=False)
    late = reporting.report_problem(city.users["staff"], {"serial": serial(city, "a1c1"),
                                                          "kind": "full"})
    reporting.report_problem(city.users["staff"], {"serial": serial(city, "a1c1", "rec"),
                                                   "kind": "dirty"})
    reporting.report_problem(city.users["admin"], {"serial": serial(city, "b1c1"),
                                                   "kind": "full"})
    time_machine.shift(dt.timedelta(hours=4, minutes=30))
    page = login("street").get("/street/", headers=EN)
    block = page.text[page.text.index('id="street-bin-tasks"'):]
    block = block[:block.index("</section>")]
    assert re.findall(r'<div class="value[^"]*">(\d+)</div>', block) == ["2", "1"]
    assert re.findall(r'data-task-id="(\d+)"', block)[0] == str(late.report.task_id)
    assert "0.5 h overdue" in block
