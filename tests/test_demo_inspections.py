"""The demo city's year of inspections: one inspector per town or street, figures that rise
over the year, lagging streets, communities never or not lately inspected, a tally that
agrees with the rows — and an inspector among the demo logins."""

import datetime as dt

from sqlalchemy import func, select

from wastesort.accounts.models import Role, User
from wastesort.check import drift
from wastesort.demo.seed import seed_demo
from wastesort.inspections.models import Inspection
from wastesort.metrics.inspections import inspection_figures, period_range, stale_communities

TODAY = dt.date(2026, 11, 29)


def test_a_year_of_inspections(db):
    summary = seed_demo(scale="sample", days=1, today=TODAY)
    count = db.session.scalar(select(func.count()).select_from(Inspection))
    assert summary.inspections == count and 80_000 < count < 140_000
    first, last = db.session.execute(select(func.min(Inspection.inspected_on),
                                            func.max(Inspection.inspected_on))).one()
    assert (first, last) == (TODAY - dt.timedelta(days=364), TODAY)
    assert not any(drift().values())
    inspectors = db.session.scalars(select(User).where(User.role == Role.INSPECTOR)).all()
    assert len(inspectors) == 114 and all(u.township_id for u in inspectors)
    assert not any(u.check_password("") for u in inspectors)
    posted_by_their_inspector = db.session.scalar(
        select(func.count()).select_from(Inspection).join(User, User.id == Inspection.inspector_id)
        .where(User.role == Role.INSPECTOR))
    assert posted_by_their_inspector == count
    assert db.session.scalar(select(func.count()).where(Inspection.voided)) > 0

    a_year_ago = inspection_figures("city", *period_range("month", TODAY - dt.timedelta(330)))[0]
    now = inspection_figures("city", *period_range("month", TODAY))[0]
    assert now["accuracy_percent"] > a_year_ago["accuracy_percent"] + 15
    assert now["participation_percent"] > a_year_ago["participation_percent"] + 12
    assert 90 < now["communities_inspected_percent"] < 100

    towns = inspection_figures("township", *period_range("month", TODAY))
    lagging = [t for t in towns if t["accuracy_percent"] < now["accuracy_percent"] - 15]
    assert 8 <= len(lagging) <= 20

    stale = stale_communities(TODAY)
    never = [c for c in stale if c["last_inspected_on"] is None]
    assert never and len(stale) > len(never)


def test_no_inspections_when_asked_for_none(db):
    summary = seed_demo(scale="sample", days=0, today=TODAY, inspection_days=0)
    assert summary.inspections == 0
    assert db.session.scalar(select(func.count()).select_from(Inspection)) == 0


def test_demo_logins_include_an_inspector(runner, db, city):
    result = runner.invoke(args=["demo-logins", "--password", "demo-pass-1"])
    assert result.exit_code == 0, result.output
    assert "inspector (of" in result.output
    street, inspector = (db.session.scalar(select(User).where(User.username == name))
                         for name in ("street", "inspector"))
    assert inspector.role is Role.INSPECTOR and inspector.check_password("demo-pass-1")
    assert inspector.township_id == street.township_id is not None
