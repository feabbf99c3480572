"""Users' e-mail addresses follow the one rule reports use (wastesort/emails.py): the user form,
the users API and ``wastesort create-user`` refuse the same addresses, with the same message."""

import pytest
from sqlalchemy import func, select

from wastesort.accounts.models import User
from wastesort.accounts.tokens import issue_token
from wastesort.extensions import db

from ..reports.test_languages import BAD_ADDRESSES

EN = {"Accept-Language": "en"}


@pytest.mark.parametrize("address", BAD_ADDRESSES[:6])
def test_the_user_form_the_api_and_the_command_refuse_the_same_addresses(
        browser, city, client, runner, monkeypatch, address):
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    browser.login("admin")
    page = browser.submit("/users/new", {
        "username": "new", "role": "manager", "township_id": "", "recycling_point_id": "",
        "email": address, "password": "longenough"}, headers=EN)
    assert page.status_code == 422
    beside = page.text.split('id="email-errors"')[1].split("</ul>")[0]
    token = issue_token(city.users["admin"], "emails")[1]
    api = client.post("/api/v1/users", headers={"Authorization": f"Bearer {token}", **EN},
                      json={"username": "new", "role": "manager", "email": address,
                            "password": "longenough"})
    assert api.status_code == 422
    (message,) = api.get_json()["errors"]["email"]
    assert message in beside.replace("&#39;", "'")
    command = runner.invoke(args=["create-user", "new", "--role", "manager", "--email",
                                  address, "--password", "longenough"])
    assert command.exit_code != 0 and message in command.output
    db.session.remove()
    assert db.session.scalar(select(func.count()).select_from(User)
                             .where(User.username == "new")) == 0


def test_a_good_address_is_stored_with_its_domain_in_lower_case(browser, city):
    browser.login("admin")
    response = browser.submit("/users/new", {
        "username": "new", "role": "manager", "township_id": "", "recycling_point_id": "",
        "email": "Wang.Li@Example.ORG", "password": "longenough"}, headers=EN)
    assert response.status_code == 302
    db.session.remove()
    assert db.session.scalar(select(User.email).where(User.username == "new")) == \
        "Wang.Li@example.org"
