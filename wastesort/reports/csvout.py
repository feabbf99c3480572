"""A report's figures as CSV (UTF-8 with a BOM, so spreadsheet programs read Chinese names).

Two audiences, one list of columns: people (the report page's download and the e-mail's
attachment) get headers and words in their language ("覆盖达标" with 是/否), and a file named
like the report; programs (the API) get stable English machine headers and values
(``fully_covered`` with ``yes``/``no``) and an ASCII file name, which never change with the
language or a new translation. Units are in the column names either way.
"""

import csv
import io
import re
from urllib.parse import quote

from flask_babel import gettext as _

from .models import Report, ReportKind
from .presentation import report_title

CATEGORIES = ("recyclable", "hazardous", "kitchen", "residual")
_NOT_IN_FILE_NAMES = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


def _capacity_columns() -> list[tuple[str, str]]:
    """(machine header, header for people) of each column of a capacity report."""
    categories = {"recyclable": _("Recyclables (t)"), "hazardous": _("Hazardous waste (t)"),
                  "kitchen": _("Kitchen waste (t)"), "residual": _("Residual waste (t)")}
    received = {"recyclable": _("Recyclables received (t)"),
                "hazardous": _("Hazardous waste received (t)"),
                "kitchen": _("Kitchen waste received (t)"),
                "residual": _("Residual waste received (t)")}
    return [("day", _("Day")), ("collected_t", _("Collected (t)")),
            *((f"{c}_t", categories[c]) for c in CATEGORIES),
            ("capacity_t_per_day", _("Capacity (t/day)")),
            ("utilisation_percent", _("Utilisation (%)")),
            ("headroom_t", _("Headroom (t)")), ("status", _("Status")),
            ("received_t", _("Received at the facilities (t)")),
            *((f"{c}_received_t", received[c]) for c in CATEGORIES),
            ("mixed_transport_t", _("Mixed transport (t)"))]


def _coverage_columns() -> list[tuple[str, str]]:
    return [("level", _("Level")), ("id", _("Id")), ("name", _("Name")),
            ("district", _("District")), ("households", _("Households")),
            ("households_covered", _("Households covered")),
            ("coverage_percent", _("Coverage (%)")),
            ("change_coverage_points", _("Change (percentage points)")),
            ("fully_covered", _("Fully covered")),
            *_inspection_columns()]


def _inspection_columns() -> list[tuple[str, str]]:
    """The inspection section's columns of a coverage report (blank in reports made before
    the section existed)."""
    return [("inspections", _("Number of inspections")),
            ("participation_percent", _("Participation (%)")),
            ("change_participation_points", _("Change in participation (percentage points)")),
            ("accuracy_percent", _("Accuracy (%)")),
            ("change_accuracy_points", _("Change in accuracy (percentage points)")),
            ("communities_inspected_percent", _("Communities inspected (%)")),
            ("stale_communities", _("Communities not inspected lately"))]


def _words() -> dict[str, str]:
    """The values that are words, for people."""
    return {"yes": _("yes"), "no": _("no"), "ok": _("normal"), "warning": _("warning"),
            "over": _("over capacity"), "city": _("city"), "district": _("district"),
            "town": _("town"), "street": _("street"), "red": _("red list"),
            "black": _("black list")}


def csv_filename(report: Report) -> str:
    """The machine name (API; the ASCII fallback of a download):
    ``wastesort-capacity-month-2026-11-01-city.csv``."""
    return (f"wastesort-{report.kind.value}-{report.period.value}-{report.period_start}-"
            f"{report.scope.replace(':', '-')}.csv")


def csv_title_filename(report: Report) -> str:
    """The file name for people: the report's name ("2026年11月 处理能力月报.csv")."""
    return _NOT_IN_FILE_NAMES.sub("-", report_title(report)).strip(" .") + ".csv"


def content_disposition(report: Report) -> str:
    """An attachment named for people (RFC 6266 ``filename*``), with the machine name as
    the ASCII ``filename`` for programs that read only that."""
    return (f'attachment; filename="{csv_filename(report)}"; '
            f"filename*=UTF-8''{quote(csv_title_filename(report), safe='')}")


def report_csv(report: Report, *, for_people: bool = True) -> str:
    """The figures; ``for_people`` in the current language, else with machine headers."""
    words = _words() if for_people else {}

    def word(value: str) -> str:
        return words.get(value, value)

    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, lineterminator="\r\n")
    if report.kind is ReportKind.RANKING:
        from .ranking import csv_columns, csv_rows

        writer.writerow([label if for_people else key for key, label in csv_columns()])
        csv_rows(writer, report.figures, word)
    elif report.kind is ReportKind.CAPACITY:
        columns = _capacity_columns()
        writer.writerow([label if for_people else key for key, label in columns])
        _capacity(writer, report.figures, word)
    else:
        columns = _coverage_columns()
        writer.writerow([label if for_people else key for key, label in columns])
        _coverage(writer, report.figures, word)
    return buffer.getvalue()


def _blank(value):
    return "" if value is None else value


def _capacity(writer, figures: dict, word) -> None:
    """A row per day; the facilities' columns (received, mixed transport) blank in reports
    made before the facility section existed."""
    intake = {d["day"]: d for d in (figures.get("facilities") or {}).get("daily", [])}
    for d in figures["daily"]:
        i = intake.get(d["day"])
        received = [round(sum(i["received_t"].values()), 3),
                    *(i["received_t"][c] for c in CATEGORIES), i["mixed_t"]] if i \
            else [""] * (len(CATEGORIES) + 2)
        writer.writerow([d["day"], d["collected_t"], *(d["by_category_t"][c] for c in CATEGORIES),
                         d["capacity_t"], _blank(d["utilisation_percent"]), d["headroom_t"],
                         word(d["status"]), *received])


def _inspected(row: dict | None) -> list:
    """A row's inspection columns (blank when the report has no section, or no such row)."""
    if row is None:
        return [""] * len(_inspection_columns())
    change = row["change"] or {}
    return [row["inspections"], _blank(row["participation_percent"]),
            _blank(change.get("participation_points")), _blank(row["accuracy_percent"]),
            _blank(change.get("accuracy_points")), _blank(row["communities_inspected_percent"]),
            row["stale_communities"]]


def _coverage(writer, figures: dict, word) -> None:
    total, change = figures["total"], figures["total"]["change"]
    section = figures.get("inspections") or {}
    inspected = {level: {r["id"]: r for r in section.get(level, [])}
                 for level in ("districts", "townships")}
    writer.writerow([word(figures["scope"].split(":")[0]), "", "", "", total["households"],
                     total["households_covered"], _blank(total["coverage_percent"]),
                     _blank(change["coverage_points"]), "",
                     *_inspected(section.get("total"))])
    for d in figures["districts"]:
        writer.writerow([word("district"), d["id"], d["name"], d["name"], d["households"],
                         d["households_covered"], _blank(d["coverage_percent"]),
                         _blank((d["change"] or {}).get("coverage_points")), "",
                         *_inspected(inspected["districts"].get(d["id"]))])
    for t in figures["townships"]:
        writer.writerow([word(t["kind"]), t["id"], t["name"], t["district_name"],
                         t["households"], t["households_covered"],
                         _blank(t["coverage_percent"]),
                         _blank((t["change"] or {}).get("coverage_points")),
                         word("yes" if t["covered"] else "no"),
                         *_inspected(inspected["townships"].get(t["id"]))])
