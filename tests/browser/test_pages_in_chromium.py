"""The issue's scenarios in a real browser."""

import pytest
from sqlalchemy import select

from wastesort.collections.models import Collection
from wastesort.enums import WasteCategory
from wastesort.households.models import Household
from wastesort.timeutil import local_today

from ..factories import add_collection, add_households
from .conftest import log_in

pytestmark = pytest.mark.browser


def test_street_admin_creates_a_household_and_imports_a_file_with_one_bad_row(
        live_server, open_page, city, db):
    page = open_page()
    log_in(page, live_server, "street")
    page.click("nav.main >> text=Households")
    page.click("text=New household")
    pick(page, "community_id", "社区2", f"{city.townships['a1'].name} · a1社区2")
    page.fill("input[name=code]", "E2E-1")
    page.fill("input[name=building]", "5")
    page.fill("input[name=unit]", "1")
    page.fill("input[name=room]", "0302")
    page.fill("input[name=members]", "3")
    page.fill("input[name=sorting_since]", "2021-06-01")
    page.click("button[type=submit].primary")
    assert page.locator(".flash").inner_text() == "Household E2E-1 saved."
    assert db.session.scalar(select(Household).where(Household.code == "E2E-1")) is not None

    page.click("text=Import")
    csv_text = ("code,community,building,unit,room,members,sorting_since\n"
                "50010300101000002,a1社区1,1,1,0101,2,2021-01-01\n"
                "50010300101000003,a1社区1,1,1,0102,two,2021-01-01\n"
                "50010300101000004,a1社区2,1,1,0103,4,\n")
    page.set_input_files("input[name=file]", files=[{
        "name": "households.csv", "mimeType": "text/csv", "buffer": csv_text.encode()}])
    page.click("text=Check the file")
    errors = page.locator("#import-errors tbody tr")
    assert errors.count() == 1
    assert errors.first.inner_text().split("\t")[:2] == ["row 3", "members"]
    assert "nothing was stored" in page.locator(".import-errors h2").inner_text()
    assert db.session.scalar(select(Household).where(
        Household.code == "50010300101000002")) is None


def pick(page, field: str, typed: str, label: str) -> None:
    """Choose ``label`` in the searchable picker of ``field`` after typing ``typed``."""
    search = page.locator(f"#{field}-search")
    search.fill(typed)
    page.locator(f'#{field}-options[data-query="{typed}"]').wait_for(state="attached")
    option = page.locator(f"#{field}-options [role=option]", has_text=label)
    option.wait_for()
    option.click()
    assert search.input_value() == label


def test_admin_posts_for_a_point_found_with_the_picker(live_server, open_page, city, db):
    page = open_page()
    log_in(page, live_server, "admin")
    page.goto(f"{live_server}/collections/")
    form = page.locator("form.collection-form")  # the list's filter has a point picker too
    assert form.locator("input[name=recycling_point_id]").get_attribute("type") == "hidden"
    assert page.locator("select[name=recycling_point_id]").count() == 0
    search = page.locator("#recycling_point_id-search")
    search.fill("回收站")
    page.locator('#recycling_point_id-options[data-query="回收站"]').wait_for()
    options = page.locator("#recycling_point_id-options [role=option]")
    assert options.count() == 3  # a1, a2 and b1's stations
    # the keyboard works too: down to the third suggestion, Enter
    search.press("ArrowDown")
    search.press("ArrowDown")
    search.press("ArrowDown")
    chosen = options.nth(2).inner_text()
    search.press("Enter")
    assert search.input_value() == chosen
    pick(page, "recycling_point_id", "b1", f"{city.townships['b1'].name} · b1回收站")
    page.select_option("select[name=category]", "residual")
    page.fill("input[name=weight_kg]", "480")
    page.click("button.wide")
    assert "Saved: 480 kg of Residual waste (grey bin)" in page.locator(".flash").inner_text()
    rows = db.session.scalars(select(Collection)).all()
    assert [(r.weight_kg, r.recycling_point_id) for r in rows] == [(480, city.points["b1"].id)]


