"""Failed logins are throttled per account and per client address, API writes per token; a
limit answers 429 with Retry-After. With Redis the counts are shared between processes."""

import json
import os
import subprocess
import sys
import uuid

import pytest
import redis

WRONG = "wrong-password"


def attempt(browser, username, password, **kwargs):
    return browser.submit("/login", {"username": username, "password": password},
                          headers={"Accept-Language": "en"}, **kwargs)


def test_forty_wrong_passwords_then_the_right_one_is_refused(browser, city):
    answers = [attempt(browser, "street", WRONG).status_code for _ in range(40)]
    assert answers[:10] == [422] * 10
    assert set(answers[10:]) == {429}
    right = attempt(browser, "street", "password123")
    assert right.status_code == 429
    assert 1 <= int(right.headers["Retry-After"]) <= 15 * 60
    assert 'id="password-errors"' in right.text
    assert "Too many failed logins. Try again in 15 minutes." in right.text
    assert browser.get("/dashboard/").status_code == 302  # not logged in


def test_another_account_is_not_held_up_by_one_under_attack(browser, city):
    for _ in range(10):
        attempt(browser, "street", WRONG)
    assert attempt(browser, "street", "password123").status_code == 429
    assert attempt(browser, "manager", "password123").status_code == 302


@pytest.mark.config(LOGIN_FAILURES_PER_ADDRESS="5 per 15 minutes")
def test_one_address_trying_many_accounts_is_stopped(browser, city):
    answers = [attempt(browser, f"guess-{n}", WRONG).status_code for n in range(7)]
    assert answers == [422] * 5 + [429] * 2
    # another client address is not
    other = attempt(browser, "guess-9", WRONG, environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert other.status_code == 422


def test_successful_logins_do_not_count(browser, city):
    for _ in range(15):
        assert attempt(browser, "manager", "password123").status_code == 302
        browser.submit("/logout", form_url="/dashboard/")


@pytest.mark.config(API_WRITES_PER_TOKEN="3 per minute")
def test_api_writes_are_limited_per_token(api, city):
    body = {"name": "A", "township_id": city.townships["a1"].id}
    answers = [api.post("/api/v1/communities", json=body, as_="street").status_code
               for _ in range(4)]
    assert answers[:3] != [429] * 3 and 429 not in answers[:3]
    refused = api.post("/api/v1/communities", json=body, as_="street",
                       headers={"Accept-Language": "en"})
    assert refused.status_code == 429
    assert refused.json["code"] == 429
    assert refused.json["message"].startswith("Too many requests. Try again in ")
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    # reads are not limited, and another token has its own count
    assert api.get("/api/v1/communities", as_="street").status_code == 200
    assert api.post("/api/v1/communities", json=body, as_="admin").status_code != 429


@pytest.mark.parametrize("key", ["LOGIN_FAILURES_PER_ACCOUNT", "API_WRITES_PER_TOKEN"])
def test_wrong_limit_setting_is_one_line(migrated, tmp_path, key):
    from wastesort import create_app
    from wastesort.config import ConfigError

    from ..conftest import app_config

    with pytest.raises(ConfigError, match=key):
        create_app(app_config(migrated, tmp_path, **{key: "ten a minute"}))


# --- shared counts (a real Redis) ---------------------------------------------------------

REDIS_URI = "redis://127.0.0.1:6379"
PREFIX = f"wastesort-test-c-{uuid.uuid4().hex[:8]}"

OTHER_PROCESS = """
import json, re, sys
from wastesort import create_app
config = json.loads(sys.argv[1])
app = create_app(config)
client = app.test_client()
for _ in range(int(sys.argv[2])):
    page = client.get("/login").text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    answer = client.post("/login", data={"csrf_token": token, "username": "street",
                                         "password": "wrong-password"})
    print(answer.status_code)
"""


@pytest.fixture
def redis_prefix():
    yield PREFIX
    client = redis.Redis.from_url(REDIS_URI)
    keys = list(client.scan_iter(f"*{PREFIX}*"))
    if keys:
        client.delete(*keys)
    client.close()


@pytest.mark.config(RATELIMIT_STORAGE_URI=REDIS_URI, RATELIMIT_KEY_PREFIX=PREFIX)
def test_failed_logins_are_counted_across_processes(app, browser, city, redis_prefix):
    config = {key: app.config[key] for key in (
        "SQLALCHEMY_DATABASE_URI", "SECRET_KEY", "RATELIMIT_STORAGE_URI",
        "RATELIMIT_KEY_PREFIX")}
    config |= {"TESTING": True, "INSTANCE_PATH": app.instance_path + "-other"}
    other = subprocess.run([sys.executable, "-c", OTHER_PROCESS, json.dumps(config), "10"],
                           capture_output=True, text=True, timeout=120,
                           env={**os.environ, "PYTHONWARNINGS": "error"})
    assert other.returncode == 0, other.stderr
    assert other.stdout.split() == ["422"] * 10
    assert attempt(browser, "street", "password123").status_code == 429
    assert redis.Redis.from_url(REDIS_URI).keys(f"*{PREFIX}*")  # the counts are there


@pytest.mark.config(RATELIMIT_STORAGE_URI="redis://127.0.0.1:1")
def test_logins_go_on_when_redis_is_unreachable(browser, city):
    assert attempt(browser, "street", WRONG).status_code == 422
    assert attempt(browser, "street", "password123").status_code == 302


def test_the_limit_message_is_in_chinese_by_default(browser, city):
    for _ in range(10):
        browser.submit("/login", {"username": "street", "password": WRONG})
    refused = browser.submit("/login", {"username": "street", "password": WRONG})
    assert refused.status_code == 429
    assert "登录失败次数过多，请 15 分钟后再试。" in refused.text
