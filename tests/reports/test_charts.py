"""Report charts in the reader's language: Chinese texts set in the bundled CJK font (loaded by
its path, whatever matplotlib's font cache holds), English in English, no label over another or
over a bar, and a day report drawn among the 30 days up to it with the day marked."""

import datetime as dt
import io
import logging
import re
import subprocess
import sys
import textwrap
from email import message_from_bytes, policy

import pytest
from flask_babel import force_locale
from matplotlib import font_manager
from matplotlib.image import imread
from matplotlib.patches import Rectangle
from matplotlib.text import Text

from tests.factories import add_collection
from wastesort import fonts
from wastesort.enums import WasteCategory
from wastesort.reports.charts import CONTEXT_ALPHA, chart_figure, chart_png
from wastesort.reports.mail import build_report_message
from wastesort.reports.models import Report, ReportKind, ReportPeriod
from wastesort.reports.service import make_report

from .conftest import city_time
from .test_views import log_in

DAY = dt.date(2026, 11, 20)
CJK = re.compile(r"[\u4e00-\u9fff]")
ZH, EN = "zh_Hans_CN", "en"


@pytest.fixture
def today(time_machine):
    time_machine.move_to(city_time(2026, 11, 29, 10), tick=False)


@pytest.fixture
def day_report(today, city):
    """The capacity report of DAY, with collections on it and on some days before."""
    for back, weight_kg in ((0, 430_000), (1, 200_000), (12, 350_000), (40, 999_000)):
        add_collection(city.points["a1"], DAY - dt.timedelta(days=back), WasteCategory.RESIDUAL,
                       weight_kg)
    add_collection(city.points["a2"], DAY, WasteCategory.KITCHEN, 120_000)
    return make_report(ReportKind.CAPACITY, ReportPeriod.DAY, DAY)[0]


@pytest.fixture
def coverage_report(today, city):
    return make_report(ReportKind.COVERAGE, ReportPeriod.DAY, DAY)[0]


def many_townships_report(count: int = 25) -> Report:
    """A district's coverage report with many towns and streets (not stored: only drawn)."""
    townships = [{"id": n, "name": f"第{n}街道" if n % 2 else f"某某{n}镇", "kind": "street",
                  "coverage_percent": 60 + n * 1.5, "covered": 60 + n * 1.5 >= 95}
                 for n in range(1, count + 1)]
    return Report(kind=ReportKind.COVERAGE, figures={
        "scope": "district:1", "as_of": DAY.isoformat(), "full_coverage_percent": 95,
        "districts": [], "townships": townships})


def drawn(report: Report, locale: str):
    with force_locale(locale):
        figure = chart_figure(report)
    figure.canvas.draw()
    return figure


def texts(figure) -> list[Text]:
    return [t for t in figure.findobj(Text) if t.get_visible() and t.get_text().strip()]


def joined(figure) -> str:
    return "\n".join(t.get_text() for t in texts(figure))


def font_file(text: Text) -> str:
    """The file matplotlib draws the text's first glyphs with."""
    return str(font_manager.fontManager._find_fonts_by_props(text.get_fontproperties())[0])


def bars(figure):
    axes = figure.axes[0]
    return [patch for container in axes.containers for patch in container]


def test_a_chinese_capacity_chart_has_chinese_texts_in_the_bundled_font(app, day_report):
    figure = drawn(day_report, ZH)
    axes = figure.axes[0]
    assert axes.get_title() == "2026年10月22日至2026年11月20日每日收运量与处理能力"
    assert axes.get_ylabel() == "吨/日"
    legend = [t.get_text() for t in figure.legends[0].get_texts()]
    assert legend == ["可回收物（蓝色桶）", "有害垃圾（红色桶）", "厨余垃圾（绿色桶）",
                      "其他垃圾（灰色桶）", "末端处理能力", "预警线（处理能力的 85 %）",
                      "报表日"]
    assert not re.search(r"[A-Za-z]", joined(figure))  # not one English word
    bundled = str(fonts.cjk_font_path())
    assert {font_file(t) for t in texts(figure)} == {bundled}


def test_an_english_capacity_chart_is_english(app, day_report):
    figure = drawn(day_report, EN)
    axes = figure.axes[0]
    assert axes.get_title() == "Collected against the disposal capacity, Oct 22, 2026 to " \
                               "Nov 20, 2026"
    assert axes.get_ylabel() == "Tonnes per day"
    assert "Disposal capacity" in joined(figure)
    assert "Day of the report" in joined(figure)
    assert not CJK.search(joined(figure))


