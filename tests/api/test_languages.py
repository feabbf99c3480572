"""The API speaks its caller's language: Chinese by default (the city's), English for a client
that asks for it with Accept-Language; every message is translated whole, numbers included."""

from wastesort.timeutil import local_today

URL = "/api/v1/collections"


def _post(api, city, language=None, **changes):
    headers = {} if language is None else {"Accept-Language": language}
    record = {"recycling_point_id": city.points["a1"].id, "collected_on": str(local_today()),
              "category": "kitchen", "weight_kg": 1500, **changes}
    response = api.client.post(URL, json=record, headers={
        "Authorization": f"Bearer {api.tokens['staff']}", **headers})
    assert response.status_code == 422
    return response.get_json()["errors"]


def test_messages_are_chinese_by_default(api, city):
    errors = _post(api, city, weight_kg=60_000)
    assert errors == {"weight_kg": ["单条记录的重量须在 1 至 50,000 千克之间。"]}


def test_messages_follow_accept_language(api, city):
    assert _post(api, city, "en", weight_kg=60_000) == {
        "weight_kg": ["The weight must be from 1 to 50,000 kg for one record."]}
    assert _post(api, city, "zh-CN,zh;q=0.9", recycling_point_id=999_999) == {
        "recycling_point_id": ["没有这个回收点。"]}


def test_not_found_and_forbidden_are_translated(api, city):
    headers = {"Authorization": f"Bearer {api.tokens['staff']}"}
    missing = api.client.get(f"{URL}/999999", headers=headers)
    assert missing.status_code == 404 and missing.get_json()["message"] == "没有这条收运记录。"
    english = api.client.get(f"{URL}/999999", headers={**headers, "Accept-Language": "en"})
    assert english.get_json()["message"] == "No such collection."


def test_schema_messages_are_translated_too(api, city):
    """What the schemas refuse (a wrong type, an unknown choice, a missing field) is told in
    the caller's language as well."""
    headers = {"Authorization": f"Bearer {api.tokens['admin']}"}
    household = api.client.post("/api/v1/households", json={"community_id": "one"},
                                headers=headers)
    errors = household.get_json()["errors"]
    assert errors["community_id"] == ["请输入整数。"] and errors["code"] == ["此项为必填项。"]
    bin_ = api.client.post("/api/v1/bins", headers={**headers, "Accept-Language": "en"}, json={
        "community_id": city.communities["a1c1"].id, "serial": "X", "category": "glass",
        "capacity_l": 240})
    assert bin_.get_json()["errors"]["category"] == [
        "Choose one of: recyclable, hazardous, kitchen, residual."]
