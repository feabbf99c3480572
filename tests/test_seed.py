"""The demo city is faithful to the article's figures and deterministic."""

import datetime as dt

import pytest
from sqlalchemy import func, select, text

from wastesort.accounts.models import Role, User
from wastesort.areas.models import District, Township, TownshipKind
from wastesort.collections.models import Collection
from wastesort.demo.geography import CITY_HOUSEHOLDS, DISTRICTS, FACILITY_CAPACITIES
from wastesort.demo.seed import DatabaseNotEmpty, seed_demo
from wastesort.facilities.models import TreatmentFacility
from wastesort.households.models import Household
from wastesort.metrics.capacity import city_capacity_t_per_day, daily_capacity
from wastesort.metrics.coverage import coverage
from wastesort.points.models import RecyclingPoint

TODAY = dt.date(2026, 11, 29)


def count(db, model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_geography_matches_the_article():
    assert len(DISTRICTS) == 9
    assert sum(len(d[5]) for d in DISTRICTS) == 114
    assert sum(len(v) for v in FACILITY_CAPACITIES.values()) == 59
    assert sum(sum(v) for v in FACILITY_CAPACITIES.values()) == 29_000


def test_sample_seed_is_faithful(db):
    summary = seed_demo(scale="sample", days=12, today=TODAY)
    assert count(db, District) == 9
    assert count(db, Township) == 114
    assert count(db, Township, Township.kind == TownshipKind.TOWN) > 0
    assert count(db, TreatmentFacility) == 59
    assert city_capacity_t_per_day() == 29_000
    assert summary.households == count(db, Household) == CITY_HOUSEHOLDS // 100
    points = count(db, RecyclingPoint)
    assert 1_500 < points < 2_600
    assert summary.collections == count(db, Collection) == points * 4 * 12
    # every township has points and bins
    city = coverage("city", TODAY)[0]
    townships = coverage("township", TODAY)
    assert all(t["recycling_points"] > 0 and sum(t["bins"].values()) > 0 for t in townships)
    # basically, not trivially, fully covered
    assert 95 < city["coverage_percent"] < 100
    assert 100 <= city["townships_covered"] < 114
    # each point's postings are its own staff's, who cannot log in until given a password
    staff = db.session.scalars(select(User).where(User.role == Role.POINT_STAFF)).all()
    assert len(staff) == points and not any(u.check_password("") for u in staff)
    posted_by_staff = db.session.scalar(
        select(func.count()).select_from(Collection).join(
            User, (User.id == Collection.posted_by_id)
            & (User.recycling_point_id == Collection.recycling_point_id)))
    assert posted_by_staff == summary.collections
    # the daily totals sit below, near and above the capacity
    statuses = {day["status"] for day in daily_capacity(TODAY - dt.timedelta(days=11), TODAY)}
    assert statuses == {"ok", "warning", "over"}


def test_seed_is_deterministic(db):
    seed_demo(scale="sample", days=1, today=TODAY)
    first = db.session.execute(select(Household.code, Household.sorting_since)
                               .order_by(Household.id).limit(500)).all()
    weights = db.session.scalars(select(Collection.weight_kg).order_by(Collection.id)).all()
    seed_demo(scale="sample", days=1, today=TODAY, reset=True)
    assert db.session.execute(select(Household.code, Household.sorting_since)
                              .order_by(Household.id).limit(500)).all() == first
    assert db.session.scalars(select(Collection.weight_kg).order_by(Collection.id)).all() \
        == weights


def test_seed_gathers_planner_statistics_on_postgresql(db):
    """Millions of COPY rows and no statistics yet (autovacuum off or not yet run) would leave
    the planner guessing, and no visibility map would keep index-only scans reading the table:
    the seed vacuums and analyzes the tables it loaded."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only")
    before = db.session.scalar(text("SELECT clock_timestamp()"))
    summary = seed_demo(scale="sample", days=1, today=TODAY)
    assert "analyze" in summary.seconds
    analyzed = dict(db.session.execute(text(
        "SELECT relname, last_analyze FROM pg_stat_user_tables WHERE relname IN "
        "('households', 'household_tallies', 'collections', 'daily_tonnage', 'sorting_bins')")
    ).all())
    assert len(analyzed) == 5
    assert all(when is not None and when >= before for when in analyzed.values()), analyzed
    vacuumed = dict(db.session.execute(text(
        "SELECT relname, last_vacuum FROM pg_stat_user_tables WHERE relname IN "
        "('households', 'collections')")).all())
    assert all(when is not None and when >= before for when in vacuumed.values()), vacuumed
    all_visible = db.session.scalar(text(
        "SELECT relallvisible FROM pg_class WHERE relname = 'households'"))
    assert all_visible > 0


def test_refuses_a_database_with_data_unless_reset(db, city):
    with pytest.raises(DatabaseNotEmpty, match="--reset"):
        seed_demo(scale="sample", days=0, today=TODAY)
    assert count(db, District) == 2  # untouched


def test_seed_demo_command(runner, db, city):
    refused = runner.invoke(args=["seed-demo", "--days", "0"])
    assert refused.exit_code != 0
    assert "already holds data" in refused.output
    assert "Traceback" not in refused.output
    left = runner.invoke(args=["seed-demo", "--if-empty"])
    assert left.exit_code == 0 and "leaving it" in left.output
    done = runner.invoke(args=["seed-demo", "--days", "2", "--reset"])
    assert done.exit_code == 0, done.output
    assert "114 towns and streets" in done.output
    assert count(db, District) == 9
