"""Household imports cannot be turned against the service: an XLSX that unpacks too large or
too compressed is refused before it is parsed; rows and listed problems are bounded; one
import is read at a time; previews never confirmed are deleted."""

import io
import os
import time
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from wastesort.households.models import Household

from ..pages.test_transfer import EN, HEADER, code, confirm, upload


def households(db):
    return db.session.scalar(select(func.count()).select_from(Household))


def workbook(rows: list[list]) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(HEADER.strip().split(","))
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def bomb(unpacked_mb: int) -> bytes:
    """A real workbook whose sheet is blown up to ``unpacked_mb`` of the same row, which
    compresses to almost nothing: the "zip bomb" of the issue, scaled."""
    good = zipfile.ZipFile(io.BytesIO(workbook([["A-1", "a1社区1", "1", "1", "0101", 3, ""]])))
    row = ('<row><c t="inlineStr"><is><t>A-1</t></is></c><c t="inlineStr"><is><t>a1社区1</t>'
           '</is></c></row>')
    sheet = ('<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
             '<sheetData>' + row * (unpacked_mb * 1024 * 1024 // len(row.encode()))
             + '</sheetData></worksheet>')
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for part in good.infolist():
            data = sheet.encode() if part.filename.startswith("xl/worksheets/") \
                else good.read(part)
            archive.writestr(part.filename, data)
    return out.getvalue()


def file_errors(html: str) -> str:
    return html.split('id="file-errors"')[1].split("</")[0]


def test_a_bomb_is_refused_before_it_is_parsed(login, city, db):
    browser = login("street")
    content = bomb(120)
    assert len(content) < 1024 * 1024  # 120 MB of XML in well under 1 MiB
    started = time.monotonic()
    response = upload(browser, content, "households.xlsx")
    assert time.monotonic() - started < 2  # parsing 120 MB would take half a minute
    assert response.status_code == 422
    assert "The XLSX file unpacks to 120 MB; at most 50 MB is accepted." in \
        file_errors(response.text)
    assert households(db) == 0


def test_a_small_file_compressed_beyond_reason_is_refused(login, city):
    response = upload(login("street"), bomb(5), "households.xlsx")
    assert response.status_code == 422
    assert "compressed more than 100 times" in file_errors(response.text)


@pytest.mark.config(IMPORT_XLSX_MAX_UNPACKED_MB=1)
def test_unpacked_size_is_a_setting(login, city, db):
    rows = [[code(n), "a1社区1", f"{n % 7}", "1", f"{n:04d}", 3, "2021-03-01"]
            for n in range(8_000)]
    response = upload(login("street"), workbook(rows), "households.xlsx")
    assert response.status_code == 422
    assert "at most 1 MB is accepted" in file_errors(response.text)


def test_a_real_workbook_passes(login, city, db):
    rows = [[code(n), "a1社区1", "1", "1", f"{n:04d}", 3, "2021-03-01"] for n in range(500)]
    browser = login("street")
    response = upload(browser, workbook(rows), "households.xlsx")
    assert response.status_code == 200, response.text
    assert confirm(browser, response.text).status_code == 302
    assert households(db) == 500


@pytest.mark.config(IMPORT_MAX_ROWS=50)
def test_rows_are_bounded(login, city, db):
    browser = login("street")
    lines = [f"{code(n)},a1社区1,1,1,{n:04d},3,2021-03-01\n" for n in range(51)]
    response = upload(browser, (HEADER + "".join(lines)).encode(), "households.csv")
    assert response.status_code == 422
    assert "The file has more than 50 rows; split it into smaller files." in \
        file_errors(response.text)
    response = upload(browser, (HEADER + "".join(lines[:50])).encode(), "households.csv")
    assert response.status_code == 200


def test_problems_are_bounded_and_the_stop_is_said(login, city, db):
    lines = [f"{code(n)},no such place,1,1,{n:04d},many,2021-13-01\n" for n in range(5_000)]
    response = upload(login("street"), (HEADER + "".join(lines)).encode(), "households.csv")
    assert response.status_code == 422
    table = response.text.split('id="import-errors"')[1].split("</table>")[0]
    assert table.count("<tr>") == 1 + 201  # the header, 200 problems and where it stopped
    assert "Checking stopped here, after 200 problems" in table
    # 3 problems a row: rows 2 to 68 hold 201; checking stops at row 69
    assert "row 69<" in table.split("Checking stopped")[0].rsplit("<tr>", 1)[1]
    assert "row 70<" not in table


def test_while_one_import_is_read_another_waits_its_turn(app, login, city, db):
    from wastesort.households.upload_limits import one_import_at_a_time

    browser = login("street")
    content = (HEADER + "50010300101000001,a1社区1,1,1,0101,3,2021-03-01\n").encode()
    folder = Path(app.instance_path) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    with one_import_at_a_time(folder):  # a large file being read in another worker
        busy = upload(browser, content, "households.csv")
    assert busy.status_code == 503
    assert busy.headers["Retry-After"] == "60"
    assert "Another file is being checked right now; try again in a minute." in \
        file_errors(busy.text)
    assert upload(browser, content, "households.csv").status_code == 200


def test_a_preview_never_confirmed_is_deleted(app, login, city, db):
    browser = login("street")
    content = (HEADER + "50010300101000001,a1社区1,1,1,0101,3,2021-03-01\n").encode()
    first = upload(browser, content, "households.csv")
    assert first.status_code == 200
    folder = Path(app.instance_path) / "imports"
    [left] = [p for p in folder.iterdir() if p.suffix == ".csv"]
    three_hours_ago = time.time() - 3 * 3600
    os.utime(left, (three_hours_ago, three_hours_ago))
    assert confirm(browser, first.text).status_code == 302  # "expired"
    assert not left.exists()
    assert households(db) == 0
    page = browser.get("/households/import", headers=EN)
    assert "This import has expired; upload the file again." in page.text


def test_another_upload_cleans_up_old_previews(app, login, city, db):
    browser = login("street")
    content = (HEADER + "50010300101000001,a1社区1,1,1,0101,3,2021-03-01\n").encode()
    upload(browser, content, "households.csv")
    folder = Path(app.instance_path) / "imports"
    [old] = [p for p in folder.iterdir() if p.suffix == ".csv"]
    os.utime(old, (time.time() - 3 * 3600,) * 2)
    upload(browser, content, "households.csv")
    assert not old.exists()
    assert len([p for p in folder.iterdir() if p.suffix == ".csv"]) == 1


def test_the_refusal_is_in_chinese_by_default(login, city):
    from ..pages.conftest import csrf_token

    browser = login("street")
    page = browser.get("/households/import")
    response = browser.client.post("/households/import", content_type="multipart/form-data",
                                   data={"csrf_token": csrf_token(page.text),
                                         "file": (io.BytesIO(bomb(120)), "households.xlsx")})
    assert response.status_code == 422
    assert "该 XLSX 文件解压后为 120 MB，最多接受 50 MB。" in file_errors(response.text)
