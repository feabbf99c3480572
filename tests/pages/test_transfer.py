"""Household import (CSV and XLSX: every bad row named by the file's own header, all or nothing,
create or update by code, unchanged rows only counted) and export (CSV and XLSX in the user's
language, scoped, formula cells neutralised), and the import template. The files come from
the project's own writer (openpyxl) and from others: xlsxwriter, and CSV as Excel on a Chinese
Windows machine saves it (GBK, or UTF-8 with a byte-order mark; CRLF line ends)."""

import csv
import datetime as dt
import io
import re

import pytest
import xlsxwriter
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from wastesort.households.export import neutralise
from wastesort.households.models import Household

from .conftest import csrf_token

EN = {"Accept-Language": "en"}
ZH = {"Accept-Language": "zh-CN"}
HEADER = "code,community,building,unit,room,members,sorting_since\n"
ZH_HEADER = ["户编码", "社区", "楼栋", "单元", "房号", "人数", "开始分类日期"]
EN_HEADER = ["Household code", "Community", "Building", "Unit", "Room", "Members",
             "Sorting since"]


def code(n: int) -> str:
    """A household code of the demo's form (the default HOUSEHOLD_CODE_PATTERN)."""
    return f"50010300101{n:06d}"


def households(db):
    return db.session.scalar(select(func.count()).select_from(Household))


def upload(browser, content: bytes, filename: str, headers=EN, **extra):
    page = browser.get("/households/import")
    data = {"csrf_token": csrf_token(page.text),
            "file": (io.BytesIO(content), filename), **extra}
    return browser.client.post("/households/import", data=data, headers=headers,
                               content_type="multipart/form-data")


def confirm(browser, preview_html, headers=EN):
    token = csrf_token(preview_html.split('action="/households/import/confirm"')[1])
    value = re.search(r'name="token" type="hidden" value="([^"]+)"', preview_html).group(1)
    return browser.client.post("/households/import/confirm",
                               data={"csrf_token": token, "token": value}, headers=headers)


