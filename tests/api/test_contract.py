"""The API keeps to its document, and bad bodies are 4xx on every endpoint (issue 11):

- JSON nested too deeply to decode is a 400 on every endpoint that takes a body (it was a 500:
  RecursionError in the decoder), with the error body of every other error;
- a PATCH changes at least one field (no body and ``{}`` are a 422), ``POST /tokens`` needs
  its label, a boolean is ``true``/``false`` only, a number is not a string;
- the document says the configured maximum weight, the printable-text rule and the PATCH
  rule, and Swagger UI sends the document to no third-party validator.
"""

import json
import re

import pytest

from wastesort.api.fields import AT_LEAST_ONE_FIELD, PRINTABLE_PATTERN

BODY_METHODS = {"POST", "PUT", "PATCH"}


def document(client) -> dict:
    response = client.get("/api/v1/openapi.json")
    response.close()
    return response.get_json()


def body_operations(app):
    """(method, URL with ids of 1, whether the document gives it a request body) for every
    POST, PUT and PATCH under /api/v1, from the app's URL map."""
    doc = document(app.test_client())
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        url = re.sub(r"<(?:\w+:)?\w+>", "1", rule.rule)
        for method in sorted(rule.methods & BODY_METHODS):
            operation = doc["paths"].get(path, {}).get(method.lower(), {})
            found.append((method, url, "requestBody" in operation))
    return found


def errors_of(response, status=422):
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_json()["errors"]


@pytest.mark.parametrize("body", ["[" * 1_000, "[" * 100_000, '{"a":' * 5_000,
                                  "[" * 1_000 + "]" * 1_000])
def test_deeply_nested_json_is_a_400_on_every_json_endpoint(app, api, body):
    operations = body_operations(app)
    assert sum(has_body for *_, has_body in operations) >= 15
    # those that read no body run last (one of them revokes a token, maybe the caller's)
    for method, url, has_body in sorted(operations, key=lambda o: not o[2]):
        response = api.request(method, url, data=body, content_type="application/json")
        if has_body:
            assert response.status_code == 400, (method, url, response.status_code)
            answer = response.get_json()
            assert (answer["code"], answer["status"]) == (400, "Bad Request"), (method, url)
            assert answer["errors"] == {"json": ["Invalid JSON body."]}
        else:  # the body is not read
            assert response.status_code < 500, (method, url, response.status_code)


def test_the_apps_json_decoder_refuses_deep_nesting_as_bad_input(app):
    """``request.get_json`` (pages, anything outside the API's parser) answers 400 too."""
    with pytest.raises(ValueError, match="nested too deeply"):
        app.json.loads("[" * 100_000)
    with app.test_request_context("/", method="POST", data="[" * 100_000,
                                  content_type="application/json"):
        from flask import request
        from werkzeug.exceptions import BadRequest

        with pytest.raises(BadRequest):
            request.get_json()
    assert app.json.loads("[[1]]") == [[1]]


def patch_operations(app):
    return [(url, has_body) for method, url, has_body in body_operations(app)
            if method == "PATCH"]


@pytest.mark.parametrize("body", [None, {}])
def test_a_patch_must_change_something(app, api, city, body):
    urls = [url for url, _ in patch_operations(app)]
    assert len(urls) >= 6
    for url in urls:
        # None: no body at all
        response = api.request("PATCH", url) if body is None else api.patch(url, json=body)
        errors = errors_of(response)
        if url.startswith("/api/v1/communities/"):  # its one field is required
            assert errors == {"name": ["This field is required."]}, url
        else:
            assert errors == {"_schema": [AT_LEAST_ONE_FIELD]}, url


def test_posting_a_token_needs_its_label(api, city):
    response = api.request("POST", "/api/v1/tokens")  # no body
    assert errors_of(response) == {"name": ["This field is required."]}
    assert errors_of(api.post("/api/v1/tokens", json={})) == {
        "name": ["This field is required."]}
    assert "name" in errors_of(api.post("/api/v1/tokens", json={"name": ""}))
    made = api.post("/api/v1/tokens", json={"name": "kiosk 7"})
    assert made.status_code == 201 and made.get_json()["name"] == "kiosk 7"


