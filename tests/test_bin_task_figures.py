"""The bin task figures of docs/metrics.md ("Bin problems"), recomputed by hand for a small
city on a frozen clock: what was open and overdue at a day's end (whatever became of it
later), what was opened, resolved (on time) and rejected in a day and a week, the median time
to resolve, the districts' counts, the most overdue list and "my street today"'s block; and
escalation by the clock alone (no step, no job: the due time passes and the task is overdue).
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from wastesort.bintasks import reporting, service
from wastesort.metrics import bintasks as figures

CITY = ZoneInfo("Asia/Shanghai")
DAY = dt.date(2026, 11, 20)  # a Friday: its week is Monday 16 to Sunday 22 November


def city_time(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=CITY)


@pytest.fixture
def clock(time_machine):
    def move(day: dt.date, hour: int, minute: int = 0):
        time_machine.move_to(city_time(day, hour, minute), tick=False)
    return move


def serial(city, community: str, category: str = "kit") -> str:
    return f"S{list(city.communities).index(community)}{category}"


@pytest.fixture
def worked_example(city, clock):
    """The tasks of docs/metrics.md's worked example (A to F), made through the service at
    their times: {letter: task id}."""
    street, admin = city.users["street"], city.users["admin"]
    before, after = DAY - dt.timedelta(days=1), DAY + dt.timedelta(days=1)

    def report(letter, who, community, category, kind):
        outcome = reporting.report_problem(who, {"serial": serial(city, community, category),
                                                 "kind": kind})
        tasks[letter] = outcome.report.task_id

    tasks: dict[str, int] = {}
    clock(before, 20)
    report("C", street, "a1c1", "rec", "damaged")  # due the 21st at 20:00
    clock(DAY, 7)
    report("E", admin, "b1c1", "res", "missing")
    clock(DAY, 8)
    report("A", street, "a1c1", "kit", "full")  # due 12:00
    clock(DAY, 9)
    report("B", street, "a1c2", "kit", "dirty")  # due the 21st at 09:00
    service.reject(admin, tasks["E"], "桶还在")
    clock(DAY, 10, 30)
    service.resolve(street, tasks["A"])  # 150 minutes, on time
    clock(DAY, 18)
    report("D", street, "a1c2", "res", "full")  # due 22:00: overdue at the day's end
    clock(DAY, 21)
    report("F", admin, "a2c1", "kit", "full")  # due the 21st at 01:00
    clock(after, 8)
    service.resolve(street, tasks["D"])  # 840 minutes, late
    clock(after, 11)
    service.resolve(street, tasks["B"])  # 1,560 minutes, late
    return tasks


def test_a_day_counts_what_was_open_at_its_end(city, worked_example, clock):
    clock(DAY + dt.timedelta(days=9), 10)  # long after: every figure is of the day's end
    section = figures.report_section(DAY, DAY)
    assert section["as_of"] == "2026-11-21T00:00+08:00"
    assert {k: section[k] for k in ("open", "overdue", "opened", "resolved",
                                    "resolved_on_time", "rejected",
                                    "median_hours_to_resolve")} == {
        "open": 4, "overdue": 1, "opened": 5, "resolved": 1, "resolved_on_time": 1,
        "rejected": 1, "median_hours_to_resolve": 2.5}
    by_name = {d["name_en"]: (d["open"], d["overdue"]) for d in section["districts"]}
    assert by_name == {"Yuzhong": (4, 1), "Dadukou": (0, 0)}
    (late,) = section["overdue_tasks"]
    assert late["id"] == worked_example["D"] and late["overdue_hours"] == 2.0
    assert late["due_at"] == "2026-11-20T22:00+08:00" and late["kind"] == "full"
    district_b = figures.report_section(DAY, DAY, city.districts["b"].id)
    assert (district_b["open"], district_b["rejected"], district_b["opened"]) == (0, 1, 1)
    assert [d["name_en"] for d in district_b["districts"]] == ["Dadukou"]


def test_a_week_takes_the_median_of_its_resolutions(city, worked_example, clock):
    clock(DAY + dt.timedelta(days=9), 10)
    week = figures.report_section(dt.date(2026, 11, 16), dt.date(2026, 11, 22))
    assert (week["resolved"], week["resolved_on_time"], week["rejected"]) == (3, 1, 1)
    assert week["median_hours_to_resolve"] == 14.0  # of 150, 840 and 1,560 minutes
    assert (week["open"], week["overdue"]) == (2, 2)  # C and F, both past due by the 23rd
    assert week["opened"] == 6  # C on the Thursday too


def test_an_even_count_takes_the_mean_of_the_two_middle_times(city, worked_example, clock):
    clock(DAY + dt.timedelta(days=1), 12)
    service.resolve(city.users["admin"], worked_example["F"])  # 900 minutes
    clock(DAY + dt.timedelta(days=9), 10)
    start, end = figures.day_start(DAY), figures.day_start(DAY + dt.timedelta(days=2))
    counts = figures.task_counts(start, end)
    assert counts["resolved"] == 4
    assert counts["median_hours_to_resolve"] == round((840 + 900) / 2 / 60, 1)


def test_a_task_is_escalated_by_the_clock_alone(city, clock):
    street = city.users["street"]
    clock(DAY, 8)
    task_id = reporting.report_problem(street, {"serial": serial(city, "a1c1"),
                                                "kind": "full"}).report.task_id
    clock(DAY, 11, 59)
    now = city_time(DAY, 11, 59)
    assert figures.street_tasks(city.townships["a1"].id, now)["overdue"] == 0
    assert [t.id for t in _listed(street, overdue=True)] == []
    clock(DAY, 12, 1)
    now = city_time(DAY, 12, 1)
    block = figures.street_tasks(city.townships["a1"].id, now)
    assert (block["open"], block["overdue"]) == (1, 1)
    assert block["tasks"][0]["overdue_hours"] == 0.0  # a minute, in hours to one decimal
    assert [t.id for t in _listed(street, overdue=True)] == [task_id]
    assert figures.by_district(now)[0]["overdue"] == 1
    service.acknowledge(street, task_id)  # acknowledging does not stop the clock
    assert [t.id for t in _listed(street, overdue=True)] == [task_id]
    service.resolve(street, task_id)
    assert _listed(street, overdue=True) == []
    assert figures.street_tasks(city.townships["a1"].id, now)["open"] == 0


def test_the_street_block_lists_its_own_tasks_most_overdue_first(city, clock):
    street, admin = city.users["street"], city.users["admin"]
    clock(DAY, 8)
    dirty = reporting.report_problem(street, {"serial": serial(city, "a1c1"), "kind": "dirty"})
    clock(DAY, 9)
    full = reporting.report_problem(street, {"serial": serial(city, "a1c2"), "kind": "full"})
    reporting.report_problem(admin, {"serial": serial(city, "b1c1"), "kind": "full"})
    block = figures.street_tasks(city.townships["a1"].id, city_time(DAY, 14))
    assert (block["open"], block["overdue"]) == (2, 1)
    assert [t["id"] for t in block["tasks"]] == [full.report.task_id, dirty.report.task_id]
    assert block["tasks"][0]["overdue_hours"] == 1.0 and block["tasks"][1]["overdue_hours"] \
        is None


def _listed(user, **filters):
    from wastesort.extensions import db

    return list(db.session.scalars(service.tasks_query(user, **filters)))
