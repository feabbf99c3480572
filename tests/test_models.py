"""The database itself refuses what must never be wrong."""

import datetime as dt

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, StatementError

from wastesort.collections.models import Collection
from wastesort.enums import WasteCategory
from wastesort.households.models import Household

from .factories import add_collection


def _insert_fails(db, sql, **params):
    with pytest.raises(IntegrityError):
        db.session.execute(text(sql), params)
        db.session.flush()
    db.session.rollback()


def test_weight_must_be_positive(db, city):
    point = city.points["a1"]
    _insert_fails(db, "INSERT INTO collections (recycling_point_id, collected_on, category, "
                      "weight_kg, posted_at, idempotency_key, voided) VALUES "
                      "(:p, '2026-01-01', 'kitchen', 0, '2026-01-01 00:00:00', 'k', false)",
                  p=point.id)


def test_category_must_be_one_of_four(db, city):
    _insert_fails(db, "INSERT INTO sorting_bins (community_id, serial, category, capacity_l, "
                      "status) VALUES (:c, 'X1', 'glass', 120, 'in_service')",
                  c=city.communities["a1c1"].id)


def test_bin_capacity_must_be_positive(db, city):
    _insert_fails(db, "INSERT INTO sorting_bins (community_id, serial, category, capacity_l, "
                      "status) VALUES (:c, 'X2', 'kitchen', 0, 'in_service')",
                  c=city.communities["a1c1"].id)


def test_facility_capacity_must_be_positive(db, city):
    _insert_fails(db, "INSERT INTO treatment_facilities (name, district_id, facility_type, "
                      "capacity_t_per_day, active) VALUES ('f', :d, 'incineration', -5, true)",
                  d=city.districts["a"].id)


def test_foreign_keys_are_enforced(db, city):
    _insert_fails(db, "INSERT INTO households (community_id, code, building, unit, room, "
                      "members) VALUES (999999, 'H-X', '1', '1', '101', 2)")


def test_household_codes_and_each_posters_idempotency_keys_are_unique(db, city):
    community = city.communities["a1c1"]
    db.session.add_all([Household(community=community, code="SAME", members=1),
                        Household(community=community, code="SAME", members=2)])
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()

    def posting(user, key="K"):
        return Collection(recycling_point_id=city.points["a1"].id, posted_by_id=user.id,
                          collected_on=dt.date(2026, 1, 1), category=WasteCategory.KITCHEN,
                          weight_kg=10, idempotency_key=key)

    db.session.add_all([posting(city.users["staff"]), posting(city.users["admin"])])
    db.session.commit()  # two posters, the same key: each poster's keys are its own
    db.session.add(posting(city.users["staff"]))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_street_admin_needs_a_township(db, city):
    _insert_fails(db, "INSERT INTO users (username, password_hash, role, active, created_at) "
                      "VALUES ('x', 'h', 'street_admin', true, '2026-01-01 00:00:00')")


def test_void_needs_a_reason(db, city):
    row = add_collection(city.points["a1"], dt.date(2026, 1, 1), WasteCategory.KITCHEN, 10)
    _insert_fails(db, "UPDATE collections SET voided = true WHERE id = :id", id=row.id)


def test_timestamps_come_back_aware_utc(db, city):
    row = add_collection(city.points["a1"], dt.date(2026, 1, 1), WasteCategory.KITCHEN, 10)
    db.session.expire_all()
    assert db.session.get(Collection, row.id).posted_at.tzinfo is not None
    with pytest.raises(StatementError):
        row.voided_at = dt.datetime(2026, 1, 1, 12)  # naive: refused, not guessed
        row.void_reason = "x"
        db.session.flush()
    db.session.rollback()
