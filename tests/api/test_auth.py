"""Bearer tokens: 401 when missing, wrong or revoked; hashed at rest; last-used time; made by
``wastesort create-token`` and by administrators through the API."""

import datetime as dt

from sqlalchemy import select

from wastesort.accounts.models import ApiToken
from wastesort.accounts.tokens import LAST_USED_RESOLUTION, hash_token, issue_token


def test_missing_token_is_401_with_challenge(api):
    response = api.get("/api/v1/households", as_=None)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].lower().startswith("bearer")
    assert response.get_json()["code"] == 401


def test_wrong_scheme_and_wrong_token_are_401(api, tokens):
    assert api.get("/api/v1/districts", headers={
        "Authorization": f"Basic {tokens['admin']}"}).status_code == 401
    assert api.get("/api/v1/districts", headers={
        "Authorization": "Bearer ws_not-a-real-token"}).status_code == 401
    assert api.get("/api/v1/districts", headers={
        "Authorization": "Bearer " + "x" * 5000}).status_code == 401


def test_revoked_token_is_401(api, tokens, db):
    assert api.get("/api/v1/districts", as_="manager").status_code == 200
    token = db.session.scalar(select(ApiToken).where(
        ApiToken.token_hash == hash_token(tokens["manager"])))
    response = api.post(f"/api/v1/tokens/{token.id}/revoke", as_="manager")
    assert response.status_code == 200
    assert response.get_json()["revoked_at"] is not None
    assert api.get("/api/v1/districts", as_="manager").status_code == 401


def test_inactive_user_is_401(api, city, db):
    city.users["manager"].active = False
    db.session.commit()
    assert api.get("/api/v1/districts", as_="manager").status_code == 401


def test_only_the_hash_is_stored_and_last_use_is_noted(api, tokens, db):
    token = db.session.scalar(select(ApiToken).where(
        ApiToken.token_hash == hash_token(tokens["staff"])))
    assert tokens["staff"] not in (token.token_hash, token.prefix, token.name)
    assert token.last_used_at is None
    before = dt.datetime.now(dt.UTC)
    api.get("/api/v1/collections", as_="staff")
    db.session.refresh(token)
    first_use = token.last_used_at
    assert first_use is not None and before - dt.timedelta(seconds=1) <= first_use
    # within the resolution a second use writes nothing; after it, the time moves on
    api.get("/api/v1/collections", as_="staff")
    db.session.refresh(token)
    assert token.last_used_at == first_use
    token.last_used_at = first_use - LAST_USED_RESOLUTION
    db.session.commit()
    api.get("/api/v1/collections", as_="staff")
    db.session.refresh(token)
    assert token.last_used_at > first_use - LAST_USED_RESOLUTION


def test_create_token_command(runner, city, client):
    result = runner.invoke(args=["create-token", "staff", "--name", "kiosk 7"])
    assert result.exit_code == 0, result.output
    plain = result.stdout.strip().splitlines()[0]
    assert plain.startswith("ws_")
    response = client.get("/api/v1/collections", headers={"Authorization": f"Bearer {plain}"})
    assert response.status_code == 200
    missing = runner.invoke(args=["create-token", "nobody"])
    assert missing.exit_code != 0 and "No user 'nobody'" in missing.output


def test_admin_issues_tokens_others_may_not(api, city):
    staff_id = city.users["staff"].id
    made = api.post("/api/v1/tokens", json={"user_id": staff_id, "name": "kiosk"})
    assert made.status_code == 201
    body = made.get_json()
    assert body["user_id"] == staff_id and body["token"].startswith(body["prefix"])
    assert api.get("/api/v1/recycling-points", headers={
        "Authorization": f"Bearer {body['token']}"}).status_code == 200
    assert api.post("/api/v1/tokens", as_="manager", json={"name": "x"}).status_code == 403
    listed = api.get(f"/api/v1/tokens?user_id={staff_id}").get_json()
    assert "token" not in listed["items"][0]
    assert {t["name"] for t in listed["items"]} == {"staff test", "kiosk"}


def test_users_see_and_revoke_only_their_own_tokens(api, city):
    other, _ = issue_token(city.users["admin"], "admin's second")
    assert api.get(f"/api/v1/tokens/{other.id}", as_="street").status_code == 404
    assert api.post(f"/api/v1/tokens/{other.id}/revoke", as_="street").status_code == 404
    mine = api.get("/api/v1/tokens", as_="street").get_json()["items"]
    assert [t["user_id"] for t in mine] == [city.users["street"].id]
    assert api.post(f"/api/v1/tokens/{other.id}/revoke").status_code == 200
    assert api.post(f"/api/v1/tokens/{other.id}/revoke").status_code == 409


def test_a_database_error_that_is_not_a_lost_connection_stays_a_500(api, monkeypatch):
    """Only a lost connection is a 503 (retry); any other database error is the server's."""
    from sqlalchemy.exc import OperationalError

    from wastesort.areas import service

    def fails(*_args, **_kwargs):
        raise OperationalError("SELECT 1", {}, Exception("disk I/O error"))

    monkeypatch.setattr(service, "districts_query", fails)
    response = api.get("/api/v1/districts")
    assert response.status_code == 500
    assert response.get_json()["code"] == 500 and "Retry-After" not in response.headers