def test_a_word_not_chosen_from_the_picker_is_explained_beside_the_field(
        live_server, open_page, city, db):
    page = open_page()
    log_in(page, live_server, "street")
    page.goto(f"{live_server}/households/new")
    page.locator("#community_id-search").fill("nowhere")
    page.locator('#community_id-options[data-query="nowhere"]').wait_for(state="attached")
    assert page.locator(".picker-status").inner_text() == "Nothing found."
    assert page.locator("#community_id-options").is_hidden()
    page.fill("input[name=code]", "E2E-9")
    page.click("button[type=submit].primary")
    assert "Choose a community from the suggestions" in \
        page.locator("#community_id-errors").inner_text()
    assert page.locator("#community_id-search").input_value() == "nowhere"
    assert db.session.scalar(select(Household).where(Household.code == "E2E-9")) is None


def test_without_script_the_number_is_typed(live_server, chromium, city, db):
    context = chromium.new_context(locale="en-US", java_script_enabled=False)
    try:
        page = context.new_page()
        log_in(page, live_server, "street")
        page.goto(f"{live_server}/communities/")
        number = city.communities["a1c2"].id
        assert page.locator("td.num", has_text=str(number)).count() == 1
        page.goto(f"{live_server}/households/new")
        page.fill("input[name=community_id]", str(number))
        page.fill("input[name=code]", "NOJS-1")
        page.click("button[type=submit].primary")
        assert page.locator(".flash").inner_text() == "Household NOJS-1 saved."
        row = db.session.scalar(select(Household).where(Household.code == "NOJS-1"))
        assert row.community_id == number
    finally:
        context.close()


def test_point_staff_post_a_collection_on_a_phone(live_server, open_page, city, db):
    page = open_page(phone=True)
    log_in(page, live_server, "staff")
    assert page.url.endswith("/post")  # the four-box screen; one record at a time here:
    page.goto(f"{live_server}/collections/")
    assert page.input_value("input[name=collected_on]") == local_today().isoformat()
    form_width = page.locator("form.collection-form").bounding_box()["width"]
    assert form_width <= 390  # no sideways scrolling on a phone
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.select_option("select[name=category]", "kitchen")
    page.fill("input[name=weight_kg]", "0")
    page.tap("button.wide")
    assert "from 1 to 50,000 kg" in page.locator("#weight_kg-errors").inner_text()
    page.fill("input[name=weight_kg]", "275")
    page.tap("button.wide")
    assert "Saved: 275 kg of Kitchen waste (green bin)" in page.locator(".flash").inner_text()
    assert "275 kg" in page.locator(".postings li").first.inner_text()
    rows = db.session.scalars(select(Collection)).all()
    assert [(r.weight_kg, r.recycling_point_id) for r in rows] == [(275, city.points["a1"].id)]


def test_manager_sees_the_dashboard_chart(live_server, open_page, city):
    add_households(city.communities["a1c1"], 20, 19)
    add_collection(city.points["a1"], local_today(), WasteCategory.RESIDUAL, 460_000)
    page = open_page()
    log_in(page, live_server, "manager")
    chart = page.locator("#tonnage-chart svg")
    assert chart.is_visible()
    box = chart.bounding_box()
    assert box["width"] > 300 and box["height"] > 100
    assert chart.locator("rect.bar").count() == 30
    assert chart.locator("rect.bar.status-warning").count() == 1
    assert chart.locator("line.limit").count() == 2
    assert "capacity 500 t/day" in chart.inner_html()
    assert page.locator("#coverage-chart svg rect.bar").count() == 2  # the two districts
    assert not page.locator("#coverage-table").is_visible()  # folded: every town and street
    page.click("#units summary")
    page.click("#coverage-table th >> text=Coverage")
    assert "sort=coverage" in page.url


def test_language_switch_shows_chinese(live_server, open_page, city):
    page = open_page(locale="en-US")
    log_in(page, live_server, "street")  # lands on their street's page
    assert page.locator("nav.main").inner_text().startswith("My street")
    page.click("form.language button[value=zh_Hans_CN]")
    page.wait_for_load_state("domcontentloaded")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert page.locator("nav.main").inner_text().startswith("本街镇")
    assert "工作台" in page.locator("nav.main").inner_text()
    assert "生活垃圾分类覆盖情况" in page.content()  # the street's coverage section
    page.goto(f"{live_server}/households/")  # the choice stays
    assert page.locator("h1").inner_text() == "住户"
