"""Bad input is a 4xx with messages by field, never a 500: shapes (schemas), rules (services),
malformed JSON, wrong content type, oversized bodies, unknown fields, out-of-range ids, and
bounded pagination."""

import pytest

from tests import factories


def errors_of(response, status=422):
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_json()["errors"]


def test_household_rules_by_field(api, city):
    community = city.communities["a1c1"]
    factories.add_households(community, 1, 1)
    # shapes first (the schema), every shape error at once ...
    errors = errors_of(api.post("/api/v1/households", json={
        "community_id": community.id, "code": "", "members": 0, "sorting_since": "soon"}))
    assert set(errors) == {"code", "members", "sorting_since"}
    # ... then the rules (the service), every rule error at once
    errors = errors_of(api.post("/api/v1/households", json={
        "community_id": community.id, "code": f"H{community.id}-0",
        "sorting_since": "2999-01-01"}))
    assert errors == {"code": ["A household with this code is registered already."],
                      "sorting_since": ["Enter a date that is not in the future."]}
    errors = errors_of(api.post("/api/v1/households", json={
        "community_id": 999_999, "code": "fresh", "sorting_since": "2999-01-01"}))
    assert errors == {"community_id": ["No such community."],
                      "sorting_since": ["Enter a date that is not in the future."]}
    assert errors_of(api.post("/api/v1/households", json={}))["code"] == \
        ["This field is required."]


def test_unique_codes_and_serials(api, city):
    community = city.communities["a1c1"]
    body = {"community_id": community.id, "code": "UNIQUE-1"}
    assert api.post("/api/v1/households", json=body).status_code == 201
    assert "code" in errors_of(api.post("/api/v1/households", json=body))
    bin_body = {"community_id": community.id, "serial": "S0kit", "category": "kitchen",
                "capacity_l": 240}
    assert errors_of(api.post("/api/v1/bins", json=bin_body)) == {
        "serial": ["A bin with this serial number exists."]}


def test_point_community_must_be_in_its_township(api, city):
    errors = errors_of(api.post("/api/v1/recycling-points", json={
        "township_id": city.townships["a1"].id, "community_id": city.communities["b1c1"].id,
        "name": "x", "kind": "station", "latitude": 29.5}))
    assert errors == {"community_id": ["No such community in this town or street."]}


def test_community_name_unique_within_township(api, city):
    township = city.townships["a1"]
    assert "name" in errors_of(api.post("/api/v1/communities", json={
        "township_id": township.id, "name": city.communities["a1c1"].name}))
    assert api.post("/api/v1/communities", json={
        "township_id": city.townships["b1"].id,
        "name": city.communities["a1c1"].name}).status_code == 201


def test_unknown_fields_are_refused(api, city):
    errors = errors_of(api.post("/api/v1/communities", json={
        "township_id": city.townships["a1"].id, "name": "ok", "mayor": "x"}))
    assert errors == {"mayor": ["Unknown field."]}


@pytest.mark.parametrize(("data", "content_type", "status"), [
    ("{not json", "application/json", 400),
    ("[1, 2]", "application/json", 422),
    ('"text"', "application/json", 422),
    ("township_id=1&name=x", "application/x-www-form-urlencoded", 415),
    ("{}", "text/plain", 415),
])
def test_malformed_bodies_are_4xx(api, city, data, content_type, status):
    response = api.post("/api/v1/communities", data=data, content_type=content_type)
    assert response.status_code == status
    assert response.get_json()["code"] == status


def test_oversized_body_is_413(api, city):
    api.client.application.config["MAX_CONTENT_LENGTH"] = 1000
    response = api.post("/api/v1/communities", json={"township_id": 1, "name": "x" * 2000})
    assert response.status_code == 413


@pytest.mark.parametrize("bad", [10**30, -1, 0, "12", 1.5, True, None])
def test_ids_out_of_range_or_wrong_type(api, city, bad):
    errors = errors_of(api.post("/api/v1/households", json={
        "community_id": bad, "code": "x"}))
    assert "community_id" in errors


@pytest.mark.parametrize("url", [
    "/api/v1/households/99999999999999999999", "/api/v1/collections/99999999999999999999",
    "/api/v1/users/99999999999999999999", "/api/v1/tokens/99999999999999999999",
])
def test_huge_path_ids_are_404(api, city, url):
    assert api.get(url).status_code == 404


def test_control_characters_are_refused(api, city):
    errors = errors_of(api.post("/api/v1/communities", json={
        "township_id": city.townships["a1"].id, "name": "bad\x00name"}))
    assert "name" in errors
    assert "name" in errors_of(api.get("/api/v1/communities?name=%00"))


def test_405_keeps_allow_header(api, city):
    response = api.request("DELETE", "/api/v1/households")
    assert response.status_code == 405
    assert "POST" in response.headers["Allow"]


def test_pagination_is_stable_and_bounded(api, city):
    factories.add_households(city.communities["a2c1"], 7, 3)
    first = api.get("/api/v1/households?page_size=3").get_json()
    assert (first["total_items"], first["total_pages"], len(first["items"])) == (7, 3, 3)
    last = api.get("/api/v1/households?page_size=3&page=3").get_json()
    assert len(last["items"]) == 1
    everything = [h["id"] for p in (1, 2, 3) for h in api.get(
        f"/api/v1/households?page_size=3&page={p}").get_json()["items"]]
    assert everything == sorted(everything) and len(set(everything)) == 7
    beyond = api.get("/api/v1/households?page_size=3&page=50").get_json()
    assert beyond["items"] == [] and beyond["total_items"] == 7
    assert "page" in errors_of(api.get("/api/v1/households?page=0"))
    assert "page" in errors_of(api.get("/api/v1/households?page=99999999999999999999"))
    assert "page_size" in errors_of(api.get("/api/v1/households?page_size=501"))
    assert "page_size" in errors_of(api.get("/api/v1/households?page_size=abc"))


@pytest.mark.config(API_PAGE_SIZE_MAX=5)
def test_configured_page_size_maximum(api, city):
    assert errors_of(api.get("/api/v1/households?page_size=6")) == {
        "page_size": ["At most 5 items per page."]}


def test_household_filters(api, city):
    factories.add_households(city.communities["a1c2"], 4, 1)
    covered = api.get(f"/api/v1/households?community_id={city.communities['a1c2'].id}"
                      "&covered=true").get_json()
    not_covered = api.get(f"/api/v1/households?township_id={city.townships['a1'].id}"
                          "&covered=false").get_json()
    assert (covered["total_items"], not_covered["total_items"]) == (1, 3)
    assert api.get("/api/v1/townships?kind=town").get_json()["total_items"] == 1
