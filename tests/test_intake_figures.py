"""The chain to treatment, recomputed by hand for the small city (docs/metrics.md, "The chain to
treatment", worked example): each facility against its capacity, collected against received,
mixed transport in one street, the four rates; and capacity with a history, so that a past day
is measured against the capacity it had then."""

import datetime as dt

import pytest

from tests import factories
from tests.factories import add_collection, add_ticket
from wastesort.enums import FacilityType, WasteCategory
from wastesort.extensions import db
from wastesort.facilities.capacity import remove_planned, set_capacity
from wastesort.metrics.capacity import city_capacity_t_per_day, daily_capacity
from wastesort.metrics.facilities import (
    collected_against_received,
    facilities_on,
    facility_days,
    facility_summary,
    township_gaps,
    treatment_rates,
)
from wastesort.reports.models import ReportKind, ReportPeriod
from wastesort.reports.service import make_report
from wastesort.timeutil import local_today

DAY = dt.date(2026, 11, 2)
R, K, Y, H = (WasteCategory.RESIDUAL, WasteCategory.KITCHEN, WasteCategory.RECYCLABLE,
              WasteCategory.HAZARDOUS)


@pytest.fixture
def chain(city):
    """The worked example's day: collections and tickets, and a landfill."""
    landfill = factories.add_facility("landfill 1", FacilityType.LANDFILL, 100, city.districts["a"])
    db.session.commit()
    point = city.points["a1"]
    for category, kg in ((R, 90_000), (K, 40_000), (Y, 20_000), (H, 1_000)):
        add_collection(point, DAY, category, kg)
    f = city.facilities
    for facility, stream, kg in ((f["incineration"], R, 85_000), (f["incineration"], K, 2_000),
                                 (landfill, R, 5_000), (f["kitchen_waste"], K, 36_000),
                                 (f["hazardous_waste"], H, 1_000),
                                 (f["recyclables_sorting"], Y, 18_000)):
        add_ticket(facility, DAY, stream, kg)
    add_ticket(f["incineration"], DAY, R, 50_000, voided=True)  # never counts
    return city


def test_each_facility_against_its_capacity(chain, app):
    rows = {r["name"]: r["days"][0] for r in facility_days(DAY, DAY)}
    incinerator = rows["facility 0"]
    assert (incinerator["intake_t"], incinerator["capacity_t"]) == (87.0, 100)
    assert (incinerator["utilisation_percent"], incinerator["headroom_t"]) == (87.0, 13.0)
    assert incinerator["status"] == "warning"
    assert incinerator["by_stream_t"] == {"recyclable": 0.0, "hazardous": 0.0, "kitchen": 2.0,
                                          "residual": 85.0}
    assert rows["facility 4"]["status"] == "ok" and rows["facility 4"]["intake_t"] == 0
    day = facilities_on(DAY)
    (strained,) = day["strained"]
    assert strained["name"] == "facility 0"
    assert (strained["excess_t"], strained["suggestions"], strained["unplaced_t"]) == (2.0, [], 2.0)


def test_a_strained_facility_is_offered_room_at_the_same_type(chain, app):
    """A second incinerator of 200 t/day with 100 t received has room for 70 t before its own
    warning level (85 % of 200 = 170): the first one's 2 t fit there."""
    second = factories.add_facility("incinerator 2", FacilityType.INCINERATION, 200,
                                    chain.districts["a"])
    db.session.commit()
    add_ticket(second, DAY, R, 100_000)
    (strained,) = facilities_on(DAY)["strained"]
    assert strained["suggestions"] == [{"id": second.id, "name": "incinerator 2", "tonnes": 2.0}]
    assert strained["unplaced_t"] == 0


def test_collected_against_received(chain, app):
    (day,) = collected_against_received(DAY, DAY)
    gaps = {s["stream"]: (s["gap_t"], s["gap_percent"], s["beyond_tolerance"])
            for s in day["streams"]}
    assert gaps == {"residual": (0.0, 0.0, False), "kitchen": (2.0, 5.0, False),
                    "recyclable": (2.0, 10.0, False), "hazardous": (0.0, 0.0, False)}
    assert (day["mixed_streams"], day["mixed_t"]) == ([], 0.0)


