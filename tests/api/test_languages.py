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