def test_a_chinese_coverage_chart_names_districts_in_chinese(app, coverage_report):
    figure = drawn(coverage_report, ZH)
    axes = figure.axes[0]
    assert axes.get_title() == "2026年11月20日各区住户分类覆盖率"
    assert axes.get_xlabel() == "住户分类覆盖率（%）"
    assert [t.get_text() for t in axes.get_yticklabels()] == ["渝中区", "大渡口区"]
    assert [t.get_text() for t in figure.legends[0].get_texts()] == [
        "已覆盖", "尚未覆盖", "达标线 95 %"]
    assert not re.search(r"[A-Za-z]", joined(figure))
    assert {font_file(t) for t in texts(figure)} == {str(fonts.cjk_font_path())}


def test_an_english_coverage_chart_keeps_chinese_township_names_readable(app, recwarn):
    figure = drawn(many_townships_report(), EN)
    axes = figure.axes[0]
    assert axes.get_title() == "Coverage of households by town and street, Nov 20, 2026"
    assert axes.get_xlabel() == "Households covered, per cent"
    assert axes.get_yticklabels()[0].get_text() == "第1街道"
    assert not [w for w in recwarn if "missing from font" in str(w.message)]


def overlaps(a, b) -> bool:
    """Two window extents share more than a hairline (a pixel)."""
    return (min(a.x1, b.x1) - max(a.x0, b.x0) > 1) and (min(a.y1, b.y1) - max(a.y0, b.y0) > 1)


@pytest.mark.parametrize("locale", [ZH, EN])
@pytest.mark.parametrize("which", ["day", "coverage", "many townships"])
def test_no_label_overlaps_another_a_bar_or_the_edge(app, request, locale, which):
    report = {"day": lambda: request.getfixturevalue("day_report"),
              "coverage": lambda: request.getfixturevalue("coverage_report"),
              "many townships": many_townships_report}[which]()
    figure = drawn(report, locale)
    renderer = figure.canvas.get_renderer()
    boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in texts(figure)]
    page = figure.bbox
    for text, box in boxes:
        assert page.x0 <= box.x0 and box.x1 <= page.x1 and page.y0 <= box.y0 and \
            box.y1 <= page.y1, f"{text!r} is cut off at the figure's edge"
    for i, (text, box) in enumerate(boxes):
        for other, other_box in boxes[i + 1:]:
            assert not overlaps(box, other_box), f"{text!r} overlaps {other!r}"
    bar_boxes = [bar.get_window_extent(renderer) for bar in bars(figure)]
    for text, box in boxes:
        assert not any(overlaps(box, bar) for bar in bar_boxes), f"{text!r} is over a bar"
    legends = figure.legends + [a.get_legend() for a in figure.axes if a.get_legend()]
    assert legends
    for legend in legends:
        box = legend.get_window_extent(renderer)
        assert not any(overlaps(box, bar) for bar in bar_boxes), "the legend is over a bar"
        assert not overlaps(box, figure.axes[0].get_window_extent(renderer))


def test_a_day_report_is_drawn_among_the_30_days_up_to_it_with_the_day_marked(app,
                                                                               day_report):
    recent = day_report.figures["recent_days"]
    assert len(recent) == 30
    assert (recent[0]["day"], recent[-1]["day"]) == ("2026-10-22", "2026-11-20")
    assert [d["day"] for d in day_report.figures["daily"]] == ["2026-11-20"]
    figure = drawn(day_report, ZH)
    axes = figure.axes[0]
    residual = axes.containers[3]  # the fourth stream stacked: residual waste
    assert len(residual) == 30
    heights_t = [round(bar.get_height()) for bar in residual]
    assert heights_t[-1] == 430 and heights_t[-2] == 200 and heights_t[-13] == 350
    assert sum(heights_t) == 980  # the day 40 days before is not drawn
    alphas = [bar.get_facecolor()[3] for bar in residual]
    assert alphas[-1] == 1.0 and set(alphas[:-1]) == {CONTEXT_ALPHA}
    day_tick = [t for t in axes.get_xticklabels() if t.get_text() == "11/20"]
    assert len(day_tick) == 1 and day_tick[0].get_bbox_patch() is not None
    span = [p for p in axes.patches if isinstance(p, Rectangle) and p not in bars(figure)]
    assert len(span) == 1 and span[0].get_x() == pytest.approx(28.5)


def test_a_week_report_draws_its_own_days_only(app, today, city):
    report = make_report(ReportKind.CAPACITY, ReportPeriod.WEEK, DAY)[0]
    assert "recent_days" not in report.figures
    figure = drawn(report, ZH)
    assert len(figure.axes[0].containers[0]) == 7
    assert "报表日" not in joined(figure)


def test_the_png_is_the_drawn_figure(app, day_report):
    with force_locale(ZH):
        png = chart_png(day_report)
    assert imread(io.BytesIO(png), format="png").shape[:2] == (675, 1200)


