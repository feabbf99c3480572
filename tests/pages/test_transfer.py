"""Household import (CSV and XLSX: every bad row named, all or nothing, create or update by
code) and export (CSV and XLSX, scoped, formula cells neutralised)."""

import csv
import io

from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from wastesort.households.models import Household
from wastesort.households.transfer import neutralise

from ..factories import add_households
from .conftest import csrf_token

EN = {"Accept-Language": "en"}
HEADER = "code,community,building,unit,room,members,sorting_since\n"


def households(db):
    return db.session.scalar(select(func.count()).select_from(Household))


def upload(browser, content: bytes, filename: str, **extra):
    page = browser.get("/households/import")
    data = {"csrf_token": csrf_token(page.text),
            "file": (io.BytesIO(content), filename), **extra}
    return browser.client.post("/households/import", data=data, headers=EN,
                               content_type="multipart/form-data")


def confirm(browser, preview_html):
    token = csrf_token(preview_html.split('action="/households/import/confirm"')[1])
    import re

    value = re.search(r'name="token" type="hidden" value="([^"]+)"', preview_html).group(1)
    return browser.client.post("/households/import/confirm",
                               data={"csrf_token": token, "token": value}, headers=EN)


def test_bad_rows_are_named_and_nothing_is_stored(login, city, db):
    browser = login("street")
    content = (HEADER + "A-1,a1社区1,1,1,0101,3,2021-03-01\n"
               "A-2,no such place,1,1,0102,3,\n"
               "A-3,a1社区2,1,1,0103,many,2021-13-01\n"
               "A-1,a1社区1,1,1,0104,2,\n").encode()
    response = upload(browser, content, "households.csv")
    assert response.status_code == 422
    html = response.text
    assert "nothing was stored" in html
    table = html.split('id="import-errors"')[1]
    assert "row 3" in table and "community" in table
    assert "No community named &#39;no such place&#39; in this town or street." in table
    assert "row 4" in table and "members" in table and "sorting_since" in table
    assert "row 5" in table and "The code &#39;A-1&#39; is also on row 2." in table
    assert ">row 2<" not in table
    assert households(db) == 0


def test_good_file_previews_then_creates_and_updates(login, city, db):
    add_households(city.communities["a1c1"], 1, 0)
    existing = db.session.scalar(select(Household))
    browser = login("street")
    content = (HEADER + f"{existing.code},a1社区2,9,9,0909,5,2020-01-01\n"
               "NEW-1,a1社区1,1,1,0101,3,2021-03-01\n"
               "NEW-2,a1社区1,1,1,0102,,\n").encode("utf-8-sig")
    preview = upload(browser, content, "households.csv")
    assert preview.status_code == 200
    assert "3 rows checked: 2 new households will be created and 1 updated." in preview.text
    assert households(db) == 1  # nothing stored before the confirmation
    done = confirm(browser, preview.text)
    assert done.status_code == 302
    assert households(db) == 3
    db.session.refresh(existing)
    assert existing.community_id == city.communities["a1c2"].id and existing.members == 5
    new2 = db.session.scalar(select(Household).where(Household.code == "NEW-2"))
    assert new2.members == 1 and new2.sorting_since is None
    assert "Import done: 2 households created, 1 updated." in browser.get(
        "/households/", headers=EN).text
    assert confirm(browser, preview.text).status_code == 302  # a second confirm: expired
    assert households(db) == 3


def test_xlsx_import_and_a_code_of_another_township(login, city, db):
    add_households(city.communities["b1c1"], 1, 0)
    foreign = db.session.scalar(select(Household))
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["户编码", "社区", "楼栋", "单元", "房号", "人数", "开始分类日期"])
    sheet.append(["X-1", "a1社区1", 1, 1, "0101", 2, "2021-01-05"])
    sheet.append([foreign.code, "a1社区1", 1, 1, "0102", 2, None])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = upload(login("street"), buffer.getvalue(), "households.xlsx")
    assert response.status_code == 422
    table = response.text.split('id="import-errors"')[1]
    assert "row 3" in table and "It belongs to another town or street." in table
    assert households(db) == 1


def test_unreadable_and_wrong_files_are_messages_beside_the_field(login, city):
    browser = login("street")
    bad_xlsx = upload(browser, b"not a workbook", "households.xlsx")
    assert bad_xlsx.status_code == 422 and 'id="file-errors"' in bad_xlsx.text
    assert "The XLSX file cannot be read" in bad_xlsx.text
    no_header = upload(browser, b"a,b\n1,2\n", "households.csv")
    assert no_header.status_code == 422
    assert "missing: code, community" in no_header.text
    wrong_kind = upload(browser, b"x", "households.pdf")
    assert wrong_kind.status_code == 422 and 'id="file-errors"' in wrong_kind.text


def test_gb18030_csv_from_a_chinese_spreadsheet(login, city, db):
    content = (HEADER + "GBK-1,a1社区1,1,1,0101,3,2021-03-01\n").encode("gb18030")
    preview = upload(login("street"), content, "households.csv")
    assert preview.status_code == 200
    assert "1 new households will be created" in preview.text


def test_manager_may_not_import(login, city):
    page = login("manager").get("/households/import", headers={"Accept": "text/html"})
    assert page.status_code == 403


def test_neutralise():
    assert neutralise("=1+1") == "'=1+1"
    assert neutralise("+86 23") == "'+86 23"
    assert neutralise("-2") == "'-2"
    assert neutralise("@SUM(A1)") == "'@SUM(A1)"
    assert neutralise("0101") == "0101" and neutralise(3) == 3 and neutralise(None) is None


def _formula_households(city, db):
    community = city.communities["a1c1"]
    db.session.add_all([
        Household(community=community, code="=HYPERLINK(\"x\")", building="+1", unit="-1",
                  room="@A1", members=2),
        Household(community=city.communities["b1c1"], code="OTHER-1", members=1)])
    db.session.commit()


def test_csv_export_is_scoped_and_neutralised(login, city, db):
    _formula_households(city, db)
    response = login("street").get("/households/export.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.get_data().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["code", "community", "building", "unit", "room", "members",
                       "sorting_since"]
    assert rows[1] == ["'=HYPERLINK(\"x\")", "a1社区1", "'+1", "'-1", "'@A1", "2", ""]
    assert len(rows) == 2  # the household of another township is not exported


def test_xlsx_export_is_neutralised_and_imports_back(login, city, db):
    _formula_households(city, db)
    browser = login("street")
    response = browser.get("/households/export.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][:5] == ("'=HYPERLINK(\"x\")", "a1社区1", "'+1", "'-1", "'@A1")
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    again = upload(browser, response.data, "households.xlsx")  # round trip: an update
    assert again.status_code == 200
    assert "0 new households will be created and 1 updated" in again.text


def test_admin_chooses_the_township_to_import_into(browser, city, db):
    browser.login("admin")
    content = (HEADER + "ADM-1,b1社区2,1,1,0101,2,\n").encode()
    missing = upload(browser, content, "households.csv", township_id="")
    assert missing.status_code == 422
    assert 'id="township_id-errors"' in missing.text
    preview = upload(browser, content, "households.csv",
                     township_id=str(city.townships["b1"].id))
    assert preview.status_code == 200
    assert confirm(browser, preview.text).status_code == 302
    row = db.session.scalar(select(Household).where(Household.code == "ADM-1"))
    assert row.community_id == city.communities["b1c2"].id
