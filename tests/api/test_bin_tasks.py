"""Bin problems over the API: a report opens a task or joins the open one, idempotency (same
key and body → the first report; another body → 409), messages by field, the task's steps and
the bin's status that follows them, photos, and who may read and write what (another street's
tasks: 404 to read, 403 to write)."""

import base64
import datetime as dt

import pytest
from sqlalchemy import func, select

from tests import factories
from wastesort.accounts.models import Role
from wastesort.accounts.tokens import issue_token
from wastesort.bins.models import BinStatus, SortingBin
from wastesort.bintasks.models import BinProblemReport, BinTask
from wastesort.inspections.models import Inspection
from wastesort.timeutil import local_now

URL = "/api/v1/bin-tasks"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 4


@pytest.fixture
def people(city, tokens):
    """Beside the city's roles: an inspector of a1, an inspector and a street administrator of
    b1 (the staff member's point is in a1's first community, a1c1)."""
    for name, role, township in (("inspector", Role.INSPECTOR, "a1"),
                                 ("inspector_b1", Role.INSPECTOR, "b1"),
                                 ("street_b1", Role.STREET_ADMIN, "b1")):
        user = factories.make_user(name, role, township_id=city.townships[township].id)
        factories.db.session.flush()
        city.users[name] = user
        tokens[name] = issue_token(user, "test")[1]
    factories.db.session.commit()
    return city


def serial(city, community: str, category: str = "kit") -> str:
    """The serial of a bin of the small city (S<community index><category>)."""
    return f"S{list(city.communities).index(community)}{category}"


def bin_of(db, number: str) -> SortingBin:
    db.session.rollback()
    return db.session.scalar(select(SortingBin).where(SortingBin.serial == number))


def report(api, as_="staff", key=None, **body):
    headers = {"Idempotency-Key": key} if key else None
    return api.post(f"{URL}/reports", as_=as_, json=body, headers=headers)


def counts(db) -> tuple[int, int]:
    db.session.rollback()
    return (db.session.scalar(select(func.count()).select_from(BinTask)),
            db.session.scalar(select(func.count()).select_from(BinProblemReport)))


def test_a_report_opens_a_task_due_by_its_kind(api, people):
    made = report(api, serial=serial(people, "a1c1"), kind="full", note="溢出")
    assert made.status_code == 201, made.get_json()
    answer = made.get_json()
    task = answer["task"]
    assert answer["joined"] is False and answer["note"] == "溢出"
    assert task["status"] == "open" and task["kind"] == "full" and task["overdue"] is False
    assert task["township_id"] == people.townships["a1"].id
    opened, due = (dt.datetime.fromisoformat(task[k]) for k in ("opened_at", "due_at"))
    assert due - opened == dt.timedelta(hours=4) and opened.utcoffset() == dt.timedelta(hours=8)
    dirty = report(api, as_="inspector", serial=serial(people, "a1c1"), kind="dirty")
    assert dirty.get_json()["task"]["due_at"] > task["due_at"]  # 24 h


def test_a_second_report_of_an_open_problem_joins_its_task(api, people, db):
    number = serial(people, "a1c1")
    first = report(api, serial=number, kind="full").get_json()
    second = report(api, as_="inspector", serial=number, kind="full")
    assert second.status_code == 201 and second.get_json()["joined"] is True
    assert second.get_json()["task_id"] == first["task_id"]
    assert api.post(f"{URL}/{first['task_id']}/acknowledge", as_="street").status_code == 200
    third = report(api, as_="street", sorting_bin_id=first["task"]["sorting_bin_id"],
                   kind="full")
    assert third.get_json()["task_id"] == first["task_id"]  # acknowledged is still open
    task = api.get(f"{URL}/{first['task_id']}", as_="street").get_json()
    assert [r["id"] for r in task["reports"]] == [first["id"], second.get_json()["id"],
                                                 third.get_json()["id"]]
    other_kind = report(api, serial=number, kind="dirty").get_json()
    assert other_kind["task_id"] != first["task_id"] and other_kind["joined"] is False
    api.post(f"{URL}/{first['task_id']}/resolve", as_="street", json={"note": "清运了"})
    again = report(api, serial=number, kind="full").get_json()
    assert again["task_id"] not in (first["task_id"], other_kind["task_id"])
    assert again["joined"] is False
    assert counts(db) == (3, 5)


