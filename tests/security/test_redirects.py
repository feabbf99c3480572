"""After login and after a language switch, ``next`` leads only to a page of this site."""

import pytest

from .conftest import csrf_token

OFF_SITE = ["/%09/evil.example", "/%0a/evil.example", "/%0d/evil.example",
            "/%09%09/evil.example/x", "/%5C/evil.example", "//evil.example",
            "https://evil.example/", "/%0d%0aSet-Cookie:%20x=1", "/%7F/evil.example"]


@pytest.mark.parametrize("target", OFF_SITE)
def test_login_never_sends_the_user_off_site(browser, city, target):
    token = csrf_token(browser.get("/login").text)
    response = browser.client.post(f"/login?next={target}", data={
        "csrf_token": token, "username": "street", "password": "password123"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/street/"  # the street administrator's landing


@pytest.mark.parametrize("target", OFF_SITE)
def test_language_switch_never_sends_the_user_off_site(browser, city, target):
    from urllib.parse import unquote

    response = browser.submit("/language", {"language": "en", "next": unquote(target)},
                              form_url="/login")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_a_path_of_this_site_is_kept(browser, city):
    token = csrf_token(browser.get("/login").text)
    response = browser.client.post("/login?next=/households/%3Fq%3D%E6%B8%9D", data={
        "csrf_token": token, "username": "street", "password": "password123"})
    assert response.headers["Location"] == "/households/?q=%E6%B8%9D"
