"""Languages: the user's choice first, then the browser's Accept-Language; Chinese texts,
numbers and dates in the user's locale; service messages translated on the pages."""

from pathlib import Path

from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from wastesort.enums import WasteCategory
from wastesort.timeutil import local_today

from ..factories import add_collection

TRANSLATIONS = Path(__file__).resolve().parents[2] / "wastesort" / "translations"


def test_accept_language_chooses_chinese_or_english(client, city):
    zh = client.get("/login", headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"}).text
    assert '<html lang="zh-CN">' in zh and "登录" in zh and "用户名" in zh
    en = client.get("/login", headers={"Accept-Language": "en-GB,en;q=0.8"}).text
    assert '<html lang="en">' in en and "Username" in en and "用户名" not in en


def test_default_is_chinese_for_a_browser_without_preference(client, city):
    assert "用户名" in client.get("/login", headers={"Accept-Language": "fr"}).text


def test_the_choice_wins_over_the_browser_and_is_kept_on_the_user(browser, city, db):
    response = browser.submit("/language", {"language": "zh_Hans_CN", "next": "/login"},
                              form_url="/login")
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    page = browser.get("/login", headers={"Accept-Language": "en"}).text
    assert "用户名" in page
    browser.login("street")
    db.session.refresh(city.users["street"])
    assert city.users["street"].locale == "zh_Hans_CN"
    browser.submit("/language", {"language": "en", "next": "/dashboard/"},
                   form_url="/dashboard/")
    db.session.refresh(city.users["street"])
    assert city.users["street"].locale == "en"
    assert "Dashboard" in browser.get("/dashboard/",
                                      headers={"Accept-Language": "zh-CN"}).text


def test_unknown_language_is_refused(browser, city):
    response = browser.submit("/language", {"language": "tlh"}, form_url="/login",
                              headers={"Accept": "text/html"})
    assert response.status_code == 400


def test_chinese_dashboard_figures_have_units(login, city):
    add_collection(city.points["a1"], local_today(), WasteCategory.RESIDUAL, 1_234_500)
    html = login("manager").get("/dashboard/", headers={"Accept-Language": "zh-CN"}).text
    assert "今日收运量" in html and "1,234.5 t" in html
    assert "处理能力 500 吨/日" in html and "预警线 85 %" in html
    assert "超负荷" in html


def test_service_messages_are_translated_beside_fields(login, city):
    browser = login("staff")
    response = browser.submit("/collections/", {
        "recycling_point_id": str(city.points["a1"].id), "collected_on": "2001-01-01",
        "category": "kitchen", "weight_kg": "0"}, headers={"Accept-Language": "zh-CN"})
    assert response.status_code == 422
    assert "单条记录的重量须在 1 至 50,000 千克之间。" in response.text
    assert "最多只能补报 7 天内的数据" in response.text


def test_error_pages_speak_the_users_language(login, city):
    page = login("street").get("/households/999999", headers={
        "Accept": "text/html", "Accept-Language": "zh-CN"})
    assert page.status_code == 404
    assert "该页面不存在，或不在您的管辖范围内。" in page.text


def test_catalogues_are_complete_and_compiled():
    po_path = TRANSLATIONS / "zh_Hans_CN" / "LC_MESSAGES" / "messages.po"
    with po_path.open("rb") as f:
        catalog = read_po(f)
    with (TRANSLATIONS / "messages.pot").open("rb") as f:
        pot = read_po(f)
    def key(message_id):  # a plural's id is a tuple (list in a .mo)
        return message_id if isinstance(message_id, str) else tuple(message_id)

    def translated(message):
        strings = [message.string] if isinstance(message.string, str) else message.string
        return all(strings)

    untranslated = [m.id for m in catalog if m.id and not translated(m) and m.id in pot]
    assert untranslated == []
    with (po_path.with_suffix(".mo")).open("rb") as f:
        compiled = read_mo(f)
    assert {key(m.id) for m in compiled if m.id} >= {key(m.id) for m in catalog
                                                    if m.id and translated(m)}
    assert (TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.mo").exists()
