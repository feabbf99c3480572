"""A street administrator looks after their own point staff in a real browser: creates an
account for a point of their street and sees its password once, the new staff member logs in
with it; a reset makes the old password useless and logs the staff member out; a deactivated
account cannot log in; a crafted request for another street's staff is refused."""

import pytest
from sqlalchemy import select

from wastesort.accounts.models import Role, User
from wastesort.extensions import db

from ..factories import make_user
from .conftest import log_in

pytestmark = pytest.mark.browser


def staff_row(page, username: str):
    return page.locator("tbody tr", has=page.locator(f"td:text-is('{username}')"))


def logged_in_as(page, username: str) -> bool:
    return page.locator("header.top .who").count() == 1 and \
        page.locator("header.top .who").inner_text().startswith(username)


def test_a_street_administrator_manages_their_staff(live_server, open_page, city):
    other = make_user("staff_b1", Role.POINT_STAFF, recycling_point_id=city.points["b1"].id)
    db.session.commit()
    other_id, other_hash = other.id, other.password_hash

    admin = open_page()
    log_in(admin, live_server, "street")
    admin.click("nav.main >> text=Staff")
    admin.fill("input[name=username]", "wang")
    admin.select_option("select[name=recycling_point_id]", label="a1回收站")
    admin.click("button[type=submit].primary")
    assert admin.locator("h1").inner_text() == "Account created"
    first_password = admin.locator("#new-password").input_value()
    assert len(first_password) == 12

    worker = open_page(phone=True)
    log_in(worker, live_server, "wang", first_password)
    assert logged_in_as(worker, "wang")

    # a reset: asked first, then the new password once; the worker's session ends
    admin.click("text=Back to the staff")
    staff_row(admin, "wang").locator("text=Reset password").click()
    admin.click("button[type=submit].primary")
    assert admin.locator("h1").inner_text() == "New password"
    second_password = admin.locator("#new-password").input_value()
    assert second_password != first_password
    worker.reload()
    assert "/login" in worker.url and not logged_in_as(worker, "wang")
    log_in(worker, live_server, "wang", first_password)
    assert "The username or the password is wrong." in worker.content()
    log_in(worker, live_server, "wang", second_password)
    assert logged_in_as(worker, "wang")

    # deactivation: logged out, and the login is refused
    admin.click("text=Back to the staff")
    staff_row(admin, "wang").locator("button", has_text="Deactivate").click()
    assert "wang is deactivated" in admin.locator(".flash").inner_text()
    assert staff_row(admin, "wang").locator("button", has_text="Reactivate").count() == 1
    worker.reload()
    assert "/login" in worker.url
    log_in(worker, live_server, "wang", second_password)
    assert "This account is deactivated." in worker.content()

    # crafted requests for another street's staff member: refused, nothing changes
    csrf = admin.locator("input[name=csrf_token]").first.get_attribute("value")
    for action, form in (("password", {}), ("active", {"active": "0"})):
        response = admin.request.post(f"{live_server}/staff/{other_id}/{action}",
                                      form={"csrf_token": csrf, **form},
                                      headers={"Accept": "text/html"})
        assert response.status == 403, action
    assert admin.request.get(f"{live_server}/staff/{other_id}/password").status == 404
    # and a create form altered to name another street's point
    admin.locator("#recycling_point_id option").nth(1).evaluate(
        "(option, id) => { option.value = id; }", str(city.points["b1"].id))
    admin.fill("input[name=username]", "intruder")
    admin.select_option("select[name=recycling_point_id]", index=1)
    admin.click("button[type=submit].primary")
    assert "Choose a recycling point of your own town or street." in \
        admin.locator("#recycling_point_id-errors").inner_text()
    db.session.remove()
    untouched = db.session.get(User, other_id)
    assert untouched.password_hash == other_hash and untouched.active
    assert db.session.scalar(select(User).where(User.username == "intruder")) is None