def error_rows(html: str) -> list[list[str]]:
    """The error table's cells, row by row, as text."""
    table = html.split('id="import-errors"')[1].split("</table>")[0]
    return [[re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>",
                                                                         row, re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", table.split("<tbody>")[1], re.S)]


def xlsx_bytes(rows) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_bad_rows_are_named_and_nothing_is_stored(login, city, db):
    browser = login("street")
    content = (HEADER + f"{code(1)},a1社区1,1,1,0101,3,2021-03-01\n"
               f"{code(2)},no such place,1,1,0102,3,\n"
               f"{code(3)},a1社区2,1,1,0103,many,2021-13-01\n"
               f"{code(1)},a1社区1,1,1,0104,2,\n").encode()
    response = upload(browser, content, "households.csv")
    assert response.status_code == 422
    assert "nothing was stored" in response.text
    assert error_rows(response.text) == [
        ["row 3", "community", "No community named 'no such place' in this town or street."],
        ["row 4", "members", "Enter a whole number from 1 to 99."],
        ["row 4", "sorting_since", "There is no such day: 2021-13-01."],
        ["row 5", "code", f"The code '{code(1)}' is also on row 2."]]
    assert households(db) == 0


def test_errors_name_the_column_as_the_files_header(login, city, db):
    """A Chinese header is named as written, on the English page too; a file read without a
    header (the rows as a list) would get the label of the user's language."""
    content = ",".join(ZH_HEADER).encode() + (
        f"\n{code(1)},a1社区1,1,1,0101,3,2021/13/1\nABC,a1社区1,1,1,0102,3,\n").encode()
    browser = login("street")
    for headers in (EN, ZH):
        response = upload(browser, content, "households.csv", headers=headers)
        assert response.status_code == 422
        rows = error_rows(response.text)
        assert [r[1] for r in rows] == ["开始分类日期", "户编码"]
    assert rows[0][0] == "第 2 行"
    assert rows[1][2] == "ABC 不是本市的户编码，本市户编码形如 50010300101000001。"


def test_good_file_previews_new_and_changed_rows_and_counts_the_unchanged(login, city, db):
    community = city.communities["a1c1"]
    db.session.add_all([
        Household(community=community, code=code(1), building="1", unit="1", room="0101",
                  members=3, sorting_since=dt.date(2021, 3, 1)),
        Household(community=community, code=code(2), building="3栋", unit="2", room="0202",
                  members=2, sorting_since=None)])
    db.session.commit()
    browser = login("street")
    content = (HEADER + f"{code(1)},a1社区2,1,1,0101,5,2021-03-01\n"  # moved, 5 members
               f"{code(2)},a1社区1,3,2单元,0202室,,\n"  # the same, written otherwise
               f"{code(3)},a1社区1,1,1,0101,3,2021/3/1\n"
               f"{code(4)},a1社区1,1,1,0102,,\n").encode("utf-8-sig")
    preview = upload(browser, content, "households.csv")
    assert preview.status_code == 200
    assert ("4 rows checked: 2 new households will be created, 1 changed and 1 are unchanged."
            in preview.text)
    new = preview.text.split('id="import-new"')[1].split("</table>")[0]
    assert code(3) in new and code(4) in new and code(1) not in new and code(2) not in new
    changed = preview.text.split('id="import-changed"')[1].split("</table>")[0]
    assert code(1) in changed and code(2) not in changed
    assert "<del>a1社区1</del> <ins>a1社区2</ins>" in changed
    assert "<del>3</del> <ins>5</ins>" in changed
    assert "sorting_since" not in changed and "building" not in changed  # what stays is unmarked
    assert households(db) == 2  # nothing stored before the confirmation
    done = confirm(browser, preview.text)
    assert done.status_code == 302
    assert households(db) == 4
    moved = db.session.scalar(select(Household).where(Household.code == code(1)))
    assert moved.community_id == city.communities["a1c2"].id and moved.members == 5
    kept = db.session.scalar(select(Household).where(Household.code == code(2)))
    assert kept.building == "3栋"  # unchanged: not written
    new4 = db.session.scalar(select(Household).where(Household.code == code(4)))
    assert new4.members == 1 and new4.sorting_since is None
    assert "Import done: 2 households created, 1 updated, 1 unchanged." in browser.get(
        "/households/", headers=EN).text
    assert confirm(browser, preview.text).status_code == 302  # a second confirm: expired
    assert households(db) == 4


@pytest.mark.parametrize("written", ["2024-5-6", "2024/5/6", "2024.5.6", "2024年5月6日",
                                     "2024/05/06", "2024/5/6 0:00", "２０２４／５／６"])
def test_dates_as_people_and_excel_write_them(login, city, db, written):
    content = (HEADER + f"{code(1)},a1社区1,1,1,0101,3,{written}\n").encode()
    browser = login("street")
    preview = upload(browser, content, "households.csv")
    assert preview.status_code == 200, error_rows(preview.text)
    assert confirm(browser, preview.text).status_code == 302
    assert db.session.scalar(select(Household.sorting_since)) == dt.date(2024, 5, 6)


def test_dates_in_other_forms_are_refused(login, city, db):
    content = (HEADER + "".join(f"{code(n)},a1社区1,1,1,0101,3,{text}\n" for n, text in enumerate(
        ["6/5/2024", "20240506", "2024-5.6", "2021年2月29日"]))).encode()
    response = upload(login("street"), content, "households.csv")
    assert response.status_code == 422
    assert [r[2] for r in error_rows(response.text)] == [
        "Enter a date as 2024-5-6, 2024/5/6 or 2024.5.6 (or a date cell)."] * 3 + [
        "There is no such day: 2021年2月29日."]
    assert households(db) == 0


def test_codes_a_spreadsheet_made_numbers_of_are_refused(login, city, db):
    """A numeric XLSX cell, and text in scientific notation as Excel writes a long number to
    CSV: refused with the advice to format the column as text (5.00103E+16 became
    50010300099000096, a code nobody typed); a code of another form is refused with the
    city's example."""
    workbook = xlsx_bytes([ZH_HEADER, [50010300099000096, "a1社区1", "1", "1", "0101", 3, None],
                           [5.00103e16, "a1社区1", "1", "1", "0102", 3, None],
                           [code(3), "a1社区1", "1", "1", "0103", 3, None]])
    browser = login("street")
    response = upload(browser, workbook, "households.xlsx")
    assert response.status_code == 422
    messages = [r[2] for r in error_rows(response.text)]
    assert len(messages) == 2
    assert all("format the code column as text" in m for m in messages)
    content = (HEADER + "5.00103E+16,a1社区1,1,1,0101,3,\n"
               "H-1,a1社区1,1,1,0102,3,\n"
               "5001030010100000,a1社区1,1,1,0103,3,\n").encode()
    response = upload(browser, content, "households.csv")
    assert error_rows(response.text) == [
        ["row 2", "code", "The spreadsheet turned the code into a number (5.00103E+16): "
                          "format the code column as text and enter the codes again."],
        ["row 3", "code", "H-1 is not a household code of this city, which look like "
                          "50010300101000001."],
        ["row 4", "code", "5001030010100000 is not a household code of this city, which look "
                          "like 50010300101000001."]]
    assert households(db) == 0


@pytest.mark.config(HOUSEHOLD_CODE_PATTERN=r"HH-[0-9]{4}", HOUSEHOLD_CODE_EXAMPLE="HH-0001")
def test_the_code_pattern_is_a_setting(login, city, db):
    content = (HEADER + "HH-0007,a1社区1,1,1,0101,3,\n" + f"{code(1)},a1社区1,1,1,0102,3,\n"
               ).encode()
    response = upload(login("street"), content, "households.csv")
    assert error_rows(response.text) == [
        ["row 3", "code", f"{code(1)} is not a household code of this city, which look like "
                          "HH-0001."]]


def test_building_unit_and_room_are_stored_and_shown_once(login, city, db):
    content = (HEADER + f"{code(1)},a1社区1,3栋,2单元,0101室,3,\n"
               f"{code(2)},a1社区1,4,1,0102,3,\n").encode()
    browser = login("street")
    assert confirm(browser, upload(browser, content, "households.csv").text).status_code == 302
    assert db.session.execute(select(Household.building, Household.unit, Household.room)
                              .order_by(Household.code)).all() == [("3", "2", "0101"),
                                                                   ("4", "1", "0102")]
    db.session.add(Household(community=city.communities["a1c1"], code="OLD-1", building="7栋",
                             unit="1单元", room="", members=1))  # stored before: shown once
    db.session.commit()
    chinese = browser.get("/households/", headers=ZH).text
    assert "3栋2单元0101室" in chinese and "4栋1单元0102室" in chinese and "7栋1单元<" in chinese
    assert "栋 栋" not in chinese and "栋栋" not in chinese
    english = browser.get("/households/", headers=EN).text
    assert "Bldg 3, unit 2, room 0101" in english and "Bldg 7, unit 1<" in english


def test_the_household_form_stores_the_bare_part(login, city, db):
    browser = login("street")
    response = browser.submit("/households/new", {
        "community_id": str(city.communities["a1c1"].id), "code": "FORM-1",
        "building": "5栋", "unit": "3单元", "room": "0303室", "members": "2"})
    assert response.status_code == 302, response.text
    assert db.session.execute(select(Household.building, Household.unit, Household.room)
                              ).one() == ("5", "3", "0303")


def test_xlsx_import_and_a_code_of_another_township(login, city, db):
    db.session.add(Household(community=city.communities["b1c1"], code=code(9), members=1))
    db.session.commit()
    content = xlsx_bytes([ZH_HEADER, [code(1), "a1社区1", 1, 1, "0101", 2, "2021-01-05"],
                          [code(9), "a1社区1", 1, 1, "0102", 2, None]])
    response = upload(login("street"), content, "households.xlsx")
    assert response.status_code == 422
    assert error_rows(response.text) == [["row 3", "户编码", "A household with this code is "
                                          "registered already. It belongs to another town or "
                                          "street."]]
    assert households(db) == 1


def test_unreadable_and_wrong_files_are_messages_beside_the_field(login, city):
    browser = login("street")
    bad_xlsx = upload(browser, b"not a workbook", "households.xlsx")
    assert bad_xlsx.status_code == 422 and 'id="file-errors"' in bad_xlsx.text
    assert "The XLSX file cannot be read" in bad_xlsx.text
    no_header = upload(browser, b"a,b\n1,2\n", "households.csv")
    assert no_header.status_code == 422
    assert "missing: Household code, Community. Expected: Household code, Community, " \
           "Building, Unit, Room, Members, Sorting since." in no_header.text
    chinese = upload(browser, b"a,b\n1,2\n", "households.csv", headers=ZH)
    assert "户编码、社区" in chinese.text
    wrong_kind = upload(browser, b"x", "households.pdf")
    assert wrong_kind.status_code == 422 and 'id="file-errors"' in wrong_kind.text


def test_manager_may_not_import(login, city):
    browser = login("manager")
    assert browser.get("/households/import", headers={"Accept": "text/html"}).status_code == 403
    assert browser.get("/households/import/template.xlsx").status_code == 403


# --- files from other writers ------------------------------------------------------------

def test_xlsx_written_by_xlsxwriter(login, city, db):
    """Chinese headers, the code column formatted as text, date and date-and-time cells,
    numbers for members and building, a unit written with 单元."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("住户")
    text = book.add_format({"num_format": "@"})
    day = book.add_format({"num_format": "yyyy/m/d"})
    moment = book.add_format({"num_format": "yyyy/m/d h:mm"})
    sheet.write_row(0, 0, ZH_HEADER)
    for n in range(3):
        sheet.write_string(1 + n, 0, code(n + 1), text)
        sheet.write_string(1 + n, 1, "a1社区2")
        sheet.write_number(1 + n, 2, 3)
        sheet.write_string(1 + n, 3, "2单元")
        sheet.write_string(1 + n, 4, f"010{n + 1}", text)
        sheet.write_number(1 + n, 5, n + 1)
    sheet.write_datetime(1, 6, dt.datetime(2024, 5, 6), day)
    sheet.write_datetime(2, 6, dt.datetime(2024, 5, 7, 9, 30), moment)
    book.close()
    browser = login("street")
    preview = upload(browser, buffer.getvalue(), "住户.xlsx")
    assert preview.status_code == 200, error_rows(preview.text)
    assert "3 new households will be created" in preview.text
    assert confirm(browser, preview.text).status_code == 302
    assert db.session.execute(select(Household.code, Household.building, Household.unit,
                                     Household.room, Household.members,
                                     Household.sorting_since).order_by(Household.code)
                              ).all() == [(code(1), "3", "2", "0101", 1, dt.date(2024, 5, 6)),
                                          (code(2), "3", "2", "0102", 2, dt.date(2024, 5, 7)),
                                          (code(3), "3", "2", "0103", 3, None)]


@pytest.mark.parametrize("encoding", ["gbk", "utf-8-sig"])
def test_csv_as_excel_on_chinese_windows_saves_it(login, city, db, encoding):
    """Excel's "CSV" (GBK) and "CSV UTF-8" (with a byte-order mark): CRLF line ends, Chinese
    headers, dates as Excel shows them (2024/5/6), a community name with a comma quoted."""
    community = city.communities["a1c2"]
    community.name = "a1社区2，西"
    db.session.commit()
    lines = [",".join(ZH_HEADER),
             f'{code(1)},"a1社区2，西",3栋,2单元,0101,3,2024/5/6',
             f"{code(2)},a1社区1,3,2,0102,,2024年5月6日",
             ",,,,,,",  # Excel writes the commas of an empty row it once held
             f"{code(3)},a1社区1,3,2,0103,1,"]
    content = "\r\n".join(lines).encode(encoding) + b"\r\n"
    assert (b"\xef\xbb\xbf" in content[:3]) == (encoding == "utf-8-sig")
    browser = login("street")
    preview = upload(browser, content, "住户.csv", headers=ZH)
    assert preview.status_code == 200, error_rows(preview.text)
    assert confirm(browser, preview.text).status_code == 302
    assert db.session.execute(select(Household.code, Household.community_id,
                                     Household.building, Household.sorting_since)
                              .order_by(Household.code)).all() == [
        (code(1), community.id, "3", dt.date(2024, 5, 6)),
        (code(2), city.communities["a1c1"].id, "3", dt.date(2024, 5, 6)),
        (code(3), city.communities["a1c1"].id, "3", None)]


# --- export and template -----------------------------------------------------------------

def test_neutralise():
    assert neutralise("=1+1") == "'=1+1"
    assert neutralise("+86 23") == "'+86 23"
    assert neutralise("-2") == "'-2"
    assert neutralise("@SUM(A1)") == "'@SUM(A1)"
    assert neutralise("0101") == "0101" and neutralise(3) == 3 and neutralise(None) is None


def _export_households(city, db):
    community = city.communities["a1c1"]
    db.session.add_all([
        Household(community=community, code=code(1), building="+1", unit="-1", room="@A1",
                  members=2, sorting_since=dt.date(2024, 5, 6)),
        Household(community=community, code=code(2), building="=HYPERLINK(\"x\")", unit="1",
                  room="0101", members=1),
        Household(community=city.communities["b1c1"], code=code(3), members=1)])
    db.session.commit()


@pytest.mark.parametrize(("headers", "names"), [(ZH, ZH_HEADER), (EN, EN_HEADER)])
def test_csv_export_is_scoped_neutralised_and_in_the_users_language(login, city, db, headers,
                                                                     names):
    _export_households(city, db)
    browser = login("street")
    response = browser.get("/households/export.csv", headers=headers)
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert rows[0] == names
    assert rows[1] == [code(1), "a1社区1", "'+1", "'-1", "'@A1", "2", "2024-05-06"]
    assert rows[2][2] == "'=HYPERLINK(\"x\")"
    assert len(rows) == 3  # the household of another township is not exported
    again = upload(browser, response.data, "households.csv", headers=headers)  # round trip
    assert again.status_code == 200, error_rows(again.text)
    assert "0 new households will be created, 0 changed and 2 are unchanged" in again.text \
        or "新增 0 户，更改 0 户，2 户不变" in again.text


@pytest.mark.parametrize(("headers", "names"), [(ZH, ZH_HEADER), (EN, EN_HEADER)])
def test_xlsx_export_has_date_cells_a_frozen_header_and_no_visible_apostrophe(
        login, city, db, headers, names):
    _export_households(city, db)
    browser = login("street")
    response = browser.get("/households/export.xlsx", headers=headers)
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == names
    assert rows[1] == (code(1), "a1社区1", "+1", "-1", "@A1", 2, dt.datetime(2024, 5, 6))
    assert rows[2][2] == "=HYPERLINK(\"x\")"
    guarded = [sheet["C2"], sheet["D2"], sheet["E2"], sheet["C3"]]
    assert all(c.data_type == "s" and c.quotePrefix for c in guarded)  # text, shown as typed
    assert not sheet["B2"].quotePrefix and not sheet["A2"].quotePrefix
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    assert sheet["G2"].is_date and sheet["G2"].number_format == "yyyy-mm-dd"
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["A"].width >= 18 and sheet["A1"].font.b
    again = upload(browser, response.data, "households.xlsx", headers=EN)  # round trip
    assert again.status_code == 200, error_rows(again.text)
    assert "0 new households will be created, 0 changed and 2 are unchanged" in again.text


def test_the_import_template(login, city, db):
    browser = login("street")
    page = browser.get("/households/import")
    assert 'href="/households/import/template.xlsx"' in page.text
    response = browser.get("/households/import/template.xlsx")
    assert response.status_code == 200 and "attachment" in response.headers[
        "Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == ZH_HEADER  # the default language
    assert rows[1] == ("50010300101000001", "示例社区", "3", "2", "0101", 3,
                       dt.datetime(2024, 5, 6))
    assert sheet["A2"].number_format == "@" and sheet.column_dimensions["A"].number_format == "@"
    assert sheet["G2"].is_date and sheet.freeze_panes == "A2"
    english = load_workbook(io.BytesIO(browser.get("/households/import/template.xlsx",
                                                   headers=EN).data)).active
    assert [c.value for c in english[1]] == EN_HEADER
    # filled in with the example row's community replaced, it imports as it is
    sheet.parent.active["B2"] = "a1社区1"
    buffer = io.BytesIO()
    sheet.parent.save(buffer)
    preview = upload(browser, buffer.getvalue(), "template.xlsx")
    assert preview.status_code == 200, error_rows(preview.text)
    assert "1 new households will be created" in preview.text


def test_admin_chooses_the_township_to_import_into(browser, city, db):
    browser.login("admin")
    content = (HEADER + f"{code(1)},b1社区2,1,1,0101,2,\n").encode()
    missing = upload(browser, content, "households.csv", township_id="")
    assert missing.status_code == 422
    assert 'id="township_id-errors"' in missing.text
    preview = upload(browser, content, "households.csv",
                     township_id=str(city.townships["b1"].id))
    assert preview.status_code == 200
    assert confirm(browser, preview.text).status_code == 302
    row = db.session.scalar(select(Household).where(Household.code == code(1)))
    assert row.community_id == city.communities["b1c2"].id


def test_gb18030_csv_with_the_old_headers(login, city, db):
    content = (HEADER + f"{code(1)},a1社区1,1,1,0101,3,2021-03-01\n").encode("gb18030")
    preview = upload(login("street"), content, "households.csv")
    assert preview.status_code == 200
    assert "1 new households will be created" in preview.text


@pytest.mark.parametrize(("settings", "named"), [
    ({"HOUSEHOLD_CODE_PATTERN": "[0-9"}, "HOUSEHOLD_CODE_PATTERN"),
    ({"HOUSEHOLD_CODE_PATTERN": "(?i)[a-z]+", "HOUSEHOLD_CODE_EXAMPLE": "ab"},
     "HOUSEHOLD_CODE_PATTERN"),  # a global flag works alone, not inside the import's group
    ({"HOUSEHOLD_CODE_PATTERN": ""}, "HOUSEHOLD_CODE_PATTERN"),
    ({"HOUSEHOLD_CODE_EXAMPLE": "H-1"}, "HOUSEHOLD_CODE_EXAMPLE"),
])
def test_a_wrong_code_setting_stops_the_start_with_one_line(tmp_path, settings, named):
    from wastesort import create_app
    from wastesort.config import ConfigError

    with pytest.raises(ConfigError, match=f"^{named}: "):
        create_app({"INSTANCE_PATH": str(tmp_path), **settings})