def test_beyond_tolerance_either_way(chain, app):
    add_ticket(chain.facilities["kitchen_waste"], DAY, K, 5_000)  # 43 t of 40: 7.5 % over
    (day,) = collected_against_received(DAY, DAY)
    kitchen = next(s for s in day["streams"] if s["stream"] == "kitchen")
    assert (kitchen["gap_t"], kitchen["gap_percent"], kitchen["beyond_tolerance"]) == (
        -3.0, -7.5, True)


def test_mixed_transport_in_one_street(city, app):
    """Street a1's kitchen waste collected, but arriving at the incinerator as residual."""
    day = DAY + dt.timedelta(days=1)
    add_collection(city.points["a1"], day, K, 10_000)
    add_collection(city.points["a1"], day, R, 20_000)
    add_collection(city.points["b1"], day, K, 400_000)  # elsewhere, much more: the city's
    add_collection(city.points["b1"], day, R, 400_000)  # streams hardly notice a1's 8 t
    a1 = city.townships["a1"]
    add_ticket(city.facilities["kitchen_waste"], day, K, 2_000, township=a1)
    add_ticket(city.facilities["incineration"], day, R, 28_000, township=a1)
    add_ticket(city.facilities["kitchen_waste"], day, K, 400_000)
    add_ticket(city.facilities["incineration"], day, R, 400_000)
    (street,) = township_gaps(day, day)
    assert street["township_id"] == a1.id
    assert (street["mixed_streams"], street["mixed_t"]) == (["kitchen"], 8.0)
    kitchen = next(s for s in street["streams"] if s["stream"] == "kitchen")
    assert (kitchen["gap_t"], kitchen["gap_percent"]) == (8.0, 80.0)
    (city_day,) = collected_against_received(day, day)
    assert city_day["mixed_streams"] == []  # 8 t in 410 t is within the tolerance


def test_the_four_rates(chain, app):
    rates = treatment_rates(DAY, DAY)
    assert (rates["collected_t"], rates["collected_for_treatment_t"]) == (151.0, 131.0)
    assert (rates["harmless_t"], rates["landfill_t"]) == (129.0, 5.0)
    assert rates["harmless_rate_percent"] == 98.47  # 129 / 131
    assert rates["landfill_share_percent"] == 3.88  # 5 / 129
    assert rates["recycling_rate_percent"] == 35.76  # (18 + 36) / 151
    assert rates["resource_utilisation_percent"] == 32.92  # (18 + 13.05 + 18) / (18 + 131)


@pytest.mark.config(RESOURCE_UTILISATION_COEFFICIENTS={
    "incineration": 1.0, "kitchen_waste": 1.0, "hazardous_waste": 0.0, "landfill": 0.0,
    "other": 0.0})
def test_the_coefficients_are_settings(chain, app):
    rates = treatment_rates(DAY, DAY)
    assert rates["resource_utilisation_percent"] == 94.63  # (18 + 87 + 36) / 149


def test_no_landfill_is_a_zero_share(city, app):
    add_collection(city.points["a1"], DAY, R, 10_000)
    add_ticket(city.facilities["incineration"], DAY, R, 10_000)
    rates = treatment_rates(DAY, DAY)
    assert (rates["landfill_share_percent"], rates["harmless_rate_percent"]) == (0.0, 100.0)


# --------------------------------------------------------------------------- capacity history