def test_the_report_mail_chart_is_in_the_mail_language(app, day_report):
    """The chart inside a report e-mail follows the e-mail's language (MAIL_LOCALE), not the
    app's default."""
    for mail_locale in (EN, ZH):
        app.config["MAIL_LOCALE"] = mail_locale
        message = message_from_bytes(
            bytes(build_report_message(day_report, "boss@example.org")), policy=policy.default)
        png = next(p for p in message.walk() if p.get_content_type() == "image/png")
        with force_locale(mail_locale):
            assert png.get_content() == chart_png(day_report)
        with force_locale(ZH if mail_locale == EN else EN):
            assert png.get_content() != chart_png(day_report)


def test_the_font_is_loaded_without_any_font_cache(tmp_path):
    """In a fresh process with an empty MPLCONFIGDIR, Chinese is drawn in the bundled font, and
    matplotlib's font cache written there does not list it (it was never needed)."""
    script = textwrap.dedent("""
        import json, pathlib, sys, warnings
        warnings.simplefilter("error")
        from matplotlib import font_manager
        from matplotlib.figure import Figure
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from wastesort import fonts
        path = fonts.load_cjk_font()
        figure = Figure()
        FigureCanvasAgg(figure)
        text = figure.text(0.1, 0.5, "生活垃圾分类", fontfamily=fonts.chart_families(True))
        figure.canvas.draw()
        used = font_manager.fontManager._find_fonts_by_props(text.get_fontproperties())[0]
        cache = next(pathlib.Path(sys.argv[1]).glob("fontlist-*.json"))
        print(used == str(path), "Noto Sans SC" in cache.read_text())
    """)
    done = subprocess.run([sys.executable, "-c", script, str(tmp_path)], capture_output=True,
                          text=True, env={"MPLCONFIGDIR": str(tmp_path), "PATH": "/usr/bin"},
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True", "False"]


def test_the_cjk_font_is_installed_by_the_project():
    assert fonts.cjk_font_path() is not None, (
        "Noto Sans SC is missing: it comes with the dependency pylopdf-fonts-zh-cn "
        "(pip install -e .)")


def test_without_the_cjk_font_charts_are_english_with_one_warning(app, day_report,
                                                                  monkeypatch, caplog):
    monkeypatch.setattr(fonts, "cjk_font_path", lambda: None)
    monkeypatch.setattr(fonts, "_loaded", {})
    with caplog.at_level(logging.WARNING, logger="wastesort.fonts"):
        for _ in range(3):
            figure = drawn(day_report, ZH)
    assert figure.axes[0].get_ylabel() == "Tonnes per day"
    assert not CJK.search(joined(figure))
    assert len([r for r in caplog.records if r.name == "wastesort.fonts"]) == 1


def test_the_report_page_chart_is_in_the_reader_language(app, city, day_report):
    """The chart's address is the same in both languages: the answer follows the reader's
    language and tells caches so (a language switch changes the session cookie)."""
    client = log_in(app, city.users["manager"])
    url = f"/reports/{day_report.id}/chart.png"
    for accept, locale in (("zh-CN", ZH), ("en", EN)):
        answer = client.get(url, headers={"Accept-Language": accept})
        assert answer.status_code == 200
        with force_locale(locale):
            assert answer.data == chart_png(day_report)
        assert {"Cookie", "Accept-Language"} <= set(answer.vary)


def test_a_day_report_made_before_its_days_were_stored_is_drawn_among_30_days(app, db,
                                                                              day_report):
    day_report.figures = {k: v for k, v in day_report.figures.items() if k != "recent_days"}
    db.session.commit()
    figure = drawn(db.session.get(Report, day_report.id), ZH)
    residual = figure.axes[0].containers[3]
    assert len(residual) == 30
    assert [round(bar.get_height()) for bar in residual][-2:] == [200, 430]


def test_a_chinese_report_email_carries_the_chinese_chart(app, day_report, smtp, subscribe):
    """Through a real SMTP conversation: the chart inside a Chinese e-mail is the Chinese one
    (its title, also the PNG's Title, is Chinese), not the English one."""
    from PIL import Image

    from wastesort.reports.delivery import queue_report, send_due

    app.config["MAIL_LOCALE"] = ZH
    subscribe("boss@example.org", "capacity", "day")
    queue_report(day_report)
    smtp.start()
    assert send_due()["sent"] == 1
    (message,) = smtp.mailbox.messages
    (png,) = [p for p in message.walk() if p.get_content_type() == "image/png"]
    picture = Image.open(io.BytesIO(png.get_content()))
    assert picture.text["Title"] == "2026年10月22日至2026年11月20日每日收运量与处理能力"
    with force_locale(ZH):
        assert png.get_content() == chart_png(day_report)