@pytest.mark.parametrize("bad", [0, 1, "true", "yes", "on", None])
def test_booleans_in_a_body_are_true_or_false(api, city, db, bad):
    from wastesort.facilities.models import TreatmentFacility

    facility = db.session.query(TreatmentFacility).first()
    point = city.points["a1"]
    staff = city.users["staff"]
    for url in (f"/api/v1/facilities/{facility.id}", f"/api/v1/recycling-points/{point.id}",
                f"/api/v1/users/{staff.id}"):
        assert errors_of(api.patch(url, json={"active": bad})) == {
            "active": ["This field may not be empty."] if bad is None else ["Enter true or false."]}
    assert api.patch(f"/api/v1/recycling-points/{point.id}",
                     json={"active": False}).get_json()["active"] is False


@pytest.mark.parametrize("bad", ["29.5", "", True, "NaN", float("inf")])
def test_numbers_in_a_body_are_numbers(api, city, bad):
    point = city.points["a1"]
    errors = errors_of(api.request(
        "PATCH", f"/api/v1/recycling-points/{point.id}", content_type="application/json",
        data=json.dumps({"latitude": bad})))
    assert list(errors) == ["latitude"]
    for good in (29.5, 29, None):
        response = api.patch(f"/api/v1/recycling-points/{point.id}", json={"latitude": good})
        assert response.status_code == 200 and response.get_json()["latitude"] == good


def test_the_document_says_the_default_maximum_weight(client):
    weight = document(client)["components"]["schemas"]["CollectionIn"]["properties"][
        "weight_kg"]
    assert (weight["minimum"], weight["maximum"]) == (1, 50_000)
    assert weight["x-maximum-setting"] == "COLLECTION_MAX_WEIGHT_KG"
    batch = document(client)["components"]["schemas"]["BatchRecord"]["properties"]
    assert batch["weight_kg"]["maximum"] == 50_000


@pytest.mark.config(COLLECTION_MAX_WEIGHT_KG=80_000)
def test_the_document_says_the_configured_maximum_weight(api, city, client):
    weight = document(client)["components"]["schemas"]["CollectionIn"]["properties"][
        "weight_kg"]
    assert weight["maximum"] == 80_000
    from wastesort.timeutil import local_today

    body = {"recycling_point_id": city.points["a1"].id, "collected_on": str(local_today()),
            "category": "kitchen"}
    assert api.post("/api/v1/collections", as_="staff",
                    json={**body, "weight_kg": 80_000}).status_code == 201
    assert "weight_kg" in errors_of(api.post("/api/v1/collections", as_="staff",
                                             json={**body, "weight_kg": 80_001}))


def test_the_document_says_the_printable_text_rule(api, city, client):
    schemas = document(client)["components"]["schemas"]
    texts = [(name, field, spec) for name, schema in schemas.items()
             for field, spec in schema.get("properties", {}).items()
             if spec.get("type") == "string" and "maxLength" in spec
             and field != "password" and spec.get("format") != "email"]
    assert len(texts) >= 15
    for name, field, spec in texts:
        assert spec.get("pattern") == PRINTABLE_PATTERN, (name, field)
        assert "printable" in spec["description"].lower(), (name, field)
    pattern = re.compile(PRINTABLE_PATTERN.encode().decode("unicode_escape"))
    assert pattern.fullmatch("幸福小区 3") and not pattern.fullmatch("a\x00b")
    assert not pattern.fullmatch("a\x85b")  # C1 control (NEL)
    township = city.townships["a1"].id
    for bad in ("a\x85b", "a\u2028b", "a\u200bb"):  # NEL, line separator, zero-width space
        assert "name" in errors_of(api.post("/api/v1/communities",
                                            json={"township_id": township, "name": bad}))


def test_the_document_says_a_patch_changes_at_least_one_field(app, client):
    doc = document(client)
    for url, has_body in patch_operations(app):
        assert has_body, url
        path = next(p for p in doc["paths"] if re.sub(r"\{\w+\}", "1", p) == url)
        body = doc["paths"][path]["patch"]["requestBody"]
        assert body["required"] is True
        ref = body["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
        schema = doc["components"]["schemas"][ref]
        assert schema.get("minProperties") == 1 or schema.get("required"), url


def test_swagger_ui_sends_the_document_to_no_validator(client):
    page = client.get("/api/v1/docs", headers={"Accept": "text/html"})
    html = page.get_data(as_text=True)
    page.close()
    override = re.search(r"var override_config = (\{.*?\});", html)
    assert override, html
    assert json.loads(override.group(1))["validatorUrl"] is None
