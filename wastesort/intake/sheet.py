"""The weighbridge spreadsheet: its columns, the words weighbridge software writes in them, and
each cell turned into a typed value (or a message).

Files are read as the household import reads them (wastesort/households/sheet.py: CSV in UTF-8
or GB18030/GBK, XLSX after the archive check). Weighbridge programs name their columns in many
ways (磅单号, 过磅单号, 票号; 净重, 净重(kg), 净重(吨)), so each column has aliases; the arrival is
one column of date and time, or a date column and a time column. A weight in tonnes (a column
named so) is turned into kilograms. Dates as 2024-5-6, 2024/5/6, 2024.5.6, 2024年5月6日, date
cells or Excel's day numbers; a date without a time is the start of that day in the city.
"""

import datetime as dt
import re
import unicodedata
from collections.abc import Iterator

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from ..households.address import list_separator
from ..households.cells import cell_text
from ..households.sheet import UnreadableFile, blank_row, csv_rows, xlsx_rows
from .labels import STREAM_LABELS

COLUMNS = ("ticket_number", "arrived_at", "arrival_date", "arrival_time", "stream",
           "net_weight_kg", "net_weight_t", "township", "vehicle_plate")
COLUMN_LABELS = {
    "ticket_number": _l("Ticket number"), "arrived_at": _l("Arrival time"),
    "arrival_date": _l("Arrival date"), "arrival_time": _l("Time of arrival"),
    "stream": _l("Stream"), "net_weight_kg": _l("Net weight (kg)"),
    "net_weight_t": _l("Net weight (t)"), "township": _l("Town or street"),
    "vehicle_plate": _l("Vehicle plate"),
}
TEMPLATE_COLUMNS = ("ticket_number", "arrived_at", "stream", "net_weight_kg", "township",
                    "vehicle_plate")
FILE_LABEL = _l("File")
HEADER_ALIASES = {
    "磅单号": "ticket_number", "过磅单号": "ticket_number", "单号": "ticket_number",
    "票号": "ticket_number", "磅单编号": "ticket_number", "ticket": "ticket_number",
    "ticket no": "ticket_number", "ticket no.": "ticket_number",
    "进场时间": "arrived_at", "进厂时间": "arrived_at", "过磅时间": "arrived_at",
    "称重时间": "arrived_at", "日期时间": "arrived_at", "arrival": "arrived_at",
    "日期": "arrival_date", "过磅日期": "arrival_date", "date": "arrival_date",
    "时间": "arrival_time", "time": "arrival_time",
    "垃圾类别": "stream", "类别": "stream", "垃圾种类": "stream", "品类": "stream",
    "货物名称": "stream", "货名": "stream", "category": "stream",
    "净重": "net_weight_kg", "净重(kg)": "net_weight_kg", "净重（kg）": "net_weight_kg",
    "净重kg": "net_weight_kg", "净重(公斤)": "net_weight_kg", "net weight": "net_weight_kg",
    "净重(t)": "net_weight_t", "净重（t）": "net_weight_t", "净重(吨)": "net_weight_t",
    "净重（吨）": "net_weight_t", "净重t": "net_weight_t",
    "来源镇街": "township", "镇街": "township", "来源": "township", "街道": "township",
    "乡镇": "township", "town or street": "township",
    "车牌号": "vehicle_plate", "车牌": "vehicle_plate", "车号": "vehicle_plate",
    "plate": "vehicle_plate",
}
# What weighbridge programs write for a stream (the four national categories and their older
# names in Chongqing's and other cities' programmes).
STREAM_WORDS = {
    "厨余垃圾": "kitchen", "餐厨垃圾": "kitchen", "湿垃圾": "kitchen", "易腐垃圾": "kitchen",
    "其他垃圾": "residual", "干垃圾": "residual", "生活垃圾": "residual", "混合垃圾": "residual",
    "可回收物": "recyclable", "可回收垃圾": "recyclable", "有害垃圾": "hazardous",
}
DATE_TIME = re.compile(
    r"([0-9]{4})([-/.])([0-9]{1,2})\2([0-9]{1,2})|([0-9]{4})年([0-9]{1,2})月([0-9]{1,2})日")
TIME = re.compile(r"([0-9]{1,2}):([0-9]{2})(?::([0-9]{2})(?:\.[0-9]*)?)?")
EXCEL_EPOCH = dt.datetime(1899, 12, 30)  # day 0 of Excel's (1900) day numbers
EXCEL_DAYS = (36526, 73051)  # 2000-01-01 to 2100-01-01: a number outside is no date
ARRIVAL_FORMATS = _l("Enter the arrival as 2024-5-6 14:30 (or 2024/5/6 14:30, 2024.5.6, a "
                     "date cell).")


def header_aliases() -> dict[str, str]:
    """{header text in lower case: column key}: keys, aliases and each column's label in every
    language of LANGUAGES (what the template writes)."""
    aliases = {key: key for key in COLUMNS} | HEADER_ALIASES
    for locale in current_app.config["LANGUAGES"]:
        with force_locale(locale):
            aliases.update({str(label).lower(): key for key, label in COLUMN_LABELS.items()})
    return aliases


def stream_words() -> dict[str, str]:
    """{cell text: stream}: the machine values, STREAM_WORDS and each stream's label in every
    language of LANGUAGES."""
    words = {key: key for key in STREAM_LABELS} | STREAM_WORDS
    for locale in current_app.config["LANGUAGES"]:
        with force_locale(locale):
            words.update({str(label).lower(): key for key, label in STREAM_LABELS.items()})
    return words


def column_labels(keys) -> LazyString:
    return LazyString(lambda: list_separator().join(str(COLUMN_LABELS[k]) for k in keys))


