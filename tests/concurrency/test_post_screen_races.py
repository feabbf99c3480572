"""The phone posting screen's form sent twice at the same moment (a double tap on a slow
connection, or a resend while the first copy is still on its way): the same keys, so the
batch is stored once, in threads and in two processes, on the suite's database."""

import re

import pytest
from sqlalchemy import func, select

from wastesort.collections.models import Collection
from wastesort.collections.tonnage import DailyTonnage
from wastesort.extensions import db
from wastesort.timeutil import local_today

from ..factories import PASSWORD
from ..pages.conftest import csrf_token
from .conftest import MODES, ROUNDS, assert_no_drift, race

EN = {"Accept-Language": "en"}


def _logged_in(app, username: str):
    client = app.test_client()
    page = client.get("/login")
    answer = client.post("/login", data={"csrf_token": csrf_token(page.text),
                                         "username": username, "password": PASSWORD})
    assert answer.status_code == 302
    return client


def _same_session(app, client):
    """Another client with ``client``'s session cookie: the same phone sending again."""
    other = app.test_client()
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    other.set_cookie(cookie.key, cookie.value, domain=cookie.domain, path=cookie.path)
    return other


def _form(html: str) -> dict:
    return {"csrf_token": csrf_token(html),
            "collected_on": re.search(r'name="collected_on" type="date" value="([^"]*)"',
                                      html).group(1),
            **dict(re.findall(r'name="(key_[a-z]+)" type="hidden" value="([^"]*)"', html))}


def _send(client, data):
    """An op: send the form; its result is (status, where to, the message then shown)."""

    def op():
        response = client.post("/post", data=data, headers=EN)
        status, location = response.status_code, response.headers.get("Location")
        response.close()
        shown = client.get("/post", headers=EN).text
        return status, location, re.findall(r'class="flash flash-\w+" role="status">([^<:]*)',
                                            shown)

    return op


def _stored() -> tuple[int, int]:
    db.session.remove()
    rows = db.session.scalar(select(func.count()).select_from(Collection))
    kg = db.session.scalar(select(func.coalesce(func.sum(DailyTonnage.weight_kg), 0)))
    return rows, int(kg)


@pytest.mark.parametrize("mode", MODES)
def test_one_form_sent_twice_at_once_is_stored_once(app, city, runner, mode):
    phone = _logged_in(app, "staff")
    expected_rows = expected_kg = 0
    for round_ in range(ROUNDS):
        # another weight each round: the same one would be a near duplicate of the last round
        weights = {"recyclable": 300 + round_, "residual": 80 + round_}
        day_text = f"{local_today():%b} {local_today().day}, {local_today().year}"
        data = {**_form(phone.get("/post").text),
                **{f"weight_{c}": str(kg) for c, kg in weights.items()}}
        ops = [_send(_same_session(app, phone), data) for _ in range(2)]
        results = race(app, ops, mode)
        assert sorted(results) == [
            (302, "/post", ["Already saved (the form was sent twice), counted once"]),
            (302, "/post", ["Saved for " + day_text])], results
        expected_rows += len(weights)
        expected_kg += sum(weights.values())
        assert _stored() == (expected_rows, expected_kg)
        assert_no_drift()
    assert_no_drift(runner)