def test_a_retry_counts_once_and_a_reused_key_is_a_conflict(api, people, db):
    body = {"serial": serial(people, "a1c1"), "kind": "damaged", "note": "盖子坏了"}
    first = report(api, key="k-1", **body)
    again = report(api, key="k-1", **body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json()["id"] == first.get_json()["id"]
    other = report(api, key="k-1", **{**body, "note": "另一个"})
    assert other.status_code == 409
    assert "different report" in other.get_json()["message"]
    # another reporter's key of the same text is theirs: it joins the task
    theirs = report(api, as_="inspector", key="k-1", **body)
    assert theirs.status_code == 201 and theirs.get_json()["joined"] is True
    assert counts(db) == (1, 2)


def test_bad_reports_get_messages_by_field(api, people, db):
    answer = report(api, serial="NOPE", kind="overflowing", note="x" * 501)
    assert answer.status_code == 422
    errors = answer.get_json()["errors"]
    assert set(errors) >= {"kind", "note"}
    answer = report(api, serial="NOPE", kind="full")
    assert "No bin has the serial number NOPE." in answer.get_json()["errors"]["serial"]
    answer = report(api, kind="full")
    assert answer.get_json()["errors"]["sorting_bin_id"] == [
        "Give the bin: its serial number, or choose it."]
    assert report(api, sorting_bin_id=2**31 - 1, kind="full").get_json()["errors"] == {
        "sorting_bin_id": ["No such bin."]}
    removed = bin_of(db, serial(people, "a1c1", "res"))
    removed.status = BinStatus.REMOVED
    db.session.commit()
    answer = report(api, serial=removed.serial, kind="missing")
    assert answer.get_json()["errors"] == {"serial": ["This bin has been removed."]}
    assert counts(db) == (0, 0)


@pytest.mark.parametrize(("who", "community", "status"), [
    ("staff", "a1c1", 201), ("staff", "a1c2", 403), ("inspector", "a1c2", 201),
    ("inspector", "b1c1", 403), ("street", "a2c1", 403), ("street_b1", "b1c2", 201),
    ("admin", "b1c1", 201), ("manager", "a1c1", 403), ("operator", "a1c1", 403)])
def test_who_may_report_where(api, people, who, community, status):
    answer = report(api, as_=who, serial=serial(people, community), kind="full")
    assert answer.status_code == status, answer.get_json()


def test_another_streets_tasks_are_not_found_to_read_and_forbidden_to_write(api, people):
    mine = report(api, serial=serial(people, "a1c1"), kind="full").get_json()["task_id"]
    theirs = report(api, as_="inspector_b1", serial=serial(people, "b1c1"),
                    kind="full").get_json()["task_id"]
    for who in ("street", "inspector"):
        assert api.get(f"{URL}/{theirs}", as_=who).status_code == 404
        listed = api.get(URL, as_=who).get_json()
        assert [t["id"] for t in listed["items"]] == [mine]
        for step, body in (("acknowledge", None), ("resolve", {}), ("reject", {"reason": "x"})):
            assert api.post(f"{URL}/{theirs}/{step}", as_=who, json=body).status_code == 403
    assert api.get(f"{URL}/{mine}", as_="inspector_b1").status_code == 404
    for who in ("inspector", "staff", "manager"):  # read, but do not handle
        assert api.get(f"{URL}/{mine}", as_=who).status_code == 200
        assert api.post(f"{URL}/{mine}/acknowledge", as_=who).status_code == 403
    assert {t["id"] for t in api.get(URL, as_="manager").get_json()["items"]} == {mine, theirs}
    assert api.get(URL, as_="operator").status_code == 403
    assert api.post(f"{URL}/{2**31 - 1}/acknowledge", as_="street").status_code == 404
    assert api.post(f"{URL}/{theirs}/resolve", as_="street_b1").status_code == 200


def test_staff_read_their_communitys_tasks_only(api, people):
    ours = report(api, as_="inspector", serial=serial(people, "a1c1"), kind="dirty")
    next_door = report(api, as_="inspector", serial=serial(people, "a1c2"), kind="dirty")
    listed = api.get(URL, as_="staff").get_json()["items"]
    assert [t["id"] for t in listed] == [ours.get_json()["task_id"]]
    assert api.get(f"{URL}/{next_door.get_json()['task_id']}", as_="staff").status_code == 404


def test_a_damaged_bin_goes_out_of_service_and_back(api, people, db):
    number = serial(people, "a1c1", "rec")
    task = report(api, serial=number, kind="damaged").get_json()["task_id"]
    assert bin_of(db, number).status is BinStatus.IN_SERVICE  # a report alone changes nothing
    acknowledged = api.post(f"{URL}/{task}/acknowledge", as_="street").get_json()
    assert acknowledged["status"] == "acknowledged"
    assert acknowledged["bin_taken_out_of_service"] is True
    assert bin_of(db, number).status is BinStatus.DAMAGED
    resolved = api.post(f"{URL}/{task}/resolve", as_="street", json={"note": "换了新桶"})
    assert resolved.get_json()["status"] == "resolved"
    assert resolved.get_json()["minutes_to_close"] == 0
    assert bin_of(db, number).status is BinStatus.IN_SERVICE
    # missing, taken away for good
    task = report(api, serial=number, kind="missing").get_json()["task_id"]
    api.post(f"{URL}/{task}/resolve", as_="street", json={"bin_removed": True})
    assert bin_of(db, number).status is BinStatus.REMOVED


def test_a_rejection_gives_back_only_what_its_task_took(api, people, db):
    number = serial(people, "a1c1", "haz")
    damaged = report(api, serial=number, kind="damaged").get_json()["task_id"]
    missing = report(api, serial=number, kind="missing").get_json()["task_id"]
    api.post(f"{URL}/{damaged}/acknowledge", as_="street")
    took = api.post(f"{URL}/{missing}/acknowledge", as_="street").get_json()
    assert took["bin_taken_out_of_service"] is False  # out of service already
    api.post(f"{URL}/{missing}/reject", as_="street", json={"reason": "桶在原处"})
    assert bin_of(db, number).status is BinStatus.DAMAGED  # the damaged task still holds it
    api.post(f"{URL}/{damaged}/reject", as_="street", json={"reason": "误报"})
    assert bin_of(db, number).status is BinStatus.IN_SERVICE


def test_steps_in_the_wrong_order_are_conflicts(api, people):
    task = report(api, serial=serial(people, "a1c1"), kind="full").get_json()["task_id"]
    assert api.post(f"{URL}/{task}/reject", as_="street", json={}).status_code == 422
    assert api.post(f"{URL}/{task}/reject", as_="street",
                    json={"reason": " "}).get_json()["errors"] == {
        "reason": ["Give a reason of 1 to 200 characters."]}
    assert api.post(f"{URL}/{task}/resolve", as_="street",
                    json={"bin_removed": True}).get_json()["errors"] == {
        "bin_removed": ["Only a damaged or missing bin is taken away."]}
    assert api.post(f"{URL}/{task}/resolve", as_="street").status_code == 200
    again = api.post(f"{URL}/{task}/resolve", as_="admin")
    assert again.status_code == 409
    assert again.get_json()["message"] == "This task has been resolved already."
    assert api.post(f"{URL}/{task}/acknowledge", as_="street").status_code == 409
    assert api.post(f"{URL}/{task}/reject", as_="street",
                    json={"reason": "x"}).status_code == 409


def test_a_task_past_its_due_time_is_overdue(api, people, time_machine):
    time_machine.move_to(local_now(), tick=False)
    full = report(api, serial=serial(people, "a1c1"), kind="full").get_json()["task_id"]
    dirty = report(api, serial=serial(people, "a1c1"), kind="dirty").get_json()["task_id"]
    assert api.get(f"{URL}?overdue=true", as_="street").get_json()["items"] == []
    time_machine.shift(dt.timedelta(hours=4, minutes=1))
    overdue = api.get(f"{URL}?overdue=true", as_="street").get_json()["items"]
    assert [t["id"] for t in overdue] == [full] and overdue[0]["overdue"] is True
    assert [t["id"] for t in api.get(f"{URL}?overdue=false&active=true",
                                     as_="street").get_json()["items"]] == [dirty]
    api.post(f"{URL}/{full}/resolve", as_="street")
    assert api.get(f"{URL}?overdue=true", as_="street").get_json()["items"] == []
    resolved = api.get(f"{URL}/{full}", as_="street").get_json()
    assert resolved["minutes_to_close"] == 241 and resolved["overdue"] is False


def test_list_filters(api, people):
    a = report(api, as_="admin", serial=serial(people, "a1c1"), kind="full").get_json()
    b = report(api, as_="admin", serial=serial(people, "b1c1"), kind="missing").get_json()
    district_b = people.districts["b"].id
    assert [t["id"] for t in api.get(f"{URL}?district_id={district_b}").get_json()["items"]] \
        == [b["task_id"]]
    assert [t["id"] for t in api.get(f"{URL}?kind=full").get_json()["items"]] == [a["task_id"]]
    community = people.communities["a1c1"].id
    assert [t["id"] for t in api.get(f"{URL}?community_id={community}").get_json()["items"]] \
        == [a["task_id"]]
    api.post(f"{URL}/{a['task_id']}/resolve")
    assert [t["id"] for t in api.get(f"{URL}?status=resolved").get_json()["items"]] \
        == [a["task_id"]]
    assert [t["id"] for t in api.get(f"{URL}?active=true").get_json()["items"]] \
        == [b["task_id"]]
    assert api.get(f"{URL}?status=finished").status_code == 422


def test_a_photo_is_kept_checked_and_shown_to_readers_only(api, people, db):
    photo = base64.b64encode(JPEG).decode()
    made = report(api, serial=serial(people, "a1c1"), kind="dirty", photo_base64=photo)
    assert made.status_code == 201, made.get_json()
    url = made.get_json()["photo_url"]
    assert url.endswith(f"/reports/{made.get_json()['id']}/photo")
    shown = api.get(url, as_="street", buffered=True)
    assert shown.status_code == 200 and shown.data == JPEG
    assert shown.mimetype == "image/jpeg"
    assert shown.headers["X-Content-Type-Options"] == "nosniff"
    assert api.get(url, as_="staff").status_code == 200
    assert api.get(url, as_="inspector_b1").status_code == 404
    assert api.get(url, as_="street_b1").status_code == 404
    page = base64.b64encode(b"<html><script>alert(1)</script></html>").decode()
    refused = report(api, serial=serial(people, "a1c1"), kind="full", photo_base64=page)
    assert refused.get_json()["errors"] == {"photo_base64": ["Send a JPEG, PNG or WebP picture."]}
    assert counts(db) == (1, 1)


@pytest.mark.config(PHOTO_MAX_BYTES=1000)
def test_a_photo_too_large_is_refused(api, people, db):
    answer = report(api, serial=serial(people, "a1c1"), kind="dirty",
                    photo_base64=base64.b64encode(JPEG).decode())
    assert answer.status_code == 422
    assert list(answer.get_json()["errors"]) == ["photo_base64"]
    assert counts(db) == (0, 0)


def test_an_inspection_reports_several_problems(api, people, db):
    inspection = Inspection(
        community_id=people.communities["a1c1"].id, inspected_at=local_now(),
        inspected_on=local_now().date(), inspector_id=people.users["inspector"].id,
        households_seen=10, households_sorted=8, items_inspected=4, items_correct=4,
        idempotency_key="i-1")
    db.session.add(inspection)
    db.session.commit()
    for category, kind in (("kit", "full"), ("res", "dirty")):
        made = report(api, as_="inspector", serial=serial(people, "a1c1", category), kind=kind,
                      inspection_id=inspection.id)
        assert made.status_code == 201 and made.get_json()["inspection_id"] == inspection.id
    elsewhere = report(api, as_="inspector", serial=serial(people, "a1c2"), kind="full",
                       inspection_id=inspection.id)
    assert elsewhere.get_json()["errors"] == {
        "inspection_id": ["This inspection was of another community than the bin's."]}
    assert report(api, as_="staff", serial=serial(people, "a1c1"), kind="full",
                  inspection_id=inspection.id).get_json()["errors"] == {
        "inspection_id": ["No such inspection."]}