def read_sheet(filename: str, data: bytes) -> tuple[dict[str, int], dict[str, str],
                                                    Iterator[tuple[int, list]]]:
    """({column key: position}, {column key: the file's header}, numbered non-blank rows)."""
    name = (filename or "").lower()
    if name.endswith(".xlsx"):
        raw = xlsx_rows(data)
    elif name.endswith(".csv"):
        raw = csv_rows(data)
    else:
        raise UnreadableFile(_l("Upload a .csv or .xlsx file."))
    header = next(raw, None)
    if header is None:
        raise UnreadableFile(_l("The file is empty."))
    aliases = header_aliases()
    positions: dict[str, int] = {}
    headers: dict[str, str] = {}
    for index, text in enumerate(header):
        key = aliases.get(" ".join(str(text or "").split()).lower())
        if key is not None and key not in positions:
            positions[key] = index
            headers[key] = str(text).strip()
    missing = [c for c in ("ticket_number", "stream") if c not in positions]
    if "arrived_at" not in positions and "arrival_date" not in positions:
        missing.append("arrived_at")
    if "net_weight_kg" not in positions and "net_weight_t" not in positions:
        missing.append("net_weight_kg")
    if missing:
        raise UnreadableFile(_l("The first row must name the columns; missing: %(missing)s. "
                                "Expected: %(expected)s.", missing=column_labels(missing),
                                expected=column_labels(TEMPLATE_COLUMNS)))
    rows = ((number, values) for number, values in enumerate(raw, start=2)
            if not blank_row(values))
    return positions, headers, rows


def _date_part(value) -> tuple[dt.date | None, dt.time | None, bool]:
    """(date, time if the cell has one, whether it could be read)."""
    if isinstance(value, dt.datetime):  # a date cell is a datetime at midnight
        return value.date(), (value.time() if value.time() != dt.time() else None), True
    if isinstance(value, dt.date):
        return value, None, True
    if isinstance(value, int | float) and not isinstance(value, bool):
        if not EXCEL_DAYS[0] <= value < EXCEL_DAYS[1]:
            return None, None, False
        moment = EXCEL_EPOCH + dt.timedelta(days=float(value))
        moment = moment.replace(microsecond=0) + dt.timedelta(
            seconds=round(moment.microsecond / 1e6))
        return moment.date(), (moment.time() if value % 1 else None), True
    text = unicodedata.normalize("NFKC", cell_text(value)).strip()
    match = DATE_TIME.match(text)
    if match is None:
        return None, None, False
    year, _sep, month, day, *chinese = match.groups()
    if year is None:
        year, month, day = chinese
    try:
        date = dt.date(int(year), int(month), int(day))
    except ValueError:
        return None, None, False
    rest = text[match.end():].strip().lstrip("T").strip()
    if not rest:
        return date, None, True
    time, readable = _time_part(rest)
    return (date, time, True) if readable else (None, None, False)


def _time_part(value) -> tuple[dt.time | None, bool]:
    if isinstance(value, dt.datetime):
        return value.time(), True
    if isinstance(value, dt.time):
        return value, True
    if isinstance(value, float) and 0 <= value < 1:  # Excel's fraction of a day
        seconds = round(value * 86400)
        return (dt.time(seconds // 3600, seconds // 60 % 60, seconds % 60)
                if seconds < 86400 else dt.time(23, 59, 59)), True
    text = unicodedata.normalize("NFKC", cell_text(value)).strip()
    match = TIME.fullmatch(text)
    if match is None:
        return None, False
    hour, minute, second = (int(g) if g else 0 for g in match.groups())
    if hour > 23 or minute > 59 or second > 59:
        return None, False
    return dt.time(hour, minute, second), True


def arrival_cell(value, time_value=None) -> tuple[dt.datetime | None, str | None]:
    """(the arrival on the city's clock, naive; or a message). ``time_value`` is the separate
    time column's cell, if the file has one."""
    if value is None or cell_text(value) == "":
        return None, _l("This field is required.")
    date, time, readable = _date_part(value)
    if not readable:
        return None, ARRIVAL_FORMATS
    if time is None and time_value is not None and cell_text(time_value) != "":
        time, readable = _time_part(time_value)
        if not readable:
            return None, _l("Enter the time as 14:30 or 14:30:05.")
    return dt.datetime.combine(date, time or dt.time(0)), None


def weight_cell(value, tonnes: bool) -> tuple[int | None, str | None]:
    """Whole kilograms (from a kilogram or a tonne column), or a message."""
    if isinstance(value, bool):
        return None, _l("Enter the net weight as a number.")
    if isinstance(value, int | float):
        number = float(value)
    else:
        text = unicodedata.normalize("NFKC", cell_text(value)).replace(",", "").strip()
        text = text.removesuffix("kg").removesuffix("t").removesuffix("吨").strip()
        if not text:
            return None, _l("This field is required.")
        try:
            number = float(text)
        except ValueError:
            return None, _l("Enter the net weight as a number.")
    kg = number * 1000 if tonnes else number
    if kg != kg or kg in (float("inf"), float("-inf")):
        return None, _l("Enter the net weight as a number.")
    if not tonnes and not kg.is_integer():
        return None, _l("Enter the net weight in whole kilograms.")
    return round(kg), None


def stream_cell(value, words: dict[str, str]) -> tuple[str | None, str | None]:
    text = " ".join(cell_text(value).split()).lower()
    if not text:
        return None, _l("This field is required.")
    stream = words.get(text)
    if stream is None:
        return None, _l("%(value)s is not a stream; use one of: %(streams)s.",
                        value=repr(text), streams=LazyString(lambda: list_separator().join(
                            str(label) for label in STREAM_LABELS.values())))
    return stream, None