def test_a_past_day_is_measured_against_the_capacity_it_had(city, app):
    """The incinerator grows a line on DAY+1 (100 → 300 t/day), closes for maintenance on
    DAY+3 and opens again on DAY+5; a change two years ahead is planned. Each day takes its own
    capacity; the city's 500 t/day of DAY stays 500 in a report of DAY made later."""
    admin, incinerator = city.users["admin"], city.facilities["incineration"].id
    for offset, capacity in ((1, 300), (3, 0), (5, 300)):
        set_capacity(admin, incinerator, {"effective_from": DAY + dt.timedelta(days=offset),
                                          "capacity_t_per_day": capacity})
    planned = set_capacity(admin, incinerator, {
        "effective_from": local_today() + dt.timedelta(days=730), "capacity_t_per_day": 900,
        "note": "new line"})
    days = daily_capacity(DAY, DAY + dt.timedelta(days=6))
    assert [d["capacity_t"] for d in days] == [500, 700, 700, 400, 400, 700, 700]
    assert [d["streams"][0]["capacity_t"] for d in days] == [100, 300, 300, 0, 0, 300, 300]
    assert city_capacity_t_per_day(DAY) == 500
    assert city_capacity_t_per_day() == 700  # today
    assert city_capacity_t_per_day(planned.effective_from) == 1_300
    add_collection(city.points["a1"], DAY, R, 450_000)
    report, _ = make_report(ReportKind.CAPACITY, ReportPeriod.DAY, DAY)
    total = report.figures["total"]
    assert (total["capacity_t_per_day"], total["average_utilisation_percent"]) == (500, 90.0)
    assert report.figures["streams"][0]["capacity_t_per_day"] == 100  # residual: incineration
    remove_planned(admin, incinerator, planned.id)
    assert city_capacity_t_per_day(planned.effective_from) == 700


def test_a_month_with_a_week_of_maintenance(city, app):
    """Facility figures of a period: a week at capacity 0 is counted as closed days, and the
    average utilisation is over the open days only; a ticket on a closed day is 'over'."""
    admin, incinerator = city.users["admin"], city.facilities["incineration"]
    first = dt.date(2026, 10, 1)
    set_capacity(admin, incinerator.id, {"effective_from": dt.date(2026, 10, 10),
                                         "capacity_t_per_day": 0, "note": "maintenance"})
    set_capacity(admin, incinerator.id, {"effective_from": dt.date(2026, 10, 17),
                                         "capacity_t_per_day": 100})
    for n in range(31):
        day = first + dt.timedelta(days=n)
        if not dt.date(2026, 10, 10) <= day < dt.date(2026, 10, 17):
            add_ticket(incinerator, day, R, 80_000)
    add_ticket(incinerator, dt.date(2026, 10, 12), R, 1_000)  # one truck came anyway
    row = facility_days(first, dt.date(2026, 10, 31), incinerator.id)[0]
    summary = facility_summary(row)
    assert (summary["closed_days"], summary["over_days"]) == (7, 1)
    assert summary["average_utilisation_percent"] == 80.0
    assert summary["intake_t"] == 24 * 80 + 1
    report, _ = make_report(ReportKind.CAPACITY, ReportPeriod.MONTH, first)
    streams = report.figures["streams"]
    assert streams[0]["capacity_t_per_day"] == round(100 * 24 / 31, 1)
    (facility,) = [f for f in report.figures["facilities"]["facilities"]
                   if f["id"] == incinerator.id]
    assert (facility["closed_days"], facility["average_utilisation_percent"]) == (7, 80.0)


def test_capacity_rules(city, app):
    from wastesort.errors_domain import Forbidden, RuleViolation

    incinerator = city.facilities["incineration"].id
    with pytest.raises(Forbidden):
        set_capacity(city.users["manager"], incinerator, {"effective_from": DAY,
                                                          "capacity_t_per_day": 1})
    with pytest.raises(RuleViolation) as bad:
        set_capacity(city.users["admin"], incinerator, {"effective_from": None,
                                                        "capacity_t_per_day": -1})
    assert set(bad.value.errors) == {"effective_from", "capacity_t_per_day"}
    past = set_capacity(city.users["admin"], incinerator, {"effective_from": DAY,
                                                           "capacity_t_per_day": 50})
    with pytest.raises(RuleViolation):  # the past stays as it was measured
        remove_planned(city.users["admin"], incinerator, past.id)
    again = set_capacity(city.users["admin"], incinerator, {"effective_from": DAY,
                                                            "capacity_t_per_day": 60})
    assert again.id == past.id and city_capacity_t_per_day(DAY) == 460  # replaced, not added
