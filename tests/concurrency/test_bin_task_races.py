"""Bin tasks raced from threads and from two processes, on the suite's database: reports of one
problem at once make one task that every report joins; copies of one key store one report;
of two administrators resolving (or one resolving, one rejecting) one task at once, one wins
and the other is told, and the bin's status follows once; a report racing the resolution of
its problem's task either joins it before it ends or opens the next one."""

from collections import Counter

import pytest
from sqlalchemy import select

from tests import factories
from wastesort.accounts.models import Role
from wastesort.accounts.tokens import issue_token
from wastesort.bins.models import BinStatus, SortingBin
from wastesort.bintasks.models import ACTIVE, BinProblemReport, BinTask
from wastesort.extensions import db

from .conftest import MODES, ROUNDS, api_call, assert_no_drift, race

URL = "/api/v1/bin-tasks"


@pytest.fixture
def reporters(city, tokens):
    """Tokens of six people who may report a1c1's bins: the staff member, the street's
    administrator, an administrator and three inspectors of a1; and of a second street
    administrator of a1."""
    made = [tokens["staff"], tokens["street"], tokens["admin"]]
    for n in range(3):
        user = factories.make_user(f"inspector{n}", Role.INSPECTOR,
                                   township_id=city.townships["a1"].id)
        db.session.flush()
        made.append(issue_token(user, "race")[1])
    second = factories.make_user("street2", Role.STREET_ADMIN, township_id=city.townships["a1"].id)
    db.session.flush()
    tokens["street2"] = issue_token(second, "race")[1]
    db.session.commit()
    return made


def _bins(city) -> list[int]:
    return list(db.session.scalars(select(SortingBin.id).where(
        SortingBin.community_id == city.communities["a1c1"].id).order_by(SortingBin.id)))


def _tasks(bin_id: int, kind: str) -> list[BinTask]:
    db.session.remove()
    return list(db.session.scalars(select(BinTask).where(BinTask.sorting_bin_id == bin_id,
                                                         BinTask.kind == kind)
                                   .order_by(BinTask.id)))


def _reports(task_id: int) -> int:
    return len(db.session.scalars(select(BinProblemReport.id)
                                  .where(BinProblemReport.task_id == task_id)).all())


@pytest.mark.parametrize("mode", MODES)
def test_reports_of_one_problem_at_once_make_one_task(app, city, reporters, tokens, mode):
    bins = _bins(city)
    for round_ in range(ROUNDS):
        bin_id = bins[round_ % len(bins)]
        ops = [api_call(app, "POST", f"{URL}/reports", token,
                        {"sorting_bin_id": bin_id, "kind": "full"},
                        {"Idempotency-Key": f"r{round_}-{n}"})
               for n, token in enumerate(reporters)]
        results = race(app, ops, mode)
        assert [status for status, _ in results] == [201] * len(reporters), results
        assert Counter(body["joined"] for _, body in results) == {False: 1, True: 5}, results
        assert len({body["task_id"] for _, body in results}) == 1
        (task,) = [t for t in _tasks(bin_id, "full") if t.status in ACTIVE]
        assert _reports(task.id) == len(reporters)
        # the next round reports this bin again only once its task is resolved
        done = app.test_client().post(f"{URL}/{task.id}/resolve",
                                      headers={"Authorization": f"Bearer {tokens['street']}"})
        assert done.status_code == 200
    assert_no_drift()


@pytest.mark.parametrize("mode", MODES)
def test_copies_of_one_key_store_one_report(app, city, reporters, mode):
    bins = _bins(city)
    for round_ in range(ROUNDS):
        ops = [api_call(app, "POST", f"{URL}/reports", reporters[0],
                        {"sorting_bin_id": bins[0], "kind": "dirty", "note": f"r{round_}"},
                        {"Idempotency-Key": f"same-{round_}"}) for _ in range(6)]
        results = race(app, ops, mode)
        assert Counter(status for status, _ in results) == {201: 1, 200: 5}, results
        assert len({body["id"] for _, body in results}) == 1
        (task,) = [t for t in _tasks(bins[0], "dirty") if t.status in ACTIVE]
        assert _reports(task.id) == round_ + 1  # one per round, all joining the open task


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("steps", [("resolve", "resolve"), ("resolve", "reject")])
def test_two_administrators_ending_one_task_at_once(app, city, reporters, tokens, mode, steps):
    bins = _bins(city)
    for round_ in range(ROUNDS):
        bin_id = bins[round_ % len(bins)]
        client = app.test_client()
        made = client.post(f"{URL}/reports", json={"sorting_bin_id": bin_id, "kind": "damaged"},
                           headers={"Authorization": f"Bearer {tokens['staff']}"})
        task_id = made.get_json()["task_id"]
        client.post(f"{URL}/{task_id}/acknowledge",
                    headers={"Authorization": f"Bearer {tokens['street']}"})
        db.session.remove()
        assert db.session.get(SortingBin, bin_id).status is BinStatus.DAMAGED
        bodies = {"resolve": {"note": f"repaired {round_}"}, "reject": {"reason": "misread"}}
        ops = [api_call(app, "POST", f"{URL}/{task_id}/{step}", tokens[who], bodies[step],
                        {"Accept-Language": "en"})
               for step, who in zip(steps, ("street", "street2"), strict=True)]
        results = race(app, ops, mode)
        assert sorted(status for status, _ in results) == [200, 409], results
        loser = next(body for status, body in results if status == 409)
        assert loser["message"].endswith("already.")
        db.session.remove()
        task = db.session.get(BinTask, task_id)
        winner = steps[[status for status, _ in results].index(200)]
        assert task.status.value == {"resolve": "resolved", "reject": "rejected"}[winner]
        assert db.session.get(SortingBin, bin_id).status is BinStatus.IN_SERVICE


@pytest.mark.parametrize("mode", MODES)
def test_a_report_racing_the_resolution_joins_before_or_opens_after(app, city, reporters,
                                                                    tokens, mode):
    bins = _bins(city)
    for round_ in range(ROUNDS * 2):
        bin_id = bins[round_ % len(bins)]
        client = app.test_client()
        first = client.post(f"{URL}/reports", json={"sorting_bin_id": bin_id, "kind": "full"},
                            headers={"Authorization": f"Bearer {tokens['staff']}"})
        task_id = first.get_json()["task_id"]
        ops = [api_call(app, "POST", f"{URL}/{task_id}/resolve", tokens["street"], {}),
               api_call(app, "POST", f"{URL}/reports", reporters[3],
                        {"sorting_bin_id": bin_id, "kind": "full"},
                        {"Idempotency-Key": f"late-{round_}"})]
        (resolved, _), (reported, body) = race(app, ops, mode)
        assert (resolved, reported) == (200, 201), (resolved, body)
        tasks = _tasks(bin_id, "full")
        assert sum(t.status in ACTIVE for t in tasks) <= 1
        report = db.session.get(BinProblemReport, body["id"])
        if body["joined"]:  # joined before the resolution, which then ended it
            assert report.task_id == task_id
            assert report.reported_at <= db.session.get(BinTask, task_id).closed_at
        else:  # the task was resolved first: the report opened the next one
            assert report.task_id != task_id and report.task.status.value == "open"
            client.post(f"{URL}/{report.task_id}/resolve",
                        headers={"Authorization": f"Bearer {tokens['street']}"})
