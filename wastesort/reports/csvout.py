"""A report's figures as CSV (UTF-8 with a BOM, so spreadsheet programs read Chinese names).
Units are in the column names."""

import csv
import io

from .models import Report, ReportKind

CATEGORIES = ("recyclable", "hazardous", "kitchen", "residual")


def csv_filename(report: Report) -> str:
    return (f"wastesort-{report.kind.value}-{report.period.value}-{report.period_start}-"
            f"{report.scope.replace(':', '-')}.csv")


def report_csv(report: Report) -> str:
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, lineterminator="\r\n")
    if report.kind is ReportKind.CAPACITY:
        _capacity(writer, report.figures)
    else:
        _coverage(writer, report.figures)
    return buffer.getvalue()


def _blank(value):
    return "" if value is None else value


def _capacity(writer, figures: dict) -> None:
    writer.writerow(["day", "collected_t", *(f"{c}_t" for c in CATEGORIES),
                     "capacity_t_per_day", "utilisation_percent", "headroom_t", "status"])
    for d in figures["daily"]:
        writer.writerow([d["day"], d["collected_t"], *(d["by_category_t"][c] for c in CATEGORIES),
                         d["capacity_t"], _blank(d["utilisation_percent"]), d["headroom_t"],
                         d["status"]])


def _coverage(writer, figures: dict) -> None:
    writer.writerow(["level", "id", "name", "district", "households", "households_covered",
                     "coverage_percent", "change_coverage_points", "fully_covered"])
    total, change = figures["total"], figures["total"]["change"]
    writer.writerow([figures["scope"].split(":")[0], "", "", "", total["households"],
                     total["households_covered"], _blank(total["coverage_percent"]),
                     _blank(change["coverage_points"]), ""])
    for d in figures["districts"]:
        writer.writerow(["district", d["id"], d["name"], d["name"], d["households"],
                         d["households_covered"], _blank(d["coverage_percent"]),
                         _blank((d["change"] or {}).get("coverage_points")), ""])
    for t in figures["townships"]:
        writer.writerow([t["kind"], t["id"], t["name"], t["district_name"], t["households"],
                         t["households_covered"], _blank(t["coverage_percent"]),
                         _blank((t["change"] or {}).get("coverage_points")),
                         "yes" if t["covered"] else "no"])
